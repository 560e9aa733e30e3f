// conv2d: every fp32 convolution (general, grouped, depthwise, pointwise, fully connected as 1×1 on [N,1,1,K]),
// with bias, fused activation, and the channel shuffle fused into grouped 1×1 convolutions.
//
// Inputs: x [N,H,W,Cin], w [KH,KW,Cin/groups,Cout] (HWIO), optional b [Cout].
// Attrs:  stride [sh,sw] (1), pads [top,left,bottom,right] (0), dilation [dh,dw] (1), groups (1),
//         act (activation code, 0), shuffle (channel-shuffle groups applied to the output, 1 = none).
//
// Kernel choice (`convVariants`): pointwise GEMM for 1×1/stride-1/unpadded, depthwise for groups = Cin = Cout,
// the implicit-im2col unrolled kernels when output channels per group are a multiple of 8, the register-tiled
// general kernel when they are a multiple of 4, and the direct kernel (the oracle) otherwise; Winograd F(2×2, 3×3)
// for ungrouped 3×3 stride-1 convolutions (winogradConvVariants; first where winogradFirst holds). Where several fit,
// the tuner measures them on the adapter.

import { check, shapeStr, SlimError } from '../runtime/errors.js';
import type { Candidate } from '../runtime/tuner.js';
import type { BufferRange, Launch } from '../runtime/kernels.js';
import { attrInts, attrNum, registerOp, type Attrs, type PlanContext } from './registry.js';

export interface ConvGeom {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  cout: number;
  groups: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
  dh: number;
  dw: number;
  oh: number;
  ow: number;
}

export function convGeom(inShapes: number[][], attrs: Attrs): ConvGeom {
  const [xs, ws] = inShapes;
  check(xs && xs.length === 4, `conv2d input must be NHWC 4-D, got ${shapeStr(xs ?? [])}`);
  check(ws && ws.length === 4, `conv2d weight must be [KH,KW,Cin/groups,Cout], got ${shapeStr(ws ?? [])}`);
  const [n, h, w, cin] = xs;
  const [kh, kw, cg, cout] = ws;
  const groups = attrNum(attrs, 'groups', 1);
  check(Number.isInteger(groups) && groups >= 1, `conv2d groups must be a positive integer, got ${groups}`);
  check(cin % groups === 0 && cout % groups === 0, `conv2d channels (in ${cin}, out ${cout}) must divide by groups ${groups}`);
  check(cg === cin / groups, `conv2d weight ${shapeStr(ws)} expects ${cg * groups} input channels, input ${shapeStr(xs)} has ${cin}`);
  const [sh, sw] = attrInts(attrs, 'stride', 2, [1, 1]);
  const [pt, pl, pb, pr] = attrInts(attrs, 'pads', 4, [0, 0, 0, 0]);
  const [dh, dw] = attrInts(attrs, 'dilation', 2, [1, 1]);
  check(sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1, 'conv2d stride and dilation must be ≥ 1');
  check(pt >= 0 && pl >= 0 && pb >= 0 && pr >= 0, 'conv2d pads must be ≥ 0');
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  check(oh >= 1 && ow >= 1, `conv2d output would be empty: input ${shapeStr(xs)}, kernel ${kh}×${kw}`);
  if (inShapes[2])
    check(inShapes[2].length === 1 && inShapes[2][0] === cout, `conv2d bias must be [${cout}], got ${shapeStr(inShapes[2])}`);
  return { n, h, w, cin, kh, kw, cout, groups, sh, sw, pt, pl, pb, pr, dh, dw, oh, ow };
}

/**
 * The convolution geometry uniforms of every convolution kernel (struct ConvGeom, shaders/common/conv_geom.wgsl,
 * the member `geom` of their Params): sizes as (rows, columns) pairs, padding top/left.
 */
export function convUniforms(g: ConvGeom) {
  return {
    in_hw: [g.h, g.w],
    out_hw: [g.oh, g.ow],
    kernel: [g.kh, g.kw],
    stride: [g.sh, g.sw],
    pad: [g.pt, g.pl],
    dilation: [g.dh, g.dw],
  };
}

export function isPointwise(g: ConvGeom): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
}

/** The vectorised 1×1 GEMM applies: unit 1×1 and channels per group multiples of 4. */
export function pointwiseFits(g: ConvGeom): boolean {
  return isPointwise(g) && (g.cin / g.groups) % 4 === 0 && (g.cout / g.groups) % 4 === 0;
}

/** Depthwise: one group per channel, as many outputs as inputs (the one geometry predicate; prune.ts and int8.ts use it). */
export function isDepthwise(g: ConvGeom): boolean {
  return g.groups > 1 && g.groups === g.cin && g.cin === g.cout;
}

registerOp({
  name: 'conv2d',
  infer(inShapes, attrs) {
    const g = convGeom(inShapes, attrs);
    const shuffle = attrNum(attrs, 'shuffle', 1);
    if (shuffle > 1) {
      check(g.cout % shuffle === 0, `conv2d shuffle groups ${shuffle} must divide ${g.cout} channels`);
      check(pointwiseFits(g), 'conv2d with a fused channel shuffle must be a 1×1 conv with channels per group a multiple of 4');
    }
    return [[g.n, g.oh, g.ow, g.cout]];
  },
  macs(inShapes, outShapes) {
    const [, , , cout] = outShapes[0];
    const [kh, kw, cg] = inShapes[1];
    return outShapes[0][0] * outShapes[0][1] * outShapes[0][2] * cout * kh * kw * cg;
  },
  plan(pc) {
    return pc.tuner.choose(convTuneKey(pc), convVariants(pc));
  },
});

function convTuneKey(pc: PlanContext): string {
  return `conv2d|${convKey(convGeom(pc.inShapes, pc.attrs))}|sh${attrNum(pc.attrs, 'shuffle', 1)}`;
}

/** A convolution's geometry as a tuner-key fragment. */
export function convKey(g: ConvGeom): string {
  return `${g.n}x${g.h}x${g.w}x${g.cin}|${g.kh}x${g.kw}x${g.cout}|g${g.groups}|s${g.sh}${g.sw}|d${g.dh}${g.dw}|p${g.pt}${g.pl}${g.pb}${g.pr}`;
}

/** The kernel variants that can run this convolution, preferred default first. */
export function convVariants(pc: PlanContext): Candidate[] {
  const g = convGeom(pc.inShapes, pc.attrs);
  const act = attrNum(pc.attrs, 'act', 0);
  const shuffle = attrNum(pc.attrs, 'shuffle', 1);
  const bias = () => (pc.inputCount > 2 ? pc.input(2) : pc.constant(new Float32Array(g.cout), `${pc.name}.zero_bias`));
  const k = pc.rt.kernels;
  const common = { cin: g.cin, cout: g.cout, groups: g.groups, ...convUniforms(g) };
  const out: Candidate[] = [];
  if (pointwiseFits(g)) {
    const m = g.n * g.h * g.w;
    if ((g.cout / g.groups) % 8 === 0) {
      if (pc.rt.ctx.features.has('subgroups')) {
        out.push({
          id: 'pointwise_quad4x8',
          build: async () => [
            await k.launch('conv/pointwise_forward_quad4x8', {
              overrides: { WG: 64, SHUFFLE: shuffle, ACT: act },
              uniforms: { m, k: g.cin, c: g.cout, groups: g.groups },
              buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
              invocations: Math.ceil(m / 16) * (g.cout / 8) * 4,
            }),
          ],
        });
      }
      for (const [rows, wg] of [
        [4, 64],
        [8, 64],
        [4, 128],
      ] as const) {
        out.push({
          id: `pointwise_unrolled${rows}x8_wg${wg}`,
          build: async () => [
            await k.launch(rows === 8 ? 'conv/pointwise_forward_unrolled8x8' : 'conv/pointwise_forward_unrolled4x8', {
              overrides: { WG: wg, SHUFFLE: shuffle, ACT: act },
              uniforms: { m, k: g.cin, c: g.cout, groups: g.groups },
              buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
              invocations: Math.ceil(m / rows) * (g.cout / 8),
            }),
          ],
        });
      }
    }
    // Fewer than 8 rows (a fully connected layer or an SE block's at batch 1): the row-light register tiles first.
    // The quad / unrolled tiles compute 16 / 4 rows per invocation, mostly on clamped rows. SwiftShader, 1×1 on M = 1,
    // GPU time, 15 interleaved rounds (docs/results/pointwise-m1): regtile tm4 at 0.12–0.49× quad 4×8 (K×C 784×32 0.12,
    // 96×24 0.23, 3136×128 0.49, 1024×1000 0.43, 1280×1000 0.41), 0.56× at M = 2; at M = 8 quad 4×8 was fastest.
    const fewRows = m < 8;
    const regtile: Candidate[] = [];
    for (const [tm, wg] of [
      [4, 64],
      [8, 64],
      [2, 64],
    ] as const) {
      regtile.push({
        id: `pointwise_regtile_tm${tm}_wg${wg}`,
        build: async () => [
          await k.launch('conv/pointwise_forward_regtile', {
            overrides: { WG: wg, TM: tm, SHUFFLE: shuffle, ACT: act },
            uniforms: { m, k: g.cin, c: g.cout, groups: g.groups },
            buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
            invocations: Math.ceil(m / tm) * (g.cout / 4),
          }),
        ],
      });
    }
    if (fewRows) out.unshift(...regtile);
    else out.push(...regtile);
  }
  if (shuffle > 1) {
    if (!out.length) throw new SlimError(`conv2d '${pc.name}': a fused channel shuffle needs the pointwise kernel`);
    return out;
  }
  if (isDepthwise(g) && g.cin % 4 === 0 && g.kh === 3 && g.kw === 3 && g.dh === 1 && g.dw === 1 && g.sh === g.sw && g.sh <= 2) {
    out.push({
      id: `depthwise_3x3_s${g.sh}`,
      build: async () => {
        const owTiles = Math.ceil(g.ow / 4);
        return [
          await k.launch('depthwise/depthwise_forward_3x3', {
            overrides: { ACT: act, STRIDE: g.sh },
            uniforms: { c: g.cin, in_hw: common.in_hw, out_hw: common.out_hw, pad: common.pad, ow_tiles: owTiles },
            buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
            invocations: g.n * g.oh * owTiles * (g.cin / 4),
          }),
        ];
      },
    });
  }
  if (isDepthwise(g) && g.cin % 4 === 0) {
    for (const wg of [64, 128]) {
      out.push({
        id: `depthwise_regtile_wg${wg}`,
        build: async () => {
          const owTiles = Math.ceil(g.ow / 4);
          return [
            await k.launch('depthwise/depthwise_forward_regtile', {
              overrides: { WG: wg, ACT: act },
              uniforms: { c: g.cin, ...convUniforms(g), ow_tiles: owTiles },
              buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
              invocations: g.n * g.oh * owTiles * (g.cin / 4),
            }),
          ];
        },
      });
    }
  }
  if (!isPointwise(g) && !isDepthwise(g)) out.push(...unrolledConvVariants(pc));
  const cg = g.cin / g.groups;
  if ((g.cout / g.groups) % 4 === 0) {
    const vecIn = cg % 4 === 0 ? 1 : 0;
    for (const wg of [64, 128]) {
      out.push({
        id: `conv2d_regtile_vec${vecIn}_wg${wg}`,
        build: async () => {
          const owTiles = Math.ceil(g.ow / 4);
          return [
            await k.launch('conv/conv2d_forward_regtile', {
              overrides: { WG: wg, ACT: act, VEC_IN: vecIn },
              uniforms: { ...common, ow_tiles: owTiles },
              buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
              invocations: g.n * g.oh * owTiles * (g.cout / 4),
            }),
          ];
        },
      });
    }
  }
  // Winograd: first where winogradFirst holds (then the default before any measurement), else candidates for the
  // tuner after the others
  const winograd = winogradConvVariants(pc);
  const first = winogradFirst(g, winograd);
  if (first) out.unshift(winograd[0]);
  out.push(...(first ? winograd.slice(1) : winograd));
  // The direct kernel is the oracle; it is offered to the tuner only when nothing faster applies, and tests pin it.
  out.push({
    id: 'conv2d_direct',
    tuned: out.length === 0,
    build: async () => [
      await k.launch('conv/conv2d_forward_direct', {
        overrides: { ACT: act },
        uniforms: common,
        buffers: { x: pc.input(0), w: pc.input(1), b: bias(), y: pc.output(0) },
        invocations: g.n * g.oh * g.ow * g.cout,
      }),
    ],
  });
  return out;
}

/** Implicit-im2col tiles of conv/conv2d_forward_{unrolled,quad}*: [kernel, output columns, channels, input read as vec4, quad]. */
// Default first (fastest on SwiftShader, batch-64 training shapes, measured by process CPU time, interleaved;
// docs/results/trainfast/round3): the widest quad tile that fits (7 × 32, 7 × 16; 7 columns tile cnn_small's and
// cnn_tiny's OW = 14 exactly), quad 8×8 vec4 for 8 channels (unrolled 8×8 without subgroups), and for the Cin = 1
// first layer 7 × 32 / 14 × 8 (OW = 28). Wider tiles load fewer values per multiply-add: on SwiftShader every
// load is a gather over the SIMD lanes, while the multiply-adds on spilled registers stay cheap.
const UNROLLED_TILES: [string, number, number, boolean, boolean][] = [
  ['conv/conv2d_forward_quad7x32_vec', 7, 32, true, true],
  ['conv/conv2d_forward_quad7x16_vec', 7, 16, true, true],
  ['conv/conv2d_forward_quad8x8_vec', 8, 8, true, true],
  ['conv/conv2d_forward_quad8x16_vec', 8, 16, true, true],
  ['conv/conv2d_forward_quad4x16_vec', 4, 16, true, true],
  ['conv/conv2d_forward_quad7x8_vec', 7, 8, true, true],
  ['conv/conv2d_forward_unrolled8x8_vec', 8, 8, true, false],
  ['conv/conv2d_forward_unrolled4x8_vec', 4, 8, true, false],
  ['conv/conv2d_forward_unrolled4x16_vec', 4, 16, true, false],
  ['conv/conv2d_forward_quad4x8_vec', 4, 8, true, true],
  ['conv/conv2d_forward_unrolled7x32', 7, 32, false, false],
  ['conv/conv2d_forward_unrolled14x16', 14, 16, false, false],
  ['conv/conv2d_forward_unrolled8x16', 8, 16, false, false],
  ['conv/conv2d_forward_unrolled4x32', 4, 32, false, false],
  ['conv/conv2d_forward_unrolled14x8', 14, 8, false, false],
  ['conv/conv2d_forward_unrolled7x8', 7, 8, false, false],
  ['conv/conv2d_forward_unrolled4x8', 4, 8, false, false],
];

/** The sliding-window tiles of conv/conv2d_forward_slide* (quad, vec4 input): [kernel, output columns, channels]. */
const SLIDE_TILES: [string, number, number][] = [
  ['conv/conv2d_forward_slidequad7x32', 7, 32],
  ['conv/conv2d_forward_slidequad7x16', 7, 16],
  ['conv/conv2d_forward_slidequad7x8', 7, 8],
];

/** conv/conv2d_forward_slide* applies: ungrouped, Cin % 4 == 0, KW = 3, column stride 1, column dilation 1. */
export function slideConvFits(g: ReturnType<typeof convGeom>): boolean {
  return g.groups === 1 && g.cin % 4 === 0 && g.kw === 3 && g.sw === 1 && g.dw === 1;
}

/** The one-channel 3×3 kernels, [kernel, output channels per invocation], default first. */
const CIN1_3X3_TILES: [string, number][] = [
  ['conv/conv2d_forward_cin1_3x3c8', 8],
  ['conv/conv2d_forward_cin1_3x3c16', 16],
];

/** conv/conv2d_forward_cin1_3x3c* applies: ungrouped, one input channel, 3×3, stride 1, dilation 1, Cout % 8 == 0. */
export function cin1Conv3x3Fits(g: ReturnType<typeof convGeom>): boolean {
  return (
    g.groups === 1 && g.cin === 1 && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.cout % 8 === 0
  );
}

/**
 * The implicit-im2col register-tiled kernels (shaders/conv/conv2d_forward_unrolled.tmpl.wgsl) that fit a general
 * convolution: channels per group a multiple of the tile's channels; the vec4 flavours need Cin/groups % 4 == 0,
 * the scalar ones serve small Cin (first layers).
 */
export function unrolledConvVariants(pc: PlanContext): Candidate[] {
  const g = convGeom(pc.inShapes, pc.attrs);
  const act = attrNum(pc.attrs, 'act', 0);
  const cg = g.cin / g.groups;
  const out: Candidate[] = [];
  const quad = pc.rt.ctx.features.has('subgroups');
  // a one-channel 3×3 stride-1 first layer: a whole output row per invocation with a sliding input window; 8
  // channels first (SwiftShader, batch 64: 0.16–0.21× the CPU time of unrolled 7×32 / 14×8, the same as 16 or 32
  // channels but the quickest to JIT-compile; docs/results/trainfast/round5)
  if (cin1Conv3x3Fits(g)) {
    for (const [kernel, cols] of CIN1_3X3_TILES) {
      if (g.cout % cols !== 0) continue;
      out.push({
        id: `conv2d_cin1_3x3c${cols}`,
        build: async () => {
          const b = pc.inputCount > 2 ? pc.input(2) : pc.constant(new Float32Array(g.cout), `${pc.name}.zero_bias`);
          return [
            await pc.rt.kernels.launch(kernel, {
              overrides: { ACT: act },
              uniforms: { cout: g.cout, ...convUniforms(g) },
              buffers: { x: pc.input(0), w: pc.input(1), b, y: pc.output(0) },
              invocations: g.n * g.oh * (g.cout / cols),
            }),
          ];
        },
      });
    }
  }
  // KW = 3 with column stride and dilation 1, ungrouped: the sliding-window tiles first (three column taps per window
  // load; SwiftShader, batch 32, in the training step: cnn_small's conv2 forward and input gradient 0.85–0.87× the CPU
  // time of quad 7×32, cnn_tiny's 0.54–0.57× of quad 7×16 / 8×8; docs/results/trainfast/round6)
  if (slideConvFits(g) && quad) {
    for (const [kernel, rows, cols] of SLIDE_TILES) {
      if (g.cout % cols !== 0) continue;
      out.push(unrolledCandidate(pc, g, act, kernel, rows, cols, true));
    }
  }
  for (const [kernel, rows, cols, vec, isQuad] of UNROLLED_TILES) {
    if ((g.cout / g.groups) % cols !== 0 || (vec ? cg % 4 !== 0 : cg % 4 === 0) || (isQuad && !quad)) continue;
    out.push(unrolledCandidate(pc, g, act, kernel, rows, cols, isQuad));
  }
  return out;
}

/**
 * The register tiles of conv/conv2d_forward_winograd_gemm* (quad): [kernel, tiles, output channels] per invocation.
 * SwiftShader, cnn_small's conv2 at batch 32, process CPU time (docs/results/trainfast/round8): 8×32 took
 * 0.70–0.79× the time of slide quad 7×32 forward and 0.67–0.74× for the input gradient; 16×32 a further
 * 0.82–0.96× / 0.90–0.94× of 8×32 but twice its JIT time (2.6 vs 1.2–1.5 s CPU, as much as slide quad 7×32), more
 * than a short training run saves: 8×32 first, 16×32 and 8×64 (which tied 16×32) for the tuner; 12×32, 16×16,
 * 16×64 and 32×32 were no better.
 */
const WINOGRAD_GEMM_TILES: [string, number, number][] = [
  ['conv/conv2d_forward_winograd_gemm8x32', 8, 32],
  ['conv/conv2d_forward_winograd_gemm16x32', 16, 32],
  ['conv/conv2d_forward_winograd_gemm8x64', 8, 64],
  ['conv/conv2d_forward_winograd_gemm4x32', 4, 32],
  ['conv/conv2d_forward_winograd_gemm8x16', 8, 16],
  ['conv/conv2d_forward_winograd_gemm4x16', 4, 16],
  ['conv/conv2d_forward_winograd_gemm8x8', 8, 8],
  ['conv/conv2d_forward_winograd_gemm4x8', 4, 8],
  ['conv/conv2d_forward_winograd_gemm8x4', 8, 4],
];

/**
 * The Winograd F(2×2, 3×3) convolution applies: ungrouped, 3×3, stride 1, dilation 1 (any pads), Cin and Cout
 * multiples of 4.
 */
export function winogradFits(g: ReturnType<typeof convGeom>): boolean {
  return (
    g.groups === 1 &&
    g.kh === 3 &&
    g.kw === 3 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.cin % 4 === 0 &&
    g.cout % 4 === 0
  );
}

/**
 * Whether Winograd F(2×2, 3×3) goes first, i.e. is the kernel used before (or without) any measurement, in conv2d
 * (inference) and conv2d_gemm (training): where its 16 GEMMs reduce over ≥ 32 input channels with a quad GEMM tile
 * (`winograd` is winogradConvVariants' list). SwiftShader:
 * - training, process CPU time in the step (docs/results/trainfast/round8): cnn_small's conv2 forward 0.64× / 0.66×
 *   (batch 32 / 64) of slide quad 7×32, its input gradient (Cin 64) 0.72×, the whole step 0.88–0.89×; cnn_tiny's
 *   input gradient (Cin 16) 1.14–1.19× of slide quad 7×8 in the step: not first there;
 * - inference (docs/results/winograd-default): the tuner's measured choice for cnn_small's conv2 (Cin 32) is
 *   Winograd at batch 1 and 64, and for ResNet-18's 3×3 layers (Cin 64–256, batch 1; docs/results/compressed-quiet-2)
 *   3.7–6.4× faster than the direct kernels; until it went first here, `run`/`eval` without a tuning cache (and the
 *   KD teacher's logits) used slide quad 7×32 at cnn_small's conv2: the whole model 1.5× the tuned latency at batch 1.
 */
export function winogradFirst(g: ReturnType<typeof convGeom>, winograd: Candidate[]): boolean {
  return g.cin >= 32 && winograd.length > 0 && winograd[0].id.startsWith('winograd2x2+gemm');
}

/**
 * Winograd F(2×2, 3×3) (Lavin & Gray 2016; shaders/conv/conv2d_forward_winograd_*.wgsl): per call the weight
 * transform U = G g Gᵀ (weights change every training step), the input transform V = Bᵀ d B per 4×4 input tile,
 * the 16 products M[ξ] = V[ξ]·U[ξ] (conv2d_forward_winograd_gemm* with subgroups, `winograd2x2+gemm<R>x<C>`, or
 * any adapter: a 1×1 convolution with 16 groups on the pointwise GEMM kernels, `winograd2x2+<pointwise id>`), and
 * the output transform Aᵀ M A + bias, activation. 16 multiplies per 2×2 outputs per (ci, co) instead of 36; U, V
 * and M live in scratch buffers owned by the compiled graph. conv2d and conv2d_gemm put the first one first where
 * winogradFirst holds, and the others after their other kernels (before the direct oracle).
 */
export function winogradConvVariants(pc: PlanContext): Candidate[] {
  const g = convGeom(pc.inShapes, pc.attrs);
  if (!winogradFits(g)) return [];
  const act = attrNum(pc.attrs, 'act', 0);
  const th = Math.ceil(g.oh / 2);
  const tw = Math.ceil(g.ow / 2);
  const tiles = g.n * th * tw;
  const gemmPc = (v: BufferRange, u: BufferRange): PlanContext => ({
    ...pc,
    attrs: { groups: 16 },
    inputCount: 2,
    inShapes: [
      [1, 1, tiles, 16 * g.cin],
      [1, 1, g.cin, 16 * g.cout],
    ],
    outShapes: [[1, 1, tiles, 16 * g.cout]],
    input: (i) => (i === 0 ? v : u),
  });
  type Gemm = { id: string; launches: (v: BufferRange, u: BufferRange, m: BufferRange) => Promise<Launch[]> };
  const gemms: Gemm[] = [];
  if (pc.rt.ctx.features.has('subgroups')) {
    for (const [kernel, rows, cols] of WINOGRAD_GEMM_TILES) {
      if (g.cout % cols !== 0) continue;
      gemms.push({
        id: `gemm${rows}x${cols}`,
        launches: async (v, u, m) => [
          await pc.rt.kernels.launch(kernel, {
            uniforms: { tiles, cin: g.cin, cout: g.cout },
            buffers: { v, u, m },
            invocations: Math.ceil(tiles / rows / 4) * 4 * 16 * (g.cout / cols),
          }),
        ],
      });
    }
  }
  // or the 1×1 convolution with 16 groups (the pointwise GEMM kernels)
  for (const c of convVariants(gemmPc(pc.input(0), pc.input(1)))) {
    if (!c.id.startsWith('pointwise_')) continue;
    gemms.push({
      id: c.id,
      launches: (v, u, m) =>
        convVariants({ ...gemmPc(v, u), output: () => m })
          .find((x) => x.id === c.id)!
          .build(),
    });
  }
  return gemms.map((gemm) => ({
    id: `winograd2x2+${gemm.id}`,
    build: async () => {
      const k = pc.rt.kernels;
      const u = pc.constant(new Float32Array(16 * g.cin * g.cout), `${pc.name}.winograd_u`);
      const v = pc.constant(new Float32Array(tiles * 16 * g.cin), `${pc.name}.winograd_v`);
      const m = pc.constant(new Float32Array(tiles * 16 * g.cout), `${pc.name}.winograd_m`);
      const b = pc.inputCount > 2 ? pc.input(2) : pc.constant(new Float32Array(g.cout), `${pc.name}.zero_bias`);
      const weight = await k.launch('conv/conv2d_forward_winograd_weight', {
        uniforms: { cin: g.cin, cout4: g.cout / 4 },
        buffers: { w: pc.input(1), u },
        invocations: g.cin * (g.cout / 4),
      });
      const input = await k.launch('conv/conv2d_forward_winograd_input', {
        uniforms: { cin4: g.cin / 4, tiles_hw: [th, tw], ...convUniforms(g) },
        buffers: { x: pc.input(0), v },
        invocations: tiles * (g.cin / 4),
      });
      const output = await k.launch('conv/conv2d_forward_winograd_output', {
        overrides: { ACT: act },
        uniforms: { cout4: g.cout / 4, tiles_hw: [th, tw], out_hw: [g.oh, g.ow] },
        buffers: { m, b, y: pc.output(0) },
        invocations: tiles * (g.cout / 4),
      });
      return [weight, input, ...(await gemm.launches(v, u, m)), output];
    },
  }));
}

/** One implicit-im2col tile kernel (conv2d_forward_unrolled or _slide: the same uniforms and thread mapping). */
function unrolledCandidate(
  pc: PlanContext,
  g: ReturnType<typeof convGeom>,
  act: number,
  kernel: string,
  rows: number,
  cols: number,
  isQuad: boolean,
): Candidate {
  return {
    id: kernel.replace('conv/conv2d_forward_', 'conv2d_'),
    build: async () => {
      const owTiles = Math.ceil(g.ow / rows);
      const tiles = g.n * g.oh * owTiles;
      const b = pc.inputCount > 2 ? pc.input(2) : pc.constant(new Float32Array(g.cout), `${pc.name}.zero_bias`);
      return [
        await pc.rt.kernels.launch(kernel, {
          overrides: { ACT: act },
          uniforms: { cin: g.cin, cout: g.cout, groups: g.groups, ...convUniforms(g), ow_tiles: owTiles, tiles },
          buffers: { x: pc.input(0), w: pc.input(1), b, y: pc.output(0) },
          // the quad flavour: whole quads (tiles rounded up to 4)
          invocations: (isQuad ? Math.ceil(tiles / 4) * 4 : tiles) * (g.cout / cols),
        }),
      ];
    },
  };
}
