// The register-tiled matmul kernels (shaders/matmul/matmul_forward_tiled.tmpl.wgsl), every tile height and load
// flavour pinned, against the float64 CPU reference (test/ref/tensor.ts matmulRef) on awkward shapes: M, N, K of
// 1, 3, 17, 65, 130 (non-multiples of the 4- or 8-row and 8-column tiles), broadcast batch dimensions, transposes (and
// the transA outer-product kernels, shaders/matmul/matmul_forward_outer.tmpl.wgsl),
// alpha and a bias; the workgroup-memory tiled kernel (32×32 blocks) and the direct kernel (the oracle) on the same
// cases.
import { describe, expect, it } from 'vitest';
import { expectClose, randn, runOp, TOL } from '../helpers.js';
import { matmulRef } from '../ref/tensor.js';

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Case {
  as: number[];
  bs: number[];
  ta: boolean;
  tb: boolean;
  alpha: number;
  bias: boolean;
  /** variants this shape offers (the flavour follows from the layout), pinned one by one */
  variants: string[];
}

// [M, K] × [K, N] with the flavour each layout selects
const cases: Case[] = [
  // K % 4 = 0, N % 4 = 0, no transposes: vab
  { as: [17, 12], bs: [12, 20], ta: false, tb: false, alpha: 1, bias: true, variants: ['matmul_tiled4x8_vab', 'matmul_tiled8x8_vab'] },
  { as: [1, 64], bs: [64, 36], ta: false, tb: false, alpha: 1, bias: false, variants: ['matmul_tiled1x8_vab'] },
  // N odd (a PP-OCR-like head): va
  { as: [1, 3, 65, 16], bs: [16, 17], ta: false, tb: false, alpha: 1, bias: true, variants: ['matmul_tiled4x8_va', 'matmul_tiled8x8_va'] },
  { as: [3, 8], bs: [8, 65], ta: false, tb: false, alpha: 0.5, bias: false, variants: ['matmul_tiled4x8_va', 'matmul_tiled1x8_va'] },
  // transB with K % 4 = 0: dot (Gemm as PyTorch exports Linear)
  { as: [1, 20], bs: [130, 20], ta: false, tb: true, alpha: 1, bias: true, variants: ['matmul_tiled1x8_dot'] },
  { as: [2, 17, 8], bs: [2, 3, 8], ta: false, tb: true, alpha: 2, bias: false, variants: ['matmul_tiled4x8_dot', 'matmul_tiled8x8_dot'] },
  // K odd, transposes, broadcast batch: scalar loads
  { as: [2, 1, 17, 3], bs: [3, 3, 65], ta: false, tb: false, alpha: 1, bias: false, variants: ['matmul_tiled4x8_s', 'matmul_tiled8x8_s'] },
  { as: [65, 17], bs: [3, 65], ta: true, tb: true, alpha: -1.5, bias: true, variants: ['matmul_tiled4x8_s', 'matmul_tiled8x8_s'] },
  { as: [1, 1], bs: [1, 3], ta: false, tb: false, alpha: 1, bias: true, variants: ['matmul_tiled1x8_s'] },
  { as: [130, 1], bs: [1, 1], ta: false, tb: false, alpha: 1, bias: false, variants: ['matmul_tiled4x8_s', 'matmul_tiled8x8_s'] },
  { as: [4, 3, 5], bs: [4, 3, 9], ta: true, tb: false, alpha: 1, bias: false, variants: ['matmul_tiled4x8_s', 'matmul_tiled1x8_s'] },
  // transA with M % 4 = 0, N % 4 = 0: outer products (the fully connected weight gradient xᵀ·dy); M = 12 (a last
  // 8-row tile half past M), N = 20 (a last half row past N), K odd; broadcast batch; M = 4 (one quad, 4-row only)
  {
    as: [7, 12],
    bs: [7, 20],
    ta: true,
    tb: false,
    alpha: 1,
    bias: true,
    variants: ['matmul_outer8x8', 'matmul_outer4x8', 'matmul_tiled8x8_s'],
  },
  { as: [2, 1, 33, 36], bs: [3, 33, 4], ta: true, tb: false, alpha: 0.5, bias: false, variants: ['matmul_outer8x8', 'matmul_outer4x8'] },
  { as: [5, 4], bs: [5, 12], ta: true, tb: false, alpha: 1, bias: false, variants: ['matmul_outer4x8'] },
];

describe('tiled matmul vs the float64 reference', () => {
  for (const c of cases) {
    const label = `[${c.as}]${c.ta ? 'ᵀ' : ''} × [${c.bs}]${c.tb ? 'ᵀ' : ''} α=${c.alpha}${c.bias ? ' +bias' : ''}`;
    for (const variant of [...c.variants, 'matmul_wgtile32x32', 'matmul_direct']) {
      it(`${label} ${variant}`, async () => {
        const a = randn(numel(c.as), 31);
        const b = randn(numel(c.bs), 32);
        const ref = matmulRef(a, c.as, b, c.bs, c.ta, c.tb, c.alpha);
        const n = ref.shape[ref.shape.length - 1];
        const bias = randn(n, 33);
        const inputs = [
          { shape: c.as, data: a },
          { shape: c.bs, data: b, param: true },
          ...(c.bias ? [{ shape: [n], data: bias, param: true }] : []),
        ];
        const { out, shape } = await runOp('matmul', inputs, { transA: c.ta ? 1 : 0, transB: c.tb ? 1 : 0, alpha: c.alpha }, variant);
        expect(shape).toEqual(ref.shape);
        const want = c.bias ? ref.y.map((v, i) => v + bias[i % n]) : ref.y;
        expectClose(out, want, TOL.f32, `${label} ${variant}`);
      });
    }
  }

  it('the default choice (tuner off) is a tiled kernel, with the flavour the layout allows', async () => {
    const { Graph } = await import('../../src/graph/ir.js');
    const { compile } = await import('../../src/graph/executor.js');
    const { runtime } = await import('../helpers.js');
    const g = new Graph();
    const y = g.add1('matmul', [g.addInput('x', [26, 512]), g.addParam('w', [512, 6625], new Float32Array(512 * 6625))], {});
    g.markOutput(y);
    const m = await compile(await runtime(), g, { fuse: false, tune: 'off' });
    expect([...m.variants.values()]).toEqual(['matmul_tiled4x8_va']);
    m.destroy();
    const h = new Graph();
    const z = h.add1('matmul', [h.addInput('x', [32, 3136]), h.addInput('dy', [32, 128])], { transA: 1 });
    h.markOutput(z);
    const n = await compile(await runtime(), h, { fuse: false, tune: 'off' });
    expect([...n.variants.values()]).toEqual(['matmul_outer8x8']);
    n.destroy();
  });
});
