import { describe, it } from 'vitest';
import { applyAct, ACTIVATIONS, FUSED_MAX } from '../../src/ops/activation.js';
import type { Attrs } from '../../src/ops/registry.js';
import { batchnormRef, channelScaleRef, channelShuffleRef, concatRef, globalPoolRef, pool2dRef, softmaxRef } from '../ref/ops.js';
import { expectClose, randn, runOp, TOL } from '../helpers.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('pool2d vs reference', () => {
  const cases: [string, number[], Attrs][] = [
    ['max 3x3 s2 p1 odd', [2, 9, 7, 5], { mode: 'max', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }],
    ['max 2x2 s2 even', [1, 8, 8, 3], { mode: 'max', kernel: [2, 2], stride: [2, 2] }],
    ['max ceil mode', [1, 7, 6, 2], { mode: 'max', kernel: [3, 3], stride: [2, 2], ceil: true }],
    ['max dilation 2', [1, 9, 9, 2], { mode: 'max', kernel: [2, 2], stride: [1, 1], dilation: [2, 2] }],
    ['avg 3x3 s2 p1 exclude pad', [2, 7, 9, 4], { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }],
    ['avg 3x3 s2 p1 include pad', [1, 7, 9, 4], { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true }],
    [
      'avg ceil include pad',
      [1, 6, 6, 1],
      { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], ceil: true, countIncludePad: true },
    ],
    ['avg asymmetric pads', [1, 5, 6, 3], { mode: 'avg', kernel: [2, 3], stride: [1, 2], pads: [0, 1, 1, 2] }],
    // C % 4 = 0: the vec4 kernel (four channels per thread)
    ['vec4: max 3x3 s2 p1 odd, c8', [2, 9, 7, 8], { mode: 'max', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }],
    ['vec4: max ceil mode, c4', [1, 7, 6, 4], { mode: 'max', kernel: [3, 3], stride: [2, 2], ceil: true }],
    ['vec4: max dilation 2, c12', [2, 9, 9, 12], { mode: 'max', kernel: [2, 2], stride: [1, 1], dilation: [2, 2] }],
    ['vec4: max 2x2 s2 odd H/W (last row dropped), c4', [1, 7, 5, 4], { mode: 'max', kernel: [2, 2], stride: [2, 2] }],
    [
      'vec4: avg ceil include pad, c4',
      [1, 6, 6, 4],
      { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], ceil: true, countIncludePad: true },
    ],
  ];
  for (const [name, shape, attrs] of cases) {
    it(name, async () => {
      const x = randn(prod(shape), 11);
      const { out } = await runOp('pool2d', [{ shape, data: x }], attrs);
      expectClose(out, pool2dRef(x, shape, attrs), TOL.f32, name);
    });
  }
  for (const mode of ['avg', 'max'] as const) {
    it(`global ${mode} pool n2 5x7x6`, async () => {
      const shape = [2, 5, 7, 6];
      const x = randn(prod(shape), 12);
      const { out } = await runOp('global_pool', [{ shape, data: x }], { mode });
      expectClose(out, globalPoolRef(x, shape, mode), TOL.f32, mode);
    });
  }
});

describe('elementwise vs reference', () => {
  for (const [name, code] of Object.entries(ACTIVATIONS).filter(([, c]) => c <= FUSED_MAX)) {
    it(`activation ${name}`, async () => {
      const x = randn(257, 13, 8);
      const { out } = await runOp('activation', [{ shape: [257], data: x }], { act: code });
      expectClose(
        out,
        x.map((v) => applyAct(code, v)),
        TOL.f32,
        name,
      );
    });
  }
  it('add with fused relu6', async () => {
    const a = randn(3 * 5 * 7, 14, 5);
    const b = randn(3 * 5 * 7, 15, 5);
    const { out } = await runOp(
      'add',
      [
        { shape: [1, 3, 5, 7], data: a },
        { shape: [1, 3, 5, 7], data: b },
      ],
      { act: ACTIVATIONS.relu6 },
    );
    expectClose(
      out,
      a.map((v, i) => applyAct(2, v + b[i])),
      TOL.f32,
      'add',
    );
  });
  it('batchnorm inference with swish', async () => {
    const c = 6;
    const shape = [2, 3, 3, c];
    const x = randn(prod(shape), 16);
    const gamma = randn(c, 17),
      beta = randn(c, 18),
      mean = randn(c, 19);
    const variance = randn(c, 20).map((v) => 0.5 + Math.abs(v));
    const p = (d: Float32Array) => ({ shape: [c], data: d, param: true });
    const { out } = await runOp('batchnorm', [{ shape, data: x }, p(gamma), p(beta), p(mean), p(variance)], {
      eps: 1e-3,
      act: ACTIVATIONS.swish,
    });
    expectClose(out, batchnormRef(x, c, gamma, beta, mean, variance, 1e-3, ACTIVATIONS.swish), TOL.f32, 'bn');
  });
  it('channel_scale (squeeze-excite)', async () => {
    const xs = [2, 3, 5, 6];
    const x = randn(prod(xs), 21);
    const s = randn(12, 22);
    const { out } = await runOp(
      'channel_scale',
      [
        { shape: xs, data: x },
        { shape: [2, 1, 1, 6], data: s },
      ],
      {},
    );
    expectClose(out, channelScaleRef(x, xs, s), TOL.f32, 'se');
  });
});

describe('layout ops vs reference', () => {
  it('channel_shuffle g3 on 12 channels', async () => {
    const shape = [2, 3, 3, 12];
    const x = randn(prod(shape), 23);
    const { out } = await runOp('channel_shuffle', [{ shape, data: x }], { groups: 3 });
    expectClose(out, channelShuffleRef(x, 12, 3), { atol: 0, rtol: 0 }, 'shuffle');
  });
  it('concat of three inputs with odd channels', async () => {
    const shapes = [
      [2, 3, 3, 5],
      [2, 3, 3, 1],
      [2, 3, 3, 7],
    ];
    const xs = shapes.map((s, k) => randn(prod(s), 30 + k));
    const { out } = await runOp(
      'concat',
      shapes.map((shape, k) => ({ shape, data: xs[k] })),
      {},
    );
    expectClose(out, concatRef(xs, shapes), { atol: 0, rtol: 0 }, 'concat');
  });
  for (const log of [false, true]) {
    it(`${log ? 'log-' : ''}softmax rows of 1000 with large logits`, async () => {
      const x = randn(3 * 1000, 40, 50);
      const { out } = await runOp('softmax', [{ shape: [3, 1000], data: x }], { log });
      expectClose(out, softmaxRef(x, 1000, log), log ? TOL.f32 : { atol: 1e-6, rtol: 1e-4 }, 'softmax');
    });
  }
  // with logits of scale 50 one term dominates each row of 1000: a kernel summing all terms but one still passed
  // (planted mutant softmax_sum_drops_last). Short rows of unit-scale logits make every term count.
  for (const log of [false, true]) {
    it(`${log ? 'log-' : ''}softmax rows of 5 with unit logits`, async () => {
      const x = randn(7 * 5, 41, 1);
      const { out } = await runOp('softmax', [{ shape: [7, 5], data: x }], { log });
      expectClose(out, softmaxRef(x, 5, log), TOL.f32, 'softmax');
    });
  }
});
