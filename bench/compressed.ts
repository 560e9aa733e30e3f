// Benchmark suite 'compressed': compressed conv kernels against our best fp32 conv at the same layer shape, in the
// same process on the same adapter. Layer shapes: MobileNetV1 1.0-224's pointwise layers and ResNet-18's 3×3
// convolutions (batch 1), plus, for int8 only, the layers whole-model int8 runs that the others do not:
// MobileNetV1's first conv (3 input channels, stride 2) and depthwise layers, ShuffleNet (g = 3)'s grouped 1×1 convs
// with 20 channels per group (xnor and block-sparse kernels take dense ungrouped layers with Cin % 4 == 0). Each
// variant runs as a small compiled graph (edge conversions included in the graph but not in the figure): the figure
// is the GPU time of the conv node alone (timestamp queries where the adapter has them, else wall-clock per node),
// median of `runs` rounds after a warm-up, with the kernel variant chosen by the Tuner in 'measure' mode for fp32
// and compressed ops alike. Rounds interleave the variants of a layer (one run of each per round), so load from
// other processes falls on all of them alike.
//
//   int8      conv2d_int8, q8 in → q8 out, requantization fused (dot4I8Packed where available)
//   xnor      conv2d_xnor, b1 in → b1 out (batch-norm + sign thresholds: a middle binary layer)
//   sparseNN  conv2d_bsr at NN% block sparsity, block shape chosen per layer by measuring (block in the row)
//
// `pin`: kernel candidate ids (prefixes, as the rows' `kernel` names them); each compressed variant is also compiled
// once per pin that its op offers, with that kernel forced, and timed in the same interleaved rounds (rows with
// `pinned: true`): an A/B of kernels against each other and fp32 in one run. In a block-sparse pin, `*` stands for the
// block shape chosen for the layer (bsr_*_pwquad4).

import { compile, type CompiledGraph } from '../src/graph/executor.js';
import { Graph, numel } from '../src/graph/ir.js';
import { int8ConvTables, packInt8ConvWeights } from '../src/ops/int8.js';
import { toBsr } from '../src/ops/block_sparse.js';
import { packSigns, xnorThresholds } from '../src/ops/xnor.js';
import { SlimError } from '../src/runtime/errors.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { addBsrConv, chooseBlockShape, pruneBlocks } from '../src/compress/sparse.js';

export interface LayerShape {
  layer: string;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride?: number;
  /** groups (= cin: depthwise); layers with groups > 1 or Cin % 4 ≠ 0 run int8 only */
  groups?: number;
}

export const COMPRESSED_LAYERS: LayerShape[] = [
  { layer: 'mobilenet_v1.pw_56', h: 56, w: 56, cin: 128, cout: 128, k: 1 },
  { layer: 'mobilenet_v1.pw_28', h: 28, w: 28, cin: 256, cout: 256, k: 1 },
  { layer: 'mobilenet_v1.pw_14', h: 14, w: 14, cin: 512, cout: 512, k: 1 },
  { layer: 'mobilenet_v1.pw_7', h: 7, w: 7, cin: 1024, cout: 1024, k: 1 },
  { layer: 'resnet18.conv3x3_56', h: 56, w: 56, cin: 64, cout: 64, k: 3 },
  { layer: 'resnet18.conv3x3_28', h: 28, w: 28, cin: 128, cout: 128, k: 3 },
  { layer: 'resnet18.conv3x3_14', h: 14, w: 14, cin: 256, cout: 256, k: 3 },
  { layer: 'mobilenet_v1.conv0_s2', h: 224, w: 224, cin: 3, cout: 32, k: 3, stride: 2 },
  { layer: 'mobilenet_v1.dw_112', h: 112, w: 112, cin: 32, cout: 32, k: 3, groups: 32 },
  { layer: 'mobilenet_v1.dw_112_s2', h: 112, w: 112, cin: 64, cout: 64, k: 3, stride: 2, groups: 64 },
  { layer: 'mobilenet_v1.dw_14', h: 14, w: 14, cin: 512, cout: 512, k: 3, groups: 512 },
  { layer: 'shufflenet.gpw_28_240_60', h: 28, w: 28, cin: 240, cout: 60, k: 1, groups: 3 },
  { layer: 'shufflenet.gpw_28_60_240', h: 28, w: 28, cin: 60, cout: 240, k: 1, groups: 3 },
];

/** xnor and block-sparse kernels take dense ungrouped layers with Cin % 4 == 0; the others run int8 only. */
const denseOnly = (l: LayerShape) => (l.groups ?? 1) === 1 && l.cin % 4 === 0;

export const COMPRESSED_VARIANTS = ['int8', 'xnor', 'sparse75', 'sparse90'] as const;
export type CompressedVariant = (typeof COMPRESSED_VARIANTS)[number];

export interface CompressedRow {
  layer: string;
  shape: string;
  variant: string;
  kernel: string;
  /** median of the runs */
  ms: number;
  fp32_ms: number;
  /** fastest of the runs (other load on the machine only adds time) and the ratio of those */
  min_ms: number;
  fp32_min_ms: number;
  speedup_min: number;
  runs: number;
  fp32_kernel: string;
  speedup: number;
  gmacs_per_s: number;
  block?: string;
  /** the kernel was forced (`pin`), not chosen by the tuner */
  pinned?: boolean;
  /** Node only: median process CPU time (user + system, all threads: SwiftShader runs the kernels on the CPU) of one
   *  whole profiled run of the graph (edge conversions and upload included), fp32's, and their ratio. CPU time is
   *  not stretched by waiting for the cores as wall-clock time is, so it is the steadier A/B figure under load. */
  cpu_ms?: number;
  fp32_cpu_ms?: number;
  speedup_cpu?: number;
  timing: 'timestamp' | 'wallclock';
}

function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return a;
}

interface Timed {
  variant: string;
  block?: string;
  model: CompiledGraph;
  kernel: string;
  ms: number[];
  method: 'timestamp' | 'wallclock';
  pinned?: boolean;
  cpu: number[];
}

/** Process CPU milliseconds so far (user + system), or null outside Node. */
function cpuNow(): number | null {
  if (typeof process === 'undefined' || typeof process.cpuUsage !== 'function') return null;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Compile with the Tuner measuring kernel variants, and warm up once. */
async function prepare(rt: Runtime, g: Graph, input: Float32Array, variant: string, block?: string): Promise<Timed> {
  const model = await compile(rt, g, { tune: 'measure', fuse: false });
  await model.run([input]);
  return { variant, block, model, kernel: [...model.variants.values()].join('+') || 'single', ms: [], method: 'wallclock', cpu: [] };
}

/** The graph compiled once per pin its op offers (kernel forced), warmed up; pins it does not offer are skipped. */
async function preparePinned(
  rt: Runtime,
  g: Graph,
  input: Float32Array,
  variant: string,
  pins: string[],
  used: Set<string>,
  block?: string,
): Promise<Timed[]> {
  const out: Timed[] = [];
  for (const pin of pins) {
    let model: CompiledGraph;
    try {
      // 'bsr_*_…': the block shape chosen for this layer in place of the *
      const force = block ? pin.replace('*', block.split(' ')[0]) : pin;
      model = await compile(rt, g, { tune: 'measure', fuse: false, forceVariant: force });
    } catch (e) {
      if (/cannot run/.test(String(e))) continue;
      throw e;
    }
    used.add(pin);
    await model.run([input]);
    const kernel = [...model.variants.values()].join('+') || pin;
    out.push({ variant, block, model, kernel, ms: [], method: 'wallclock', pinned: true, cpu: [] });
  }
  return out;
}

/** Rounds of one run per model (interleaved, so load on the machine hits every variant alike): node 'conv' GPU time.
 *  Each round starts one model later (rotation): under load the model run right after a long one (fp32) was seen up
 *  to 2× slower than a copy of itself later in the round (docs/results/sparse-r5/), so no model keeps that seat. */
async function timeRounds(models: Timed[], input: Float32Array, runs: number): Promise<void> {
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < models.length; k++) {
      const t = models[(r + k) % models.length];
      const c0 = cpuNow();
      const p = await t.model.profile([input]);
      const c1 = cpuNow();
      if (c0 !== null && c1 !== null) t.cpu.push(c1 - c0);
      t.method = p.method;
      t.ms.push(p.nodes.find((n) => n.name === 'conv')!.ms);
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function convAttrs(l: LayerShape) {
  const p = (l.k - 1) / 2;
  const s = l.stride ?? 1;
  return { kernel: [l.k, l.k], cout: l.cout, pads: [p, p, p, p], stride: [s, s], groups: l.groups ?? 1 };
}

export interface CompressedBenchOptions {
  runs?: number;
  layers?: string[];
  variants?: string[];
  /** kernel candidate ids (prefixes) to time pinned, besides the tuner's choice (see the header) */
  pin?: string[];
  log?: (line: string) => void;
}

export async function benchCompressed(rt: Runtime, opts: CompressedBenchOptions = {}): Promise<CompressedRow[]> {
  const runs = opts.runs ?? 5;
  const log = opts.log ?? (() => {});
  const layers = COMPRESSED_LAYERS.filter((l) => !opts.layers || opts.layers.some((f) => l.layer.includes(f)));
  const variants = (opts.variants ?? COMPRESSED_VARIANTS) as string[];
  const rows: CompressedRow[] = [];
  const pins = opts.pin ?? [];
  const usedPins = new Set<string>();
  for (const l of layers) {
    const xs = [1, l.h, l.w, l.cin];
    const groups = l.groups ?? 1;
    const ws = [l.k, l.k, l.cin / groups, l.cout];
    const input = seeded(numel(xs), 1);
    const w = seeded(numel(ws), 2, 0.1);
    const bias = seeded(l.cout, 3, 0.1);
    const attrs = convAttrs(l);
    const s = l.stride ?? 1;
    const macs = Math.ceil(l.h / s) * Math.ceil(l.w / s) * l.cout * l.k * l.k * (l.cin / groups);
    const shape = `${l.h}x${l.w}x${l.cin}->${l.cout} k${l.k}${s > 1 ? ` s${s}` : ''}${groups > 1 ? ` g${groups}` : ''}`;

    const fg = new Graph();
    fg.markOutput(
      fg.add1(
        'conv2d',
        [fg.addInput('x', xs), fg.addParam('w', ws, w), fg.addParam('b', [l.cout], bias)],
        { pads: attrs.pads, stride: attrs.stride, groups, act: 1 },
        'conv',
      ),
    );
    const timed: Timed[] = [await prepare(rt, fg, input, 'fp32')];

    if (variants.includes('int8')) {
      const wq = Int8Array.from(w, (v) => Math.max(-127, Math.min(127, Math.round(v * 1270))));
      const pw = packInt8ConvWeights(wq, ws, groups);
      const qp = int8ConvTables(new Int32Array(l.cout), new Array(l.cout).fill(0.003));
      const g = new Graph();
      const q = g.add1('quantize', [g.addInput('x', xs)], { scale: 1 / 127, zero: 0 });
      const y = g.add1(
        'conv2d_int8',
        [q, g.addRawParam('w', [pw.length], pw), g.addRawParam('qp', [qp.length], qp)],
        { ...attrs, xZero: 0, yZero: -128, qmin: -128, qmax: 127 },
        'conv',
      );
      g.markOutput(g.add1('dequantize', [y], { scale: 0.05, zero: -128 }));
      timed.push(await prepare(rt, g, input, 'int8'), ...(await preparePinned(rt, g, input, 'int8', pins, usedPins)));
    }
    if (variants.includes('xnor') && denseOnly(l)) {
      const pw = packSigns(w, ws);
      const thr = xnorThresholds(new Array(l.cout).fill(1), seeded(l.cout, 4, 3));
      const g = new Graph();
      const b = g.add1('binarize', [g.addInput('x', xs)]);
      const y = g.add1(
        'conv2d_xnor',
        [b, g.addRawParam('w', [pw.length], pw), g.addRawParam('thr', [thr.length], thr)],
        { ...attrs, out: 'b1' },
        'conv',
      );
      g.markOutput(g.add1('unpack_signs', [y]));
      timed.push(await prepare(rt, g, input, 'xnor'), ...(await preparePinned(rt, g, input, 'xnor', pins, usedPins)));
    }
    for (const v of variants.filter((v) => v.startsWith('sparse') && denseOnly(l))) {
      const sparsity = Number(v.slice(6)) / 100;
      const choice = await chooseBlockShape(rt, xs, w, ws, attrs, sparsity);
      const bsr = toBsr(pruneBlocks(w, ws, choice.block, sparsity), ws, choice.block);
      const g = new Graph();
      g.markOutput(addBsrConv(g, g.addInput('x', xs), bsr, bias, { ...attrs, act: 1 }, 'conv'));
      const probe = Object.entries(choice.ms)
        .map(([k, ms]) => `${k}:${ms.toFixed(1)}`)
        .join(' ');
      const block = `${choice.block.join('x')} (probe min ms ${probe})`;
      timed.push(await prepare(rt, g, input, v, block), ...(await preparePinned(rt, g, input, v, pins, usedPins, block)));
    }

    await timeRounds(timed, input, runs);
    timed.forEach((t) => t.model.destroy());
    const base = timed[0];
    const fp32 = median(base.ms);
    const fp32Min = Math.min(...base.ms);
    log(`${l.layer} fp32 ${fp32.toFixed(2)} ms (${base.kernel})`);
    for (const t of timed.slice(1)) {
      const ms = median(t.ms);
      const min = Math.min(...t.ms);
      rows.push({
        layer: l.layer,
        shape,
        variant: t.variant,
        kernel: t.kernel,
        ms,
        fp32_ms: fp32,
        speedup: fp32 / ms,
        min_ms: min,
        fp32_min_ms: fp32Min,
        speedup_min: fp32Min / min,
        fp32_kernel: base.kernel,
        gmacs_per_s: macs / ms / 1e6,
        ...(t.block ? { block: t.block } : {}),
        ...(t.pinned ? { pinned: true } : {}),
        ...(t.cpu.length && base.cpu.length
          ? { cpu_ms: median(t.cpu), fp32_cpu_ms: median(base.cpu), speedup_cpu: median(base.cpu) / median(t.cpu) }
          : {}),
        runs,
        timing: t.method,
      });
      log(
        `${l.layer} ${t.variant}${t.block ? ` ${t.block}` : ''} ${ms.toFixed(2)} ms (${t.kernel}${t.pinned ? ', pinned' : ''}) speedup ${(fp32 / ms).toFixed(2)}x` +
          (t.cpu.length && base.cpu.length ? `, CPU time ${(median(base.cpu) / median(t.cpu)).toFixed(2)}x` : ''),
      );
    }
  }
  const unused = pins.filter((p) => !usedPins.has(p));
  if (unused.length)
    throw new SlimError(`--pin: ${unused.map((p) => `'${p}'`).join(', ')} matched no kernel candidate of the measured layers and variants`);
  return rows;
}
