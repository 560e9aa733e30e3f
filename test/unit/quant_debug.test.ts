// The quantization debugger (per-layer SQNR / clipping / weight error), per-channel activation scales, compress() on
// an imported ONNX graph, and ONNX export of compressed graphs (int8 → QDQ, block-sparse → dense) checked with
// onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { smoothImage } from '../../src/compress/agreement.js';
import { compress } from '../../src/compress/compress.js';
import { quantDebug } from '../../src/compress/quant_debug.js';
import { foldInputScales } from '../../src/compress/quantize.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { exportCompressed } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { buildModel } from '../../src/models/zoo.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';
import { ortOutputs } from '../onnx_compare.js';
import { randn, runtime } from '../helpers.js';

const images = (n: number, first: number, res = 32, c = 3) => Array.from({ length: n }, (_, i) => [smoothImage(res, c, first + i)]);

async function run(g: Graph, inputs: Float32Array[]): Promise<Float32Array> {
  const m = await compile(await runtime(), g);
  try {
    return (await m.run(inputs))[0];
  } finally {
    m.destroy();
  }
}

/** A small NCHW ONNX CNN: conv-bn-relu, depthwise-relu, pointwise, residual add-relu, 1×1 conv head. */
function smallOnnx(): Uint8Array {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [1, 8, 12, 12]);
  const a = b.relu(b.bn(b.conv(x, 8, 16, 3, { bias: false }), 16));
  const d = b.relu(b.conv(a, 16, 16, 3, { group: 16 }));
  const p = b.conv(d, 16, 16, 1);
  const s = b.relu(b.node1('Add', [p, a]));
  const y = b.conv(b.node1('MaxPool', [s], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]), 16, 12, 1);
  b.output(y);
  return b.bytes();
}

describe('quant-debug', () => {
  it('foldInputScales multiplies each weight by its input channel’s scale (regular, grouped, depthwise)', () => {
    for (const [shape, groups] of [
      [[3, 3, 8, 12], 1],
      [[1, 1, 4, 12], 2],
      [[3, 3, 1, 8], 8],
    ] as [number[], number][]) {
      const [kh, kw, cg, cout] = shape;
      const w = randn(kh * kw * cg * cout, 3);
      const sx = Array.from({ length: cg * groups }, (_, i) => 0.5 + i);
      const f = foldInputScales(w, shape, groups, sx);
      for (let t = 0; t < kh * kw; t++)
        for (let ci = 0; ci < cg; ci++)
          for (let co = 0; co < cout; co++) {
            const i = (t * cg + ci) * cout + co;
            expect(f[i]).toBeCloseTo(w[i] * sx[Math.floor(co / (cout / groups)) * cg + ci], 5);
          }
    }
  });

  it('per-layer figures on mobilenet_v1 0.25-32: high SQNR with minmax, clipping found when the range is cut', async () => {
    const rt = await runtime();
    const model = buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32, batch: 1 });
    // evaluated on its own calibration images, minmax clips nothing: what is left is rounding
    const calibration = images(2, 1);
    const evaluation = calibration;
    const good = await quantDebug(rt, model, { calibration, evaluation, method: 'minmax', perChannel: false });
    expect(good.layers.length).toBe(28);
    expect(good.layers[0].layer).toBe('conv0');
    // the first layer's input is the image itself: isolated and chain see the same input
    expect(good.layers[0].chain.sqnr_db).toBeCloseTo(good.layers[0].isolated.sqnr_db, 6);
    for (const l of good.layers) {
      expect(l.isolated.sqnr_db, l.layer).toBeGreaterThan(25);
      expect(l.isolated.cosine, l.layer).toBeGreaterThan(0.99);
      expect(l.chain.sqnr_db, l.layer).toBeLessThanOrEqual(l.isolated.sqnr_db + 3);
      expect(l.range.clip_fraction, l.layer).toBe(0);
      if (l.op === 'conv2d_int8') expect(l.weights!.err_max, l.layer).toBeGreaterThan(0);
    }
    expect(good.output.images).toBe(2);
    // a 90th-percentile range clips the top tenth: the debugger must show it, layer by layer
    const bad = await quantDebug(rt, model, { calibration, evaluation, method: 'percentile', percentile: 90, perChannel: false });
    expect(bad.layers[0].range.clip_fraction).toBeGreaterThan(0.02);
    expect(bad.layers[0].isolated.sqnr_db).toBeLessThan(good.layers[0].isolated.sqnr_db - 10);
    expect(bad.output.sqnr_db).toBeLessThan(good.output.sqnr_db - 10);
  }, 240_000);

  it('per-channel activation scales: the isolated error of every layer stays small (folding is right)', async () => {
    const rt = await runtime();
    const model = buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32, batch: 1 });
    const calibration = images(2, 1);
    const r = await quantDebug(rt, model, { calibration, evaluation: calibration, method: 'minmax', perChannel: true });
    expect(r.layers.filter((l) => l.range.per_channel_scales).length).toBeGreaterThan(20);
    for (const l of r.layers) {
      expect(l.isolated.sqnr_db, l.layer).toBeGreaterThan(25);
      expect(l.range.clip_fraction, l.layer).toBe(0);
    }
  }, 240_000);
});

describe('compress an imported ONNX graph, export it back (onnxruntime-node)', () => {
  const bytes = smallOnnx();
  const feed = randn(8 * 12 * 12, 7);

  it('int8: compress() quantizes the imported graph; the QDQ export runs in ORT within one output step', async () => {
    const rt = await runtime();
    const m = importOnnx(bytes);
    const calib = Array.from({ length: 3 }, (_, i) => [randn(8 * 12 * 12, 100 + i)]);
    const c = await compress(m.graph, { quantize: 'int8', calibration: { batches: calib }, runtime: rt });
    expect(c.report.int8!.int8Convs).toBe(4);
    expect(c.report.int8!.int8Adds).toBe(1);
    expect(c.bytes).toBeLessThan(c.fp32Bytes / 2.5);
    const ours = await run(c.graph, [feed]);
    const fp = await run(m.graph, [feed]);
    const onnx = exportCompressed(c);
    const [ort] = await ortOutputs(onnx, { x: [feed, [1, 8, 12, 12]] });
    const last = c.int8!.layers.at(-1)!;
    expect(last.op).toBe('conv2d_int8');
    const step = last.outQ.scale;
    let worst = 0;
    let fpErr = 0;
    for (let i = 0; i < ours.length; i++) {
      worst = Math.max(worst, Math.abs(ours[i] - ort[i]));
      fpErr = Math.max(fpErr, Math.abs(ours[i] - fp[i]));
    }
    console.log(`QDQ export, small ONNX CNN: ORT vs ours max |diff| ${(worst / step).toFixed(3)} output steps`);
    expect(worst).toBeLessThanOrEqual(step * 1.001);
    expect(fpErr).toBeGreaterThan(0); // it is int8
    expect(fpErr).toBeLessThan(20 * step);
  }, 240_000);

  it('int8 mobilenet_v1 0.25-32 with per-channel activation scales: QDQ export in ORT within one output step', async () => {
    const rt = await runtime();
    const g = buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32, batch: 1, classes: 16 });
    const batches = images(2, 1);
    const c = await compress(g, { quantize: 'int8', calibration: { batches, method: 'minmax', perChannel: true }, runtime: rt });
    expect(c.int8!.layers.some((l) => l.inQ[0].channelScales)).toBe(true);
    const x = smoothImage(32, 3, 1001);
    const ours = await run(c.graph, [x]);
    const [ort] = await ortOutputs(exportCompressed(c), { input: [x, [1, 32, 32, 3]] });
    const step = c.int8!.layers.at(-1)!.outQ.scale;
    const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - ort[i])), 0);
    console.log(`QDQ export, mobilenet_v1 0.25-32: ORT vs ours max |diff| ${(worst / step).toFixed(3)} output steps`);
    expect(worst).toBeLessThanOrEqual(step * 1.001);
  }, 240_000);

  it('block-sparse: the export is the dense conv it computes; ORT agrees with our conv2d_bsr graph', async () => {
    const rt = await runtime();
    const m = importOnnx(bytes);
    const c = await compress(m.graph, { prune: { sparsity: 0.5, block: [4, 4] }, runtime: rt });
    expect(c.report.sparse!.layers.length).toBeGreaterThan(0);
    expect(c.graph.nodes.some((n) => n.op === 'conv2d_bsr')).toBe(true);
    const ours = await run(c.graph, [feed]);
    const [ort] = await ortOutputs(exportCompressed(c), { x: [feed, [1, 8, 12, 12]] });
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - ort[i])).toBeLessThan(1e-4 + 1e-4 * Math.abs(ort[i]));
  }, 240_000);

  it('never a silently unchanged model: clear errors for what cannot be compressed', async () => {
    const rt = await runtime();
    const odd = buildModel({ model: 'cnn_tiny', batch: 1, classes: 10 });
    // a graph whose only conv has 3 output channels: nothing runs on the int8 kernels
    const b = new OnnxBuilder(13);
    b.output(b.relu(b.conv(b.input('x', [1, 4, 6, 6]), 4, 3, 3)));
    const tiny = importOnnx(b.bytes()).graph;
    await expect(compress(tiny, { quantize: 'int8', runtime: rt })).rejects.toThrow(/no layer of this graph runs on the int8 kernels/);
    await expect(compress(tiny, { prune: { sparsity: 0.5, block: [4, 4] } })).rejects.toThrow(/pruned nothing/);
    await expect(compress(odd, { prune: { sparsity: 1.5, block: [4, 4] } })).rejects.toThrow(/prune.sparsity must be in \[0, 1\)/);
    await expect(compress(odd, { prune: { sparsity: 0.5, block: [3, 3] as never } })).rejects.toThrow(/prune.block/);
    await expect(compress(odd, { quantize: 'binary', prune: { sparsity: 0.5 } })).rejects.toThrow(/cannot be combined/);
    await expect(compress(odd, { quantize: 'int8', prune: { sparsity: 0.5, block: [1, 4] }, runtime: rt })).rejects.toThrow(
      /1x4 is not offered with int8/,
    );
    // its only conv writes the graph's output: no channel space can shrink
    await expect(compress(tiny, { filterPrune: { ratio: 0.25 } })).rejects.toThrow(/filter pruning 0.25 removed nothing/);
  }, 120_000);

  it('binary models have no ONNX form: a clear error', async () => {
    const c = await compress(buildModel({ model: 'cnn_tiny', batch: 1 }), { quantize: 'binary' });
    expect(() => exportCompressed(c)).toThrow(/binary \(XNOR\) models have no ONNX form/);
  });
});
