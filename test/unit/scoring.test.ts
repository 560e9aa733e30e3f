// Scoring (src/train/scoring.ts) on splits small enough to check by hand: the in-order batches (the last padded by
// repeating its last example), argmax's first-on-ties rule, top-1 accuracy and kept logits of a graph whose logits are
// its input pixels (so every count is known), progress callbacks, and a model's evaluate / teacher logits agreeing
// with scoring its graph directly. Written for issue 17 (scoring.ts had no test of its own).

import { describe, expect, it, vi } from 'vitest';
import { CompiledGraph } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { normalisedPixels, type Split } from '../../src/io/fashion_mnist_codec.js';
import { buildModel } from '../../src/models/zoo.js';
import { argmax, emulationGraph, evaluate, inOrderBatches, scoreGraph, teacherLogitsOf } from '../../src/train/scoring.js';
import { runtime } from '../helpers.js';

const lut = normalisedPixels();
/** n examples of 1×4 pixels: example i's brightest pixel is at `hot[i]`; its label `labels[i]`. */
function split(hot: number[], labels: number[]): Split {
  const images = new Uint8Array(hot.length * 4);
  hot.forEach((h, i) => {
    for (let j = 0; j < 4; j++) images[i * 4 + j] = j === h ? 200 + i : 10 + 3 * j + i;
  });
  return { images, labels: Uint8Array.from(labels), n: hot.length, rows: 1, cols: 4 };
}

describe('inOrderBatches', () => {
  const s = split([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const rows = (b: { images: Float32Array }) =>
    Array.from({ length: b.images.length / 4 }, (_, r) => [...b.images.subarray(4 * r, 4 * r + 4)]);
  const pixels = (i: number) => [...s.images.subarray(4 * i, 4 * i + 4)].map((v) => lut[v]);
  for (const batch of [1, 3, 4, 10, 12]) {
    it(`batch ${batch}: split order, the last batch padded with its last example`, () => {
      const got = [];
      // the arrays are reused: copy each batch before the next
      for (const b of inOrderBatches(s, batch)) got.push({ start: b.start, count: b.count, rows: rows(b), labels: [...b.labels] });
      const want = [];
      for (let start = 0; start < s.n; start += batch) {
        const count = Math.min(batch, s.n - start);
        const idx = Array.from({ length: batch }, (_, b) => start + Math.min(b, count - 1));
        want.push({ start, count, rows: idx.map(pixels), labels: idx.map((i) => s.labels[i]) });
      }
      expect(got).toEqual(want);
      expect(got.length).toBe(Math.ceil(s.n / batch));
    });
  }
});

describe('argmax: the first of the largest', () => {
  const cases: [number[], number, number, number][] = [
    [[3, 1, 2], 0, 3, 0],
    [[1, 3, 2], 0, 3, 1],
    [[1, 2, 3], 0, 3, 2],
    [[5, 5, 1], 0, 3, 0],
    [[1, 5, 5], 0, 3, 1],
    [[9, 9, 1, 2, 2, 0], 2, 3, 1],
    [[9, 0, 7, -1, 8], 1, 4, 3],
    [[-3, -2, -2], 0, 3, 1],
    [[4], 0, 1, 0],
  ];
  for (const [a, off, n, want] of cases)
    it(`${JSON.stringify(a)} from ${off}, ${n} values: ${want}`, () => expect(argmax(a, off, n)).toBe(want));
});

describe('scoreGraph / evaluate / teacherLogitsOf', () => {
  /** logits = the input's 4 pixels per example */
  const pixelGraph = (batch: number) => {
    const g = new Graph();
    const x = g.addInput('x', [batch, 1, 4, 1]);
    g.markOutput(g.add1('reshape', [x], { shape: [batch, 4] }, 'logits'));
    return g;
  };
  // hot pixels 0 1 2 3 0 1 2; labels right for examples 0, 1, 3, 4, 6 (5 of 7)
  const s = split([0, 1, 2, 3, 0, 1, 2], [0, 1, 0, 3, 0, 3, 2]);
  it('accuracy, kept logits and progress, batch 3 (last batch padded) and 7', async () => {
    const rt = await runtime();
    for (const batch of [3, 7]) {
      const done: [number, number][] = [];
      const r = await scoreGraph(rt, pixelGraph(batch), s, { keepLogits: true, onBatch: (d, t) => done.push([d, t]) });
      expect(r.accuracy).toBeCloseTo(5 / 7, 12);
      expect(r.seconds).toBeGreaterThanOrEqual(0);
      expect([...r.logits!]).toEqual([...s.images].map((v) => lut[v]));
      expect(done).toEqual(
        batch === 3
          ? [
              [3, 7],
              [6, 7],
              [7, 7],
            ]
          : [[7, 7]],
      );
      const plain = await scoreGraph(rt, pixelGraph(batch), s);
      expect(plain.logits).toBeUndefined();
      expect(plain.accuracy).toBeCloseTo(5 / 7, 12);
    }
  });
  it('seconds is the time of the batches in seconds (a clock that moves 1.5 s at each of 3 batches: 4.5 s)', async () => {
    // scoring.ts:76 (milliseconds / 1000); performance.now mocked, the real elapsed time the upper margin
    const rt = await runtime();
    const real = performance.now.bind(performance);
    let offset = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => real() + offset);
    try {
      const w0 = real();
      const r = await scoreGraph(rt, pixelGraph(3), s, { onBatch: () => (offset += 1500) });
      const wall = (real() - w0) / 1000;
      expect(r.seconds).toBeGreaterThanOrEqual(4.5);
      expect(r.seconds).toBeLessThanOrEqual(4.5 + wall);
    } finally {
      clock.mockRestore();
    }
  });
  it('frees the compiled graph (its GPU buffers) when done and when a batch callback throws', async () => {
    const rt = await runtime();
    const destroy = vi.spyOn(CompiledGraph.prototype, 'destroy');
    try {
      await scoreGraph(rt, pixelGraph(3), s);
      expect(destroy).toHaveBeenCalledTimes(1);
      await expect(
        scoreGraph(rt, pixelGraph(3), s, {
          onBatch: () => {
            throw new Error('stop here');
          },
        }),
      ).rejects.toThrow('stop here');
      expect(destroy).toHaveBeenCalledTimes(2);
    } finally {
      destroy.mockRestore();
    }
  });

  it("a model's evaluate and teacher logits = scoring its graph (12 test images, batches of 5)", async () => {
    const rt = await runtime();
    const m = buildModel({ model: 'cnn_tiny', batch: 5, seed: 4 });
    const weights = new Map(m.tensors.filter((t) => t.role === 'param').map((t) => [t.name, t.data!]));
    const n = 12;
    const images = new Uint8Array(n * 28 * 28);
    for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 10);
    const sp: Split = { images, labels, n, rows: 28, cols: 28 };
    const ref = await scoreGraph(rt, m, sp, { keepLogits: true });
    const logits = await teacherLogitsOf(rt, { model: 'cnn_tiny' }, weights, sp, 5);
    expect(logits.length).toBe(n * 10);
    for (let i = 0; i < logits.length; i++) expect(Math.abs(logits[i] - ref.logits![i])).toBeLessThan(1e-4);
    let correct = 0;
    for (let i = 0; i < n; i++) if (argmax(logits, i * 10, 10) === labels[i]) correct++;
    expect(ref.accuracy).toBe(correct / n);
    // evaluate and teacherLogitsOf build the model from its spec (another seed): only applied weights make them agree
    expect(await evaluate(rt, { model: 'cnn_tiny' }, weights, sp, 5)).toBe(correct / n);
  });
});

describe('emulationGraph', () => {
  it("qat none: the model itself; int8 / binary: a new graph of the model's input and output shapes", () => {
    const m = buildModel({ model: 'cnn_tiny', batch: 2, seed: 1 });
    expect(emulationGraph(m, 'none')).toBe(m);
    for (const qat of ['int8', 'binary'] as const) {
      const g = emulationGraph(m, qat);
      expect(g).not.toBe(m);
      expect(g.inputs.length).toBe(1);
      expect(g.tensors[g.inputs[0]].name).toBe(m.tensors[m.inputs[0]].name);
      expect(g.shape(g.inputs[0])).toEqual(m.shape(m.inputs[0]));
      expect(g.outputs.length).toBe(1);
      expect(g.shape(g.outputs[0])).toEqual(m.shape(m.outputs[0]));
      expect(
        g.nodes.some(
          (n) => n.op === (qat === 'int8' ? 'fake_quant' : 'binarize_weights') || n.op.includes(qat === 'int8' ? 'quant' : 'binar'),
        ),
      ).toBe(true);
      // frozen: batch norm in inference form (running statistics), the parameters under the model's own names
      expect(g.nodes.some((n) => n.op === 'batchnorm_train')).toBe(false);
      const names = (h: typeof g) => h.tensors.filter((t) => t.role === 'param').map((t) => t.name);
      expect(names(g).length).toBeGreaterThan(0);
      expect(names(g).every((nm) => names(m).includes(nm))).toBe(true);
    }
  });
});

describe('evaluate / teacherLogitsOf name the weights that do not fit', () => {
  it('a missing tensor: the caller named first', async () => {
    const rt = await runtime();
    const sp: Split = { images: new Uint8Array(784), labels: new Uint8Array(1), n: 1, rows: 28, cols: 28 };
    await expect(evaluate(rt, { model: 'cnn_tiny' }, new Map(), sp, 1)).rejects.toThrow(/^evaluate: no tensor '/);
    await expect(teacherLogitsOf(rt, { model: 'cnn_tiny' }, new Map(), sp, 1)).rejects.toThrow(/^teacher checkpoint: no tensor '/);
  });
});
