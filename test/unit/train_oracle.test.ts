// Whole training steps against an oracle that shares no code with src/train (test/ref/train_oracle.ts): the GPU
// step graph built by buildStepGraph takes one plain-SGD step at lr = 1 (no momentum, decay nor clipping), so the
// parameter change must equal −∇(the loss the step reports), and that gradient is taken by central differences of a
// float64 loss written from the math. Covers plain CE, knowledge distillation (τ² on the soft term), deep mutual
// learning with 2 and 3 peers (in the paper's order), int8 compression-aware training (straight-through: the
// gradient at the quantized weights) and pruning masks; Adam over several steps against its definition; and one
// DML step against its definition as two KD steps.

import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { ModelBuilder } from '../../src/models/builder.js';
import { buildStepGraph, type StepGraph } from '../../src/train/step_graph.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../../src/train/optim.js';
import { expectClose, randn, runtime, TOL } from '../helpers.js';
import {
  adamStep,
  clone,
  fakeQuant8,
  fdGrad,
  meanCE,
  meanKL,
  tinyForward,
  TINY_CLASSES,
  TINY_IN,
  type AdamState,
  type Params,
} from '../ref/train_oracle.js';

const BATCH = 2;
const X = randn(BATCH * TINY_IN[0] * TINY_IN[1] * TINY_IN[2], 71, 1.5);
const LABELS = Float32Array.of(0, 2);
const SGD1: OptimConfig = {
  ...DEFAULT_OPTIM,
  kind: 'sgd',
  lr: 1,
  momentum: 0,
  nesterov: false,
  weightDecay: 0,
  l1: 0,
  maxNorm: 0,
  schedule: 'constant',
  warmupSteps: 0,
};

/** TinyNet (see test/ref/train_oracle.ts) through the model builder. */
function tiny(seed: number): Graph {
  const b = new ModelBuilder(seed);
  let x = b.input('input', [BATCH, ...TINY_IN]);
  x = b.conv(x, 4, { k: 3, bn: false, bias: true, act: 'tanh', name: 'c1' });
  x = b.conv(x, 4, { k: 3, stride: 2, pads: [0, 1, 1, 0], bn: false, bias: true, act: 'tanh', name: 'c2' });
  return b.finish(b.classifier(b.globalAvgPool(x), TINY_CLASSES));
}

function paramsOf(g: Graph): Params {
  return new Map(g.tensors.filter((t) => t.role === 'param').map((t) => [t.name, Float64Array.from(t.data!)]));
}

/** Compile a step graph, run `steps` steps (hyper from hyperFor, as the training loop does); per-model parameters
 *  and the reported losses. */
async function runSteps(sg: StepGraph, opt: OptimConfig, steps = 1, extra: Float32Array[] = []) {
  const rt = await runtime();
  const c = await compile(rt, sg.graph, { fuse: false });
  const reported: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const outs = await c.run([X, LABELS, hyperFor(opt, s), ...extra]);
    const mean = (a: Float32Array) => a.reduce((u, v) => u + v, 0) / a.length;
    reported.push(sg.readouts.map((r) => r.alpha * mean(outs[r.ce]) + (r.kl === undefined ? 0 : r.klWeight * mean(outs[r.kl]))));
  }
  const params: Params[] = [];
  for (const m of sg.models) {
    const p: Params = new Map();
    for (const [name, id] of m.params) p.set(name, Float64Array.from(await c.readTensor(id)));
    params.push(p);
  }
  c.destroy();
  return { params, reported };
}

/** After one SGD step at lr = 1: after = before − grad, parameter by parameter. */
function expectSgdStep(before: Params, after: Params, grad: Params, what: string) {
  for (const [name, w0] of before) {
    const step = Float32Array.from(w0, (w, i) => w - after.get(name)![i]);
    expectClose(step, Float32Array.from(grad.get(name)!), TOL.grad, `${what}: −Δ${name} vs ∇loss`);
  }
}

const kdLoss = (alpha: number, beta: number, tau: number, teacher: Params) => {
  const zt = tinyForward(teacher, X, BATCH);
  return (p: Params) => {
    const z = tinyForward(p, X, BATCH);
    return alpha * meanCE(z, LABELS, TINY_CLASSES) + beta * tau * tau * meanKL(z, zt, TINY_CLASSES, tau);
  };
};

/** Peer k's DML loss with the other peers as given. */
const dmlLoss = (peers: Params[], k: number) => (p: Params) => {
  const z = tinyForward(p, X, BATCH);
  let kl = 0;
  peers.forEach((q, l) => {
    if (l !== k) kl += meanKL(z, tinyForward(q, X, BATCH), TINY_CLASSES, 1);
  });
  return meanCE(z, LABELS, TINY_CLASSES) + kl / (peers.length - 1);
};

describe('training steps against a float64 oracle written from the math (SGD, lr = 1: Δw = −∇loss)', () => {
  it('plain cross-entropy', async () => {
    const model = tiny(3);
    const before = paramsOf(model);
    const loss = (p: Params) => meanCE(tinyForward(p, X, BATCH), LABELS, TINY_CLASSES);
    const { params, reported } = await runSteps(buildStepGraph({ kind: 'plain', model }, SGD1), SGD1);
    expect(reported[0][0]).toBeCloseTo(loss(before), 4);
    expectSgdStep(before, params[0], fdGrad(clone(before), loss), 'plain');
  });

  it('knowledge distillation: α·CE + β·τ²·KL, the τ² in the gradient too', async () => {
    const [student, teacher] = [tiny(3), tiny(8)];
    const before = paramsOf(student);
    const spec = { alpha: 0.3, beta: 0.7, tau: 4 };
    const loss = kdLoss(spec.alpha, spec.beta, spec.tau, paramsOf(teacher));
    const { params, reported } = await runSteps(buildStepGraph({ kind: 'kd', student, teacher, ...spec }, SGD1), SGD1);
    expect(reported[0][0]).toBeCloseTo(loss(before), 4);
    expectSgdStep(before, params[0], fdGrad(clone(before), loss), 'kd');
  });

  for (const K of [2, 3]) {
    it(`deep mutual learning, ${K} peers, updated one after another (later peers see the updated ones)`, async () => {
      const models = Array.from({ length: K }, (_, k) => tiny(3 + 5 * k));
      const peers = models.map(paramsOf);
      const start = peers.map(clone);
      const losses: number[] = [];
      const grads: Params[] = [];
      for (let k = 0; k < K; k++) {
        const loss = dmlLoss(peers, k);
        losses.push(loss(peers[k]));
        grads.push(fdGrad(clone(peers[k]), loss));
        for (const [name, w] of peers[k]) w.forEach((v, i) => (w[i] = v - grads[k].get(name)![i]));
      }
      const { params, reported } = await runSteps(buildStepGraph({ kind: 'dml', peers: models }, SGD1), SGD1);
      for (let k = 0; k < K; k++) {
        expect(reported[0][k], `peer ${k} reported loss`).toBeCloseTo(losses[k], 4);
        expectSgdStep(start[k], params[k], grads[k], `dml peer ${k}`);
      }
    });
  }

  it('int8 compression-aware training: the straight-through gradient is ∇loss at the quantized weights', async () => {
    const model = tiny(3);
    const before = paramsOf(model);
    const quantized = clone(before);
    for (const name of ['c1.w', 'c2.w', 'classifier.w'])
      quantized.set(name, fakeQuant8(before.get(name)!, name === 'classifier.w' ? TINY_CLASSES : 4));
    const loss = (p: Params) => meanCE(tinyForward(p, X, BATCH), LABELS, TINY_CLASSES);
    const { params, reported } = await runSteps(buildStepGraph({ kind: 'plain', model }, SGD1, 'int8'), SGD1);
    expect(reported[0][0]).toBeCloseTo(loss(quantized), 4);
    expectSgdStep(before, params[0], fdGrad(clone(quantized), loss), 'int8 qat');
  });

  it('pruning masks: the loss sees w ⊙ mask, pruned weights get no gradient', async () => {
    const model = tiny(3);
    const sg = buildStepGraph({ kind: 'plain', model }, SGD1, 'none', 'weights');
    const maskId = sg.models[0].masks.get('c2.w');
    expect(maskId).toBeDefined();
    const mask = Float64Array.from({ length: 3 * 3 * 4 * 4 }, (_, i) => (i % 3 === 1 ? 0 : 1));
    sg.graph.tensors[maskId!].data = Float32Array.from(mask);
    const before = paramsOf(model);
    const loss = (p: Params) => {
      const q = clone(p);
      q.set(
        'c2.w',
        q.get('c2.w')!.map((w, i) => w * mask[i]),
      );
      return meanCE(tinyForward(q, X, BATCH), LABELS, TINY_CLASSES);
    };
    const { params } = await runSteps(sg, SGD1);
    expectSgdStep(before, params[0], fdGrad(clone(before), loss), 'pruned');
  });
});

describe('optimizer state over several steps against its definition', () => {
  it('AdamW, 4 steps: bias corrections 1 − β^t with t counting the steps', async () => {
    const opt: OptimConfig = { ...SGD1, kind: 'adamw', lr: 0.02, beta1: 0.8, beta2: 0.9, eps: 1e-3, weightDecay: 0.05 };
    const model = tiny(3);
    const p = paramsOf(model);
    const loss = (q: Params) => meanCE(tinyForward(q, X, BATCH), LABELS, TINY_CLASSES);
    const st: AdamState = { m: new Map(), v: new Map(), t: 0 };
    const steps = 4;
    for (let s = 0; s < steps; s++) adamStep(p, fdGrad(clone(p), loss), st, opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weightDecay);
    const { params } = await runSteps(buildStepGraph({ kind: 'plain', model }, opt), opt, steps);
    for (const [name, w] of p)
      expectClose(
        Float32Array.from(params[0].get(name)!),
        Float32Array.from(w),
        { atol: 2e-5, rtol: 1e-4 },
        `${name} after ${steps} Adam steps`,
      );
  });
});

describe('deep mutual learning against its definition', () => {
  it('one DML step of 2 peers = a KD step of peer 0 from peer 1, then a KD step of peer 1 from the updated peer 0', async () => {
    const [a, b] = [tiny(3), tiny(8)];
    const dml = await runSteps(buildStepGraph({ kind: 'dml', peers: [a, b] }, SGD1), SGD1);
    const kd = (student: Graph, teacher: Graph) => buildStepGraph({ kind: 'kd', student, teacher, tau: 1, alpha: 1, beta: 1 }, SGD1);
    const a1 = (await runSteps(kd(a, b), SGD1)).params[0];
    const a1Model = tiny(3);
    for (const t of a1Model.tensors) if (t.role === 'param') t.data = Float32Array.from(a1.get(t.name)!);
    const b1 = (await runSteps(kd(b, a1Model), SGD1)).params[0];
    for (const [k, want] of [a1, b1].entries())
      for (const [name, w] of want)
        expectClose(Float32Array.from(dml.params[k].get(name)!), Float32Array.from(w), TOL.f32, `peer ${k} ${name}`);
  });
});
