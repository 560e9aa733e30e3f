// The training set resident on the GPU (src/train/gpu_data.ts, op gather_batch): the gathered, augmented and
// normalised batch equals the CPU's fillBatch with the counter-based generator bit for bit, training on it equals
// training on CPU-assembled batches, and checkpoints from before it (sequential generator) resume on the CPU path.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { epochOrder, fillBatch, FASHION_MNIST_DIR, limitSplit, loadSplit, type Augment, type Split } from '../../src/io/fashion_mnist.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { addGatherBatch, cursorInput, DATA_PREFIX, gpuDataFits } from '../../src/train/gpu_data.js';
import { train, type TrainOptions } from '../../src/train/loop.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import { runtime } from '../helpers.js';

/** A split of n random rows × cols images (odd sizes: examples straddle the packed words). */
function randomSplit(n: number, rows: number, cols: number, seed: number): Split {
  let x = seed;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const images = Uint8Array.from({ length: n * rows * cols }, next);
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => (i * 7) % 10), n, rows, cols };
}

describe('gather_batch on the GPU equals fillBatch (counter generator) on the CPU', () => {
  const cases: [string, Split, number, Augment][] = [
    ['5×7 images, batch 5, crop 2 + flip', randomSplit(13, 5, 7, 1), 5, { cropPad: 2, flip: true }],
    ['28×28 images, batch 3, flip only', randomSplit(9, 28, 28, 2), 3, { cropPad: 0, flip: true }],
    ['3×3 images, batch 4, crop 4 (wider than the image)', randomSplit(11, 3, 3, 3), 4, { cropPad: 4, flip: false }],
    ['28×28 images, batch 2, no augmentation', randomSplit(5, 28, 28, 4), 2, { cropPad: 0, flip: false }],
  ];
  it.each(cases)('%s: bit-identical images and labels over several steps', async (_, split, batch, aug) => {
    const rt = await runtime();
    const g = new Graph();
    const d = addGatherBatch(g, { split, augment: aug }, [batch, split.rows, split.cols, 1]);
    g.markOutput(d.images);
    g.markOutput(d.labels);
    const c = await compile(rt, g, { fuse: false });
    const order = epochOrder(split.n, 7, 1);
    c.writeTensor(d.order, Float32Array.from(order));
    const images = new Float32Array(batch * split.rows * split.cols);
    const labels = new Float32Array(batch);
    for (const [start, seed] of [
      [0, 1],
      [split.n - batch, 0xdeadbeef],
      [batch, 12345],
    ]) {
      const [gi, gl] = await c.run([cursorInput(start, seed)]);
      fillBatch(split, order.subarray(start, start + batch), aug, seed, images, labels, 'counter');
      expect(Buffer.from(gi.buffer).equals(Buffer.from(images.buffer)), `images at ${start}, seed ${seed}`).toBe(true);
      expect([...gl]).toEqual([...labels]);
    }
    c.destroy();
  });

  it('the counter generator draws every shift and both flips (CPU); without augmentation it equals the sequential one', () => {
    const split = randomSplit(40, 6, 6, 5);
    const idx = Uint32Array.from({ length: 40 }, (_, i) => i);
    const a = new Float32Array(40 * 36);
    const b = new Float32Array(40 * 36);
    const la = new Float32Array(40);
    fillBatch(split, idx, { cropPad: 0, flip: false }, 9, a, la, 'counter');
    fillBatch(split, idx, { cropPad: 0, flip: false }, 9, b, la, 'legacy');
    expect([...a]).toEqual([...b]);
    // with a 1-pixel crop, the 40 rows differ from the plain batch in various ways: not all equal, not all shifted
    fillBatch(split, idx, { cropPad: 1, flip: true }, 9, a, la, 'counter');
    const same = Array.from({ length: 40 }, (_, r) => a.subarray(r * 36, (r + 1) * 36).every((v, k) => v === b[r * 36 + k]));
    expect(same.filter((x) => x).length).toBeGreaterThan(0);
    expect(same.filter((x) => !x).length).toBeGreaterThan(20);
  });

  it('a training set over the device limit falls back with a note naming the sizes', () => {
    const split = randomSplit(8, 28, 28, 6);
    expect(gpuDataFits(split, { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 })).toBeNull();
    expect(gpuDataFits(split, { maxStorageBufferBindingSize: 1000, maxBufferSize: 1 << 30 })).toMatch(/6272 bytes.*1000 bytes.*CPU/);
  });
});

describe('training on GPU-gathered batches', () => {
  const trainSplit = limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 48);
  const testSplit = limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 10);
  const base = (): TrainOptions => ({
    model: { model: 'cnn_tiny' },
    mode: 'plain',
    epochs: 2,
    batch: 8,
    seed: 3,
    opt: { ...DEFAULT_OPTIM, lr: 0.02 },
    augment: { cropPad: 2, flip: true },
    train: trainSplit,
    test: testSplit,
    maxSteps: 8, // 6 steps per epoch: crosses into the second epoch's order
  });

  it('equals training on the same batches assembled on the CPU (losses and weights, exactly)', async () => {
    const rt = await runtime();
    const gpu = await train(rt, base());
    const host = await train(rt, { ...base(), gpuData: false });
    expect(gpu.data).toEqual({ source: 'gpu' });
    expect(host.data.source).toBe('host');
    expect(gpu.stepLosses[0]).toEqual(host.stepLosses[0]);
    for (const [name, w] of gpu.weights[0]) expect([...w], name).toEqual([...host.weights[0].get(name)!]);
  });

  it('resumes a checkpoint from before the GPU gather (no aug_rng: sequential draws) exactly, on the CPU path', async () => {
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'gpudata-'));
    const full = await train(rt, { ...base(), augRng: 'legacy' });
    expect(full.data.source).toBe('host');
    const ck = join(dir, 'old.ckpt');
    await train(rt, { ...base(), augRng: 'legacy', maxSteps: 4, out: ck });
    const old = loadCheckpoint(ck);
    expect(old.meta.aug_rng).toBe('legacy');
    delete old.meta.aug_rng; // as main's code wrote it
    saveCheckpoint(ck, old);
    const resumed = await train(rt, { ...base(), resume: ck });
    expect(resumed.data.source).toBe('host');
    expect(resumed.data.note).toMatch(/sequential generator/);
    expect(resumed.stepLosses[0]).toEqual(full.stepLosses[0].slice(4));
  });
});

// Written for the gpu_data.ts survivors of the sample of 30 Nov (issue 17).
describe('addGatherBatch on the CPU: the dataset tensors and the size limit', () => {
  const augment: Augment = { cropPad: 0, flip: false };
  it("the dataset's tensors are named with DATA_PREFIX (so CompiledStep leaves them out of checkpoints)", () => {
    const g = new Graph();
    const split = randomSplit(6, 5, 7, 9);
    const d = addGatherBatch(g, { split, augment }, [2, 5, 7, 1]);
    const data = g.tensors.filter((t) => t.name.startsWith(DATA_PREFIX));
    expect(data.map((t) => t.name).sort()).toEqual(['data/labels', 'data/lut', 'data/order', 'data/pixels']);
    expect(data.map((t) => t.id)).toContain(d.order);
  });
  it('a training set of 2^24 images is refused, naming the count (order indices are exact in f32 below it)', () => {
    const split: Split = { images: new Uint8Array(4), labels: new Uint8Array(4), n: 2 ** 24, rows: 1, cols: 1 };
    expect(() => addGatherBatch(new Graph(), { split, augment }, [2, 1, 1, 1])).toThrow(
      'a GPU-resident training set holds fewer than 2^24 images (got 16777216)',
    );
  });
});
