// Whole training steps: (1) autodiff of a small graph with every trainable op family (conv, grouped and
// depthwise conv, batch-norm in training mode, activations, max/avg/global pooling, channel shuffle, residual add,
// concat, squeeze-excitation, fully connected) against finite differences of the CPU reference, and GPU gradients
// against CPU gradients; (2) a small Fashion-MNIST run whose per-step losses match a CPU reference within 1e-3
// and decrease; (3) KD and DML step graphs against the CPU reference.

import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { ModelBuilder } from '../../src/models/builder.js';
import { buildModel } from '../../src/models/zoo.js';
import { addModel, backward } from '../../src/train/autodiff.js';
import { buildStepGraph, type StepKind } from '../../src/train/step_graph.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../../src/train/optim.js';
import { epochOrder, fillBatch, limitSplit, loadSplit, FASHION_MNIST_DIR, NO_AUGMENT } from '../../src/io/fashion_mnist.js';
import { expectClose, randn, runtime, TOL } from '../helpers.js';
import { initialState, runTrainGraphRef } from '../ref/train.js';

/** `smooth`: tanh and average pooling everywhere (no kinks), so finite differences are exact up to rounding. */
function mixedModel(batch: number, smooth: boolean): Graph {
  const b = new ModelBuilder(3);
  const A = (a: any) => (smooth ? 'tanh' : a);
  let x = b.input('input', [batch, 6, 5, 4]);
  x = b.conv(x, 8, { k: 3, act: A('relu'), name: 'c1' });
  let y = b.conv(x, 8, { k: 1, groups: 2, act: A('swish'), name: 'g1' });
  y = b.shuffle(y, 2);
  y = b.conv(y, 8, { k: 3, stride: 1, groups: 8, name: 'dw' });
  y = b.squeezeExcite(y, 2, A('relu'), 'se');
  y = b.conv(y, 8, { k: 1, groups: 2, name: 'g2' });
  x = b.add(x, y, A('relu'));
  const p = smooth ? b.avgpool(x, 2, 2) : b.maxpool(x, 2, 2);
  const q = b.conv(p, 4, { k: 3, stride: 1, act: A('hardswish'), name: 'c2' });
  x = b.concat([b.avgpool(p, 3, 1, 1), q]);
  x = b.act(x, A('relu6'));
  return b.finish(b.classifier(b.globalAvgPool(x), 5));
}

for (const smooth of [false, true])
  describe(`autodiff of a whole graph${smooth ? ' (smooth variant)' : ''}`, () => {
    const batch = 3;
    const model = mixedModel(batch, smooth);
    const g = new Graph();
    const xIn = g.addInput('images', [batch, 6, 5, 4]);
    const labels = g.addInput('labels', [batch]);
    const m = addModel(g, model, { prefix: '', input: xIn, mode: 'recompute' });
    const [ce, dz] = g.add('softmax_cross_entropy', [m.output, labels], { scale: 1 / batch });
    const grads = backward(g, new Map([[m.output, [dz]]]), m.trainable);
    g.markOutput(ce);
    const gradIds = [...grads.entries()];
    gradIds.forEach(([, d]) => g.markOutput(d));
    const x = randn(batch * 6 * 5 * 4, 41, 2);
    const lab = Float32Array.of(1, 4, 0);
    const lossOf = (state: Map<number, Float32Array>) => {
      const v = runTrainGraphRef(g, [x, lab], state);
      return v.get(ce)!.reduce((a, b) => a + b, 0) / batch;
    };

    it('every trainable parameter gets a gradient', () => {
      expect(gradIds.length).toBe(m.trainable.length);
    });

    it('CPU gradients match finite differences of the loss', () => {
      const state = initialState(g);
      const vals = runTrainGraphRef(g, [x, lab], new Map(state));
      const bad: string[] = [];
      for (const [p, d] of gradIds) {
        const grad = vals.get(d)!;
        const base = state.get(p)!;
        for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
          const h = 1e-3; // small enough not to cross the kinks of relu/max-pool at these points
          const sp = new Map(state),
            sm = new Map(state);
          const wp = Float32Array.from(base),
            wm = Float32Array.from(base);
          wp[i] += h;
          wm[i] -= h;
          sp.set(p, wp);
          sm.set(p, wm);
          const fd = (lossOf(sp) - lossOf(sm)) / (wp[i] - wm[i]);
          if (!(Math.abs(fd - grad[i]) <= 1e-3 + 3e-2 * Math.abs(fd))) bad.push(`${g.tensors[p].name}[${i}] fd ${fd} analytic ${grad[i]}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it('GPU gradients match the CPU reference', async () => {
      const rt = await runtime();
      const c = await compile(rt, g, { fuse: false });
      const outs = await c.run([x, lab]);
      const vals = runTrainGraphRef(g, [x, lab], initialState(g));
      expectClose(outs[0], vals.get(ce)!, TOL.f32, 'loss');
      gradIds.forEach(([p, d], k) => expectClose(outs[1 + k], vals.get(d)!, TOL.grad, `grad ${g.tensors[p].name}`));
      c.destroy();
    });
  });

/** Run `steps` steps of a step graph on GPU and CPU with the same batches; per-step losses of model 0. */
async function runBoth(kind: StepKind, opt: OptimConfig, steps: number, batch: number) {
  const rt = await runtime();
  const sg = buildStepGraph(kind, opt);
  const c = await compile(rt, sg.graph, { fuse: false });
  const state = initialState(sg.graph);
  const split = limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 320);
  const order = epochOrder(split.n, 5, 0);
  const images = new Float32Array(batch * 784);
  const labels = new Float32Array(batch);
  const gpu: number[][] = sg.readouts.map(() => []);
  const cpu: number[][] = sg.readouts.map(() => []);
  const lossOf = (outs: (k: number) => Float32Array, k: number) => {
    const r = sg.readouts[k];
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    return r.alpha * mean(outs(r.ce)) + (r.kl === undefined ? 0 : r.klWeight * mean(outs(r.kl)));
  };
  for (let s = 0; s < steps; s++) {
    fillBatch(split, order.subarray(s * batch, (s + 1) * batch), { cropPad: 2, flip: true }, 100 + s, images, labels);
    const hyper = hyperFor(opt, s);
    const outs = await c.run([images, labels, hyper]);
    const vals = runTrainGraphRef(sg.graph, [images, labels, hyper], state);
    sg.readouts.forEach((_, k) => {
      gpu[k].push(lossOf((i) => outs[i], k));
      cpu[k].push(lossOf((i) => vals.get(sg.graph.outputs[i])!, k));
    });
  }
  // final parameters agree too
  for (const [name, id] of sg.models[0].params) {
    const w = await c.readTensor(id);
    expectClose(w, state.get(id)!, { atol: 5e-3, rtol: 5e-3 }, `parameter ${name} after ${steps} steps`);
  }
  c.destroy();
  return { gpu, cpu };
}

describe('training steps on Fashion-MNIST against the CPU reference', () => {
  const opt: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.01, schedule: 'cosine', totalSteps: 40, warmupSteps: 2 };
  it('cnn_tiny, SGD (Nesterov, weight decay): per-step losses within 1e-3 and decreasing', async () => {
    const batch = 32;
    const { gpu, cpu } = await runBoth({ kind: 'plain', model: buildModel({ model: 'cnn_tiny', batch }) }, opt, 8, batch);
    gpu[0].forEach((l, s) => expect(Math.abs(l - cpu[0][s]), `step ${s}: GPU ${l} CPU ${cpu[0][s]}`).toBeLessThan(1e-3));
    const first = (gpu[0][0] + gpu[0][1]) / 2;
    const last = (gpu[0][6] + gpu[0][7]) / 2;
    expect(last).toBeLessThan(first);
  });
  it('AdamW with clipping and ℓ1: matches the CPU reference', async () => {
    const batch = 16;
    const adam: OptimConfig = {
      ...DEFAULT_OPTIM,
      kind: 'adamw',
      lr: 2e-3,
      weightDecay: 1e-2,
      l1: 1e-5,
      maxNorm: 0.5,
      schedule: 'step',
      stepSize: 2,
      gamma: 0.5,
    };
    const { gpu, cpu } = await runBoth({ kind: 'plain', model: buildModel({ model: 'cnn_tiny', batch }) }, adam, 4, batch);
    gpu[0].forEach((l, s) => expect(Math.abs(l - cpu[0][s])).toBeLessThan(1e-3));
  });
  it('knowledge distillation step (frozen teacher in the same graph) matches the CPU reference', async () => {
    const batch = 16;
    const kind: StepKind = {
      kind: 'kd',
      student: buildModel({ model: 'cnn_tiny', batch, seed: 2 }),
      teacher: buildModel({ model: 'cnn_tiny', batch, seed: 9 }),
      tau: 4,
      alpha: 0.3,
      beta: 0.7,
    };
    const { gpu, cpu } = await runBoth(kind, opt, 3, batch);
    gpu[0].forEach((l, s) => expect(Math.abs(l - cpu[0][s])).toBeLessThan(1e-3));
  });
  it('distillation from cached teacher logits takes the same steps as the teacher in the stream', async () => {
    const rt = await runtime();
    const { train } = await import('../../src/train/loop.js');
    const teacherModel = buildModel({ model: 'cnn_small', batch: 1, seed: 7 });
    const tensors = new Map(teacherModel.tensors.filter((t) => t.role === 'param').map((t) => [t.name, t.data!]));
    const base = {
      model: { model: 'cnn_tiny' },
      mode: 'kd' as const,
      teacher: { spec: { model: 'cnn_small' }, tensors },
      tau: 4,
      alpha: 0.5,
      epochs: 2,
      batch: 8,
      seed: 1,
      opt: { ...DEFAULT_OPTIM, lr: 0.02 },
      augment: NO_AUGMENT,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 24),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    };
    const stream = await train(rt, { ...base, teacherCache: false });
    const cached = await train(rt, base); // the default without augmentation
    expect(cached.stepLosses[0].length).toBe(6);
    cached.stepLosses[0].forEach((l, i) => expect(Math.abs(l - stream.stepLosses[0][i]), `step ${i}`).toBeLessThan(1e-4));
    await expect(train(rt, { ...base, teacherCache: true, augment: { cropPad: 2, flip: true } })).rejects.toThrow(
      /cached only without augmentation/,
    );
  });
  it('deep mutual learning with 2 peers matches the CPU reference', async () => {
    const batch = 16;
    const kind: StepKind = { kind: 'dml', peers: [1, 2].map((seed) => buildModel({ model: 'cnn_tiny', batch, seed })) };
    const { gpu, cpu } = await runBoth(kind, opt, 3, batch);
    for (let k = 0; k < 2; k++) gpu[k].forEach((l, s) => expect(Math.abs(l - cpu[k][s])).toBeLessThan(1e-3));
  });
});

describe('compression-aware training (straight-through estimators)', () => {
  it('fake_quant and binarize kernels match their CPU forms', async () => {
    const { runNode } = await import('../helpers.js');
    const { fakeQuantCPU, binarizeCPU } = await import('../../src/ops/compress_train.js');
    const ws = [3, 3, 5, 8];
    const w = randn(3 * 3 * 5 * 8, 60, 0.7);
    const [q] = await runNode('fake_quant', [{ shape: ws, data: w }], { bits: 8 });
    const ref = fakeQuantCPU(w, 8);
    // a quotient within an ulp of .5 may round either way on a GPU: allow one quantization step there
    let off = 0;
    for (let i = 0; i < w.length; i++) if (Math.abs(q[i] - ref[i]) > 1e-6) off++;
    expect(off).toBeLessThanOrEqual(2);
    const [bq] = await runNode('binarize_weights', [{ shape: ws, data: w }], {});
    expectClose(bq, binarizeCPU(w, 8), TOL.f32, 'binarize');
  });
  const opt: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.01 };
  for (const qat of ['int8', 'binary'] as const) {
    it(`${qat}: training steps match the CPU reference`, async () => {
      const rt = await runtime();
      const batch = 8;
      const sg = buildStepGraph({ kind: 'plain', model: buildModel({ model: 'cnn_tiny', batch }) }, opt, qat);
      expect(sg.graph.nodes.some((n) => n.op === (qat === 'int8' ? 'fake_quant' : 'binarize_weights'))).toBe(true);
      const c = await compile(rt, sg.graph, { fuse: false });
      const state = initialState(sg.graph);
      const split = limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 64);
      const images = new Float32Array(batch * 784),
        labels = new Float32Array(batch);
      for (let s = 0; s < 3; s++) {
        fillBatch(
          split,
          Array.from({ length: batch }, (_, b) => s * batch + b),
          NO_AUGMENT,
          0,
          images,
          labels,
        );
        const hyper = hyperFor(opt, s);
        const outs = await c.run([images, labels, hyper]);
        const vals = runTrainGraphRef(sg.graph, [images, labels, hyper], state);
        const r = sg.readouts[0];
        const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
        expect(Math.abs(mean(outs[r.ce]) - mean(vals.get(sg.graph.outputs[r.ce])!))).toBeLessThan(1e-3);
      }
      c.destroy();
    });
  }
});

describe('iterative magnitude pruning', () => {
  it('magnitude masks and the cubic sparsity schedule', async () => {
    const { magnitudeMask, pruneSchedule } = await import('../../src/compress/masks.js');
    expect([...magnitudeMask(Float32Array.of(0.5, -0.1, 0.3, -0.9, 0.2), 0.4)]).toEqual([1, 0, 1, 1, 0]);
    const p = { sparsity: 0.8, start: 2, end: 4 };
    const want = [null, 0.8 * (1 - (2 / 3) ** 3), 0.8 * (1 - (1 / 3) ** 3), 0.8, null];
    [1, 2, 3, 4, 5].forEach((e, i) =>
      want[i] === null ? expect(pruneSchedule(p, e)).toBeNull() : expect(pruneSchedule(p, e)).toBeCloseTo(want[i]!, 12),
    );
  });
  it('masked training steps (gradients masked too) match the CPU reference', async () => {
    const rt = await runtime();
    const batch = 8;
    const opt: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.01 };
    const sg = buildStepGraph({ kind: 'plain', model: buildModel({ model: 'cnn_tiny', batch }) }, opt, 'none', 'weights');
    const c = await compile(rt, sg.graph, { fuse: false });
    const state = initialState(sg.graph);
    expect(sg.models[0].masks.size).toBe(2); // conv2 and fc1 (not conv1, not the classifier)
    sg.models[0].masks.forEach((id) => {
      const m = Float32Array.from(randn(state.get(id)!.length, id), (v) => (v > 0 ? 1 : 0));
      state.set(id, m);
      c.writeTensor(id, m);
    });
    const split = limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 64);
    const images = new Float32Array(batch * 784),
      labels = new Float32Array(batch);
    for (let s = 0; s < 2; s++) {
      fillBatch(
        split,
        Array.from({ length: batch }, (_, b) => s * batch + b),
        NO_AUGMENT,
        0,
        images,
        labels,
      );
      const hyper = hyperFor(opt, s);
      const outs = await c.run([images, labels, hyper]);
      const vals = runTrainGraphRef(sg.graph, [images, labels, hyper], state);
      const r = sg.readouts[0];
      const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
      expect(Math.abs(mean(outs[r.ce]) - mean(vals.get(sg.graph.outputs[r.ce])!))).toBeLessThan(1e-3);
    }
    c.destroy();
  });
  it('a pruning run reaches the target sparsity and fine-tunes with the masks fixed', async () => {
    const rt = await runtime();
    const { train } = await import('../../src/train/loop.js');
    const r = await train(rt, {
      model: { model: 'cnn_tiny' },
      mode: 'plain',
      epochs: 3,
      batch: 8,
      seed: 1,
      opt: { ...DEFAULT_OPTIM, lr: 0.01 },
      augment: NO_AUGMENT,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 32),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 20),
      prune: { sparsity: 0.75, start: 1, end: 2 },
    });
    expect(r.sparsity).toBeGreaterThan(0.749);
    expect(r.sparsity).toBeLessThan(0.751);
    expect(r.weights[0].get('conv1.w')!.some((v) => v === 0)).toBe(false); // the first layer is not pruned
  });
});
