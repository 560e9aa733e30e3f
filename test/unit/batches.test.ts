// StepInputs (src/train/batches.ts), CPU only: step s's inputs are the batch at position s mod stepsPerEpoch of
// epoch ⌊s / stepsPerEpoch⌋'s shuffled order (epochOrder), augmented with the step's own seed, the optimizer's
// hyper-parameters for step s, and with a cached teacher its logits of exactly those examples. The expected values
// are rebuilt here from the codec's public functions one example at a time, so any step can be checked alone (what
// exact resuming relies on); two buffers alternate. StrykerJS (issue 17).
import { describe, expect, it } from 'vitest';
import { epochOrder, fillBatch, type Split } from '../../src/io/fashion_mnist_codec.js';
import { StepInputs } from '../../src/train/batches.js';
import { DEFAULT_OPTIM, hyperFor } from '../../src/train/optim.js';

const N = 11;
const split: Split = {
  images: Uint8Array.from({ length: N * 4 * 4 }, (_, i) => (i * 37) % 251),
  labels: Uint8Array.from({ length: N }, (_, i) => i % 10),
  n: N,
  rows: 4,
  cols: 4,
};
const C = 3;
const teacher = Float32Array.from({ length: N * C }, (_, i) => i / 7 - 2);
const opt = { ...DEFAULT_OPTIM, kind: 'adam' as const, schedule: 'cosine' as const, totalSteps: 20, warmupSteps: 2 };
const aug = { cropPad: 1, flip: true };

/** Step s's expected inputs, example by example (batch b, seed as documented). */
function expected(s: number, batch: number, seed: number, withTeacher: boolean) {
  const per = Math.floor(N / batch);
  const order = epochOrder(N, seed, Math.floor(s / per));
  const idx = Array.from({ length: batch }, (_, b) => order[(s % per) * batch + b]);
  const images = new Float32Array(batch * 16);
  const labels = new Float32Array(batch);
  fillBatch(split, idx, aug, (seed * 2654435761 + s * 40503 + 1) >>> 0, images, labels);
  const t = Float32Array.from(idx.flatMap((e) => [...teacher.subarray(e * C, (e + 1) * C)]));
  return withTeacher ? [images, labels, hyperFor(opt, s), t] : [images, labels, hyperFor(opt, s)];
}

describe('StepInputs', () => {
  it.each([
    [3, 5, false],
    [4, 9, true],
    [2, 1, true],
  ])('batch %i, seed %i, teacher %s: every step (across epochs) equals its rebuilt inputs', (batch, seed, withTeacher) => {
    const si = new StepInputs(split, batch, seed, aug, opt, withTeacher ? teacher : null);
    expect(si.stepsPerEpoch).toBe(Math.floor(N / batch));
    for (let s = 0; s < 3 * si.stepsPerEpoch + 1; s++) {
      si.prepare(s);
      const got = si.inputs(s);
      const want = expected(s, batch, seed, withTeacher);
      expect(got.length).toBe(want.length);
      got.forEach((g, k) => expect([...g], `step ${s} input ${k}`).toEqual([...want[k]]));
    }
  });
  it('two buffers alternate: step s+1 prepared while step s is still readable; any step alone gives the same', () => {
    const a = new StepInputs(split, 3, 2, aug, opt, teacher);
    a.prepare(4);
    a.prepare(5);
    const four = a.inputs(4).map((x) => [...x]);
    const five = a.inputs(5).map((x) => [...x]);
    expect(four[0]).not.toEqual(five[0]);
    const b = new StepInputs(split, 3, 2, aug, opt, teacher);
    b.prepare(5);
    expect(b.inputs(5).map((x) => [...x])).toEqual(five);
    b.prepare(4);
    expect(b.inputs(4).map((x) => [...x])).toEqual(four);
  });
});
