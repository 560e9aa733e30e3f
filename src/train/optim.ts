// Optimizers as GPU kernels (ops sgd_update / adam_update, shaders/optim/), learning-rate schedules, gradient
// clipping and ℓ1/ℓ2 penalties. The per-step values (learning rate, Adam's bias corrections, clipping threshold)
// travel in one small graph input, `hyper`, written before every step, so one compiled graph serves every step.

import type { Graph } from '../graph/ir.js';
import { check, SlimError } from '../runtime/errors.js';

export interface OptimConfig {
  kind: 'sgd' | 'adam' | 'adamw';
  lr: number;
  momentum: number;
  nesterov: boolean;
  /** ℓ2 penalty (SGD, Adam) or decoupled decay (AdamW); applied to weights with ≥ 2 dimensions only. */
  weightDecay: number;
  /** ℓ1 penalty (sparsity before pruning); weights with ≥ 2 dimensions only. */
  l1: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Global gradient-norm clipping threshold; 0 = off. */
  maxNorm: number;
  schedule: 'constant' | 'step' | 'cosine';
  /** Linear warm-up over this many steps (from lr/warmupSteps up to lr). */
  warmupSteps: number;
  /** Step schedule: multiply by gamma every stepSize steps. */
  stepSize: number;
  gamma: number;
  /** Cosine schedule: decay to minLr at totalSteps. */
  totalSteps: number;
  minLr: number;
}

/** Defaults (issue 12): a 10-step linear warm-up — without one, SGD at lr 0.05 from a fresh network took a first
 *  step large enough to send cnn_small's loss to 38.8 at step 2. Fine-tuning from trained weights (--init) passes
 *  --warmup 0 in the scripts. */
export const DEFAULT_OPTIM: OptimConfig = {
  kind: 'sgd',
  lr: 0.05,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  l1: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  maxNorm: 0,
  schedule: 'cosine',
  warmupSteps: 10,
  stepSize: 1000,
  gamma: 0.1,
  totalSteps: 1000,
  minLr: 0,
};

/** Element indices of the `hyper` graph input (shared with shaders/optim/*.wgsl). */
export const HYPER = { lr: 0, bc1: 1, bc2: 2, maxNorm: 3, size: 8 } as const;

/** The linear scaling rule (Goyal et al. 2017, "Accurate, Large Minibatch SGD"): a learning rate tuned at batch
 *  `refBatch` becomes lr·batch/refBatch at `batch`; with it, the linear warm-up (warmupSteps) keeps the first large
 *  steps stable. `train --lr-ref-batch N`. */
export function linearScaledLr(lr: number, batch: number, refBatch: number): number {
  check(
    Number.isInteger(batch) && batch >= 1 && Number.isInteger(refBatch) && refBatch >= 1,
    `batch sizes must be integers ≥ 1 (got ${batch}, ${refBatch})`,
  );
  return (lr * batch) / refBatch;
}

/** Learning rate of step `step` (0-based). */
export function lrAt(c: OptimConfig, step: number): number {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const s = step - c.warmupSteps;
  switch (c.schedule) {
    case 'constant':
      return c.lr;
    case 'step':
      return c.lr * Math.pow(c.gamma, Math.floor(s / Math.max(1, c.stepSize)));
    case 'cosine': {
      const span = Math.max(1, c.totalSteps - c.warmupSteps);
      const t = Math.min(1, s / span);
      return c.minLr + 0.5 * (c.lr - c.minLr) * (1 + Math.cos(Math.PI * t));
    }
    default:
      throw new SlimError(`unknown learning-rate schedule '${c.schedule}'`);
  }
}

/** The `hyper` input for step `step` (0-based; Adam's t = step + 1). */
export function hyperFor(c: OptimConfig, step: number): Float32Array {
  const h = new Float32Array(HYPER.size);
  const t = step + 1;
  h[HYPER.lr] = lrAt(c, step);
  h[HYPER.bc1] = 1 / (1 - Math.pow(c.beta1, t));
  h[HYPER.bc2] = 1 / (1 - Math.pow(c.beta2, t));
  h[HYPER.maxNorm] = c.maxNorm;
  return h;
}

export function checkOptim(c: OptimConfig): void {
  check(['sgd', 'adam', 'adamw'].includes(c.kind), `optimizer must be sgd, adam or adamw (got '${c.kind}')`);
  check(c.lr > 0 && Number.isFinite(c.lr), `learning rate must be > 0 (got ${c.lr})`);
  check(c.momentum >= 0 && c.momentum < 1, `momentum must be in [0, 1) (got ${c.momentum})`);
  check(c.weightDecay >= 0 && c.l1 >= 0 && c.maxNorm >= 0, 'weight decay, l1 and max-norm must be ≥ 0');
  check(['constant', 'step', 'cosine'].includes(c.schedule), `schedule must be constant, step or cosine (got '${c.schedule}')`);
}

/**
 * Append the gradient norm and one update node per parameter (after everything that reads the parameters).
 * Optimizer state tensors are named `<param>@m` / `<param>@v` (checkpoints use these names).
 */
export function addOptimizer(
  g: Graph,
  grads: Map<number, number>,
  c: OptimConfig,
  hyper: number,
  name = 'opt',
): { norm: number; state: number[] } {
  const pairs = [...grads.entries()];
  const norm = g.add1(
    'grad_norm',
    pairs.map(([, d]) => d),
    {},
    `${name}.grad_norm`,
  );
  const state: number[] = [];
  for (const [w, d] of pairs) {
    const t = g.tensors[w];
    const decay = t.shape.length >= 2;
    const wd = decay ? c.weightDecay : 0;
    const l1 = decay ? c.l1 : 0;
    if (c.kind === 'sgd') {
      const v = g.addState(`${t.name}@v`, t.shape);
      state.push(v);
      g.add('sgd_update', [w, d, v, hyper, norm], { momentum: c.momentum, nesterov: c.nesterov, weight_decay: wd, l1 }, `${t.name}.sgd`);
    } else {
      const m = g.addState(`${t.name}@m`, t.shape);
      const v = g.addState(`${t.name}@v`, t.shape);
      state.push(m, v);
      g.add(
        'adam_update',
        [w, d, m, v, hyper, norm],
        {
          beta1: c.beta1,
          beta2: c.beta2,
          eps: c.eps,
          weight_decay: wd,
          l1,
          decoupled: c.kind === 'adamw',
        },
        `${t.name}.adam`,
      );
    }
  }
  return { norm, state };
}
