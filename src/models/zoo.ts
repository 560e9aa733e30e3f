// The model zoo: MobileNet V1/V2, ShuffleNet v1, EfficientNet-B0 with compound scaling, and small CNNs for
// 28×28 inputs. Each builder returns a Graph in training form (conv → bn → act), NHWC input [N, R, R, 3].
//
// Architectures follow the papers:
//   MobileNetV1  Howard et al. 2017, Table 1 (ReLU; width α scales every layer's channels)
//   MobileNetV2  Sandler et al. 2018, Table 2 (ReLU6, linear bottlenecks; channels rounded to multiples of 8)
//   ShuffleNet   Zhang et al. 2017, Table 1 (g groups, scale s; first stage-2 1×1 conv ungrouped)
//   EfficientNet Tan & Le 2019, Table 1 (MBConv + SE(0.25), swish; φ scales depth α^φ, width β^φ, res γ^φ)

import type { Graph } from '../graph/ir.js';
import { check, SlimError } from '../runtime/errors.js';
import type { FusedActivationName } from '../ops/activation.js';
import { ModelBuilder } from './builder.js';
import { cnnSearch, parseArch, SEARCH_PREFIX, type SearchArch } from './search_space.js';

export interface ModelSpec {
  model: string;
  batch?: number;
  res?: number;
  classes?: number;
  alpha?: number; // MobileNet width
  groups?: number; // ShuffleNet g
  scale?: number; // ShuffleNet scale
  phi?: number; // EfficientNet compound coefficient
  /** EfficientNet width and depth multipliers, overriding 1.1^φ and 1.2^φ (the released B1–B7 use their own) */
  width?: number;
  depth?: number;
  seed?: number;
}

export const MODEL_NAMES = [
  'mobilenet_v1',
  'mobilenet_v2',
  'shufflenet',
  'efficientnet',
  'cnn_small',
  'cnn_tiny',
  'cnn_binary',
  'cnn_wide',
] as const;

function makeDivisible(v: number, divisor = 8): number {
  const n = Math.max(divisor, Math.floor(v + divisor / 2) - ((Math.floor(v + divisor / 2)) % divisor));
  return n < 0.9 * v ? n + divisor : n;
}

export function mobilenetV1(b: ModelBuilder, x: number, alpha: number, classes: number): number {
  const c = (n: number) => Math.max(4, Math.round(n * alpha));
  x = b.conv(x, c(32), { k: 3, stride: 2, act: 'relu', name: 'conv0' });
  const layers: [number, number][] = [
    [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
    [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
  ];
  layers.forEach(([out, s], i) => {
    x = b.conv(x, b.channels(x), { k: 3, stride: s, groups: b.channels(x), act: 'relu', name: `dw${i + 1}` });
    x = b.conv(x, c(out), { k: 1, act: 'relu', name: `pw${i + 1}` });
  });
  return b.classifier(b.globalAvgPool(x), classes);
}

export function mobilenetV2(b: ModelBuilder, x: number, width: number, classes: number): number {
  x = b.conv(x, makeDivisible(32 * width), { k: 3, stride: 2, act: 'relu6', name: 'conv0' });
  const cfg: [number, number, number, number][] = [
    [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
  ];
  let blk = 0;
  for (const [t, ch, n, s] of cfg) {
    const out = makeDivisible(ch * width);
    for (let i = 0; i < n; i++) {
      blk++;
      const cin = b.channels(x);
      const stride = i === 0 ? s : 1;
      let y = x;
      if (t !== 1) y = b.conv(y, cin * t, { k: 1, act: 'relu6', name: `b${blk}.expand` });
      y = b.conv(y, b.channels(y), { k: 3, stride, groups: b.channels(y), act: 'relu6', name: `b${blk}.dw` });
      y = b.conv(y, out, { k: 1, name: `b${blk}.project` });
      x = stride === 1 && cin === out ? b.add(x, y) : y;
    }
  }
  x = b.conv(x, width > 1 ? makeDivisible(1280 * width) : 1280, { k: 1, act: 'relu6', name: 'conv_last' });
  return b.classifier(b.globalAvgPool(x), classes);
}

const SHUFFLE_CHANNELS: Record<number, number[]> = {
  1: [144, 288, 576],
  2: [200, 400, 800],
  3: [240, 480, 960],
  4: [272, 544, 1088],
  8: [384, 768, 1536],
};

export function shufflenet(b: ModelBuilder, x: number, g: number, scale: number, classes: number): number {
  const base = SHUFFLE_CHANNELS[g];
  if (!base) throw new SlimError(`shufflenet --groups must be one of 1, 2, 3, 4, 8 (got ${g})`);
  check(scale >= 0.25 && scale <= 2, `shufflenet --scale must be in [0.25, 2] (got ${scale})`);
  // scaled stage outputs rounded so the bottleneck (out/4) splits into g equal groups (the paper's at scale 1)
  const unit = 4 * g;
  const outs = base.map((c) => Math.max(unit, Math.round((c * scale) / unit) * unit));
  x = b.conv(x, 24, { k: 3, stride: 2, act: 'relu', name: 'conv1' });
  x = b.maxpool(x, 3, 2, 1);
  const repeats = [4, 8, 4];
  outs.forEach((out, stage) => {
    for (let i = 0; i < repeats[stage]; i++) {
      const name = `stage${stage + 2}.${i}`;
      const cin = b.channels(x);
      const stride = i === 0 ? 2 : 1;
      const bottleneck = out / 4;
      const g1 = stage === 0 && i === 0 ? 1 : g; // paper: no group conv on stage 2's first pointwise layer
      let y = b.conv(x, bottleneck, { k: 1, groups: g1, act: 'relu', name: `${name}.gconv1` });
      y = b.shuffle(y, g);
      y = b.conv(y, bottleneck, { k: 3, stride, groups: bottleneck, name: `${name}.dw` });
      if (stride === 2) {
        y = b.conv(y, out - cin, { k: 1, groups: g, name: `${name}.gconv2` });
        x = b.act(b.concat([b.avgpool(x, 3, 2, 1), y]), 'relu');
      } else {
        y = b.conv(y, out, { k: 1, groups: g, name: `${name}.gconv2` });
        x = b.add(x, y, 'relu');
      }
    }
  });
  return b.classifier(b.globalAvgPool(x), classes);
}

/** EfficientNet-B0 scaled by φ: depth ×1.2^φ, width ×1.1^φ (resolution 224·1.15^φ is chosen by the caller). */
export function efficientnet(b: ModelBuilder, x: number, phi: number, classes: number, widthMult?: number, depthMult?: number): number {
  const width = widthMult ?? Math.pow(1.1, phi);
  const depth = depthMult ?? Math.pow(1.2, phi);
  const filters = (c: number) => makeDivisible(c * width);
  x = b.conv(x, filters(32), { k: 3, stride: 2, act: 'swish', name: 'stem' });
  const cfg: [number, number, number, number, number][] = [
    // expand, kernel, stride, channels, repeats
    [1, 3, 1, 16, 1], [6, 3, 2, 24, 2], [6, 5, 2, 40, 2], [6, 3, 2, 80, 3], [6, 5, 1, 112, 3], [6, 5, 2, 192, 4], [6, 3, 1, 320, 1],
  ];
  let blk = 0;
  for (const [e, k, s, ch, n] of cfg) {
    const out = filters(ch);
    const reps = Math.ceil(n * depth);
    for (let i = 0; i < reps; i++) {
      blk++;
      const name = `mb${blk}`;
      const cin = b.channels(x);
      const stride = i === 0 ? s : 1;
      let y = x;
      if (e !== 1) y = b.conv(y, cin * e, { k: 1, act: 'swish', name: `${name}.expand` });
      y = b.conv(y, b.channels(y), { k, stride, groups: b.channels(y), act: 'swish', name: `${name}.dw` });
      y = b.squeezeExcite(y, Math.max(1, Math.floor(cin * 0.25)), 'swish', `${name}.se`);
      y = b.conv(y, out, { k: 1, name: `${name}.project` });
      x = stride === 1 && cin === out ? b.add(x, y) : y;
    }
  }
  x = b.conv(x, filters(1280), { k: 1, act: 'swish', name: 'head' });
  return b.classifier(b.globalAvgPool(x), classes);
}

/**
 * Small CNNs for 28×28×1 inputs (Fashion-MNIST): the teacher-sized `cnn_small`, a ~1/10 `cnn_tiny`, and
 * `cnn_binary`, cnn_small's layers for a binary network: no ReLU, because a binary layer sees sign(x) and
 * sign(relu(x)) is always +1; batch-norm → sign is its non-linearity (train it with --qat binary).
 * `cnn_wide` is the wider, deeper teacher (issue 12: cnn_small reached 92.98 %, only 1.5 pt above cnn_tiny): two 3×3
 * convolutions of 64 channels, max-pool, two of 128, max-pool, a 64-unit dense layer — the search space's
 * `cnn_search:d4-w64-k3-fc`, named.
 */
/** The small CNNs' classifier starts at 1/20 of He-uniform with a zero bias: first loss ≈ ln 10 (tested). The
 *  ImageNet-shaped zoo models keep He-uniform heads: they are benchmarked with random weights, not trained here. */
export const CNN_CLASSIFIER_INIT_SCALE = 0.05;

/** cnn_wide's architecture in the search space's terms. */
export const CNN_WIDE: SearchArch = { depth: 4, width: 64, k: 3, dw: false, se: false, fc: true };

export function cnnSmall(b: ModelBuilder, x: number, classes: number, width = 1, act: FusedActivationName = 'relu'): number {
  const c1 = Math.max(4, Math.round(32 * width));
  const c2 = Math.max(4, Math.round(64 * width));
  x = b.conv(x, c1, { k: 3, act, name: 'conv1' });
  x = b.maxpool(x, 2, 2);
  x = b.conv(x, c2, { k: 3, act, name: 'conv2' });
  x = b.maxpool(x, 2, 2);
  const s = b.g.shape(x);
  x = b.g.add1('reshape', [x], { shape: [s[0], 1, 1, s[1] * s[2] * s[3]] }, 'flatten');
  x = b.dense(x, Math.max(16, Math.round(128 * width)), act, 'fc1');
  return b.classifier(x, classes, CNN_CLASSIFIER_INIT_SCALE);
}

export function defaultResolution(spec: ModelSpec): number {
  if (spec.model.startsWith('cnn_')) return 28;
  if (spec.model === 'efficientnet') return Math.round(224 * Math.pow(1.15, spec.phi ?? 0));
  return 224;
}

export function buildModel(spec: ModelSpec): Graph {
  return buildWith(spec, new ModelBuilder(spec.seed ?? 1));
}

/** What a model needs, from its shapes alone (no weight is made): checked against memory and device limits
 *  before a model is built. Bytes are f32. */
export interface ModelSize {
  params: number;
  /** Every activation tensor of the forward pass, summed (an upper bound on what the planner keeps live). */
  activationBytes: number;
  /** The largest single tensor (a weight, the input or an activation): it must fit one GPU buffer binding. */
  largest: { name: string; shape: number[]; bytes: number };
  /** Each parameter's shape, by name. */
  paramShapes: Map<string, number[]>;
}

export function modelSize(spec: ModelSpec): ModelSize {
  const b = new ModelBuilder(spec.seed ?? 1, { shapesOnly: true });
  const g = buildWith(spec, b);
  const params = new Set(b.shapeParams);
  let paramCount = 0;
  let activationBytes = 0;
  let largest = { name: '', shape: [] as number[], bytes: 0 };
  const paramShapes = new Map<string, number[]>();
  for (const t of g.tensors) {
    const n = t.shape.reduce((a, c) => a * c, 1);
    if (params.has(t.id)) {
      paramCount += n;
      paramShapes.set(t.name, t.shape);
    }
    else activationBytes += 4 * n;
    if (4 * n > largest.bytes) largest = { name: t.name, shape: t.shape, bytes: 4 * n };
  }
  return { params: paramCount, activationBytes, largest, paramShapes };
}

function buildWith(spec: ModelSpec, b: ModelBuilder): Graph {
  const batch = spec.batch ?? 1;
  const res = spec.res ?? defaultResolution(spec);
  const classes = spec.classes ?? (spec.model.startsWith('cnn_') ? 10 : 1000);
  check(Number.isInteger(batch) && batch >= 1 && batch <= 4096, `batch must be an integer in [1, 4096], got ${batch}`);
  check(Number.isInteger(res) && res >= 8 && res <= 4096, `resolution must be an integer in [8, 4096], got ${res}`);
  check(Number.isInteger(classes) && classes >= 1, `classes must be a positive integer, got ${classes}`);
  const cnn = spec.model.startsWith('cnn_');
  const x = b.input('input', [batch, res, res, cnn ? 1 : 3]);
  let y: number;
  switch (spec.model) {
    case 'mobilenet_v1': {
      const a = spec.alpha ?? 1;
      check([0.25, 0.5, 0.75, 1].includes(a), `mobilenet_v1 --alpha must be one of 0.25, 0.5, 0.75, 1 (got ${a})`);
      y = mobilenetV1(b, x, a, classes);
      break;
    }
    case 'mobilenet_v2': {
      const a = spec.alpha ?? 1;
      check(a > 0 && a <= 2, `mobilenet_v2 --alpha must be in (0, 2] (got ${a})`);
      y = mobilenetV2(b, x, a, classes);
      break;
    }
    case 'shufflenet':
      y = shufflenet(b, x, spec.groups ?? 3, spec.scale ?? 1, classes);
      break;
    case 'efficientnet': {
      const phi = spec.phi ?? 0;
      check(Number.isInteger(phi) && phi >= 0 && phi <= 7, `efficientnet --phi must be an integer in [0, 7] (got ${phi})`);
      for (const k of ['width', 'depth'] as const) {
        const v = spec[k];
        check(v === undefined || (v > 0 && v <= 8), `efficientnet --${k} must be in (0, 8] (got ${v})`);
      }
      y = efficientnet(b, x, phi, classes, spec.width, spec.depth);
      break;
    }
    case 'cnn_small':
      y = cnnSmall(b, x, classes, 1);
      break;
    case 'cnn_tiny':
      y = cnnSmall(b, x, classes, 0.25);
      break;
    case 'cnn_binary':
      y = cnnSmall(b, x, classes, 1, 'identity');
      break;
    case 'cnn_wide':
      y = cnnSearch(b, x, classes, CNN_WIDE, CNN_CLASSIFIER_INIT_SCALE);
      break;
    default:
      if (spec.model.startsWith(SEARCH_PREFIX)) y = cnnSearch(b, x, classes, parseArch(spec.model), CNN_CLASSIFIER_INIT_SCALE);
      else throw new SlimError(`unknown model '${spec.model}' (known: ${MODEL_NAMES.join(', ')}, ${SEARCH_PREFIX}…)`);
  }
  return b.finish(y);
}
