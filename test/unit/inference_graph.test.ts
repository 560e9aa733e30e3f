// The inference graph of trained weights (src/train/inference_graph.ts) without training first: calibration batches
// against the seeded shuffle they are documented to take, every precision's graph and info record, and the option
// errors. The GPU runs once (int8 calibration); train_export.test.ts runs these graphs after real training. Written
// for issue 17 (a StrykerJS run of inference_graph.ts needs tests that do not train).

import { describe, expect, it } from 'vitest';
import { epochOrder, fillBatch, NO_AUGMENT, type Split } from '../../src/io/fashion_mnist_codec.js';
import { buildModel } from '../../src/models/zoo.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { calibrationBatches, inferenceGraph, type InferenceGraphOptions } from '../../src/train/inference_graph.js';
import { runtime } from '../helpers.js';

const n = 7;
const split: Split = {
  images: Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 2654435761) >>> 24),
  labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
  n,
  rows: 28,
  cols: 28,
};

describe('calibrationBatches: the first count images of the seeded shuffle, whole batches', () => {
  const order = epochOrder(n, 0, 0);
  const image = (i: number) => {
    const im = new Float32Array(28 * 28);
    fillBatch(split, [i], NO_AUGMENT, 0, im, new Float32Array(1));
    return [...im];
  };
  const cases: [number, number][] = [
    [1, 1],
    [3, 2],
    [4, 2],
    [5, 3],
    [7, 3],
    [9, 4],
    [20, 3],
  ];
  for (const [count, batch] of cases)
    it(`count ${count}, batch ${batch}`, () => {
      const got = calibrationBatches(split, count, batch);
      expect(got.length).toBe(Math.ceil(Math.min(count, n) / batch));
      got.forEach((b, k) => {
        expect(b.length).toBe(1);
        expect(b[0].length).toBe(batch * 28 * 28);
        for (let j = 0; j < batch; j++) expect([...b[0].subarray(j * 784, (j + 1) * 784)]).toEqual(image(order[(k * batch + j) % n]));
      });
    });
  for (const count of [0, -1, 1.5, NaN])
    it(`count ${count} is refused`, () =>
      expect(() => calibrationBatches(split, count, 2)).toThrow(`calibration needs at least one image (got ${count})`));
});

describe('inferenceGraph', () => {
  const spec = { model: 'cnn_tiny' };
  const m = buildModel({ ...spec, batch: 2, seed: 5 });
  const weights = new Map(m.tensors.filter((t) => t.role === 'param').map((t) => [t.name, t.data!]));
  const fp32Bytes = m.tensors.filter((t) => t.role === 'param').reduce((a, t) => a + 4 * t.data!.length, 0);
  const noRt = undefined as unknown as Runtime;
  const param = (g: { tensors: { name: string; data?: Float32Array }[] }, name: string) => g.tensors.find((t) => t.name === name)?.data;
  const firstParam = m.tensors.find((t) => t.role === 'param')!.name;

  it('as-trained, qat none, and fp32: the model itself with the weights applied; info of an uncompressed model', async () => {
    for (const [qat, precision] of [
      ['none', 'as-trained'],
      ['none', 'fp32'],
      ['int8', 'fp32'],
    ] as const) {
      const r = await inferenceGraph(noRt, spec, weights, qat, 3, { precision });
      expect(r.info).toEqual({
        precision,
        sparse: null,
        thinned: null,
        model_bytes: fp32Bytes,
        fp32_model_bytes: fp32Bytes,
        compression_ratio: 1,
      });
      expect(r.graph.shape(r.graph.inputs[0])[0]).toBe(3);
      expect(r.graph.nodes.map((x) => x.op)).toEqual(buildModel({ ...spec, batch: 3 }).nodes.map((x) => x.op));
      expect([...param(r.graph, firstParam)!]).toEqual([...weights.get(firstParam)!]);
    }
  });
  it('as-trained after int8 / binary training: the emulation graph (not the plain model)', async () => {
    for (const qat of ['int8', 'binary'] as const) {
      const r = await inferenceGraph(noRt, spec, weights, qat, 2, { precision: 'as-trained' });
      expect(r.info.model_bytes).toBe(fp32Bytes);
      expect(r.info.compression_ratio).toBe(1);
      expect(r.graph.nodes.length).toBeGreaterThan(m.nodes.length);
    }
  });
  it('binary: compressed, a smaller model with its report', async () => {
    const r = await inferenceGraph(noRt, spec, weights, 'binary', 2, { precision: 'binary' });
    expect(r.info.precision).toBe('binary');
    expect(r.info.sparse).toBeNull();
    expect(r.info.thinned).toBeNull();
    expect(r.info.fp32_model_bytes).toBe(fp32Bytes);
    expect(r.info.model_bytes).toBeLessThan(fp32Bytes);
    expect(r.info.compression_ratio).toBe(Number((fp32Bytes / r.info.model_bytes).toFixed(3)));
    expect(r.info.macs).toBe(r.graph.macs());
    expect(r.info.fp32_macs).toBe(m.macs());
    expect(r.info.report).toBeDefined();
    expect(r.info.calibration_images).toBeUndefined();
    expect(r.graph.nodes.some((x) => x.op.includes('xnor') || x.op.includes('binar'))).toBe(true);
  });
  it('fp32 with block-sparse weights and with thinned filters', async () => {
    // half of every weight tensor's 4×4 blocks zero → something to skip
    const sparseW = new Map([...weights].map(([k, v]) => [k, v.map((x, i) => (Math.floor(i / 64) % 2 ? 0 : x))]));
    const s = await inferenceGraph(noRt, spec, sparseW, 'none', 2, { precision: 'fp32', sparse: [4, 4] });
    expect(s.info.sparse).toBe('4x4');
    expect(s.info.thinned).toBeNull();
    expect(s.info.precision).toBe('fp32');
    expect(s.graph.nodes.some((x) => x.op === 'conv2d_bsr')).toBe(true);
    const t = await inferenceGraph(noRt, spec, weights, 'none', 2, { precision: 'fp32', thin: { ratio: 0.5, norm: 'l1' } });
    expect(t.info.thinned).toBe(0.5);
    expect(t.info.sparse).toBeNull();
    expect(t.info.macs).toBeLessThan(t.info.fp32_macs!);
    expect(t.info.model_bytes).toBeLessThan(fp32Bytes);
  });
  const bad: [string, InferenceGraphOptions, string | RegExp][] = [
    ['an unknown precision', { precision: 'fp16' as never }, "precision must be one of as-trained, fp32, int8, binary (got 'fp16')"],
    [
      'sparse int8',
      { precision: 'int8', sparse: [4, 4] },
      'block-sparse kernels run fp32 weights, not int8 (the int8 and XNOR kernels are dense)',
    ],
    ['sparse binary', { precision: 'binary', sparse: [1, 4] }, 'block-sparse kernels run fp32 weights, not binary'],
    ['int8 without calibration', { precision: 'int8' }, 'int8 inference needs calibration images'],
  ];
  it('weights that do not fit the model are refused, naming the inference graph', async () => {
    await expect(inferenceGraph(noRt, spec, new Map(), 'none', 2, { precision: 'fp32' })).rejects.toThrow(/^inference graph: no tensor '/);
  });
  for (const [what, o, want] of bad)
    it(`${what} is refused`, async () => {
      await expect(inferenceGraph(noRt, spec, weights, 'none', 2, o)).rejects.toThrow(want);
    });
  it('int8: calibrated on whole batches (GPU)', async () => {
    const rt = await runtime();
    const r = await inferenceGraph(rt, spec, weights, 'int8', 2, {
      precision: 'int8',
      calibration: { split, count: 3, method: 'percentile' },
    });
    expect(r.info.report?.calibration).toBe('2 batches, percentile');
    expect(r.info.precision).toBe('int8');
    expect(r.info.calibration_images).toBe(4);
    expect(r.info.sparse).toBeNull();
    expect(r.info.model_bytes).toBeLessThan(fp32Bytes / 2);
    expect(r.graph.nodes.some((x) => x.op.includes('int8') || x.op.includes('quant'))).toBe(true);
  });
});
