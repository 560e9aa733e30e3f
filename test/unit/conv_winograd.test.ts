// Winograd F(2×2, 3×3) convolution (conv2d candidates `winograd2x2+<GEMM>`, shaders/conv/conv2d_forward_winograd_*):
// against the float64 CPU reference on awkward shapes (odd H and W, one output row, asymmetric pads, Cin 4 and 12,
// Cout 4 and 20, batch 1 and 3, each fused activation), and inside the training graph (the stride-1 input gradient
// runs as a forward convolution with flipped weights, through the same candidates). The weight gradient as Winograd
// F(3×3, 2×2) (conv2d_backward_weight_partial candidates `dw_winograd2x2+gemm<R>x<C>`,
// shaders/conv/conv2d_backward_weight_winograd_*): the same kinds of shapes, and inside the training graph.
// Tolerance: Winograd's transforms add and subtract partial sums, so its error scales with the sum of |products|
// of each output, Σ|x·w| (the reference convolution of |x| with |w|), not with the output's own size.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Attrs } from '../../src/ops/registry.js';
import { backward } from '../../src/train/autodiff.js';
import { conv2dBackwardInputRef, conv2dBackwardWeightRef } from '../ref/backward.js';
import { conv2dRef } from '../ref/ops.js';
import { expectClose, randn, runOp, runtime, TOL } from '../helpers.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  cout: number;
  pads: [number, number, number, number];
  acts: number[];
  bias: boolean;
  /** the candidates (id prefixes); default the first Winograd candidate */
  variants?: string[];
}

const cases: Case[] = [
  // OH 5, OW 7 (odd: the last tile row and column half outside), pads top/left 0, bottom/right 1
  { name: '5x7 p(0,0,1,1) n1 cin4 cout4', x: [1, 6, 8, 4], cout: 4, pads: [0, 0, 1, 1], acts: [0, 1, 2, 3], bias: true },
  // pads 1/0 and 2/1: OH = 7 + 1 + 0 − 2 = 6, OW = 5 + 2 + 1 − 2 = 6; Cout 20 (not a multiple of 8: the vec4 GEMM)
  { name: '7x5 p(1,2,0,1) n3 cin12 cout20', x: [3, 7, 5, 12], cout: 20, pads: [1, 2, 0, 1], acts: [4, 5, 6, 7], bias: true },
  // one output row (H 3, no row padding), OW 1 from W 1 with pads 1/1
  { name: '1 row, 1 col p(0,1,0,1) n3 cin12 cout4', x: [3, 3, 1, 12], cout: 4, pads: [0, 1, 0, 1], acts: [0], bias: false },
  // Cout 16: the Winograd GEMM tiles (8 or 4 tiles × 16 / 8 / 4 channels; T = 2·5·3 = 30 tiles: a row block partly
  // past the end), the 16-group pointwise GEMMs (quad, register-tiled), same case
  {
    name: '9x6 p1 n2 cin12 cout16',
    x: [2, 9, 6, 12],
    cout: 16,
    pads: [1, 1, 1, 1],
    acts: [1],
    bias: true,
    variants: [
      'winograd2x2+gemm8x16',
      'winograd2x2+gemm4x16',
      'winograd2x2+gemm8x8',
      'winograd2x2+gemm4x8',
      'winograd2x2+gemm8x4',
      'winograd2x2+pointwise_quad4x8',
      'winograd2x2+pointwise_regtile_tm4',
    ],
  },
  // Cout 64, Cin 8: the 32- and 64-channel GEMM tiles, T = 3·4·4 = 48 tiles (16-tile row blocks: 3, one quad partly
  // past the end)
  {
    name: '8x7 p(1,1,0,1) n3 cin8 cout64',
    x: [3, 8, 7, 8],
    cout: 64,
    pads: [1, 1, 0, 1],
    acts: [0],
    bias: true,
    variants: ['winograd2x2+gemm8x32', 'winograd2x2+gemm16x32', 'winograd2x2+gemm8x64', 'winograd2x2+gemm4x32'],
  },
];

/** |a − e| ≤ 1e-6 + 2e-6 · (Σ|x·w| + |b|), per element; the first mismatches printed. */
function expectCloseToSum(actual: Float32Array, expected: Float32Array, absSum: Float32Array, what: string): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < 5; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= 1e-6 + 2e-6 * absSum[i])) bad.push(`[${i}] expected ${expected[i]}, got ${actual[i]} (Σ|x·w| ${absSum[i]})`);
  }
  if (bad.length) throw new Error(`${what} mismatch: ${bad.join('; ')}`);
}

describe('Winograd F(2×2, 3×3) forward convolution', () => {
  for (const c of cases) {
    for (const [act, variant] of c.acts.flatMap((a) => (c.variants ?? ['winograd2x2']).map((v) => [a, v] as const))) {
      it(`${c.name} act ${act} [${variant}]`, async () => {
        const cin = c.x[3];
        const ws = [3, 3, cin, c.cout];
        const x = randn(
          c.x.reduce((a, b) => a * b),
          1,
          2,
        );
        const w = randn(
          ws.reduce((a, b) => a * b),
          2,
          0.5,
        );
        const b = c.bias ? randn(c.cout, 3) : null;
        const attrs: Attrs = { pads: c.pads, act };
        const inputs = [
          { shape: c.x, data: x },
          { shape: ws, data: w, param: true },
          ...(b ? [{ shape: [c.cout], data: b, param: true }] : []),
        ];
        const { out } = await runOp('conv2d', inputs, attrs, variant);
        const absSum = conv2dRef(x.map(Math.abs), c.x, w.map(Math.abs), ws, b && b.map(Math.abs), { pads: c.pads });
        expectCloseToSum(out, conv2dRef(x, c.x, w, ws, b, attrs), absSum, `${c.name} act ${act}`);
      });
    }
  }
});

describe('Winograd as the default conv2d kernel (winogradFirst)', () => {
  // The kernel used without a tuning cache: Winograd where Cin ≥ 32 (3×3, stride 1), the others' first elsewhere.
  const defaultOf = async (xs: number[], cout: number, attrs: Attrs) => {
    const g = new Graph();
    const w = randn(9 * xs[3] * cout, 3, 0.1);
    g.markOutput(g.add1('conv2d', [g.addInput('x', xs), g.addParam('w', [3, 3, xs[3], cout], w)], attrs, 'conv'));
    const m = await compile(await runtime(), g, { fuse: false, tune: 'off' });
    const [variant] = [...m.variants.values()];
    const x = randn(
      xs.reduce((a, b) => a * b),
      4,
    );
    const [y] = await m.run([x]);
    m.destroy();
    const absSum = conv2dRef(x.map(Math.abs), xs, w.map(Math.abs), [3, 3, xs[3], cout], null, attrs);
    expectCloseToSum(y, conv2dRef(x, xs, w, [3, 3, xs[3], cout], null, attrs), absSum, `default ${variant}`);
    return variant;
  };
  it('Cin 32 (cnn_small conv2, batch 1): Winograd first', async () => {
    expect(await defaultOf([1, 14, 14, 32], 64, { pads: [1, 1, 1, 1] })).toMatch(/^winograd2x2\+gemm/);
  });
  it('Cin 16, or stride 2: not Winograd', async () => {
    expect(await defaultOf([1, 14, 14, 16], 32, { pads: [1, 1, 1, 1] })).not.toMatch(/winograd/);
    expect(await defaultOf([1, 14, 14, 32], 32, { pads: [1, 1, 1, 1], stride: [2, 2] })).not.toMatch(/winograd/);
  });
});

/** x → conv2d_gemm(w, attrs), and the backward node of x's or w's gradient for an input dy: that node alone. */
function convGradGraph(xs: number[], ws: number[], w: Float32Array, attrs: Attrs, wrt: 'x' | 'w') {
  const g = new Graph();
  const xi = g.addInput('x', xs);
  const wi = g.addParam('w', ws, w);
  const y = g.add1('conv2d_gemm', [xi, wi], attrs, 'conv');
  const dyi = g.addInput('dy', g.shape(y));
  const of = wrt === 'x' ? xi : wi;
  g.markOutput(backward(g, new Map([[y, [dyi]]]), [of]).get(of)!);
  return { g, dyShape: g.shape(y) };
}

describe('Winograd in the training graph', () => {
  // dx of a 3×3 stride-1 convolution with pads (1, 0, 1, 1): a forward conv2d_gemm of dy with flipped weights and pads
  // (1, 2, 1, 1) — every convolution of this graph (the forward one too) is pinned to Winograd, and dx is compared with
  // the default kernels' and the reference's.
  it('the input gradient node runs Winograd and agrees with the default variant', async () => {
    const xs = [2, 7, 6, 8];
    const ws = [3, 3, 8, 12];
    const attrs: Attrs = { pads: [1, 0, 1, 1] };
    const x = randn(2 * 7 * 6 * 8, 11);
    const w = randn(3 * 3 * 8 * 12, 12, 0.5);
    const build = () => convGradGraph(xs, ws, w, attrs, 'x');
    const { g, dyShape } = build();
    const dy = randn(
      dyShape.reduce((a, b) => a * b),
      13,
    );
    const rt = await runtime();
    const wino = await compile(rt, g, { fuse: false, tune: 'off', forceVariant: 'winograd2x2' });
    const [dxWino] = await wino.run([x, dy]);
    // the dx node's tuner key: dy [2,7,5,12] convolved with the flipped weights [3,3,12,8], pads (1, 2, 1, 1)
    const dxKey = `conv2d_gemm|${dyShape.join('x')}|3x3x8|g1|s11|d11|p1211`;
    expect(wino.variants.get(dxKey)).toMatch(/^winograd2x2\+/);
    wino.destroy();
    const base = await compile(rt, build().g, { fuse: false, tune: 'off' });
    const [dxBase] = await base.run([x, dy]);
    expect(base.variants.get(dxKey)).toMatch(/^conv2d_slide/);
    base.destroy();
    expectClose(dxWino, dxBase, TOL.grad, 'dx winograd vs default');
    expectClose(dxWino, conv2dBackwardInputRef(dy, w, ws, xs, attrs), TOL.grad, 'dx winograd vs reference');
  });
});

interface DwCase {
  name: string;
  x: [number, number, number, number];
  cout: number;
  pads: [number, number, number, number];
  /** S of the partial node (must split N·OH into equal chunks) */
  chunks: number;
  /** the candidates (id prefixes) */
  variants: string[];
}

const dwCases: DwCase[] = [
  // OH 5, OW 7 (odd: the last tile row and column half outside), pads 0/0 and 1/1, batch 1, Cin 4, Cout 4
  { name: '5x7 p(0,0,1,1) n1 cin4 cout4', x: [1, 6, 8, 4], cout: 4, pads: [0, 0, 1, 1], chunks: 2, variants: ['dw_winograd2x2+gemm4x4'] },
  // OH 6, OW 6 from 7×5 with pads 1/0 and 2/1; Cin 12, Cout 20 (4-wide tiles only); 27 tiles in 4 chunks of 7
  {
    name: '7x5 p(1,2,0,1) n3 cin12 cout20',
    x: [3, 7, 5, 12],
    cout: 20,
    pads: [1, 2, 0, 1],
    chunks: 4,
    variants: ['dw_winograd2x2+gemm4x4'],
  },
  // one output row and column (H 3, W 1 with pads 1/1): 3 tiles, 3 chunks of one
  {
    name: '1 row, 1 col p(0,1,0,1) n3 cin12 cout4',
    x: [3, 3, 1, 12],
    cout: 4,
    pads: [0, 1, 0, 1],
    chunks: 3,
    variants: ['dw_winograd2x2+gemm4x4'],
  },
  // 30 tiles in 5 chunks of 6; the 16-, 8- and 4-channel tiles
  {
    name: '9x6 p1 n2 cin12 cout16',
    x: [2, 9, 6, 12],
    cout: 16,
    pads: [1, 1, 1, 1],
    chunks: 5,
    variants: ['dw_winograd2x2+gemm4x16', 'dw_winograd2x2+gemm4x8', 'dw_winograd2x2+gemm4x4'],
  },
  // OH 7, OW 7 (odd), 48 tiles in 3 chunks; Cin 8, Cout 64
  {
    name: '8x7 p(1,1,0,1) n3 cin8 cout64',
    x: [3, 8, 7, 8],
    cout: 64,
    pads: [1, 1, 0, 1],
    chunks: 3,
    variants: ['dw_winograd2x2+gemm8x16', 'dw_winograd2x2+gemm8x32', 'dw_winograd2x2+gemm8x8'],
  },
  // batch 1, Cin 16, Cout 32, pads 2/0 and 0/2 (OH 5 = 5 + 2 − 2, OW 5): the 16-row tiles, one chunk
  {
    name: '5x5 p(2,0,0,2) n1 cin16 cout32',
    x: [1, 5, 5, 16],
    cout: 32,
    pads: [2, 0, 0, 2],
    chunks: 1,
    variants: ['dw_winograd2x2+gemm16x16', 'dw_winograd2x2+gemm16x8'],
  },
];

/** Σ_s part[r, s, co] of the partial node's output [R, S, Cout]. */
function sumChunks(part: Float32Array, s: number, cout: number): Float32Array {
  const r = part.length / (s * cout);
  const out = new Float32Array(r * cout);
  for (let i = 0; i < r; i++) for (let k = 0; k < s; k++) for (let c = 0; c < cout; c++) out[i * cout + c] += part[(i * s + k) * cout + c];
  return out;
}

describe('Winograd F(3×3, 2×2) weight gradient', () => {
  for (const c of dwCases) {
    for (const variant of c.variants) {
      it(`${c.name} [${variant}]`, async () => {
        const cin = c.x[3];
        const ws = [3, 3, cin, c.cout];
        const attrs: Attrs = { pads: c.pads };
        const oh = c.x[1] + c.pads[0] + c.pads[2] - 2;
        const ow = c.x[2] + c.pads[1] + c.pads[3] - 2;
        const dyShape = [c.x[0], oh, ow, c.cout];
        const x = randn(
          c.x.reduce((a, b) => a * b),
          21,
          2,
        );
        const dy = randn(
          dyShape.reduce((a, b) => a * b),
          22,
        );
        const inputs = [
          { shape: c.x, data: x },
          { shape: dyShape, data: dy },
        ];
        const { out, shape } = await runOp('conv2d_backward_weight_partial', inputs, { ...attrs, w_shape: ws, chunks: c.chunks }, variant);
        expect(shape).toEqual([9 * cin, c.chunks, c.cout]);
        const absSum = conv2dBackwardWeightRef(x.map(Math.abs), c.x, dy.map(Math.abs), ws, attrs);
        expectCloseToSum(sumChunks(out, c.chunks, c.cout), conv2dBackwardWeightRef(x, c.x, dy, ws, attrs), absSum, c.name);
      });
    }
  }

  // the weight gradient of a 3×3 stride-1 convolution with pads (1, 0, 1, 1) in the training graph: the dw_part node
  // pinned to Winograd vs the default kernels and the reference
  it('the weight gradient node runs Winograd and agrees with the default variant', async () => {
    const xs = [2, 7, 6, 8];
    const ws = [3, 3, 8, 16];
    const attrs: Attrs = { pads: [1, 0, 1, 1] };
    const x = randn(2 * 7 * 6 * 8, 31);
    const w = randn(3 * 3 * 8 * 16, 32, 0.5);
    const build = () => convGradGraph(xs, ws, w, attrs, 'w');
    const { g, dyShape } = build();
    const dy = randn(
      dyShape.reduce((a, b) => a * b),
      33,
    );
    const rt = await runtime();
    const wino = await compile(rt, g, {
      fuse: false,
      tune: 'off',
      forceVariantByKey: { 'conv2d_backward_weight_partial|': 'dw_winograd2x2' },
    });
    const [dwWino] = await wino.run([x, dy]);
    const dwKey = [...wino.variants.keys()].find((k) => k.startsWith('conv2d_backward_weight_partial|'));
    expect(dwKey).toBeDefined();
    expect(wino.variants.get(dwKey!)).toMatch(/^dw_winograd2x2\+/);
    wino.destroy();
    const base = await compile(rt, build().g, {
      fuse: false,
      tune: 'off',
      forceVariantByKey: { 'conv2d_backward_weight_partial|': 'dw_slide' },
    });
    const [dwBase] = await base.run([x, dy]);
    expect(base.variants.get(dwKey!)).toMatch(/^dw_slide/);
    base.destroy();
    expectClose(dwWino, dwBase, TOL.grad, 'dw winograd vs slide');
    // Cin 8, Cout 16 (cnn_tiny's conv2): Winograd is the default too (winogradDwFirst), at dwChunks' own chunk count
    const def = await compile(rt, build().g, { fuse: false, tune: 'off' });
    expect(def.variants.get(dwKey!)).toBe('dw_winograd2x2+gemm8x16');
    def.destroy();
    // with ≥ 32 input channels Winograd is the default (cnn_small's conv2)
    const g32 = new Graph();
    const x32 = g32.addInput('x', [1, 5, 6, 32]);
    const dy32 = g32.addInput('dy', [1, 5, 6, 16]);
    g32.markOutput(g32.add1('conv2d_backward_weight_partial', [x32, dy32], { pads: [1, 1, 1, 1], w_shape: [3, 3, 32, 16], chunks: 1 }));
    const def32 = await compile(rt, g32, { fuse: false, tune: 'off' });
    expect([...def32.variants.values()]).toEqual(['dw_winograd2x2+gemm8x16']);
    def32.destroy();
    // where the 8×16 tile does not fit (Cin 4; Winograd's 4×16 would), the direct kernels stay first
    const g4 = new Graph();
    const x4 = g4.addInput('x', [1, 5, 6, 4]);
    const dy4 = g4.addInput('dy', [1, 5, 6, 16]);
    g4.markOutput(g4.add1('conv2d_backward_weight_partial', [x4, dy4], { pads: [1, 1, 1, 1], w_shape: [3, 3, 4, 16], chunks: 1 }));
    const def4 = await compile(rt, g4, { fuse: false, tune: 'off' });
    expect([...def4.variants.values()][0]).toMatch(/^dw_(slide|unrolled)/);
    def4.destroy();
    expectClose(dwWino, conv2dBackwardWeightRef(x, xs, dy, ws, attrs), TOL.grad, 'dw winograd vs reference');
  });
});
