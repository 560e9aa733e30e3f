// conv2d backward: the gradients of conv2d (every fp32 convolution: general, grouped, depthwise, pointwise,
// fully connected as 1×1) with respect to its input, weights and bias. Each node carries the forward node's
// attributes; the derivative rule that emits them is in src/train/autodiff.ts.
//
//   conv2d_backward_input   (dy, w)  → dx  [N,H,W,Cin]      attrs: forward's + in_shape [N,H,W,Cin]
//   conv2d_backward_weight  (x, dy)  → dw  [KH,KW,Cg,Cout]  attrs: forward's + w_shape
//   conv2d_backward_bias    (dy)     → db  [Cout]
//
// Gradients are taken of the pre-activation output (training graphs keep activations as separate nodes) and
// of the unshuffled output (a fused shuffle is an inference rewrite).

import { check, shapeStr } from '../runtime/errors.js';
import type { Candidate } from '../runtime/tuner.js';
import {
  convGeom,
  convKey,
  convUniforms,
  convVariants,
  unrolledConvVariants,
  winogradConvVariants,
  winogradFirst,
  winogradFits,
} from './conv.js';
import { channelReduce } from './norm.js';
import type { BufferRange } from '../runtime/kernels.js';
import { attrInts, attrNum, numel, registerOp, type Attrs, type PlanContext } from './registry.js';

function geomFrom(xShape: number[], wShape: number[], attrs: Attrs, dyShape: number[]) {
  const g = convGeom([xShape, wShape], attrs);
  check(
    dyShape.length === 4 && dyShape[0] === g.n && dyShape[1] === g.oh && dyShape[2] === g.ow && dyShape[3] === g.cout,
    `conv2d backward: output gradient ${shapeStr(dyShape)} does not match the forward output [${g.n},${g.oh},${g.ow},${g.cout}]`,
  );
  return g;
}

function uniformsOf(g: ReturnType<typeof convGeom>) {
  return { cin: g.cin, cout: g.cout, groups: g.groups, ...convUniforms(g) };
}

registerOp({
  name: 'conv2d_backward_input',
  infer([dy, w], attrs) {
    const xs = attrInts(attrs, 'in_shape', 4);
    geomFrom(xs, w, attrs, dy);
    return [xs];
  },
  macs: (ins) => numel(ins[0]) * ins[1][0] * ins[1][1] * ins[1][2],
  plan: async (pc) => {
    const g = geomFrom(pc.outShapes[0], pc.inShapes[1], pc.attrs, pc.inShapes[0]);
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_input', {
        uniforms: uniformsOf(g),
        buffers: { dy: pc.input(0), w: pc.input(1), dx: pc.output(0) },
        invocations: numel(pc.outShapes[0]),
      }),
    ];
  },
});

registerOp({
  name: 'conv2d_backward_weight',
  infer([x, dy], attrs) {
    const ws = attrInts(attrs, 'w_shape', 4);
    geomFrom(x, ws, attrs, dy);
    return [ws];
  },
  macs: (ins, outs) => numel(ins[1]) * outs[0][0] * outs[0][1] * outs[0][2],
  plan: async (pc) => {
    const g = geomFrom(pc.inShapes[0], pc.outShapes[0], pc.attrs, pc.inShapes[1]);
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_weight', {
        uniforms: { batch: g.n, ...uniformsOf(g) },
        buffers: { x: pc.input(0), dy: pc.input(1), dw: pc.output(0) },
        invocations: numel(pc.outShapes[0]),
      }),
    ];
  },
});

registerOp({
  name: 'conv2d_backward_bias',
  infer([dy]) {
    return [[dy[dy.length - 1]]];
  },
  plan: async (pc) => {
    const dy = pc.inShapes[0];
    const c = dy[dy.length - 1];
    const rows = numel(dy) / c;
    const sum = channelReduce(
      { scalar: 'conv/conv2d_backward_bias', vec4: 'conv/conv2d_backward_bias_vec4' },
      c,
      rows,
      pc.rt.ctx.adapter.isSwiftShader,
    );
    return [
      await pc.rt.kernels.launch(sum.kernel, {
        overrides: sum.overrides,
        uniforms: { c, rows },
        buffers: { dy: pc.input(0), db: pc.output(0) },
        workgroups: sum.workgroups,
      }),
    ];
  },
});

/**
 * conv2d_backward_input_flip (w) → w' [KH,KW,Cout/groups,Cin]: the flipped, per-group transposed weights with which
 * a stride-1 convolution's input gradient is itself a forward convolution (see the rule in src/train/autodiff.ts).
 */
registerOp({
  name: 'conv2d_backward_input_flip',
  infer([w], attrs) {
    check(w.length === 4, `conv2d_backward_input_flip needs HWIO weights, got ${shapeStr(w)}`);
    const groups = attrNum(attrs, 'groups', 1);
    check(w[3] % groups === 0, `conv2d_backward_input_flip: ${w[3]} output channels do not divide by groups ${groups}`);
    return [[w[0], w[1], w[3] / groups, w[2] * groups]];
  },
  plan: async (pc) => {
    const [kh, kw, cg, cout] = pc.inShapes[0];
    const groups = attrNum(pc.attrs, 'groups', 1);
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_input_flip', {
        uniforms: { kh, kw, cin: cg * groups, cout, groups },
        buffers: { w: pc.input(0), wt: pc.output(0) },
        invocations: numel(pc.outShapes[0]),
      }),
    ];
  },
});

/**
 * conv2d_backward_weight_patches (x) → P [1,1,KH·KW·Cin,M]: the transposed patch matrix with which an ungrouped
 * convolution's weight gradient is one GEMM, P·dy (M = N·OH·OW). Attrs: the forward's + w_shape, and chunks S
 * (default 1): columns in split-K order (see the kernel's header), for a grouped GEMM of S chunks.
 */
registerOp({
  name: 'conv2d_backward_weight_patches',
  infer([x], attrs) {
    const ws = attrInts(attrs, 'w_shape', 4);
    const g = convGeom([x, ws], attrs);
    check(g.groups === 1, 'conv2d_backward_weight_patches: grouped convolutions use conv2d_backward_weight');
    const chunks = attrNum(attrs, 'chunks', 1);
    check(
      Number.isInteger(chunks) && chunks >= 1 && (g.n * g.oh * g.ow) % chunks === 0,
      `conv2d_backward_weight_patches: chunks ${chunks} must be an integer ≥ 1 dividing N·OH·OW = ${g.n * g.oh * g.ow}`,
    );
    return [[1, 1, g.kh * g.kw * g.cin, g.n * g.oh * g.ow]];
  },
  plan: async (pc) => {
    const g = convGeom([pc.inShapes[0], attrInts(pc.attrs, 'w_shape', 4)], pc.attrs);
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_weight_patches', {
        uniforms: {
          m: g.n * g.oh * g.ow,
          cin: g.cin,
          chunks: attrNum(pc.attrs, 'chunks', 1),
          ...convUniforms(g),
        },
        buffers: { x: pc.input(0), p: pc.output(0) },
        invocations: numel(pc.outShapes[0]),
      }),
    ];
  },
});

/**
 * The tiles of conv/conv2d_backward_weight_{unrolled,quad}*: [kernel, input channels, output channels] per
 * invocation, quad (the four invocations of a quad share the input channels' loads: needs 'subgroups' and
 * Cout % (4 · output channels) == 0).
 */
// Default first (SwiftShader, batch 64, docs/results/trainfast/round3): quad 16×8 where it fits (cnn_small's conv2:
// 0.7× the CPU time of unrolled 8×8), else unrolled 8×16 (cnn_tiny's conv2: ~0.9× of 8×8).
const DW_TILES: [string, number, number, boolean][] = [
  ['conv/conv2d_backward_weight_quad16x8', 16, 8, true],
  ['conv/conv2d_backward_weight_unrolled8x16', 8, 16, false],
  ['conv/conv2d_backward_weight_unrolled8x8', 8, 8, false],
  ['conv/conv2d_backward_weight_unrolled4x8', 4, 8, false],
  ['conv/conv2d_backward_weight_unrolled4x16', 4, 16, false],
  ['conv/conv2d_backward_weight_quad16x16', 16, 16, true],
  ['conv/conv2d_backward_weight_quad8x8', 8, 8, true],
  ['conv/conv2d_backward_weight_quad8x4', 8, 4, true],
];

/**
 * The sliding-window tiles (conv/conv2d_backward_weight_slide*: all three column taps of a kernel row per invocation),
 * for KW = 3 with column stride and dilation 1: [kernel, input channels, output channels, quad] as DW_TILES.
 * Defaults (SwiftShader, docs/results/trainfast/round5): slide quad 16×8 ahead of quad 16×8 where it fits (cnn_small's
 * conv2: 0.85× the CPU time at batch 64, 0.91× at 32), slide quad 8×4 ahead of unrolled 8×16 (cnn_tiny's conv2:
 * 0.62× / 0.76×); the other two are for adapters without subgroups (not measured ahead of the old tiles).
 */
const DW_SLIDE_FIRST: [string, number, number, boolean][] = [
  ['conv/conv2d_backward_weight_slidequad16x8', 16, 8, true],
  ['conv/conv2d_backward_weight_slidequad8x4', 8, 4, true],
];
/**
 * The same tiles with the output row taken 7 columns at a time, 7 products per accumulator update
 * (conv/conv2d_backward_weight_slidesum*: same conditions as the slide tiles, any OW: the last group is masked).
 * Order (SwiftShader, docs/results/trainfast/round7): slide quad 16×8 first, then these, then slide quad 8×4. cnn_tiny's
 * conv2 (Cin 8: slide quad 16×8 does not fit) takes slidesum quad 8×4: 0.45–0.74× the process CPU time of slide quad
 * 8×4, whole step 0.84× in process. For cnn_small's conv2 slidesum quad 16×8 was only 0.84–0.95× the node's CPU time
 * and costs ~0.9 s more JIT CPU (2.8 vs 1.9 s), more than a 24-step run saves (end to end 1.07× process CPU), so slide
 * quad 16×8 stays ahead of it.
 */
const DW_SLIDESUM: [string, number, number, boolean][] = [
  ['conv/conv2d_backward_weight_slidesum7quad8x4', 8, 4, true],
  ['conv/conv2d_backward_weight_slidesum7quad16x8', 16, 8, true],
  ['conv/conv2d_backward_weight_slidesum7plain8x8', 8, 8, false],
];
const DW_SLIDE_LATER: [string, number, number, boolean][] = [
  ['conv/conv2d_backward_weight_slide8x8', 8, 8, false],
  ['conv/conv2d_backward_weight_slide4x8', 4, 8, false],
];
export function dwSlideFits(g: ReturnType<typeof convGeom>): boolean {
  return dwUnrolledFits(g) && g.kw === 3 && g.sw === 1 && g.dw === 1;
}

/**
 * conv2d_backward_weight_partial applies: ungrouped, Cin % 4 == 0, Cout % 8 == 0. The training graph takes it only
 * for spatial kernels with output rows of ≥ 4 columns (dwImplicitPays): for a fully connected layer (1×1 on [N,1,1,K])
 * each output row is one pixel and the patches + GEMM path was ~10× faster (cnn_tiny's fc1 on SwiftShader).
 */
export function dwUnrolledFits(g: ReturnType<typeof convGeom>): boolean {
  return g.groups === 1 && g.cin % 4 === 0 && g.cout % 8 === 0;
}

export function dwImplicitPays(g: ReturnType<typeof convGeom>): boolean {
  return (dwUnrolledFits(g) || dwCin1Fits(g)) && g.kh * g.kw > 1 && g.ow >= 4;
}

/**
 * The one-input-channel weight-gradient kernels (conv/conv2d_backward_weight_cin1_*): ungrouped, Cin = 1, Cout % 4 == 0,
 * a kernel size with an instance (3×3). They replace the split-K patch matrix + grouped GEMM of a first layer.
 */
const CIN1_TILES: [string, number, number, number][] = [
  // [kernel, KH, KW, output channels per invocation], default first
  ['conv/conv2d_backward_weight_cin1_3x3c8', 3, 3, 8],
  ['conv/conv2d_backward_weight_cin1_3x3c4', 3, 3, 4],
];
export function dwCin1Fits(g: ReturnType<typeof convGeom>): boolean {
  return g.groups === 1 && g.cin === 1 && CIN1_TILES.some(([, kh, kw, cols]) => g.kh === kh && g.kw === kw && g.cout % cols === 0);
}

/**
 * conv2d_backward_weight_partial (x, dy) → part [KH·KW·Cin, S, Cout]: the weight gradient summed over each of S
 * chunks of the output rows (n, oh), computed with implicit im2col (shaders/conv/conv2d_backward_weight_unrolled,
 * no patch matrix); dw is the sum over S (a reduce node, src/train/autodiff.ts). Attrs: the forward's + w_shape
 * and chunks S (≥ 1, at most N·OH; the chunks hold ⌈N·OH/S⌉ rows, so S must be ⌈N·OH / ⌈N·OH/S⌉⌉).
 */
registerOp({
  name: 'conv2d_backward_weight_partial',
  infer([x, dy], attrs) {
    const ws = attrInts(attrs, 'w_shape', 4);
    const g = geomFrom(x, ws, attrs, dy);
    check(
      dwUnrolledFits(g) || dwCin1Fits(g) || winogradFits(g),
      'conv2d_backward_weight_partial needs an ungrouped convolution with Cin % 4 == 0 and Cout % 8 == 0, or Cin = 1, a 3×3 kernel and Cout % 4 == 0, or a 3×3 stride-1 dilation-1 kernel with Cin % 4 == 0 and Cout % 4 == 0 (Winograd)',
    );
    const s = attrNum(attrs, 'chunks', 1);
    const rows = g.n * g.oh;
    check(
      Number.isInteger(s) && s >= 1 && s <= rows && Math.ceil(rows / Math.ceil(rows / s)) === s,
      `conv2d_backward_weight_partial: chunks ${s} cannot split N·OH = ${rows} output rows into equal chunks`,
    );
    return [[g.kh * g.kw * g.cin, s, g.cout]];
  },
  macs: (ins, outs) => numel(ins[1]) * outs[0][0],
  plan: async (pc) => {
    const g = geomFrom(pc.inShapes[0], attrInts(pc.attrs, 'w_shape', 4), pc.attrs, pc.inShapes[1]);
    const s = attrNum(pc.attrs, 'chunks', 1);
    const rowCount = g.n * g.oh;
    const candidates: Candidate[] = [];
    if (g.cin === 1) {
      for (const [kernel, kh, kw, cols] of CIN1_TILES) {
        if (g.kh !== kh || g.kw !== kw || g.cout % cols !== 0) continue;
        candidates.push({
          id: `dw_cin1c${cols}`,
          build: async () => [
            await pc.rt.kernels.launch(kernel, {
              uniforms: { cout: g.cout, batch: g.n, chunks: s, rows_per_chunk: Math.ceil(rowCount / s), ...convUniforms(g) },
              buffers: { x: pc.input(0), dy: pc.input(1), part: pc.output(0) },
              invocations: (s * g.cout) / cols,
            }),
          ],
        });
      }
      return pc.tuner.choose(`conv2d_backward_weight_partial|${convKey(g)}|s${s}`, candidates);
    }
    // tiles [input channels, output channels], default first
    const quadOk = pc.rt.ctx.features.has('subgroups');
    const push = (tiles: [string, number, number, boolean][], slide: boolean, sum = false) => {
      for (const [kernel, rows, cols, quad] of tiles) {
        if (g.cin % rows !== 0 || g.cout % (quad ? 4 * cols : cols) !== 0 || (quad && !quadOk)) continue;
        candidates.push({
          id: sum
            ? `dw_slidesum7${quad ? 'quad' : 'plain'}${rows}x${cols}`
            : `dw_${slide ? 'slide' : ''}${quad ? 'quad' : slide ? '' : 'unrolled'}${rows}x${cols}`,
          build: async () => [
            await pc.rt.kernels.launch(kernel, {
              uniforms: { cin: g.cin, cout: g.cout, batch: g.n, chunks: s, rows_per_chunk: Math.ceil(rowCount / s), ...convUniforms(g) },
              buffers: { x: pc.input(0), dy: pc.input(1), part: pc.output(0) },
              // a slide invocation covers the KW = 3 taps of one kernel row
              invocations: (s * g.kh * (slide ? 1 : g.kw) * g.cin * g.cout) / (rows * cols),
            }),
          ],
        });
      }
    };
    // Winograd F(3×3, 2×2) first where its 8×16 GEMM tile fits (winogradDwFirst: then winograd[0] is that tile)
    const winograd = winogradDwCandidates(pc, g, s);
    const dwFirst = winogradDwFirst(g);
    if (dwFirst) candidates.push(winograd[0]);
    if (dwSlideFits(g)) {
      push(DW_SLIDE_FIRST.slice(0, 1), true);
      push(DW_SLIDESUM, true, true);
      push(DW_SLIDE_FIRST.slice(1), true);
    }
    if (dwUnrolledFits(g)) {
      push(DW_TILES, false);
      if (dwSlideFits(g)) push(DW_SLIDE_LATER, true);
    }
    candidates.push(...(dwFirst ? winograd.slice(1) : winograd));
    return pc.tuner.choose(`conv2d_backward_weight_partial|${convKey(g)}|s${s}`, candidates);
  },
});

/**
 * Where the Winograd F(3×3, 2×2) weight gradient goes first among the partial-dw candidates: its 8×16 GEMM tile fits
 * (Cin % 8 = 0, Cout % 16 = 0) on a winogradFits convolution. SwiftShader, in process, interleaved:
 * - Cin ≥ 32 (docs/results/trainfast/round9): cnn_small's conv2.dw_part 0.43× / 0.41–0.46× (batch 32 / 64) the process
 *   CPU time of slide quad 16×8, whole step 0.77× / 0.68–0.90×;
 * - Cin < 32 with its own chunk count (autodiff's dwChunks; docs/results/trainfast/round10-quiet): cnn_tiny's conv2
 *   (Cin 8, Cout 16) at 14 chunks 0.26× (batch 64) and 0.44× (batch 32) the GPU time of slidesum quad 8×4 at the rows
 *   rule's 112, 28 chunks 0.60× at batch 128. (At 112 chunks, round 9's only test there, it did not win.)
 */
export function winogradDwFirst(g: ReturnType<typeof convGeom>): boolean {
  return winogradFits(g) && g.cin % 8 === 0 && g.cout % 16 === 0;
}

/**
 * The register tiles of conv/conv2d_backward_weight_winograd_gemm*: [kernel, input channels, output channels] per
 * invocation (plain: no subgroups needed).
 */
const WINOGRAD_DW_TILES: [string, number, number][] = [
  ['conv/conv2d_backward_weight_winograd_gemm8x16', 8, 16],
  ['conv/conv2d_backward_weight_winograd_gemm16x16', 16, 16],
  ['conv/conv2d_backward_weight_winograd_gemm8x32', 8, 32],
  ['conv/conv2d_backward_weight_winograd_gemm16x8', 16, 8],
  ['conv/conv2d_backward_weight_winograd_gemm8x8', 8, 8],
  ['conv/conv2d_backward_weight_winograd_gemm4x16', 4, 16],
  ['conv/conv2d_backward_weight_winograd_gemm4x8', 4, 8],
  ['conv/conv2d_backward_weight_winograd_gemm4x4', 4, 4],
];

/**
 * The weight gradient as Winograd F(3×3, 2×2) (Lavin & Gray 2016; shaders/conv/conv2d_backward_weight_winograd_*.wgsl,
 * the math in _dy's header), candidates `dw_winograd2x2+gemm<R>x<C>` of conv2d_backward_weight_partial where
 * winogradFits (3×3, stride 1, dilation 1, ungrouped, Cin % 4 = Cout % 4 = 0, any pads): the forward's input transform
 * V = Bᵀ d B per 4×4 input tile, the dy transform Ỹ = A e Aᵀ per 2×2 dy tile, 16 GEMMs W̃[ξ] = Σ_t V[t, ξ]ᵀ Ỹ[t, ξ] over
 * each of the node's S chunks of tiles, and per chunk dw = Gᵀ W̃ G into the node's part [9·Cin, S, Cout]. The chunks
 * split the tiles (⌈T/S⌉ each), not the output rows as the other variants do: only the sum over S (the graph's reduce)
 * is the same. V, Ỹ and W̃ are scratch buffers owned by the compiled graph.
 */
function winogradDwCandidates(pc: PlanContext, g: ReturnType<typeof convGeom>, s: number): Candidate[] {
  if (!winogradFits(g)) return [];
  const th = Math.ceil(g.oh / 2);
  const tw = Math.ceil(g.ow / 2);
  const tiles = g.n * th * tw;
  const out: Candidate[] = [];
  for (const [kernel, rows, cols] of WINOGRAD_DW_TILES) {
    if (g.cin % rows !== 0 || g.cout % cols !== 0) continue;
    out.push({
      id: `dw_winograd2x2+gemm${rows}x${cols}`,
      build: async () => {
        const k = pc.rt.kernels;
        const v = pc.constant(new Float32Array(tiles * 16 * g.cin), `${pc.name}.winograd_v`);
        const yt = pc.constant(new Float32Array(tiles * 16 * g.cout), `${pc.name}.winograd_dy`);
        const wt = pc.constant(new Float32Array(s * 16 * g.cin * g.cout), `${pc.name}.winograd_dw`);
        return [
          await k.launch('conv/conv2d_forward_winograd_input', {
            uniforms: { cin4: g.cin / 4, tiles_hw: [th, tw], ...convUniforms(g) },
            buffers: { x: pc.input(0), v },
            invocations: tiles * (g.cin / 4),
          }),
          await k.launch('conv/conv2d_backward_weight_winograd_dy', {
            uniforms: { cout4: g.cout / 4, tiles_hw: [th, tw], out_hw: [g.oh, g.ow] },
            buffers: { dy: pc.input(1), yt },
            invocations: tiles * (g.cout / 4),
          }),
          await k.launch(kernel, {
            uniforms: { tiles, tiles_per_chunk: Math.ceil(tiles / s), cin: g.cin, cout: g.cout },
            buffers: { v, yt, wt },
            invocations: s * 16 * (g.cin / rows) * (g.cout / cols),
          }),
          await k.launch('conv/conv2d_backward_weight_winograd_output', {
            uniforms: { cin: g.cin, cout4: g.cout / 4, chunks: s },
            buffers: { wt, part: pc.output(0) },
            invocations: s * g.cin * (g.cout / 4),
          }),
        ];
      },
    });
  }
  return out;
}

/** conv2d through im2col + GEMM applies: ungrouped, Cin % 4 == 0, Cout % 4 == 0, not already a pointwise GEMM. */
export function im2colFits(inShapes: number[][], attrs: Attrs): boolean {
  const g = convGeom(inShapes, attrs);
  return (
    g.groups === 1 &&
    g.cin % 4 === 0 &&
    g.cout % 4 === 0 &&
    !(g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0)
  );
}

/**
 * conv2d_gemm: the same op as conv2d (same inputs, attributes and math), computed as im2col into a scratch patch
 * matrix [M, KH·KW·Cin] and one GEMM with the weights viewed as [KH·KW·Cin, Cout] (the pointwise GEMM kernels).
 * Training graphs use it for ungrouped spatial convolutions (forward and the stride-1 input gradient): on
 * SwiftShader the unrolled GEMM beats the direct register-tiled convolution ~2×.
 */
registerOp({
  name: 'conv2d_gemm',
  infer(inShapes, attrs) {
    check(im2colFits(inShapes, attrs), 'conv2d_gemm needs an ungrouped convolution with Cin and Cout multiples of 4');
    const g = convGeom(inShapes, attrs);
    return [[g.n, g.oh, g.ow, g.cout]];
  },
  macs(inShapes, outShapes) {
    const [kh, kw, cg, cout] = inShapes[1];
    return numel(outShapes[0]) * kh * kw * cg * (cout > 0 ? 1 : 0);
  },
  plan: async (pc) => {
    const g = convGeom(pc.inShapes, pc.attrs);
    const r = g.kh * g.kw * g.cin;
    const m = g.n * g.oh * g.ow;
    const gemmPc = (patches: BufferRange): PlanContext => ({
      ...pc,
      attrs: {},
      inShapes: [[g.n, g.oh, g.ow, r], [1, 1, r, g.cout], ...pc.inShapes.slice(2)],
      input: (i) => (i === 0 ? patches : pc.input(i)),
    });
    // the GEMM's variants, each preceded by the im2col pass into a scratch patch matrix [M, KH·KW·Cin]
    const viaPatches: Candidate[] = convVariants(gemmPc(pc.input(0))).map((c) => ({
      id: `im2col+${c.id}`,
      tuned: c.tuned,
      build: async () => {
        const patches = pc.constant(new Float32Array(m * r), `${pc.name}.patches`);
        const im2col = await pc.rt.kernels.launch('conv/conv2d_forward_im2col', {
          uniforms: { cin4: g.cin / 4, ...convUniforms(g) },
          buffers: { x: pc.input(0), p: patches },
          invocations: m * g.kh * g.kw * (g.cin / 4),
        });
        const gemm = convVariants(gemmPc(patches)).find((v) => v.id === c.id)!;
        return [im2col, ...(await gemm.build())];
      },
    }));
    // or the implicit-im2col kernels, which read x directly (no patch matrix); their default (the widest quad tile
    // that fits, where there are subgroups) first: on SwiftShader quad 8×8 already tied im2col + GEMM at cnn_small's
    // conv2 and was ~1.6× faster at cnn_tiny's, quad 7×32 / 7×16 take 0.6–0.7× its CPU time (they need Cout % 8 == 0)
    const implicit = unrolledConvVariants(pc);
    // and Winograd F(2×2, 3×3) (3×3, stride 1), first where winogradFirst holds (as in conv2d)
    const winograd = winogradConvVariants(pc);
    const key = `conv2d_gemm|${convKey(g)}`;
    const order = winogradFirst(g, winograd)
      ? [...winograd.slice(0, 1), ...implicit.slice(0, 1), ...viaPatches, ...implicit.slice(1), ...winograd.slice(1)]
      : [...implicit.slice(0, 1), ...viaPatches, ...implicit.slice(1), ...winograd];
    return pc.tuner.choose(key, order);
  },
});
