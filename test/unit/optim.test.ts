// Optimizers: learning-rate schedules, and the SGD / Adam / AdamW update kernels (momentum, Nesterov, weight
// decay, ℓ1, gradient clipping) against the CPU formulas over several steps.

import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Attrs } from '../../src/ops/registry.js';
import { DEFAULT_OPTIM, HYPER, hyperFor, linearScaledLr, lrAt, type OptimConfig } from '../../src/train/optim.js';
import { expectClose, randn, runtime, TOL } from '../helpers.js';
import { adamUpdateRef, gradNormRef, sgdUpdateRef } from '../ref/backward.js';

describe('learning-rate schedules', () => {
  const c: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.1, warmupSteps: 4, totalSteps: 104, minLr: 0.001 };
  it('linear warm-up then cosine to minLr', () => {
    expect(lrAt(c, 0)).toBeCloseTo(0.025);
    expect(lrAt(c, 3)).toBeCloseTo(0.1);
    expect(lrAt(c, 4)).toBeCloseTo(0.1);
    expect(lrAt(c, 54)).toBeCloseTo(0.0505);
    expect(lrAt(c, 104)).toBeCloseTo(0.001);
  });
  it('cosine values to 1e-12 (at the default 2 digits lr + minLr in place of lr − minLr passed)', () => {
    // minLr + ½(lr − minLr)(1 + cos πt), t = (step − warm-up) / (total − warm-up)
    expect(lrAt(c, 4)).toBeCloseTo(0.1, 12);
    expect(lrAt(c, 29)).toBeCloseTo(0.001 + 0.0495 * (1 + Math.SQRT1_2), 12);
    expect(lrAt(c, 54)).toBeCloseTo(0.0505, 12);
    expect(lrAt(c, 104)).toBeCloseTo(0.001, 12);
    expect(lrAt(c, 500)).toBeCloseTo(0.001, 12); // past the end: stays at minLr
  });
  it('step decay and constant', () => {
    const s: OptimConfig = { ...DEFAULT_OPTIM, lr: 1, schedule: 'step', stepSize: 10, gamma: 0.5, warmupSteps: 0 };
    expect([0, 9, 10, 25].map((t) => lrAt(s, t))).toEqual([1, 1, 0.5, 0.25]);
    expect(lrAt({ ...s, schedule: 'constant' }, 1000)).toBe(1);
  });
  it('Adam bias corrections in the hyper input', () => {
    const h = hyperFor({ ...DEFAULT_OPTIM, beta1: 0.9, beta2: 0.99 }, 0);
    expect(h[HYPER.bc1]).toBeCloseTo(10);
    expect(h[HYPER.bc2]).toBeCloseTo(100);
  });
});

async function runUpdates(op: 'sgd_update' | 'adam_update', attrs: Attrs, maxNorm: number) {
  const n = 1003;
  const g = new Graph();
  const w0 = randn(n, 1);
  const w = g.addParam('w', [n], w0);
  const states = op === 'sgd_update' ? [g.addState('v', [n])] : [g.addState('m', [n]), g.addState('v', [n])];
  const grad = g.addInput('grad', [n]);
  const hyper = g.addInput('hyper', [8]);
  const norm = g.add1('grad_norm', [grad]);
  g.add(op, [w, grad, ...states, hyper, norm], attrs);
  g.markOutput(norm);
  const rt = await runtime();
  const c = await compile(rt, g, { fuse: false });
  const cfg: OptimConfig = {
    ...DEFAULT_OPTIM,
    lr: 0.01,
    maxNorm,
    beta1: (attrs.beta1 as number) ?? 0.9,
    beta2: (attrs.beta2 as number) ?? 0.999,
  };
  const ref = { w: Float32Array.from(w0), s: states.map(() => new Float32Array(n)) };
  for (let t = 0; t < 5; t++) {
    const gr = randn(n, 10 + t, 2);
    const h = hyperFor(cfg, t);
    const [gn] = await c.run([gr, h]);
    const nr = gradNormRef([gr]);
    expect(Math.abs(gn[0] - nr)).toBeLessThan(1e-4 * nr);
    const hr = { lr: h[0], bc1: h[1], bc2: h[2], maxNorm: h[3] };
    if (op === 'sgd_update') sgdUpdateRef(ref.w, gr, ref.s[0], hr, nr, attrs);
    else adamUpdateRef(ref.w, gr, ref.s[0], ref.s[1], hr, nr, attrs);
  }
  expectClose(await c.readTensor(w), ref.w, TOL.f32, `${op} w`);
  for (let k = 0; k < states.length; k++) expectClose(await c.readTensor(states[k]), ref.s[k], TOL.f32, `${op} state ${k}`);
  c.destroy();
}

describe('linear learning-rate scaling with the batch size', () => {
  it('scales lr by batch / reference batch and rejects bad batch sizes', () => {
    expect(linearScaledLr(0.05, 256, 64)).toBeCloseTo(0.2, 12);
    expect(linearScaledLr(0.05, 32, 64)).toBeCloseTo(0.025, 12);
    expect(linearScaledLr(0.1, 64, 64)).toBe(0.1);
    expect(() => linearScaledLr(0.05, 0, 64)).toThrow(/batch sizes must be integers ≥ 1/);
    expect(() => linearScaledLr(0.05, 64, 1.5)).toThrow(/batch sizes must be integers ≥ 1/);
  });
});

describe('update kernels vs CPU formulas (5 steps)', () => {
  it('SGD with momentum, weight decay, ℓ1', () => runUpdates('sgd_update', { momentum: 0.9, weight_decay: 1e-2, l1: 1e-3 }, 0));
  it('SGD Nesterov with gradient clipping', () => runUpdates('sgd_update', { momentum: 0.8, nesterov: true, weight_decay: 0 }, 1.0));
  it('plain SGD (no momentum)', () => runUpdates('sgd_update', { momentum: 0 }, 0));
  it('Adam (coupled ℓ2)', () =>
    runUpdates('adam_update', { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 1e-2, l1: 0, decoupled: false }, 0));
  it('AdamW (decoupled decay) with clipping and ℓ1', () =>
    runUpdates('adam_update', { beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 5e-2, l1: 1e-4, decoupled: true }, 3));
});
