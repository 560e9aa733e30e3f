// Training throughput against the batch size (`bench --suite train-batch`): images/s of the step `slimgpu train`
// runs (step graph with the flat optimizer and the GPU-resident dataset, losses read back every --read-every
// steps) at each batch size, the batch sizes interleaved round by round (B1, B2, …, B1, B2, …; medians).
//
// The learning rate follows the linear scaling rule (Goyal et al. 2017; optim.ts linearScaledLr, the CLI's
// `train --lr-ref-batch N`): a rate tuned at batch N becomes lr·B/N at batch B, with the linear warm-up keeping the
// first large steps stable. Each row shows the rate that rule gives (it does not change the step's cost).

import { compile, type CompiledGraph } from '../src/graph/executor.js';
import { epochOrder, FASHION_MNIST_DIR, limitSplit, loadSplit, type Augment, type Split } from '../src/io/fashion_mnist.js';
import { median } from '../src/models/measure.js';
import { buildModel } from '../src/models/zoo.js';
import { check } from '../src/runtime/errors.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { cursorInput } from '../src/train/gpu_data.js';
import { DEFAULT_OPTIM, hyperFor, linearScaledLr, type OptimConfig } from '../src/train/optim.js';
import { buildStepGraph } from '../src/train/step_graph.js';
import type { TuneMode } from '../src/runtime/tuner.js';

export interface TrainBatchRow {
  model: string;
  batch: number;
  images_per_s: number;
  ms_per_step: number;
  /** Kernel dispatches of one step. */
  dispatches: number;
  /** The learning rate of the linear scaling rule from (lr, ref_batch). */
  lr_scaled: number;
  ref_batch: number;
  steps: number;
  rounds: number;
}

export interface TrainBatchOptions {
  models: string[];
  batches: number[];
  steps: number;
  warmup: number;
  rounds: number;
  readEvery: number;
  /** Linear scaling rule: the rate DEFAULT_OPTIM.lr is taken as tuned at this batch. */
  refBatch: number;
  augment: Augment;
  /** Training images resident on the GPU (the first `limit` of the training set). */
  limit: number;
  /** Kernel variants of the step (compile()'s `tune`; default 'cached'). */
  tune?: TuneMode;
  split?: Split;
  log?: (line: string) => void;
}

interface Trainer {
  batch: number;
  compiled: CompiledGraph;
  opt: OptimConfig;
  readouts: number;
  step: number;
  perEpoch: number;
}

/** `steps` steps as the training loop submits them (back to back, one map per readEvery steps). */
async function runSteps(t: Trainer, steps: number, readEvery: number): Promise<void> {
  const stream = t.compiled.stream(readEvery);
  try {
    for (let s = 0; s < steps; s++) {
      const k = t.step++;
      void stream.push([cursorInput((k % t.perEpoch) * t.batch, k), hyperFor(t.opt, k)]);
      if (stream.full) await stream.flush();
    }
    await stream.flush();
  } finally {
    stream.destroy();
  }
}

export async function benchTrainBatches(rt: Runtime, o: TrainBatchOptions): Promise<TrainBatchRow[]> {
  const log = o.log ?? (() => {});
  const split = o.split ?? limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), o.limit);
  for (const b of o.batches) check(b <= split.n, `batch ${b} is larger than the ${split.n} training images (--limit)`);
  const rows: TrainBatchRow[] = [];
  for (const name of o.models) {
    const trainers: Trainer[] = [];
    try {
      for (const batch of o.batches) {
        const opt: OptimConfig = { ...DEFAULT_OPTIM, lr: linearScaledLr(DEFAULT_OPTIM.lr, batch, o.refBatch) };
        const model = buildModel({ model: name, batch, seed: 1 });
        const sg = buildStepGraph({ kind: 'plain', model }, opt, 'none', 'none', { split, augment: o.augment });
        const compiled = await compile(rt, sg.graph, { fuse: false, tune: o.tune });
        compiled.writeTensor(sg.dataOrder!, Float32Array.from(epochOrder(split.n, 1, 0)));
        const t: Trainer = { batch, compiled, opt, readouts: sg.readouts.length, step: 0, perEpoch: Math.floor(split.n / batch) };
        await runSteps(t, o.warmup, o.readEvery);
        trainers.push(t);
      }
      const ms: number[][] = trainers.map(() => []);
      for (let r = 0; r < o.rounds; r++) {
        for (const [k, t] of trainers.entries()) {
          const t0 = performance.now();
          await runSteps(t, o.steps, o.readEvery);
          ms[k].push((performance.now() - t0) / o.steps);
        }
        log(
          `train-batch ${name} round ${r + 1}/${o.rounds}: ${trainers.map((t, k) => `b${t.batch} ${ms[k][r].toFixed(1)} ms/step`).join(', ')}`,
        );
      }
      trainers.forEach((t, k) => {
        const m = median(ms[k]);
        rows.push({
          model: name,
          batch: t.batch,
          images_per_s: Number(((t.batch * 1000) / m).toPrecision(4)),
          ms_per_step: Number(m.toPrecision(4)),
          dispatches: t.compiled.dispatchCount,
          lr_scaled: Number(t.opt.lr.toPrecision(4)),
          ref_batch: o.refBatch,
          steps: o.steps,
          rounds: o.rounds,
        });
      });
    } finally {
      trainers.forEach((t) => t.compiled.destroy());
    }
  }
  return rows;
}
