// Training throughput, ours vs TensorFlow.js WebGPU, on the same adapter in the same process (`bench --suite train`).
//
// Ours: the step graph `slimgpu train` compiles (step_graph.ts, plain): forward, cross-entropy, backward, gradient
// norm and the SGD-momentum update, submitted as `slimgpu train` does: back to back, the loss rows of every step
// read back once per `readEvery` steps (--read-every; 1 = wait for every step's loss, the loop before issue 12).
// tfjs: the same network from tfjs ops (conv3x3 pad 1 → batch-norm with batch statistics → relu, maxpool 2, twice;
// flatten, dense+relu, dense), NHWC, starting from *our* initial weights (HWIO conv filters are tfjs's layout;
// our dense is a 1×1 conv [1,1,K,C] = tfjs kernel [K,C]); `tf.train.momentum` (Nesterov, as ours) and
// `optimizer.minimize(() => softmaxCrossEntropy)` per step, the loss read with `await loss.data()`.
// Both optimizers: lr 0.05, momentum 0.9, Nesterov, no weight decay, constant schedule. Both read the running
// batch-norm statistics forward (ours updates them in the step; tfjs does too, below).
// Same real Fashion-MNIST batches for both; warm-up steps, then interleaved rounds (ours, tfjs, ours, …); medians.

import type * as TF from '@tensorflow/tfjs-core';
import { compile, type CompiledGraph } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { FASHION_MNIST_DIR, epochOrder, fillBatch, loadSplit, NO_AUGMENT, type Split } from '../src/io/fashion_mnist.js';
import { buildModel } from '../src/models/zoo.js';
import { median } from '../src/models/measure.js';
import { check } from '../src/runtime/errors.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { buildStepGraph } from '../src/train/step_graph.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../src/train/optim.js';
import { loadTfjsWebgpu } from './tfjs_peer.js';
import type { TuneMode } from '../src/runtime/tuner.js';

export const TRAIN_BENCH_OPTIM: OptimConfig = {
  ...DEFAULT_OPTIM,
  kind: 'sgd',
  lr: 0.05,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 0,
  schedule: 'constant',
  warmupSteps: 0,
};

export interface TrainBenchRow {
  model: string;
  batch: number;
  ours_images_per_s: number;
  tfjs_images_per_s: number;
  ratio: number;
  steps: number;
  warmup: number;
  rounds: number;
  read_every: number;
  /** Mean cross-entropy of the first step (initial weights, first batch), ours and tfjs. */
  first_loss_ours: number;
  first_loss_tfjs: number;
  adapter: string;
}

export interface TrainBenchOptions {
  models: string[];
  batch: number;
  /** Timed steps per round. */
  steps: number;
  warmup: number;
  rounds: number;
  /** Ours: the step's kernel variants (compile()'s `tune`; default 'cached'). */
  tune?: TuneMode;
  /** Ours: steps between loss readbacks (default 1: every step's loss awaited before the next step). */
  readEvery?: number;
  split?: Split;
  log?: (line: string) => void;
}

interface Batch {
  images: Float32Array;
  labels: Float32Array;
}

function batchesOf(split: Split, batch: number, count: number): Batch[] {
  const order = epochOrder(split.n, 1, 0);
  const px = split.rows * split.cols;
  return Array.from({ length: count }, (_, k) => {
    const b = { images: new Float32Array(batch * px), labels: new Float32Array(batch) };
    const i0 = (k * batch) % Math.max(1, split.n - batch + 1);
    fillBatch(split, order.subarray(i0, i0 + batch), NO_AUGMENT, 0, b.images, b.labels);
    return b;
  });
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

/** Our training step: the compiled step graph of `slimgpu train` (plain mode). */
export interface OursTrainer {
  step(b: Batch): Promise<number>;
  /** Several steps as the training loop runs them (losses read back once per readEvery steps). */
  steps(bs: Batch[]): Promise<number[]>;
  destroy(): void;
}

export async function oursTrainer(
  rt: Runtime,
  model: Graph,
  opt = TRAIN_BENCH_OPTIM,
  readEvery = 1,
  tune: TuneMode = 'cached',
): Promise<OursTrainer> {
  const sg = buildStepGraph({ kind: 'plain', model }, opt);
  const compiled: CompiledGraph = await compile(rt, sg.graph, { fuse: false, tune });
  const stream = compiled.stream(readEvery);
  const r = sg.readouts[0];
  let t = 0;
  const steps = async (bs: Batch[]) => {
    const losses: number[] = [];
    for (let i = 0; i < bs.length;) {
      const pending: Promise<Float32Array[]>[] = [];
      for (; i < bs.length && !stream.full; i++) pending.push(stream.push([bs[i].images, bs[i].labels, hyperFor(opt, t++)]));
      await stream.flush();
      for (const p of pending) losses.push(meanOf((await p)[r.ce]));
    }
    return losses;
  };
  return {
    step: async (b) => (await steps([b]))[0],
    steps,
    destroy: () => {
      stream.destroy();
      compiled.destroy();
    },
  };
}

/** The same network and initial weights as a tfjs training step (see the header for the mapping). */
export interface TfjsTrainer {
  step(b: Batch): Promise<number>;
  dispose(): void;
}

export function tfjsTrainer(tf: typeof TF, model: Graph, opt = TRAIN_BENCH_OPTIM): TfjsTrainer {
  const vars: TF.Variable[] = [];
  const param = (name: string, shape?: number[], trainable = true): TF.Variable => {
    const t = model.tensors.find((x) => x.name === name && x.role === 'param');
    check(t?.data, `tfjs trainer: the model has no parameter '${name}'`);
    const v = tf.variable(tf.tensor(t.data, shape ?? t.shape), trainable, `tfjs_train/${name}/${vars.length}`);
    vars.push(v);
    return v;
  };
  // the zoo's cnn_small/cnn_tiny: conv1, conv2 (conv → bn → relu), maxpool 2 after each; fc1 (relu); classifier
  const convs = ['conv1', 'conv2'].map((n) => ({
    w: param(`${n}.w`) as unknown as TF.Tensor4D,
    gamma: param(`${n}.bn.gamma`),
    beta: param(`${n}.bn.beta`),
    mean: param(`${n}.bn.mean`, undefined, false),
    variance: param(`${n}.bn.var`, undefined, false),
  }));
  const dense = (n: string) => {
    const shape = model.tensors.find((x) => x.name === `${n}.w`)!.shape;
    return { w: param(`${n}.w`, [shape[2], shape[3]]) as unknown as TF.Tensor2D, b: param(`${n}.b`) };
  };
  const fc1 = dense('fc1');
  const cls = dense('classifier');
  const [N, H, W] = model.shape(model.inputs[0]);
  const classes = cls.b.shape[0];
  const eps = 1e-5;
  const bnMomentum = 0.1;
  const optimizer = tf.train.momentum(opt.lr, opt.momentum, opt.nesterov);
  const trainable = vars.filter((v) => v.trainable);
  return {
    async step(b) {
      const x = tf.tensor4d(b.images, [N, H, W, 1]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(b.labels), 'int32'), classes));
      const loss = optimizer.minimize(
        () => {
          let h: TF.Tensor4D = x;
          for (const c of convs) {
            const z = tf.conv2d(h, c.w, 1, 'same');
            const m = tf.moments(z, [0, 1, 2]);
            // running statistics, as our batchnorm_train updates them (unbiased variance, PyTorch's convention)
            const n = z.shape[0] * z.shape[1] * z.shape[2];
            c.mean.assign(tf.add(tf.mul(c.mean, 1 - bnMomentum), tf.mul(m.mean, bnMomentum)));
            c.variance.assign(tf.add(tf.mul(c.variance, 1 - bnMomentum), tf.mul(m.variance, (bnMomentum * n) / Math.max(1, n - 1))));
            h = tf.maxPool(tf.relu(tf.batchNorm(z, m.mean, m.variance, c.beta, c.gamma, eps)) as TF.Tensor4D, 2, 2, 'valid') as TF.Tensor4D;
          }
          const f = tf.reshape(h, [N, -1]) as TF.Tensor2D;
          const z1 = tf.relu(tf.add(tf.matMul(f, fc1.w), fc1.b)) as TF.Tensor2D;
          const logits = tf.add(tf.matMul(z1, cls.w), cls.b);
          return tf.losses.softmaxCrossEntropy(y, logits) as TF.Scalar;
        },
        true,
        trainable,
      )!;
      const v = (await loss.data())[0];
      tf.dispose([x, y, loss]);
      return v;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose(vars);
    },
  };
}

/**
 * tfjs-core alone registers no gradients (the `@tensorflow/tfjs` union package imports them): load its
 * `dist/register_all_gradients.js` for minimize(). Those ES modules import their siblings without the `.js`
 * extension, which Node's ESM loader refuses, so a resolve hook adds it (for tfjs-core's dist files only). The
 * registries, engine and Tensor `instanceof` checks are process-global in tfjs, so the gradients land in the
 * engine the `webgpu` backend already runs on.
 */
let gradients: Promise<void> | null = null;
export function registerTfjsGradients(): Promise<void> {
  gradients ??= (async () => {
    const [mod, url] = await Promise.all([import('node:module'), import('node:url')]);
    const hook = `export async function resolve(s, c, next) {
      try { return await next(s, c); } catch (e) {
        if (c.parentURL && c.parentURL.includes('/@tensorflow/tfjs-core/dist/') && s.startsWith('.') && !s.endsWith('.js')) return next(s + '.js', c);
        throw e;
      }
    }`;
    mod.register('data:text/javascript,' + encodeURIComponent(hook));
    const file = mod.createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await import(/* @vite-ignore */ url.pathToFileURL(file).href);
  })();
  return gradients;
}

async function timed(steps: number, batches: Batch[], offset: number, step: (b: Batch) => Promise<number>): Promise<number> {
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await step(batches[(offset + s) % batches.length]);
  return performance.now() - t0;
}

export async function benchTrainPeers(rt: Runtime, o: TrainBenchOptions): Promise<TrainBenchRow[]> {
  const log = o.log ?? (() => {});
  const split = o.split ?? loadSplit(FASHION_MNIST_DIR, 'train');
  const peer = await loadTfjsWebgpu(); // after Runtime.create(): the same Dawn instance and adapter
  await registerTfjsGradients();
  const adapter = rt.ctx.adapter.description || rt.ctx.adapter.architecture || 'unknown';
  const batches = batchesOf(split, o.batch, Math.max(1, Math.min(8, o.warmup + o.steps)));
  const rows: TrainBenchRow[] = [];
  for (const name of o.models) {
    const model = buildModel({ model: name, batch: o.batch, seed: 1 });
    const readEvery = o.readEvery ?? 1;
    const ours = await oursTrainer(rt, model, TRAIN_BENCH_OPTIM, readEvery, o.tune);
    const theirs = tfjsTrainer(peer.tf, model);
    try {
      // first step of each on the first batch from the same weights: the losses must agree
      const firstOurs = await ours.step(batches[0]);
      const firstTfjs = await theirs.step(batches[0]);
      for (let s = 1; s < o.warmup; s++) {
        await ours.step(batches[s % batches.length]);
        await theirs.step(batches[s % batches.length]);
      }
      const oursRate: number[] = [];
      const tfjsRate: number[] = [];
      for (let r = 0; r < o.rounds; r++) {
        const t0 = performance.now();
        await ours.steps(Array.from({ length: o.steps }, (_, s) => batches[(r * o.steps + s) % batches.length]));
        const a = performance.now() - t0;
        const c = await timed(o.steps, batches, r * o.steps, (b) => theirs.step(b));
        oursRate.push((o.steps * o.batch) / (a / 1000));
        tfjsRate.push((o.steps * o.batch) / (c / 1000));
        log(
          `train ${name} b${o.batch} round ${r + 1}/${o.rounds}: ours ${(a / o.steps).toFixed(1)} ms/step, tfjs ${(c / o.steps).toFixed(1)} ms/step`,
        );
      }
      const oi = median(oursRate);
      const ti = median(tfjsRate);
      rows.push({
        model: name,
        batch: o.batch,
        ours_images_per_s: Number(oi.toPrecision(4)),
        tfjs_images_per_s: Number(ti.toPrecision(4)),
        ratio: Number((oi / ti).toPrecision(4)),
        steps: o.steps,
        warmup: o.warmup,
        rounds: o.rounds,
        read_every: readEvery,
        first_loss_ours: Number(firstOurs.toFixed(5)),
        first_loss_tfjs: Number(firstTfjs.toFixed(5)),
        adapter,
      });
    } finally {
      ours.destroy();
      theirs.dispose();
      peer.releasePool();
    }
  }
  return rows;
}
