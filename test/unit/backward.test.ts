// Backward kernels: (1) every CPU backward reference against central finite differences of the forward
// reference (float64 loss L = Σ r·f(x) with a fixed random r); (2) every GPU backward kernel against its CPU
// reference, on awkward shapes (odd sizes, stride 2, padding, dilation, groups, depthwise, batch 1 and > 1).

import { describe, expect, it } from 'vitest';
import { applyAct } from '../../src/ops/activation.js';
import { convGeom } from '../../src/ops/conv.js';
import { bnRowParts, channelReduce, CPU_ROW_LANES } from '../../src/ops/norm.js';
import { getOp } from '../../src/ops/registry.js';
import type { Attrs } from '../../src/ops/registry.js';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { backward, dwChunks, splitK } from '../../src/train/autodiff.js';
import { expectClose, launchRuleRuntime, randn, rng, runNode, runOp, runtime, TOL } from '../helpers.js';
import {
  activationGrad,
  batchnormBackwardRef,
  batchnormTrainRef,
  channelScaleBackwardRef,
  channelSumRef,
  concatBackwardRef,
  conv2dBackwardInputRef,
  conv2dBackwardWeightRef,
  convPatchesRef,
  convWeightPartialRef,
  globalPoolBackwardRef,
  klDivRef,
  pool2dBackwardRef,
  softmaxCrossEntropyRef,
} from '../ref/backward.js';
import { channelScaleRef, channelShuffleRef, concatRef, conv2dRef, globalPoolRef, pool2dRef } from '../ref/ops.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Check analytic dL/dx (L = Σ r·f(x)) at a few indices against central differences. */
function checkFD(
  what: string,
  x: Float32Array,
  f: (x: Float32Array) => ArrayLike<number>,
  r: ArrayLike<number>,
  grad: ArrayLike<number>,
  h = 5e-3,
): void {
  const L = (xx: Float32Array) => {
    const y = f(xx);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  };
  const pick = rng(99);
  const idx = x.length <= 24 ? [...x.keys()] : Array.from({ length: 24 }, () => Math.floor(pick() * x.length));
  const bad: string[] = [];
  for (const i of idx) {
    const xp = Float32Array.from(x),
      xm = Float32Array.from(x);
    xp[i] += h;
    xm[i] -= h;
    const fd = (L(xp) - L(xm)) / (xp[i] - xm[i]);
    if (!(Math.abs(fd - grad[i]) <= TOL.fd.atol + TOL.fd.rtol * Math.abs(fd))) bad.push(`[${i}] fd ${fd} analytic ${grad[i]}`);
  }
  if (bad.length) throw new Error(`${what}: finite differences disagree: ${bad.slice(0, 5).join('; ')}`);
}

interface ConvCase {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  attrs: Attrs;
}
const convCases: ConvCase[] = [
  { name: '3x3 s1 p1 n2 cin3', x: [2, 5, 6, 3], k: [3, 3], cout: 4, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 s2 asym pads', x: [1, 7, 6, 4], k: [3, 3], cout: 5, attrs: { stride: [2, 2], pads: [0, 1, 1, 0] } },
  { name: '3x2 dil2', x: [1, 8, 7, 2], k: [3, 2], cout: 3, attrs: { dilation: [2, 2], pads: [2, 1, 2, 0] } },
  { name: 'grouped g2', x: [2, 5, 4, 4], k: [3, 3], cout: 6, attrs: { groups: 2, pads: [1, 1, 1, 1] } },
  { name: 'depthwise s2', x: [2, 7, 7, 8], k: [3, 3], cout: 8, attrs: { groups: 8, stride: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'pointwise', x: [2, 3, 5, 8], k: [1, 1], cout: 12, attrs: {} },
  { name: 'pointwise grouped g4', x: [1, 3, 3, 8], k: [1, 1], cout: 8, attrs: { groups: 4 } },
  { name: 'fully connected', x: [3, 1, 1, 20], k: [1, 1], cout: 10, attrs: {} },
  {
    name: '3x3 cin1 s(2,1) dil(1,2)',
    x: [2, 7, 8, 1],
    k: [3, 3],
    cout: 4,
    attrs: { stride: [2, 1], dilation: [1, 2], pads: [1, 2, 0, 1] },
  },
];

describe('conv2d backward', () => {
  for (const c of convCases) {
    const groups = (c.attrs.groups as number) ?? 1;
    const ws = [c.k[0], c.k[1], c.x[3] / groups, c.cout];
    const x = randn(size(c.x), 1);
    const w = randn(size(ws), 2, 0.5);
    const geom = convGeom([c.x, ws], c.attrs);
    const outShape = [c.x[0], geom.oh, geom.ow, c.cout];
    const dy = randn(size(outShape), 3);
    it(`${c.name}: CPU reference vs finite differences`, () => {
      checkFD(`${c.name} dx`, x, (xx) => conv2dRef(xx, c.x, w, ws, null, c.attrs), dy, conv2dBackwardInputRef(dy, w, ws, c.x, c.attrs));
      checkFD(`${c.name} dw`, w, (ww) => conv2dRef(x, c.x, ww, ws, null, c.attrs), dy, conv2dBackwardWeightRef(x, c.x, dy, ws, c.attrs));
      const b = randn(c.cout, 4);
      checkFD(`${c.name} db`, b, (bb) => conv2dRef(x, c.x, w, ws, bb, c.attrs), dy, channelSumRef(dy, c.cout));
    });
    it(`${c.name}: GPU vs CPU reference`, async () => {
      const [dx] = await runNode(
        'conv2d_backward_input',
        [
          { shape: outShape, data: dy },
          { shape: ws, data: w },
        ],
        { ...c.attrs, in_shape: c.x },
      );
      expectClose(dx, conv2dBackwardInputRef(dy, w, ws, c.x, c.attrs), TOL.grad, `${c.name} dx`);
      const [dw] = await runNode(
        'conv2d_backward_weight',
        [
          { shape: c.x, data: x },
          { shape: outShape, data: dy },
        ],
        { ...c.attrs, w_shape: ws },
      );
      expectClose(dw, conv2dBackwardWeightRef(x, c.x, dy, ws, c.attrs), TOL.grad, `${c.name} dw`);
      const [db] = await runNode('conv2d_backward_bias', [{ shape: outShape, data: dy }], {});
      expectClose(db, channelSumRef(dy, c.cout), TOL.grad, `${c.name} db`);
    });
  }
});

// The weight gradient as the training graph computes it (autodiff's convWeightGrad): Cin % 4 == 0 and Cout % 8 == 0
// take the implicit-im2col kernel over chunks of the output rows, then a sum ('unrolled': unequal strides, dilation,
// asymmetric pads, a last chunk shorter than the others, taps that never fall inside the image); otherwise
// patches + one GEMM, or, when the GEMM's output is small next to its reduction, split-K (a grouped GEMM over chunks
// of N·OH·OW, then a sum). Shapes: the split path with 2, 16 and 64 chunks (stride 2 with padding; Cin 3; cnn_tiny's
// conv1 at batch 4), and the unsplit path (too many outputs; M not a multiple of 8).
describe('conv2d weight gradient in the training graph (implicit im2col, split-K)', () => {
  const cases: { name: string; x: number[]; k: number[]; cout: number; attrs: Attrs; split: number; unrolled?: number }[] = [
    {
      name: 'unrolled: n2 9x7 c8→16, 3x3 s(2,1) pads (0,1,2,1)',
      x: [2, 9, 7, 8],
      k: [3, 3],
      cout: 16,
      attrs: { stride: [2, 1], pads: [0, 1, 2, 1] },
      split: 1,
      unrolled: 2,
    },
    {
      name: 'unrolled: n3 7x11 c4→8, 3x2 dil(2,1) s2',
      x: [3, 7, 11, 4],
      k: [3, 2],
      cout: 8,
      attrs: { dilation: [2, 1], stride: [2, 2], pads: [1, 0, 2, 1] },
      split: 1,
      unrolled: 2,
    },
    {
      name: 'unrolled: n2 3x4 c4→8, 3x9 pads (1,4,1,4): the outer taps never inside',
      x: [2, 3, 4, 4],
      k: [3, 9],
      cout: 8,
      attrs: { pads: [1, 4, 1, 4] },
      split: 1,
      unrolled: 1,
    },
    {
      name: 'unrolled: cnn_small conv2 at batch 2',
      x: [2, 14, 14, 32],
      k: [3, 3],
      cout: 64,
      attrs: { pads: [1, 1, 1, 1] },
      split: 1,
      unrolled: 7,
    },
    {
      // the quad tiles (Cin % 16, Cout % 32): unequal strides, dilation, asymmetric pads
      name: 'unrolled: n2 7x9 c16→64, 3x2 s(1,2) dil(2,1) pads (2,0,1,1)',
      x: [2, 7, 9, 16],
      k: [3, 2],
      cout: 64,
      attrs: { stride: [1, 2], dilation: [2, 1], pads: [2, 0, 1, 1] },
      split: 1,
      unrolled: 3,
    },
    {
      name: 'unrolled: n2 11x5 c4→8 1x2 (22 rows: the last chunk of 2)',
      x: [2, 11, 5, 4],
      k: [1, 2],
      cout: 8,
      attrs: {},
      split: 1,
      unrolled: 5,
    },
    // KW = 3 with column stride and dilation 1 (conv2d_backward_weight_slide: the three column taps share a sliding
    // window of input pixels): left pad 0 / right pad 2, left pad 2 (the window starts two columns outside), row
    // dilation 2, row stride 2, an odd OW
    {
      name: 'slide: n2 5x6 c16→64, 3x3 dil(2,1) pads (1,0,2,2)',
      x: [2, 5, 6, 16],
      k: [3, 3],
      cout: 64,
      attrs: { dilation: [2, 1], pads: [1, 0, 2, 2] },
      split: 1,
      unrolled: 2,
    },
    {
      name: 'slide: n1 6x5 c16→32, 2x3 s(2,1) pads (0,2,1,2) (OW 7)',
      x: [1, 6, 5, 16],
      k: [2, 3],
      cout: 32,
      attrs: { stride: [2, 1], pads: [0, 2, 1, 2] },
      split: 1,
      unrolled: 1,
    },
    {
      name: 'slide: n3 4x4 c4→16, 3x3 pads (1,2,1,0): left pad 2',
      x: [3, 4, 4, 4],
      k: [3, 3],
      cout: 16,
      attrs: { pads: [1, 2, 1, 0] },
      split: 1,
      unrolled: 3,
    },
    {
      // conv2d_backward_weight_slidesum takes the output row 7 columns at a time: OW 16 = groups of 7, 7 and a masked 2
      // (right pad 0: the masked columns' windows reach input columns inside the image)
      name: 'slide: n3 5x17 c8→32, 3x3 pads (1,1,0,0) (OW 16: column groups 7, 7, 2)',
      x: [3, 5, 17, 8],
      k: [3, 3],
      cout: 32,
      attrs: { pads: [1, 1, 0, 0] },
      split: 1,
      unrolled: 3,
    },
    // one input channel, 3×3 (conv2d_backward_weight_cin1): every tap × 4 or 8 output channels per invocation
    {
      name: 'cin1: n1 32x32 c1→8, 3x3 pad 1',
      x: [1, 32, 32, 1],
      k: [3, 3],
      cout: 8,
      attrs: { pads: [1, 1, 1, 1] },
      split: 1,
      unrolled: 16,
    },
    {
      name: 'cin1: n1 14x9 c1→12, 3x3 s(2,1) dil(1,2) pads (0,2,1,1) (7 rows: chunks 3, 3, 1)',
      x: [1, 14, 9, 1],
      k: [3, 3],
      cout: 12,
      attrs: { stride: [2, 1], dilation: [1, 2], pads: [0, 2, 1, 1] },
      split: 1,
      unrolled: 3,
    },
    {
      name: 'cin1: n2 3x6 c1→16, 3x3 pads (3,1,3,1): whole rows of taps outside',
      x: [2, 3, 6, 1],
      k: [3, 3],
      cout: 16,
      attrs: { pads: [3, 1, 3, 1] },
      split: 1,
      unrolled: 7,
    },
    {
      name: 'n3 22x24 c3→4, 3x3 stride 2 pad 1',
      x: [3, 22, 24, 3],
      k: [3, 3],
      cout: 4,
      attrs: { stride: [2, 2], pads: [1, 1, 1, 1] },
      split: 1,
    },
    {
      name: 'n2 64x64 c3→4, 3x3 stride 2 pad 1',
      x: [2, 64, 64, 3],
      k: [3, 3],
      cout: 4,
      attrs: { stride: [2, 2], pads: [1, 1, 1, 1] },
      split: 8,
    },
    {
      name: 'cin1: cnn_tiny conv1 at batch 4',
      x: [4, 28, 28, 1],
      k: [3, 3],
      cout: 8,
      attrs: { pads: [1, 1, 1, 1] },
      split: 1,
      unrolled: 56,
    },
    // one input channel, a kernel size without a cin1 instance: split-K patches + grouped GEMM
    { name: 'n1 32x32 c1→8, 3x1 pad 1', x: [1, 32, 32, 1], k: [3, 1], cout: 8, attrs: { pads: [1, 0, 1, 0] }, split: 4 },
    { name: 'n2 28x28 c1→8, 5x5 valid', x: [2, 28, 28, 1], k: [5, 5], cout: 8, attrs: {}, split: 4 },
    { name: 'no split: 144×28 outputs', x: [2, 14, 14, 16], k: [3, 3], cout: 28, attrs: { pads: [1, 1, 1, 1] }, split: 1 },
    // fully connected (1×1 on [N,1,1,K]): one matmul xᵀ·dy (K, C % 4 = 0: matmul_forward_outer, see the next describe),
    // else patches + GEMM; never the implicit kernel (one pixel per output row)
    { name: 'fully connected 64→16', x: [6, 1, 1, 64], k: [1, 1], cout: 16, attrs: {}, split: 1 },
    { name: 'fully connected 10→6 (patches + GEMM)', x: [3, 1, 1, 10], k: [1, 1], cout: 6, attrs: {}, split: 1 },
  ];
  for (const c of cases) {
    const how = c.unrolled ? `implicit im2col, ${c.unrolled} chunks` : c.split > 1 ? `${c.split} chunks` : 'one GEMM';
    it(`${c.name}: ${how} vs CPU reference`, async () => {
      const ws = [c.k[0], c.k[1], c.x[3], c.cout];
      const geom = convGeom([c.x, ws], c.attrs);
      const m = c.x[0] * geom.oh * geom.ow;
      if (c.unrolled) expect(dwChunks(convGeom([c.x, ws], c.attrs))).toBe(c.unrolled);
      else expect(splitK(m, c.k[0] * c.k[1] * c.x[3], c.cout)).toBe(c.split);
      const x = randn(size(c.x), 11);
      const w = randn(size(ws), 12, 0.5);
      const outShape = [c.x[0], geom.oh, geom.ow, c.cout];
      const dy = randn(size(outShape), 13);
      const g = new Graph();
      const xi = g.addInput('x', c.x);
      const dyi = g.addInput('dy', outShape);
      const wi = g.addParam('w', ws, w);
      const y = g.add1('conv2d', [xi, wi], c.attrs, 'conv');
      const dw = backward(g, new Map([[y, [dyi]]]), [wi]).get(wi)!;
      g.markOutput(dw);
      expect(g.nodes.some((n) => n.name.endsWith('dw_gemm_split'))).toBe(c.split > 1);
      expect(g.nodes.some((n) => n.op === 'conv2d_backward_weight_partial')).toBe(!!c.unrolled);
      const run = await compile(await runtime(), g, { fuse: false, tune: 'off' });
      const [got] = await run.run([x, dy]);
      run.destroy();
      const want = conv2dBackwardWeightRef(x, c.x, dy, ws, c.attrs);
      expectClose(got, want, TOL.grad, `${c.name} dw`);
      // every tile that fits: [input channels, output channels] per invocation; a quad's four invocations cover
      // four times the output channels
      const tiles = [
        ...[4, 8].flatMap((rows) => [8, 16].map((cols) => [`unrolled${rows}x${cols}`, rows, cols] as const)),
        ...(
          [
            [16, 8],
            [16, 16],
            [8, 8],
            [8, 4],
          ] as const
        ).map(([rows, cols]) => [`quad${rows}x${cols}`, rows, 4 * cols] as const),
      ]
        .filter(([, rows, cols]) => c.x[3] % rows === 0 && c.cout % cols === 0)
        .map(([tile]) => tile as string);
      if (c.x[3] === 1) tiles.push(...[8, 4].filter((cols) => c.cout % cols === 0).map((cols) => `cin1c${cols}`));
      // the sliding-window tiles: KW = 3, column stride and dilation 1
      const [, sw] = (c.attrs.stride as number[] | undefined) ?? [1, 1];
      const [, dwc] = (c.attrs.dilation as number[] | undefined) ?? [1, 1];
      const slide = c.k[1] === 3 && sw === 1 && dwc === 1;
      if (slide)
        tiles.push(
          ...(
            [
              ['slidequad16x8', 16, 32],
              ['slidequad8x4', 8, 16],
              ['slidesum7quad16x8', 16, 32],
              ['slidesum7quad8x4', 8, 16],
              ['slidesum7plain8x8', 8, 8],
              ['slide8x8', 8, 8],
              ['slide4x8', 4, 8],
            ] as const
          )
            .filter(([, rows, cols]) => c.x[3] % rows === 0 && c.cout % cols === 0)
            .map(([tile]) => tile as string),
        );

      for (const tile of c.unrolled ? tiles : []) {
        // every tile of the kernel, each chunk's partial sum
        const s = c.unrolled!;
        const { out } = await runOp(
          'conv2d_backward_weight_partial',
          [
            { shape: c.x, data: x },
            { shape: outShape, data: dy },
          ],
          { ...c.attrs, w_shape: ws, chunks: s },
          `dw_${tile}`,
        );
        const attrs = { ...c.attrs, w_shape: ws, chunks: s };
        expectClose(out, convWeightPartialRef(x, c.x, dy, attrs), TOL.grad, `${c.name} dw_${tile}`);
        if (tile.startsWith('slide') && c.name.startsWith('slide')) {
          // the sliding-window kernel's dw (its chunks summed in float64) against finite differences of the forward
          const dwSum = new Float64Array(size(ws));
          const rowsK = c.k[0] * c.k[1] * c.x[3];
          for (let r = 0; r < rowsK; r++)
            for (let k = 0; k < s; k++) for (let co = 0; co < c.cout; co++) dwSum[r * c.cout + co] += out[(r * s + k) * c.cout + co];
          checkFD(`${c.name} dw_${tile}`, w, (ww) => conv2dRef(x, c.x, ww, ws, null, c.attrs), dy, dwSum);
        }
      }
      if (c.split > 1) {
        // the patches in split-K column order, exactly (a gather)
        const attrs = { ...c.attrs, w_shape: ws, chunks: c.split };
        const [p] = await runNode('conv2d_backward_weight_patches', [{ shape: c.x, data: x }], attrs);
        expect(Buffer.from(p.buffer).equals(Buffer.from(convPatchesRef(x, c.x, attrs).buffer))).toBe(true);
      }
    });
  }
  it('the implicit-im2col weight gradient refuses chunks that do not split the rows evenly', async () => {
    // 10 rows: 4 chunks would hold 3, 3, 3 and 1 rows (⌈10/3⌉ = 4 is fine), 6 chunks would be 2-row chunks × 5
    const x = { shape: [2, 5, 3, 4], data: new Float32Array(120) };
    const dy = { shape: [2, 5, 3, 8], data: new Float32Array(240) };
    await expect(runNode('conv2d_backward_weight_partial', [x, dy], { w_shape: [1, 1, 4, 8], chunks: 6 })).rejects.toThrow(
      /chunks 6 cannot split N·OH = 10 output rows into equal chunks/,
    );
    await expect(runNode('conv2d_backward_weight_partial', [x, dy], { w_shape: [1, 1, 4, 8], chunks: 4 })).resolves.toBeDefined();
  });
  it('patches refuse a chunk count that does not divide N·OH·OW', async () => {
    await expect(
      runNode('conv2d_backward_weight_patches', [{ shape: [1, 3, 5, 1], data: new Float32Array(15) }], {
        w_shape: [1, 1, 1, 4],
        chunks: 4,
      }),
    ).rejects.toThrow(/chunks 4 must be an integer ≥ 1 dividing N·OH·OW = 15/);
  });
});

// Shapes for the per-channel workgroup reductions (src/ops/norm.ts channelReduce): M = N·H·W rows and C
// channels not multiples of the channel lanes or of the row lanes; M below 256 (one row lane); M ≫ WG with few
// channels; several workgroups, the last one part empty; the row lanes at their cap (WG 256 scalar, 128 vec4);
// C % 4 = 0 takes the _vec4 kernels. `act`: an activation fused into the forward (y = act(bn(x))) and taken inside
// the backward (dy·act'(z), z recomputed from x), as the training graph does for batch-norm → activation.
// `pool`: the max-pool after it fused too (stride = kernel): y is the pooled act(bn(x)) and dy its gradient.
// `parts`: the row parts of the statistics pass and the backward's pass 1 (bnRowParts), checked where given.
// `offset`: every channel's data moved to mean ≈ offset with standard deviation 0.1. The statistics pass sums
// d = x − x[0,c] in one pass; an unshifted Σx² − (Σx)²/M would lose most of the variance in f32. (Finite differences
// are not taken there: a step h = 5e-3 is not small against σ = 0.1; the other cases check the same math.)
const bnCases: { name: string; x: number[]; update: boolean; act?: number; pool?: number[]; parts?: number; offset?: number }[] = [
  { name: 'n2 3x5 c6', x: [2, 3, 5, 6], update: true },
  { name: 'M 15, c7', x: [1, 3, 5, 7], update: true },
  { name: 'M 2310, c3 (4 row parts)', x: [2, 33, 35, 3], update: true, parts: 4 },
  { name: 'M 77, c37, no running update', x: [1, 7, 11, 37], update: false },
  { name: 'M 8320 (row lanes at their cap), c9 (two workgroups × 4 row parts)', x: [2, 64, 65, 9], update: true, parts: 4 },
  { name: 'vec4: M 15, c4', x: [1, 3, 5, 4], update: true },
  { name: 'vec4: M 2310, c12 (4 row parts)', x: [2, 33, 35, 12], update: true, parts: 4 },
  { name: 'vec4: M 2310, c36 (two workgroups)', x: [2, 33, 35, 36], update: true },
  { name: 'mean 100 ± 0.1: M 2310, c3 (4 row parts)', x: [2, 33, 35, 3], update: true, parts: 4, offset: 100 },
  { name: 'mean −40 ± 0.1, vec4: M 77, c12 (one part)', x: [1, 7, 11, 12], update: true, parts: 1, offset: -40 },
  { name: 'vec4: M 65536 (row lanes at their cap), c4, no running update (8 row parts)', x: [1, 256, 256, 4], update: false, parts: 8 },
  { name: 'relu fused: M 15, c1', x: [1, 3, 5, 1], update: true, act: 1 },
  { name: 'relu fused, vec4: M 2310, c12', x: [2, 33, 35, 12], update: true, act: 1 },
  { name: 'relu6 fused: M 77, c7', x: [1, 7, 11, 7], update: true, act: 2 },
  { name: 'swish fused: M 2310, c3', x: [2, 33, 35, 3], update: false, act: 4 },
  { name: 'leaky-relu fused, vec4: M 8320, c36 (five workgroups, one part)', x: [2, 64, 65, 36], update: true, act: 7, parts: 1 },
  { name: 'hard-swish fused, vec4: M 15, c8', x: [1, 3, 5, 8], update: true, act: 3 },
  { name: 'relu + max-pool 2x2 fused: n2 6x4 c4', x: [2, 6, 4, 4], update: true, act: 1, pool: [2, 2] },
  { name: 'relu + max-pool 3x2 fused: M 2304, c12', x: [2, 24, 48, 12], update: true, act: 1, pool: [3, 2] },
  { name: 'swish + max-pool 2x2 fused: n3 2x6 c8 (one window row)', x: [3, 2, 6, 8], update: false, act: 4, pool: [2, 2] },
  { name: 'relu6 + max-pool 1x1 fused: c4', x: [1, 3, 5, 4], update: true, act: 2, pool: [1, 1] },
  // 2×2 pools take the straight-line batchnorm_maxpool2x2_* kernels: no activation (every tap's z compared), relu6
  // (ties at 6 and at 0: the first maximal tap), a non-square image with three channel quads
  { name: 'max-pool 2x2 fused, no activation: n2 10x6 c12', x: [2, 10, 6, 12], update: true, pool: [2, 2] },
  { name: 'relu6 + max-pool 2x2 fused: n1 4x14 c16 (ties)', x: [1, 4, 14, 16], update: false, act: 2, pool: [2, 2] },
  // 2178 windows, one channel workgroup: 4 row parts of pass 1 (the last one shorter), then the finalize launch
  { name: 'relu + max-pool 2x2 fused: n3 44x64 c8 (4 window parts)', x: [3, 44, 64, 8], update: true, act: 1, pool: [2, 2], parts: 4 },
];

/** batchnorm_train on the GPU: y, mean, rstd and the running averages read back after the step. */
async function batchnormTrainGpu(
  xs: number[],
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  rm: Float32Array,
  rv: Float32Array,
  update: boolean,
  act = 0,
  pool?: number[],
  rt?: Runtime,
) {
  const c = xs[xs.length - 1];
  const g = new Graph();
  const xi = g.addInput('x', xs);
  const [gi, bi, rmi, rvi] = [gamma, beta, rm, rv].map((d, k) => g.addParam(`p${k}`, [c], d));
  const ys = g.add('batchnorm_train', [xi, gi, bi, rmi, rvi], {
    eps: 1e-5,
    momentum: 0.1,
    update: update ? 1 : 0,
    act,
    ...(pool ? { pool } : {}),
  });
  ys.forEach((y) => g.markOutput(y));
  const m = await compile(rt ?? (await runtime()), g, { fuse: false, tune: 'off' });
  const [y, mean, rstd] = await m.run([x]);
  const runMean = await m.readTensor(rmi),
    runVar = await m.readTensor(rvi);
  m.destroy();
  return { y, mean, rstd, runMean, runVar };
}

// A fully connected layer (a 1×1 conv on [N,1,1,K]) with K, C % 4 = 0: autodiff's gradients are matmuls reading w and x
// in place (dx = dy·wᵀ, transB, 8-row tiles first; dw = xᵀ·dy, transA: the outer-product kernel), no weight flip and
// no patch matrix; otherwise the flip + conv and patches + GEMM. Batch 5 and C 20: tiles past M and half rows past N.
describe('fully connected layer gradients in the training graph (matmuls reading wᵀ and xᵀ in place)', () => {
  for (const [n, k, c, dense] of [
    [6, 64, 16, true],
    [5, 12, 20, true],
    [32, 3136, 8, true],
    [4, 10, 8, false],
    [4, 12, 6, false],
  ] as const) {
    it(`x [${n},1,1,${k}] → ${c}: ${dense ? 'matmuls' : 'flip + conv, patches + GEMM'}; dx, dw vs CPU references (checked by FD)`, async () => {
      const xs = [n, 1, 1, k];
      const ws = [1, 1, k, c];
      const x = randn(size(xs), 21);
      const w = randn(size(ws), 22, 0.5);
      const dy = randn(n * c, 23);
      const wantDx = conv2dBackwardInputRef(dy, w, ws, xs, {});
      const wantDw = conv2dBackwardWeightRef(x, xs, dy, ws, {});
      if (k <= 64) {
        checkFD('fc dx', x, (xx) => conv2dRef(xx, xs, w, ws, null, {}), dy, wantDx);
        checkFD('fc dw', w, (ww) => conv2dRef(x, xs, ww, ws, null, {}), dy, wantDw);
      }
      const g = new Graph();
      const xi = g.addInput('x', xs);
      const dyi = g.addInput('dy', [n, 1, 1, c]);
      const wi = g.addParam('w', ws, w);
      const y = g.add1('conv2d', [xi, wi], {}, 'fc');
      const grads = backward(g, new Map([[y, [dyi]]]), [xi, wi]);
      g.markOutput(grads.get(xi)!);
      g.markOutput(grads.get(wi)!);
      const ops = g.nodes.map((q) => q.op);
      expect(ops.filter((o) => o === 'matmul')).toHaveLength(dense ? 2 : 0);
      expect(ops.includes('conv2d_backward_input_flip')).toBe(!dense);
      expect(ops.includes('conv2d_backward_weight_patches')).toBe(!dense);
      const run = await compile(await runtime(), g, { fuse: false, tune: 'off' });
      const [dx, dw] = await run.run([x, dy]);
      if (dense)
        expect([...run.variants.values()].filter((v) => v.startsWith('matmul')).sort()).toEqual(
          [`matmul_tiled${n >= 8 ? 8 : 4}x8_dot`, 'matmul_outer8x8'].sort(),
        );
      run.destroy();
      expectClose(dx, wantDx, TOL.grad, 'fc dx');
      expectClose(dw, wantDw, TOL.grad, 'fc dw');
    });
  }
});

describe('per-channel reduction launch rule (channelReduce, bnRowParts)', () => {
  const k = { scalar: 's', vec4: 'v' };
  it('SwiftShader: CPU_ROW_LANES row lanes of 32-byte channel groups, one part (cnn_tiny conv1, cnn_small conv2, scalar C 9)', () => {
    expect(channelReduce(k, 8, 64 * 28 * 28, true)).toEqual({ kernel: 'v', overrides: { WG: 2 * CPU_ROW_LANES, CG: 2 }, workgroups: 1 });
    expect(channelReduce(k, 64, 64 * 14 * 14, true)).toEqual({ kernel: 'v', overrides: { WG: 2 * CPU_ROW_LANES, CG: 2 }, workgroups: 8 });
    expect(channelReduce(k, 9, 8320, true)).toEqual({ kernel: 's', overrides: { WG: 8 * CPU_ROW_LANES, CG: 8 }, workgroups: 2 });
    expect(bnRowParts(1, 64 * 28 * 28, true)).toBe(1);
  });
  it('GPU: rows / 256 row lanes up to the cap, ≥ 64 threads per workgroup, parts up to 8 workgroups', () => {
    expect(channelReduce(k, 8, 64 * 28 * 28, false)).toEqual({ kernel: 'v', overrides: { WG: 256, CG: 2 }, workgroups: 1 });
    expect(channelReduce(k, 64, 64 * 14 * 14, false)).toEqual({ kernel: 'v', overrides: { WG: 64, CG: 2 }, workgroups: 8 });
    expect(bnRowParts(1, 64 * 28 * 28, false)).toBe(8);
    expect(bnRowParts(8, 64 * 14 * 14, false)).toBe(1);
  });
});

describe('batch-norm training mode', () => {
  for (const bc of bnCases) {
    const xs = bc.x;
    const c = xs[xs.length - 1];
    const x =
      bc.offset === undefined
        ? randn(size(xs), 5, 2).map((v, i) => v + (i % c) - 3) // per-channel offsets: the mean matters
        : randn(size(xs), 5, 0.1).map((v, i) => v + bc.offset! + 0.01 * (i % c));
    const gamma = randn(c, 6, 1).map((v) => v + 1.5);
    const beta = randn(c, 7);
    const rm = randn(c, 8, 0.1);
    const rv = randn(c, 9, 0.1).map((v) => v + 1);
    const act = bc.act ?? 0;
    const poolAttrs = bc.pool ? { mode: 'max', kernel: bc.pool, stride: bc.pool } : null;
    const ys = bc.pool ? [xs[0], xs[1] / bc.pool[0], xs[2] / bc.pool[1], c] : xs;
    const dy = randn(size(ys), 10);
    const bn = batchnormTrainRef(x, c, gamma, beta, rm, rv, 1e-5, 0.1, bc.update);
    // the fused activation: a = act(z) forward; the fused max-pool: y = maxpool(a). Backward: the max-pool's
    // gradient (to each window's first maximal tap), times act'(z), into the plain batch-norm backward.
    const a = act ? bn.y.map((z) => applyAct(act, z)) : bn.y;
    const fwd = { ...bn, y: poolAttrs ? pool2dRef(a, xs, poolAttrs) : a };
    const da = poolAttrs ? pool2dBackwardRef(a, xs, dy, poolAttrs) : dy;
    const dz = act ? da.map((g, i) => g * activationGrad(act, bn.y[i])) : da;
    const bwd = batchnormBackwardRef(x, dz, c, fwd.mean, fwd.rstd, gamma);
    if (bc.offset === undefined)
      it(`${bc.name}: CPU reference vs finite differences (dx through the batch statistics, dγ, dβ)`, () => {
        const f = (xx: Float32Array, g: Float32Array = gamma, b: Float32Array = beta) => {
          const y = batchnormTrainRef(xx, c, g, b, rm, rv, 1e-5, 0.1, false).y;
          const ay = act ? y.map((z) => applyAct(act, z)) : y;
          return poolAttrs ? pool2dRef(ay, xs, poolAttrs) : ay;
        };
        checkFD('bn dx', x, (xx) => f(xx), dy, bwd.dx);
        // A step of γ or β moves z in every row of the channel, so with a kinked activation (relu, relu6,
        // hard-swish, leaky-relu) some rows cross the kink and the difference quotient is off by O(1): those
        // are checked through dx only (a step of one x moves one row's z by far more than the others').
        if (act !== 0 && act !== 4) return;
        checkFD('bn dgamma', gamma, (gg) => f(x, gg), dy, bwd.dgamma);
        checkFD('bn dbeta', beta, (bb) => f(x, gamma, bb), dy, bwd.dbeta);
      });
    // SwiftShader's launch rule (few row lanes, one part), and where the GPU rule splits the rows into parts, that one
    const rules: ('cpu' | 'gpu')[] = bc.parts !== undefined && bc.parts > 1 ? ['cpu', 'gpu'] : ['cpu'];
    for (const rule of rules)
      it(`${bc.name}: GPU forward (y, mean, rstd, running averages ${bc.update ? 'updated in place' : 'left alone'}) and backward vs CPU, ${rule} launch rule`, async () => {
        if (bc.parts !== undefined) {
          const rows = size(ys) / c;
          const sums = channelReduce({ scalar: 's', vec4: 'v' }, c, rows, false);
          expect(bnRowParts(sums.workgroups, rows, false)).toBe(bc.parts);
          expect(bnRowParts(sums.workgroups, rows, true)).toBe(1);
        }
        const rt = await launchRuleRuntime(rule);
        expect(rt.ctx.adapter.isSwiftShader).toBe(rule === 'cpu');
        const gpu = await batchnormTrainGpu(xs, x, gamma, beta, rm, rv, bc.update, act, bc.pool, rt);
        expectClose(gpu.y, fwd.y, TOL.f32, 'bn y');
        expectClose(gpu.mean, fwd.mean, TOL.f32, 'bn mean');
        expectClose(gpu.rstd, fwd.rstd, TOL.f32, 'bn rstd');
        expectClose(gpu.runMean, fwd.runMean, TOL.f32, 'bn running mean');
        expectClose(gpu.runVar, fwd.runVar, TOL.f32, 'bn running var');
        const [dx, dgamma, dbeta] = await runNode(
          'batchnorm_backward',
          [
            { shape: xs, data: x },
            { shape: ys, data: dy },
            { shape: [c], data: fwd.mean },
            { shape: [c], data: fwd.rstd },
            { shape: [c], data: gamma },
            ...(act || bc.pool ? [{ shape: [c], data: beta }] : []),
          ],
          { act, ...(bc.pool ? { pool: bc.pool } : {}) },
          rt,
        );
        expectClose(dx, bwd.dx, TOL.grad, 'bn dx');
        expectClose(dgamma, bwd.dgamma, TOL.grad, 'bn dgamma');
        expectClose(dbeta, bwd.dbeta, TOL.grad, 'bn dbeta');
      });
  }
});

describe('bias gradient (per-channel sum) on long and short row counts', () => {
  for (const shape of [
    [1, 3, 5, 7],
    [2, 33, 35, 3],
    [1, 7, 11, 37],
    [2, 64, 65, 9],
    [1, 3, 5, 4],
    [2, 33, 35, 36],
    [1, 256, 256, 4],
  ]) {
    it.each(['cpu', 'gpu'] as const)(`${shape.join('x')}, %s launch rule`, async (rule) => {
      const c = shape[3];
      const dy = randn(size(shape), 15, 2).map((v, i) => v + (i % c));
      const rt = await launchRuleRuntime(rule);
      const [db] = await runNode('conv2d_backward_bias', [{ shape, data: dy }], {}, rt);
      expectClose(db, channelSumRef(dy, c), TOL.grad, 'db');
    });
  }
});

describe('activations backward', () => {
  // n = 257: the scalar kernels; n = 260: the vec4 ones (four elements per thread)
  for (const [act, n] of [1, 2, 3, 4, 5, 6, 7].flatMap((a) => [257, 260].map((m) => [a, m]))) {
    it(`act ${act}, n ${n}: FD, GPU forward and backward`, async () => {
      const x = randn(n, 11 + act, 7);
      const dy = randn(n, 12);
      const grad = x.map((v, i) => dy[i] * activationGrad(act, v));
      checkFD(`act ${act}`, x, (xx) => xx.map((v) => applyAct(act, v)), dy, grad, 1e-3);
      const [dx] = await runNode(
        'activation_backward',
        [
          { shape: [n], data: x },
          { shape: [n], data: dy },
        ],
        { act },
      );
      expectClose(dx, grad, TOL.f32, `act ${act}`);
      const [y] = await runNode('activation', [{ shape: [n], data: x }], { act });
      expectClose(
        y,
        x.map((v) => applyAct(act, v)),
        TOL.f32,
        `act ${act} forward`,
      );
    });
  }
});

// Windows that tile the input (stride = kernel, no padding, H and W multiples of the kernel) take the tiled kernel,
// vec4 when C % 4 = 0; the others the gathering one. `ties`: x rounded to integers, so most windows hold equal
// maxima: the first maximal tap in scan order (kh, then kw) takes the whole gradient, in the reference (strict >)
// and the kernels alike (no finite differences there: the function has no derivative at a tie).
describe('pooling backward', () => {
  const cases: { name: string; x: number[]; attrs: Attrs; ties?: boolean }[] = [
    { name: 'max 2x2 s2', x: [2, 6, 6, 3], attrs: { mode: 'max', kernel: [2, 2], stride: [2, 2] } },
    { name: 'max 2x2 s2 c1', x: [3, 4, 6, 1], attrs: { mode: 'max', kernel: [2, 2], stride: [2, 2] } },
    { name: 'vec4: max 2x2 s2 c8', x: [2, 6, 4, 8], attrs: { mode: 'max', kernel: [2, 2], stride: [2, 2] } },
    { name: 'vec4: max 3x2 s3x2 c4', x: [1, 6, 4, 4], attrs: { mode: 'max', kernel: [3, 2], stride: [3, 2] } },
    { name: 'vec4: avg 2x2 s2 c12', x: [2, 4, 6, 12], attrs: { mode: 'avg', kernel: [2, 2], stride: [2, 2] } },
    { name: 'vec4: max 2x2 s2 odd H/W (gathering), c4', x: [1, 5, 7, 4], attrs: { mode: 'max', kernel: [2, 2], stride: [2, 2] } },
    { name: 'ties: max 2x2 s2 c3', x: [2, 4, 6, 3], attrs: { mode: 'max', kernel: [2, 2], stride: [2, 2] }, ties: true },
    { name: 'ties, vec4: max 2x2 s2 c8', x: [2, 4, 6, 8], attrs: { mode: 'max', kernel: [2, 2], stride: [2, 2] }, ties: true },
    {
      name: 'ties, vec4: max 3x3 s2 p1 (gathering), c4',
      x: [1, 5, 5, 4],
      attrs: { mode: 'max', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] },
      ties: true,
    },
    { name: 'max 3x3 s2 p1 odd', x: [1, 7, 5, 2], attrs: { mode: 'max', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] } },
    { name: 'avg 3x3 s2 p1', x: [2, 5, 7, 3], attrs: { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] } },
    {
      name: 'avg 3x3 s1 p1 count_include_pad',
      x: [1, 4, 5, 2],
      attrs: { mode: 'avg', kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], countIncludePad: true },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.ties ? 'ties to the first maximal tap' : 'FD'} and GPU`, async () => {
      const x = randn(size(c.x), 13, 3).map((v) => (c.ties ? Math.round(v / 3) : v));
      const y = pool2dRef(x, c.x, c.attrs);
      const dy = randn(y.length, 14);
      const grad = pool2dBackwardRef(x, c.x, dy, c.attrs);
      if (!c.ties) checkFD(c.name, x, (xx) => pool2dRef(xx, c.x, c.attrs), dy, grad, 1e-3);
      const [ys] = getOp('pool2d').infer([c.x], c.attrs);
      const [dx] = await runNode(
        'pool2d_backward',
        [
          { shape: c.x, data: x },
          { shape: ys, data: dy },
        ],
        c.attrs,
      );
      expectClose(dx, grad, TOL.f32, c.name);
    });
  }
  for (const mode of ['avg', 'max'] as const) {
    it(`global ${mode}: FD and GPU`, async () => {
      const xs = [2, 3, 5, 4];
      const x = randn(size(xs), 15, 3);
      const dy = randn(8, 16);
      const grad = globalPoolBackwardRef(x, xs, dy, mode);
      checkFD(`global ${mode}`, x, (xx) => globalPoolRef(xx, xs, mode), dy, grad, 1e-3);
      const [dx] = await runNode(
        'global_pool_backward',
        [
          { shape: xs, data: x },
          { shape: [2, 1, 1, 4], data: dy },
        ],
        { mode },
      );
      expectClose(dx, grad, TOL.f32, `global ${mode}`);
    });
  }
});

describe('layout ops backward', () => {
  it('concat: FD and GPU split', async () => {
    const shapes = [
      [2, 3, 3, 5],
      [2, 3, 3, 3],
    ];
    const xs = shapes.map((s, k) => randn(size(s), 20 + k));
    const dy = randn(2 * 3 * 3 * 8, 22);
    const grads = concatBackwardRef(dy, [5, 3]);
    checkFD('concat x0', xs[0], (a) => concatRef([a, xs[1]], shapes), dy, grads[0]);
    checkFD('concat x1', xs[1], (b) => concatRef([xs[0], b], shapes), dy, grads[1]);
    const outs = await runNode('concat_backward', [{ shape: [2, 3, 3, 8], data: dy }], { sizes: [5, 3] });
    expectClose(outs[0], grads[0], TOL.f32, 'concat d0');
    expectClose(outs[1], grads[1], TOL.f32, 'concat d1');
  });
  it('channel shuffle: the gradient is the inverse shuffle (groups C/G)', async () => {
    const xs = [2, 3, 2, 12];
    const x = randn(size(xs), 23);
    const dy = randn(size(xs), 24);
    const grad = channelShuffleRef(dy, 12, 4); // inverse of groups 3
    checkFD('shuffle', x, (xx) => channelShuffleRef(xx, 12, 3), dy, grad);
    const [dx] = await runNode('channel_shuffle', [{ shape: xs, data: dy }], { groups: 4 });
    expectClose(dx, grad, TOL.f32, 'shuffle');
  });
  it('channel scale (squeeze-excitation): FD and GPU', async () => {
    const xs = [2, 3, 4, 5];
    const x = randn(size(xs), 25);
    const s = randn(10, 26);
    const dy = randn(size(xs), 27);
    const ds = channelScaleBackwardRef(x, xs, dy);
    checkFD('scale ds', s, (ss) => channelScaleRef(x, xs, ss), dy, ds);
    checkFD('scale dx', x, (xx) => channelScaleRef(xx, xs, s), dy, channelScaleRef(dy, xs, s));
    const [gds] = await runNode(
      'channel_scale_backward',
      [
        { shape: xs, data: x },
        { shape: xs, data: dy },
      ],
      {},
    );
    expectClose(gds, ds, TOL.f32, 'scale ds');
  });
});

describe('losses', () => {
  const n = 5,
    c = 7;
  const z = randn(n * c, 30, 3);
  const t = randn(n * c, 31, 3);
  const labels = Float32Array.from({ length: n }, (_, i) => (i * 3) % c);
  it('softmax cross-entropy: FD of the weighted batch loss, and GPU', async () => {
    const scale = 0.7 / n;
    const { loss, dz } = softmaxCrossEntropyRef(z, labels, c, scale);
    const weights = new Float32Array(n).fill(scale);
    checkFD('ce', z, (zz) => softmaxCrossEntropyRef(zz, labels, c, scale).loss, weights, dz);
    const [gl, gdz] = await runNode(
      'softmax_cross_entropy',
      [
        { shape: [n, c], data: z },
        { shape: [n], data: labels },
      ],
      { scale },
    );
    expectClose(gl, loss, TOL.f32, 'ce loss');
    expectClose(gdz, dz, TOL.f32, 'ce grad');
  });
  for (const tau of [1, 4]) {
    it(`KL divergence τ=${tau}: FD with respect to the student, and GPU`, async () => {
      const scale = (0.5 * tau * tau) / n;
      const { loss, ds } = klDivRef(z, t, c, tau, scale);
      checkFD(`kl τ=${tau}`, z, (zz) => klDivRef(zz, t, c, tau, scale).loss, new Float32Array(n).fill(scale), ds);
      for (const v of loss) expect(v).toBeGreaterThanOrEqual(-1e-6);
      const [gl, gds] = await runNode(
        'kl_div',
        [
          { shape: [n, c], data: z },
          { shape: [n, c], data: t },
        ],
        { tau, scale },
      );
      expectClose(gl, loss, TOL.f32, 'kl loss');
      expectClose(gds, ds, TOL.f32, 'kl grad');
    });
  }
});

describe('training-form kernels', () => {
  const cases: { name: string; x: number[]; ws: number[]; attrs: Attrs }[] = [
    { name: '3x3 s1 p1', x: [2, 5, 6, 8], ws: [3, 3, 8, 12], attrs: { pads: [1, 1, 1, 1] } },
    { name: '3x3 s2 asym', x: [1, 7, 6, 4], ws: [3, 3, 4, 8], attrs: { stride: [2, 2], pads: [0, 1, 1, 0] } },
    { name: '3x2 dil2', x: [1, 8, 7, 4], ws: [3, 2, 4, 4], attrs: { dilation: [2, 2], pads: [2, 1, 2, 0] } },
    // Cout % 8 == 0: the default is the implicit-im2col quad kernel (tiles not a multiple of 4: clamped quads)
    { name: '3x3 s(1,2) p(1,0,2,1) cout 16', x: [3, 5, 7, 8], ws: [3, 3, 8, 16], attrs: { stride: [1, 2], pads: [1, 0, 2, 1] } },
    // Cout % 32 == 0: the quad 7×32 tile (OW 9: two tiles, the second past the edge)
    { name: '3x3 p(1,1,0,2) cout 32', x: [2, 5, 9, 8], ws: [3, 3, 8, 32], attrs: { pads: [1, 1, 0, 2] } },
  ];
  for (const c of cases) {
    it(`conv2d_gemm (im2col + GEMM) equals conv2d: ${c.name}`, async () => {
      const x = randn(size(c.x), 50);
      const w = randn(size(c.ws), 51, 0.5);
      const b = randn(c.ws[3], 52);
      const [y] = await runNode(
        'conv2d_gemm',
        [
          { shape: c.x, data: x },
          { shape: c.ws, data: w, param: true },
          { shape: [c.ws[3]], data: b, param: true },
        ],
        c.attrs,
      );
      expectClose(y, conv2dRef(x, c.x, w, c.ws, b, c.attrs), TOL.f32, c.name);
    });
  }
});
