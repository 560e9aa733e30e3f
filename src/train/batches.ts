// The inputs of each training step, assembled on the CPU: the batch's images (shuffled order, augmentation,
// normalisation) and labels, the optimizer's hyper-parameters, and with a cached teacher its logits of the batch.
//
// Two buffers alternate so that step k+1's batch is prepared while the GPU executes step k (whose upload was already
// queued). Determinism: batch order depends on (seed, epoch), augmentation on (seed, step), so any step's inputs
// can be rebuilt from the step number alone (what exact resuming relies on).
//
// With the dataset resident on the GPU (gpu_data.ts) nothing is assembled here: each epoch's order goes to the GPU
// once (`writeOrder`), and a step's inputs are its cursor (position in the order, augmentation seed) and hyper.

import { epochOrder, fillBatch, type Augment, type AugRng, type Split } from '../io/fashion_mnist.js';
import { cursorInput } from './gpu_data.js';
import { hyperFor, type OptimConfig } from './optim.js';

/** Where the batches come from: assembled on the CPU, or gathered on the GPU (the order written by writeOrder). */
export type BatchSource = { kind: 'host'; rng: AugRng } | { kind: 'gpu'; writeOrder: (order: Float32Array) => void };

interface Buffers {
  images: Float32Array;
  labels: Float32Array;
  teacher: Float32Array;
}

export class StepInputs {
  private readonly bufs: Buffers[];
  private readonly classes: number;
  private orderEpoch = -1;
  private order: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

  /** `teacherLogits`: a cached teacher's logits of every training example ([n, classes]), or null. */
  constructor(
    private readonly split: Split,
    private readonly batch: number,
    private readonly seed: number,
    private readonly augment: Augment,
    private readonly opt: OptimConfig,
    private readonly teacherLogits: Float32Array | null,
    private readonly source: BatchSource = { kind: 'host', rng: 'legacy' },
  ) {
    this.classes = teacherLogits ? teacherLogits.length / split.n : 0;
    const px = split.rows * split.cols;
    this.bufs = (source.kind === 'gpu' ? [] : [0, 1]).map(() => ({
      images: new Float32Array(batch * px),
      labels: new Float32Array(batch),
      teacher: new Float32Array(batch * this.classes),
    }));
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.split.n / this.batch);
  }

  /** Fill step s's buffer (call before inputs(s), and not again for s + 2 until step s has been submitted). */
  prepare(s: number): void {
    const epoch = Math.floor(s / this.stepsPerEpoch);
    const source = this.source;
    if (source.kind === 'gpu') {
      if (epoch !== this.orderEpoch) source.writeOrder(Float32Array.from(this.epochOrder(epoch)));
      return;
    }
    const buf = this.bufs[s % 2];
    const order = this.epochOrder(epoch);
    const i0 = (s % this.stepsPerEpoch) * this.batch;
    const idx = order.subarray(i0, i0 + this.batch);
    fillBatch(this.split, idx, this.augment, this.augSeed(s), buf.images, buf.labels, source.rng);
    const cached = this.teacherLogits;
    const c = this.classes;
    if (cached) idx.forEach((e, b) => buf.teacher.set(cached.subarray(e * c, (e + 1) * c), b * c));
  }

  /** The step graph's inputs for step s (prepared): images, labels, hyper[, teacher logits]. */
  inputs(s: number): Float32Array[] {
    const hyper = hyperFor(this.opt, s);
    if (this.source.kind === 'gpu') return [cursorInput((s % this.stepsPerEpoch) * this.batch, this.augSeed(s)), hyper];
    const buf = this.bufs[s % 2];
    return this.teacherLogits ? [buf.images, buf.labels, hyper, buf.teacher] : [buf.images, buf.labels, hyper];
  }

  /** The augmentation seed of step s. */
  augSeed(s: number): number {
    return (this.seed * 2654435761 + s * 40503 + 1) >>> 0;
  }

  private epochOrder(epoch: number): Uint32Array<ArrayBufferLike> {
    if (epoch !== this.orderEpoch) {
      this.orderEpoch = epoch;
      this.order = epochOrder(this.split.n, this.seed, epoch);
    }
    return this.order;
  }
}
