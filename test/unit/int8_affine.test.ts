// Per-channel affine int8 activations (Int8Options.channelAffine, src/compress/quantize.ts): a scale and a zero point
// per channel on the tensors that only int8 1×1 / depthwise convs and float ops read (a padded depthwise conv pads
// channel c with its own zero point: the '_zc' kernels, test/unit/int8_dw_zc.test.ts). The parameters from the math, which
// tensors get them (and which must not), and that the int8 model is closer to fp32 with them on a model whose channels
// carry offsets much larger than their variation (as a random-weight MobileNetV1's depthwise outputs do).
import { describe, expect, it } from 'vitest';
import { channelAffineParams, CHANNEL_ZERO_LIMIT, quantizeGraph, type QParams, type TensorStats } from '../../src/compress/quantize.js';
import { calibrate } from '../../src/compress/quantize.js';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { exportOnnx, qdqFromLayers } from '../../src/io/onnx/export.js';
import { conv2dRef } from '../ref/ops.js';
import { randn, runtime } from '../helpers.js';

const XS = [1, 6, 6, 8];

/**
 * x → a (3×3 8→16, ReLU, padded) → dw (3×3 depthwise, ReLU, padded; biases 4…10, small weights: offset channels)
 * → pw (1×1 16→8, ReLU) → [global average pool →] fc (1×1 8→12, logits).
 */
function model(pool = true): Graph {
  const g = new Graph();
  const x = g.addInput('x', XS);
  const a = g.add1(
    'conv2d',
    [x, g.addParam('wa', [3, 3, 8, 16], randn(3 * 3 * 8 * 16, 1, 0.2)), g.addParam('ba', [16], randn(16, 2, 0.2))],
    { act: 1, pads: [1, 1, 1, 1] },
    'a',
  );
  const bd = Float32Array.from({ length: 16 }, (_, c) => 4 + (6 * c) / 15);
  const d = g.add1(
    'conv2d',
    [a, g.addParam('wd', [3, 3, 1, 16], randn(144, 3, 0.15)), g.addParam('bd', [16], bd)],
    { act: 1, groups: 16, pads: [1, 1, 1, 1] },
    'dw',
  );
  const p = g.add1(
    'conv2d',
    [d, g.addParam('wp', [1, 1, 16, 8], randn(128, 5, 0.3)), g.addParam('bp', [8], randn(8, 6, 0.5))],
    { act: 1 },
    'pw',
  );
  const y = g.add1(
    'conv2d',
    [
      pool ? g.add1('global_pool', [p], { mode: 'avg' }, 'gap') : p,
      g.addParam('wf', [1, 1, 8, 12], randn(96, 7, 0.5)),
      g.addParam('bf', [12], randn(12, 8, 0.5)),
    ],
    {},
    'fc',
  );
  g.markOutput(y);
  return g;
}

/** Every tensor of the model on the CPU (float64 accumulation in the convs). */
function forward(g: Graph, x: Float32Array): Map<number, Float32Array> {
  const v = new Map<number, Float32Array>([[g.inputs[0], x]]);
  for (const n of g.nodes) {
    const xi = n.inputs[0];
    const xs = g.shape(xi);
    if (n.op === 'global_pool') {
      const c = xs[3];
      const hw = xs[1] * xs[2];
      const s = new Float64Array(c);
      v.get(xi)!.forEach((val, i) => (s[i % c] += val / hw));
      v.set(n.outputs[0], Float32Array.from(s));
      continue;
    }
    const [, w, b] = n.inputs;
    v.set(n.outputs[0], conv2dRef(v.get(xi)!, xs, g.tensors[w].data!, g.tensors[w].shape, g.tensors[b].data!, n.attrs));
  }
  return v;
}

const inputs = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) =>
    randn(
      XS.reduce((a, b) => a * b),
      seed + i,
    ),
  );

/** Levels of channel c: real value of q = −128 and q = 127. */
const levels = (p: QParams, c: number) => [-128, 127].map((q) => p.channelScales![c] * (q - p.channelZeros![c]));

describe('per-channel affine activations', () => {
  const stats = (cmin: number[], cmax: number[]): TensorStats => ({
    min: Math.min(...cmin),
    max: Math.max(...cmax),
    meanAbs: 1,
    sample: new Float32Array([0]),
    cmin: Float64Array.from(cmin),
    cmax: Float64Array.from(cmax),
  });

  it('parameters: each channel its own widened range, inside the tensor range; ReLU 0 exact; zero points bounded', () => {
    // channel 0 reaches 0 (ReLU), 1 an offset channel, 2 a narrow one far from 0, 3 dead
    const s = stats([0, 5, 9.99, 0], [2, 6, 10, 0]);
    const p = channelAffineParams(s, 0.25);
    expect(p.scale).toBe(1);
    expect(p.zero).toBe(0);
    const [lo0, hi0] = levels(p, 0);
    expect(lo0).toBe(0); // z = −128: real 0 is the lowest level, so a ReLU clamp at −128 is exact
    expect(p.channelZeros![0]).toBe(-128);
    expect(hi0).toBeCloseTo(2.5, 6); // 2 + 0.25·2
    // the offset channel: [4.75, 6.25] in 256 levels (± half a step from rounding the zero point)
    const [lo1, hi1] = levels(p, 1);
    const s1 = p.channelScales![1];
    expect(s1).toBeCloseTo(1.5 / 255, 9);
    expect(Math.abs(lo1 - 4.75)).toBeLessThanOrEqual(s1 / 2 + 1e-12);
    expect(Math.abs(hi1 - 6.25)).toBeLessThanOrEqual(s1 / 2 + 1e-12);
    // the narrow far channel: its step is raised so that |z| ≤ CHANNEL_ZERO_LIMIT, and it still covers its range
    expect(Math.abs(p.channelZeros![2])).toBeLessThanOrEqual(CHANNEL_ZERO_LIMIT);
    const [lo2, hi2] = levels(p, 2);
    expect(lo2).toBeLessThanOrEqual(9.99);
    expect(hi2).toBeGreaterThanOrEqual(10);
    // never wider than the tensor: the top level of a channel is ≤ the tensor max (+ half a step)
    for (let c = 0; c < 4; c++) expect(levels(p, c)[1]).toBeLessThanOrEqual(10 + p.channelScales![c]);
    // the dead channel gets a finite positive step and real 0 representable
    expect(p.channelScales![3]).toBeGreaterThan(0);
    expect(levels(p, 3)[0]).toBe(0);
    // integer zero points
    for (const z of p.channelZeros!) expect(Number.isInteger(z)).toBe(true);
  });

  it('few values per channel (a pooled vector, logits): a wider margin, h = headroom + 2/√n', () => {
    const base = stats([5], [6]);
    const step = (n?: number) => channelAffineParams({ ...base, min: 0, max: 100, channelCount: n }, 0.25).channelScales![0];
    expect(step()).toBeCloseTo((1 * 1.5) / 255, 9); // no count: headroom 0.25
    expect(step(16)).toBeCloseTo((1 * (1 + 2 * 0.75)) / 255, 9); // 0.25 + 2/4
    expect(step(1 << 16)).toBeCloseTo((1 * (1 + 2 * (0.25 + 2 / 256))) / 255, 9);
  });

  it('which tensors: not one a padded dense conv reads (graph input); yes the dw input (per-channel padding), the dw output (pw reads it), the pw output, the pooled vector and the logits', async () => {
    const rt = await runtime();
    const g = model();
    const st = await calibrate(
      rt,
      g,
      inputs(4, 10).map((x) => [x]),
    );
    const r = quantizeGraph(g, st, { channelAffine: true });
    const byName = new Map(r.layers.map((l) => [l.name, l]));
    expect([...byName.keys()]).toEqual(['a', 'dw', 'pw', 'fc']);
    const affine = (p: QParams) => !!p.channelZeros;
    expect(affine(byName.get('a')!.inQ[0])).toBe(false); // graph input read by a padded conv
    expect(affine(byName.get('a')!.outQ)).toBe(true); // read by the padded depthwise, which pads channel c with z_c
    const dwNode = r.graph.nodes.find((n) => n.name === 'dw')!;
    expect(dwNode.inputs.length).toBe(4); // conv2d_int8's 4th input: the per-channel zero points, as i32
    expect(Array.from(r.graph.tensors[dwNode.inputs[3]].raw!)).toEqual(Array.from(byName.get('a')!.outQ.channelZeros!));
    // round 6's rule (channelAffinePadded false): the dw input keeps one zero point, the dw node three inputs
    const r6 = quantizeGraph(g, st, { channelAffine: true, channelAffinePadded: false });
    expect(affine(r6.layers.find((l) => l.name === 'a')!.outQ)).toBe(false);
    expect(affine(r6.layers.find((l) => l.name === 'dw')!.outQ)).toBe(true);
    expect(r6.graph.nodes.find((n) => n.name === 'dw')!.inputs.length).toBe(3);
    expect(affine(byName.get('dw')!.outQ)).toBe(true);
    expect(affine(byName.get('pw')!.inQ[0])).toBe(true);
    expect(affine(byName.get('pw')!.outQ)).toBe(true); // read by the (float) pool
    expect(affine(byName.get('fc')!.inQ[0])).toBe(true); // the pooled vector, quantized at a float edge
    expect(affine(byName.get('fc')!.outQ)).toBe(true); // the logits, dequantized at the float edge
    // the float edges: a per-channel affine batchnorm after each dequantize, before each quantize
    expect(r.graph.nodes.map((n) => n.op)).toEqual([
      'quantize',
      'conv2d_int8',
      'conv2d_int8',
      'conv2d_int8',
      'dequantize',
      'batchnorm',
      'global_pool',
      'batchnorm',
      'quantize',
      'conv2d_int8',
      'dequantize',
      'batchnorm',
    ]);
    // a ReLU output with per-channel zero points clamps at −128 (each channel's own lowest level, ≥ 0)
    const dw = r.graph.nodes.find((n) => n.name === 'dw')!;
    expect([dw.attrs.qmin, dw.attrs.qmax, dw.attrs.yZero]).toEqual([-128, 127, 0]);
    // the QDQ ONNX export cannot carry zero points past the int8 range: a clear error, not a wrong file
    expect(() => exportOnnx(g, { qdq: qdqFromLayers(g, r.layers) })).toThrow(
      /ONNX export: per-channel affine int8 activations \(channelAffine\) have no QDQ form/,
    );
    // off: nothing per channel, no batchnorm
    const off = quantizeGraph(g, st);
    expect(off.layers.some((l) => l.outQ.channelScales || l.inQ[0].channelScales)).toBe(false);
    expect(off.graph.nodes.some((n) => n.op === 'batchnorm')).toBe(false);
  });

  it('left per tensor: a tensor an add reads, a conv with a fused shuffle, a padded 1×1', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 8]);
    const w = (n: string, s: number) => g.addParam(n, [1, 1, 8, 8], randn(64, s));
    const a = g.add1('conv2d', [x, w('w1', 1)], { act: 1 }, 'to_add');
    const sum = g.add1('add', [a, x], {}, 'add');
    const b = g.add1('conv2d', [sum, w('w2', 2)], { act: 1, shuffle: 2 }, 'shuffled');
    const c = g.add1('conv2d', [b, w('w3', 3)], { act: 1, pads: [1, 1, 1, 1] }, 'padded');
    const o = g.add1('conv2d', [c, w('w4', 4)], { act: 1 }, 'out');
    g.markOutput(o);
    const st = new Map<number, TensorStats>();
    for (const t of g.tensors) if (t.role !== 'param') st.set(t.id, { ...stats(Array(8).fill(0), Array(8).fill(3)), min: -3 }); // x, sum may be negative
    const r = quantizeGraph(g, st, { channelAffine: true });
    const outQ = (name: string) => r.layers.find((l) => l.name === name)!.outQ;
    expect(outQ('to_add').channelZeros).toBeUndefined(); // an add reads it
    expect(outQ('shuffled').channelZeros).toBeUndefined(); // fused shuffle
    expect(r.layers.find((l) => l.name === 'padded')!.inQ[0].channelZeros).toBeUndefined();
    expect(outQ('padded').channelZeros).toBeDefined(); // read by an unpadded 1×1 only
    expect(outQ('out').channelZeros).toBeDefined(); // the graph output, dequantized per channel
  });

  it('a bad headroom: a clear error', () => {
    const g = model();
    expect(() => quantizeGraph(g, new Map(), { channelAffine: true, channelHeadroom: -1 })).toThrow(
      /headroom must be a finite number ≥ 0, got -1/,
    );
  });

  // the bench's measure: ‖z_int8 − z_fp32‖ / ‖z_fp32 − mean_images(z_fp32)‖ (the error of the image-dependent part,
  // constant errors included); with bias correction on both sides, which removes the constant error that weight
  // rounding times the channel offsets causes
  it('int8 on the GPU, with bias correction: closer to fp32 with per-channel affine activations (16 calibration inputs, 6 others)', async () => {
    const rt = await runtime();
    const g = model(false);
    const calib = inputs(16, 100).map((x) => [x]);
    const evalX = inputs(6, 200);
    const st = await calibrate(rt, g, calib);
    const yf = evalX.map((x) => forward(g, x).get(g.outputs[0])!);
    const mean = yf[0].map((_, j) => yf.reduce((s, y) => s + y[j], 0) / yf.length);
    const relError = async (channelAffine: boolean, channelAffinePadded = true) => {
      const q = quantizeGraph(g, st, { channelAffine, channelAffinePadded, biasCorrection: true }).graph;
      const m = await compile(rt, q, { tune: 'off' });
      let sig = 0;
      let err = 0;
      try {
        for (let k = 0; k < evalX.length; k++) {
          const yq = (await m.run([evalX[k]]))[0];
          yf[k].forEach((v, j) => {
            sig += (v - mean[j]) ** 2;
            err += (v - yq[j]) ** 2;
          });
        }
      } finally {
        m.destroy();
      }
      return Math.sqrt(err / sig);
    };
    const plain = await relError(false);
    const unpadded = await relError(true, false);
    const affine = await relError(true);
    expect(unpadded).toBeLessThan(plain / 5); // measured 0.42 → 0.044
    expect(unpadded).toBeLessThan(0.08);
    // the dw input per channel too (padded with z_c): measured 0.050 (this dw input has no offsets to remove)
    expect(affine).toBeLessThan(0.08);
  });
});
