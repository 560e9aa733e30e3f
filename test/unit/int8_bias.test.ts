// int8 bias correction (Nagel et al. 2019) and mixed precision (layers kept in fp32).
import { describe, expect, it } from 'vitest';
import { correctedBias, quantizeGraph, quantizeWeights, type TensorStats } from '../../src/compress/quantize.js';
import { Graph } from '../../src/graph/ir.js';
import { convGeom } from '../../src/ops/conv.js';
import { conv2dRef } from '../ref/ops.js';
import { randn } from '../helpers.js';

describe('bias correction', () => {
  // On an input equal to its mean everywhere (no padding), the corrected layer with dequantized weights s·W_q
  // computes exactly what the float layer computes: the expected output error is removed, not just reduced.
  const cases: [string, number[], number[], number][] = [
    ['pointwise', [1, 3, 3, 8], [1, 1, 8, 12], 1],
    ['grouped 3x3', [1, 4, 4, 8], [3, 3, 4, 8], 2],
    ['depthwise 3x3', [1, 4, 4, 8], [3, 3, 1, 8], 8],
  ];
  for (const [name, xs, ws, groups] of cases) {
    it(`${name}: E[y_int8 weights] = E[y_fp32] on the calibration mean`, () => {
      const w = randn(
        ws.reduce((a, b) => a * b),
        5,
        0.7,
      );
      const b = randn(ws[3], 6, 0.1);
      const mean = Float64Array.from(randn(xs[3], 7, 2));
      const x = Float32Array.from({ length: xs.reduce((a, c) => a * c) }, (_, i) => mean[i % xs[3]]);
      const attrs = { groups };
      const geo = convGeom([[...xs], [...ws]], attrs);
      const { wq, scale } = quantizeWeights(w, ws[3]);
      const deq = Float32Array.from(wq, (v, i) => v * scale[i % ws[3]]);
      const yf = conv2dRef(x, [...xs], w, [...ws], b, attrs);
      const yq = conv2dRef(x, [...xs], deq, [...ws], b, attrs);
      const yc = conv2dRef(x, [...xs], deq, [...ws], correctedBias(b, w, wq, scale, geo, mean), attrs);
      const err = (y: Float32Array) => y.reduce((m, v, i) => Math.max(m, Math.abs(v - yf[i])), 0);
      expect(err(yq)).toBeGreaterThan(1e-4); // rounding the weights moved the output
      expect(err(yc)).toBeLessThan(1e-5);
    });
  }
});

describe('mixed precision (keepFloat)', () => {
  const graph = () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 8]);
    const a = g.add1('conv2d', [x, g.addParam('w1', [1, 1, 8, 8], randn(64, 1)), g.addParam('b1', [8], randn(8, 2))], { act: 1 }, 'first');
    const y = g.add1('conv2d', [a, g.addParam('w2', [1, 1, 8, 8], randn(64, 3)), g.addParam('b2', [8], randn(8, 4))], {}, 'second');
    g.markOutput(y);
    return g;
  };
  const stats = (g: Graph) => {
    const m = new Map<number, TensorStats>();
    for (const t of g.tensors) if (t.role !== 'param') m.set(t.id, { min: -3, max: 3, meanAbs: 1, sample: new Float32Array([0]) });
    return m;
  };

  it('a kept layer stays a float conv2d between dequantize and quantize; the others are int8', () => {
    const g = graph();
    const r = quantizeGraph(g, stats(g), { keepFloat: ['second'] });
    expect(r.graph.nodes.map((n) => n.op)).toEqual(['quantize', 'conv2d_int8', 'dequantize', 'conv2d']);
    expect(r.layers.map((l) => l.name)).toEqual(['first']);
    expect(quantizeGraph(g, stats(g)).report.int8Convs).toBe(2);
  });

  it('a name that is not an int8 layer: a clear error', () => {
    const g = graph();
    expect(() => quantizeGraph(g, stats(g), { keepFloat: ['third'] })).toThrow(/keep in fp32: 'third' is not an int8 layer/);
  });
});
