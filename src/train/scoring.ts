// Scoring: a graph's top-1 accuracy over a split (batches in split order, the last padded), trained weights scored
// as they were trained (the emulation graph of a compression-aware model), and a frozen teacher's logits for a
// whole split (the KD teacher cache). Used by the training loop (per-epoch test accuracy, the pruning floor) and by
// `slimgpu eval` (the inference graph of a checkpoint).

import { compile } from '../graph/executor.js';
import { Graph } from '../graph/ir.js';
import { fillBatch, NO_AUGMENT, type Split } from '../io/fashion_mnist.js';
import { buildModel, type ModelSpec } from '../models/zoo.js';
import type { Runtime } from '../runtime/runtime.js';
import { addModel, type Qat } from './autodiff.js';
import { applyWeights } from './checkpoint.js';

/** A split in order, in batches of `batch` (the last padded by repeating its last example; `count` rows are real).
 *  The arrays are reused from batch to batch. */
export function* inOrderBatches(
  split: Split,
  batch: number,
): Generator<{ start: number; count: number; images: Float32Array; labels: Float32Array }> {
  const images = new Float32Array(batch * split.rows * split.cols);
  const labels = new Float32Array(batch);
  for (let start = 0; start < split.n; start += batch) {
    const count = Math.min(batch, split.n - start);
    fillBatch(
      split,
      Array.from({ length: batch }, (_, b) => start + Math.min(b, count - 1)),
      NO_AUGMENT,
      0,
      images,
      labels,
    );
    yield { start, count, images, labels };
  }
}

export interface ScoredSplit {
  accuracy: number;
  seconds: number;
  /** keepLogits: every example's logits in split order ([n, classes]). */
  logits?: Float32Array;
}

/** Index of the largest of a[offset .. offset + n) (the first on ties). */
export function argmax(a: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[offset + j] > a[offset + best]) best = j;
  return best;
}

/** Top-1 accuracy of a one-input graph (images [B,H,W,C] → logits [B,classes]) over a split. `seconds`: the batches,
 *  without compiling (data preparation, upload, the graph, read-back). `keepLogits`: also return every example's logits;
 *  `onBatch`: images scored so far (progress). */
export async function scoreGraph(
  rt: Runtime,
  g: Graph,
  split: Split,
  o: { keepLogits?: boolean; onBatch?: (done: number, total: number) => void } = {},
): Promise<ScoredSplit> {
  const m = await compile(rt, g, {});
  const t0 = performance.now();
  try {
    let correct = 0;
    let kept: Float32Array | undefined;
    for (const { start, count, images, labels } of inOrderBatches(split, g.shape(g.inputs[0])[0])) {
      const [logits] = await m.run([images]);
      const c = logits.length / labels.length;
      if (o.keepLogits) {
        kept ??= new Float32Array(split.n * c);
        kept.set(logits.subarray(0, count * c), start * c);
      }
      for (let b = 0; b < count; b++) {
        if (argmax(logits, b * c, c) === labels[b]) correct++;
      }
      o.onBatch?.(start + count, split.n);
    }
    return { accuracy: correct / split.n, seconds: (performance.now() - t0) / 1000, ...(kept ? { logits: kept } : {}) };
  } finally {
    m.destroy();
  }
}

/**
 * The forward pass a compression-aware model was trained with, in inference form (running batch-norm statistics):
 * fake-quantized weights (int8), or sign inputs and α·sign weights in the binary layers — on the float kernels.
 */
export function emulationGraph(model: Graph, qat: Qat): Graph {
  if (qat === 'none') return model;
  const g = new Graph();
  const x = g.addInput(model.tensors[model.inputs[0]].name, model.shape(model.inputs[0]));
  g.markOutput(addModel(g, model, { prefix: '', input: x, mode: 'frozen', qat }).output);
  return g;
}

/** Top-1 accuracy of trained weights on a split, as trained (see emulationGraph; batch-norm folded when qat is none). */
export async function evaluate(
  rt: Runtime,
  spec: ModelSpec,
  weights: Map<string, Float32Array>,
  split: Split,
  batch = 100,
  qat: Qat = 'none',
): Promise<number> {
  const model = buildModel({ ...spec, batch });
  applyWeights(model, weights, 'evaluate');
  return (await scoreGraph(rt, emulationGraph(model, qat), split)).accuracy;
}

/** The frozen teacher's logits for every example of a split, in split order ([n, classes]), on the inference graph. */
export async function teacherLogitsOf(
  rt: Runtime,
  spec: ModelSpec,
  weights: Map<string, Float32Array>,
  split: Split,
  batch: number,
): Promise<Float32Array> {
  const g = buildModel({ ...spec, batch });
  applyWeights(g, weights, 'teacher checkpoint');
  const classes = g.shape(g.outputs[0]).at(-1)!;
  const m = await compile(rt, g, {});
  try {
    const out = new Float32Array(split.n * classes);
    for (const { start, count, images } of inOrderBatches(split, batch)) {
      const [logits] = await m.run([images]);
      out.set(logits.subarray(0, count * classes), start * classes);
    }
    return out;
  } finally {
    m.destroy();
  }
}
