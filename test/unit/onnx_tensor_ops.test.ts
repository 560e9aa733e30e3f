// The general N-D ops behind ONNX import, each against its float64 CPU reference (test/ref/tensor.ts), on
// awkward shapes: odd sizes, rank 1 to 6, broadcasting both ways, size-1 axes, negative pads.
import { describe, it } from 'vitest';
import { expectClose, randn, runOp, TOL } from '../helpers.js';
import { UNARY, type UnaryName } from '../../src/ops/tensor.js';
import {
  binaryTensorRef,
  concatAxisRef,
  hardmaxRef,
  lrnRef,
  matmulRef,
  padRef,
  reduceRef,
  sliceRef,
  softmaxAxisRef,
  transposeRef,
  unaryTensorRef,
} from '../ref/tensor.js';

const n = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('unary', () => {
  const params: Partial<Record<UnaryName, [number, number]>> = {
    leakyrelu: [0.2, 0],
    elu: [0.7, 0],
    hardsigmoid: [0.3, 0.4],
    clip: [-0.5, 0.8],
    swish: [1.5, 0],
  };
  for (const fn of Object.keys(UNARY) as UnaryName[]) {
    it(fn, async () => {
      const shape = [3, 7, 5];
      let x = randn(n(shape), 11, 4);
      if (fn === 'log' || fn === 'sqrt') x = x.map((v) => Math.abs(v) + 0.01);
      if (fn === 'reciprocal') x = x.map((v) => (Math.abs(v) < 0.1 ? 0.5 : v));
      if (fn === 'round') x = x.map((v, i) => (i % 3 === 0 ? Math.round(v * 2) / 2 : v)); // ties go to even
      const [alpha, beta] = params[fn] ?? [0, 0];
      const { out } = await runOp('unary', [{ shape, data: x }], { fn, alpha, beta });
      expectClose(out, unaryTensorRef(x, fn, alpha, beta), TOL.f32, fn);
    });
  }
});

describe('binary with broadcasting', () => {
  const cases: [string, number[], number[]][] = [
    ['add', [2, 3, 4, 5], [2, 3, 4, 5]],
    ['sub', [2, 3, 4, 5], [5]],
    ['mul', [3, 1, 5], [4, 1]],
    ['div', [1], [7, 3]],
    ['max', [2, 1, 3, 1, 2, 3], [1, 4, 1, 5, 1, 1]],
    ['min', [6], [6]],
    ['pow', [4, 3], [3]],
    ['prelu', [2, 3, 5, 5], [3, 1, 1]],
  ];
  for (const [fn, as, bs] of cases) {
    it(`${fn} [${as}] ∘ [${bs}]`, async () => {
      let a = randn(n(as), 3, 2);
      const b =
        fn === 'div' ? randn(n(bs), 4).map((v) => v + Math.sign(v) * 0.5) : fn === 'pow' ? Float32Array.from([2, 3, 0.5]) : randn(n(bs), 4);
      if (fn === 'pow') a = a.map((v, i) => (i % 3 === 2 ? Math.abs(v) : v));
      const { out, shape } = await runOp(
        'binary',
        [
          { shape: as, data: a },
          { shape: bs, data: b },
        ],
        { fn },
      );
      const ref = binaryTensorRef(a, as, b, bs, fn as any);
      expectClose(Float32Array.from(shape), Float32Array.from(ref.shape), { atol: 0, rtol: 0 }, 'shape');
      expectClose(out, ref.y, TOL.f32, fn);
    });
  }
});

describe('data movement', () => {
  const perms: [number[], number[]][] = [
    [
      [5, 7],
      [1, 0],
    ],
    [
      [2, 3, 5],
      [2, 0, 1],
    ],
    [
      [2, 3, 4, 5],
      [0, 2, 3, 1],
    ],
    [
      [1, 2, 2, 3, 3, 2],
      [0, 3, 4, 1, 5, 2],
    ],
  ];
  for (const [shape, perm] of perms) {
    it(`transpose [${shape}] perm [${perm}]`, async () => {
      const x = randn(n(shape), 5);
      const { out } = await runOp('transpose', [{ shape, data: x }], { perm });
      expectClose(out, transposeRef(x, shape, perm), { atol: 0, rtol: 0 }, 'transpose');
    });
  }
  it('slice with steps on an odd 3-D shape', async () => {
    const shape = [5, 7, 3];
    const x = randn(n(shape), 6);
    const attrs = { starts: [1, 0, 2], ends: [5, 7, 3], steps: [2, 3, 1] };
    const { out } = await runOp('slice', [{ shape, data: x }], attrs);
    expectClose(out, sliceRef(x, shape, attrs.starts, attrs.ends, attrs.steps), { atol: 0, rtol: 0 }, 'slice');
  });
  for (const axis of [0, 1, 2]) {
    it(`concat_axis ${axis}`, async () => {
      const shapes = [
        [2, 3, 4],
        [2, 3, 4],
        [2, 3, 4],
      ].map((s, k) => s.map((d, i) => (i === axis ? d + k : d)));
      const xs = shapes.map((s, k) => randn(n(s), 20 + k));
      const { out } = await runOp(
        'concat_axis',
        shapes.map((s, k) => ({ shape: s, data: xs[k] })),
        { axis },
      );
      expectClose(out, concatAxisRef(xs, shapes, axis), { atol: 0, rtol: 0 }, 'concat');
    });
  }
  for (const mode of ['constant', 'reflect', 'edge'] as const) {
    it(`pad ${mode} (with a negative pad)`, async () => {
      const shape = [2, 5, 4];
      const pads = [0, 2, -1, 1, 3, 2];
      const x = randn(n(shape), 7);
      const { out } = await runOp('pad', [{ shape, data: x }], { pads, mode, value: 1.5 });
      expectClose(out, padRef(x, shape, pads, mode, 1.5), { atol: 0, rtol: 0 }, mode);
    });
  }
});

describe('matmul', () => {
  const cases: [number[], number[], boolean, boolean, number][] = [
    [[3, 5], [5, 7], false, false, 1],
    [[5, 3], [7, 5], true, true, 0.5],
    [[2, 1, 4, 3], [3, 3, 2], false, false, 1],
    [[1, 1], [1, 9], false, false, 2],
    [[4, 6], [4, 6], false, true, 1],
  ];
  for (const [as, bs, ta, tb, alpha] of cases) {
    it(`[${as}]${ta ? 'ᵀ' : ''} × [${bs}]${tb ? 'ᵀ' : ''} α=${alpha}`, async () => {
      const a = randn(n(as), 8);
      const b = randn(n(bs), 9);
      const { out } = await runOp(
        'matmul',
        [
          { shape: as, data: a },
          { shape: bs, data: b },
        ],
        { transA: ta ? 1 : 0, transB: tb ? 1 : 0, alpha },
      );
      expectClose(out, matmulRef(a, as, b, bs, ta, tb, alpha).y, TOL.f32, 'matmul');
    });
  }
  it('with a bias vector [2,3,4]×[4,5] + b[5]', async () => {
    const a = randn(24, 15);
    const b = randn(20, 16);
    const bias = randn(5, 17);
    const { out } = await runOp(
      'matmul',
      [
        { shape: [2, 3, 4], data: a },
        { shape: [4, 5], data: b, param: true },
        { shape: [5], data: bias, param: true },
      ],
      {},
    );
    const ref = matmulRef(a, [2, 3, 4], b, [4, 5]).y.map((v, i) => v + bias[i % 5]);
    expectClose(out, ref, TOL.f32, 'matmul+bias');
  });
});

describe('reductions and softmax along an axis', () => {
  for (const mode of ['sum', 'mean', 'max', 'min'] as const) {
    for (const axis of [0, 2]) {
      it(`reduce ${mode} axis ${axis}`, async () => {
        const shape = [3, 5, 7];
        const x = randn(n(shape), 10);
        const { out } = await runOp('reduce', [{ shape, data: x }], { axis, mode, keepdims: 0 });
        expectClose(out, reduceRef(x, shape, axis, mode), TOL.f32, mode);
      });
    }
  }
  for (const [axis, log] of [
    [0, false],
    [1, true],
    [2, false],
  ] as const) {
    it(`softmax axis ${axis}${log ? ' (log)' : ''}`, async () => {
      const shape = [3, 5, 4];
      const x = randn(n(shape), 12, 30);
      const { out } = await runOp('softmax_axis', [{ shape, data: x }], { axis, log: log ? 1 : 0 });
      expectClose(out, softmaxAxisRef(x, shape, axis, log), TOL.f32, 'softmax');
    });
  }
  it('hardmax axis 1 with ties (first max wins)', async () => {
    const shape = [3, 5, 4];
    const x = randn(n(shape), 14).map((v) => Math.round(v * 2));
    const { out } = await runOp('softmax_axis', [{ shape, data: x }], { axis: 1, hard: 1 });
    expectClose(out, hardmaxRef(x, shape, 1), { atol: 0, rtol: 0 }, 'hardmax');
  });
  it('lrn size 5 over 7 channels', async () => {
    const shape = [2, 3, 3, 7];
    const x = randn(n(shape), 13, 3);
    const attrs = { size: 5, alpha: 0.01, beta: 0.75, bias: 2 };
    const { out } = await runOp('lrn', [{ shape, data: x }], attrs);
    expectClose(out, lrnRef(x, shape, 5, 0.01, 0.75, 2), TOL.f32, 'lrn');
  });
});
