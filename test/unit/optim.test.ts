// Optimizers: learning-rate schedules, and the SGD / Adam / AdamW update kernels (momentum, Nesterov, weight
// decay, ℓ1, gradient clipping) against the CPU formulas over several steps.

import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Attrs } from '../../src/ops/registry.js';
import { addOptimizer, checkOptim, DEFAULT_OPTIM, HYPER, hyperFor, linearScaledLr, lrAt, type OptimConfig } from '../../src/train/optim.js';
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

async function runUpdates(op: 'sgd_update' | 'adam_update', attrs: Attrs, maxNorm: number, n = 1003) {
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
  // a length % 4 = 0 takes the four-elements-per-thread kernel (optim/sgd_update_vec4)
  it('SGD with momentum, weight decay, ℓ1, vec4', () => runUpdates('sgd_update', { momentum: 0.9, weight_decay: 1e-2, l1: 1e-3 }, 0, 1004));
  it('SGD Nesterov with gradient clipping, vec4', () =>
    runUpdates('sgd_update', { momentum: 0.8, nesterov: true, weight_decay: 0 }, 1.0, 1004));
  it('plain SGD (no momentum), vec4', () => runUpdates('sgd_update', { momentum: 0 }, 0, 1004));
  it('Adam (coupled ℓ2)', () =>
    runUpdates('adam_update', { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 1e-2, l1: 0, decoupled: false }, 0));
  it('AdamW (decoupled decay) with clipping and ℓ1', () =>
    runUpdates('adam_update', { beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 5e-2, l1: 1e-4, decoupled: true }, 3));
});

describe('schedule edge cases (CPU)', () => {
  const base: OptimConfig = { ...DEFAULT_OPTIM, lr: 1, warmupSteps: 0 };
  it.each([
    ['no warm-up: step 0 is the full rate', { schedule: 'constant' }, 0, 1],
    ['warm-up 1: step 0 is the full rate', { schedule: 'constant', warmupSteps: 1 }, 0, 1],
    ['warm-up 4, step 1', { schedule: 'constant', warmupSteps: 4 }, 1, 0.5],
    ['step size 0 counts as 1', { schedule: 'step', stepSize: 0, gamma: 0.5 }, 3, 0.125],
    ['step decay after warm-up counts from its end', { schedule: 'step', stepSize: 2, gamma: 0.5, warmupSteps: 2 }, 3, 1],
    ['step decay after warm-up, first decay', { schedule: 'step', stepSize: 2, gamma: 0.5, warmupSteps: 2 }, 4, 0.5],
    ['cosine with total ≤ warm-up: span 1, at minLr after it', { schedule: 'cosine', warmupSteps: 5, totalSteps: 3, minLr: 0.25 }, 6, 0.25],
    ['cosine with total ≤ warm-up, first step after warm-up', { schedule: 'cosine', warmupSteps: 5, totalSteps: 3, minLr: 0.25 }, 5, 1],
    ['cosine, no warm-up, midpoint', { schedule: 'cosine', totalSteps: 10, minLr: 0 }, 5, 0.5],
  ] as const)('%s', (_, over, step, want) => {
    expect(lrAt({ ...base, ...over } as OptimConfig, step)).toBeCloseTo(want, 12);
  });
  it('an unknown schedule is an error naming it', () => {
    expect(() => lrAt({ ...base, schedule: 'linear' as never }, 3)).toThrow("unknown learning-rate schedule 'linear'");
  });
  it('hyper: learning rate, both bias corrections at t = step + 1, max-norm, zeros elsewhere', () => {
    const h = hyperFor({ ...base, schedule: 'constant', lr: 0.5, beta1: 0.5, beta2: 0.75, maxNorm: 2.5 }, 1);
    expect(Array.from(h)).toEqual([0.5, 1 / (1 - 0.25), 1 / (1 - 0.5625), 2.5, 0, 0, 0, 0].map(Math.fround));
  });
});

describe('checkOptim (CPU)', () => {
  it.each([
    [{ kind: 'rmsprop' }, "optimizer must be sgd, adam or adamw (got 'rmsprop')"],
    [{ lr: 0 }, 'learning rate must be > 0 (got 0)'],
    [{ lr: -1 }, 'learning rate must be > 0 (got -1)'],
    [{ lr: Infinity }, 'learning rate must be > 0 (got Infinity)'],
    [{ lr: NaN }, 'learning rate must be > 0 (got NaN)'],
    [{ momentum: 1 }, 'momentum must be in [0, 1) (got 1)'],
    [{ momentum: -0.1 }, 'momentum must be in [0, 1) (got -0.1)'],
    [{ weightDecay: -1e-4 }, 'weight decay, l1 and max-norm must be ≥ 0'],
    [{ l1: -1e-4 }, 'weight decay, l1 and max-norm must be ≥ 0'],
    [{ maxNorm: -1 }, 'weight decay, l1 and max-norm must be ≥ 0'],
    [{ schedule: 'linear' }, "schedule must be constant, step or cosine (got 'linear')"],
  ])('refuses %o', (over, msg) => {
    expect(() => checkOptim({ ...DEFAULT_OPTIM, ...over } as OptimConfig)).toThrow(msg);
  });
  it.each([
    {},
    { kind: 'adam' },
    { kind: 'adamw' },
    { momentum: 0, weightDecay: 0, l1: 0, maxNorm: 0 },
    { schedule: 'constant' },
    { schedule: 'step' },
    { lr: 1e-9 },
  ])('accepts %o', (over) => {
    expect(() => checkOptim({ ...DEFAULT_OPTIM, ...over } as OptimConfig)).not.toThrow();
  });
});

describe('addOptimizer graph structure (CPU)', () => {
  const build = (kind: OptimConfig['kind']) => {
    const g = new Graph();
    const w = g.addParam('w', [3, 2], new Float32Array(6));
    const b = g.addParam('b', [2], new Float32Array(2));
    const dw = g.addInput('dw', [3, 2]);
    const db = g.addInput('db', [2]);
    const hyper = g.addInput('hyper', [HYPER.size]);
    const c: OptimConfig = {
      ...DEFAULT_OPTIM,
      kind,
      momentum: 0.7,
      nesterov: false,
      weightDecay: 0.01,
      l1: 0.002,
      beta1: 0.8,
      beta2: 0.9,
      eps: 1e-6,
    };
    const r = addOptimizer(
      g,
      new Map([
        [w, dw],
        [b, db],
      ]),
      c,
      hyper,
      'o',
    );
    return { g, w, b, dw, db, hyper, r };
  };
  it('SGD: one velocity per parameter, decay and ℓ1 on ≥ 2-D weights only', () => {
    const { g, w, b, dw, db, hyper, r } = build('sgd');
    const names = (ids: number[]) => ids.map((t) => g.tensors[t].name);
    expect(g.nodes.map((n) => [n.op, n.name])).toEqual([
      ['grad_norm', 'o.grad_norm'],
      ['sgd_update', 'w.sgd'],
      ['sgd_update', 'b.sgd'],
    ]);
    expect(g.nodes[0].inputs).toEqual([dw, db]);
    expect(r.norm).toBe(g.nodes[0].outputs[0]);
    expect(names(r.state)).toEqual(['w@v', 'b@v']);
    expect(r.state.map((t) => g.tensors[t].role)).toEqual(['state', 'state']);
    expect(r.state.map((t) => g.shape(t))).toEqual([[3, 2], [2]]);
    expect(g.nodes[1].inputs).toEqual([w, dw, r.state[0], hyper, r.norm]);
    expect(g.nodes[2].inputs).toEqual([b, db, r.state[1], hyper, r.norm]);
    expect(g.nodes[1].attrs).toEqual({ momentum: 0.7, nesterov: false, weight_decay: 0.01, l1: 0.002 });
    expect(g.nodes[2].attrs).toEqual({ momentum: 0.7, nesterov: false, weight_decay: 0, l1: 0 });
  });
  it.each(['adam', 'adamw'] as const)('%s: first and second moments per parameter, decoupled only for AdamW', (kind) => {
    const { g, w, b, dw, db, hyper, r } = build(kind);
    expect(g.nodes.map((n) => [n.op, n.name])).toEqual([
      ['grad_norm', 'o.grad_norm'],
      ['adam_update', 'w.adam'],
      ['adam_update', 'b.adam'],
    ]);
    expect(r.state.map((t) => g.tensors[t].name)).toEqual(['w@m', 'w@v', 'b@m', 'b@v']);
    expect(g.nodes[1].inputs).toEqual([w, dw, r.state[0], r.state[1], hyper, r.norm]);
    expect(g.nodes[2].inputs).toEqual([b, db, r.state[2], r.state[3], hyper, r.norm]);
    const common = { beta1: 0.8, beta2: 0.9, eps: 1e-6, decoupled: kind === 'adamw' };
    expect(g.nodes[1].attrs).toEqual({ ...common, weight_decay: 0.01, l1: 0.002 });
    expect(g.nodes[2].attrs).toEqual({ ...common, weight_decay: 0, l1: 0 });
  });
  it("the default name is 'opt'", () => {
    const g = new Graph();
    const w = g.addParam('w', [2], new Float32Array(2));
    addOptimizer(g, new Map([[w, g.addInput('dw', [2])]]), DEFAULT_OPTIM, g.addInput('hyper', [HYPER.size]));
    expect(g.nodes[0].name).toBe('opt.grad_norm');
  });
});
