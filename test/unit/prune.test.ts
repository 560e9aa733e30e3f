// Converters: structured filter pruning (exact equivalence with the original model whose consumers ignore the
// pruned channels), and compress() end to end for int8, binary and block-sparse models.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { compress, modelBytes } from '../../src/compress/compress.js';
import { filterPrune, type FilterPrunePlan } from '../../src/compress/prune.js';
import { buildModel, MODEL_NAMES } from '../../src/models/zoo.js';
import { sampleInput } from '../../src/models/measure.js';
import { pruneBlocks } from '../../src/compress/sparse.js';
import { convGeom } from '../../src/ops/conv.js';
import { runGraphRef } from '../ref/graph.js';
import { conv2dRef } from '../ref/ops.js';
import { xnorDotRef } from '../ref/xnor.js';
import { expectClose, randn, rng, runtime, TOL } from '../helpers.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A model with every case the pruner must handle: residual add, depthwise, concat, SE (channel_scale),
 *  grouped conv, channel shuffle, batch-norm, global pooling, and a classifier output. */
function testModel(): Graph {
  let seed = 100;
  const g = new Graph();
  const p = (shape: number[], scale = 0.5) => g.addParam(`p${seed}`, shape, randn(size(shape), seed++, scale));
  const pos = (n: number) =>
    g.addParam(
      `v${seed}`,
      [n],
      Float32Array.from(randn(n, seed++, 0.4), (v) => 1 + v),
    );
  const conv = (x: number, k: number, cin: number, cout: number, attrs: Record<string, any> = {}) =>
    g.add1('conv2d', [x, p([k, k, cin / (attrs.groups ?? 1), cout]), p([cout], 0.1)], {
      pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0],
      ...attrs,
    });
  const bn = (x: number, c: number) => g.add1('batchnorm', [x, pos(c), p([c], 0.1), p([c], 0.1), pos(c)]);
  const relu = (x: number) => g.add1('activation', [x], { act: 1 });
  const x = g.addInput('x', [2, 8, 8, 8]);
  const a = relu(bn(conv(x, 3, 8, 16), 16));
  const t2 = relu(bn(conv(a, 1, 16, 16), 16));
  const dw = conv(t2, 3, 16, 16, { groups: 16 });
  const r = relu(g.add1('add', [conv(dw, 1, 16, 16), a]));
  const b = conv(r, 1, 16, 8);
  const cat = g.add1('concat', [r, b]);
  const c = relu(conv(cat, 1, 24, 16));
  const s = g.add1('activation', [conv(relu(conv(g.add1('global_pool', [c]), 1, 16, 8)), 1, 8, 16)], { act: 5 });
  const cs = g.add1('channel_scale', [c, s]);
  const d = conv(cs, 1, 16, 16, { groups: 2 });
  const sh = g.add1('channel_shuffle', [d], { groups: 2 });
  const dw2 = conv(sh, 3, 16, 16, { groups: 16, act: 2 });
  g.markOutput(conv(g.add1('global_pool', [dw2]), 1, 16, 10));
  return g;
}

/** The original model with every consumer's weights zeroed on the pruned input channels: it must compute what the
 *  pruned model computes (pruned channels may still flow through residual adds and depthwise convs, but nothing
 *  reads them). */
function maskPrunedInputs(g: Graph, plan: FilterPrunePlan): Graph {
  const masked = g.clone();
  for (const n of masked.nodes) {
    if (n.op !== 'conv2d') continue;
    const geo = convGeom(
      n.inputs.map((t) => masked.shape(t)),
      n.attrs,
    );
    if (geo.groups === geo.cin && geo.cin === geo.cout && geo.groups > 1) continue; // channel-wise: nothing mixes
    const keep = plan.keep.get(n.inputs[0]);
    if (!keep) continue;
    const kept = new Set(keep);
    const w = Float32Array.from(masked.tensors[n.inputs[1]].data!);
    const cg = geo.cin / geo.groups;
    const ng = geo.cout / geo.groups;
    for (let i = 0; i < w.length; i++) {
      const co = i % geo.cout;
      const ci = Math.floor(i / geo.cout) % cg;
      if (!kept.has(Math.floor(co / ng) * cg + ci)) w[i] = 0;
    }
    n.inputs[1] = masked.newParam(`${n.name}.masked`, [geo.kh, geo.kw, cg, geo.cout], w);
  }
  return masked;
}

async function runGpu(g: Graph, x: Float32Array[]): Promise<Float32Array> {
  const m = await compile(await runtime(), g, { tune: 'off' });
  const [out] = await m.run(x);
  m.destroy();
  return out;
}

describe('structured filter pruning', () => {
  for (const norm of ['l1', 'l2'] as const) {
    it(`removes filters and shrinks every consumer (${norm})`, async () => {
      const g = testModel();
      const { graph, plan, report } = filterPrune(g, { ratio: 0.5, norm });
      expect(report.spacesPruned).toBeGreaterThanOrEqual(5);
      expect(report.paramsAfter).toBeLessThan(report.paramsBefore * 0.6);
      const masked = maskPrunedInputs(g, plan);
      const x = randn(2 * 8 * 8 * 8, 7);
      const m = await compile(await runtime(), graph, { tune: 'off' });
      const [out] = await m.run([x]);
      m.destroy();
      const [want] = runGraphRef(masked, [x]);
      const [orig] = runGraphRef(g, [x]);
      expectClose(out, want, TOL.model, 'pruned vs masked original');
      expect(
        orig.some((v, i) => Math.abs(v - want[i]) > 1e-2),
        'pruning changed nothing',
      ).toBe(true);
    });
  }

  // Every zoo model (residual adds in MobileNetV2, concat + channel shuffle + grouped convs in ShuffleNet, SE in
  // EfficientNet) at a small resolution: pruned on the GPU vs the masked original on the GPU.
  for (const model of MODEL_NAMES) {
    it(`zoo ${model}: pruned model = masked original`, async () => {
      const g = buildModel({ model, res: model.startsWith('cnn_') ? 28 : 32, classes: 10 });
      const { graph, plan, report } = filterPrune(g, { ratio: 0.25, norm: 'l1' });
      console.log(
        `filter pruning ${model}: ${report.spacesPruned} spaces, channels ${report.channelsBefore} → ${report.channelsAfter}, params ${report.paramsBefore} → ${report.paramsAfter}`,
      );
      // ShuffleNet: its bottlenecks (grouped conv → shuffle → depthwise → grouped conv) are pruned with equal kept
      // counts per group on both sides of the shuffle; its residual stream (sums meeting concat outputs) stays whole
      expect(report.paramsAfter).toBeLessThan(report.paramsBefore);
      const x = sampleInput(g);
      expectClose(await runGpu(graph, x), await runGpu(maskPrunedInputs(g, plan), x), TOL.model, `${model} pruned`);
    });
  }
});

/** A MobileNet-like model: stem, depthwise-separable blocks (one with a residual), classifier. */
function mobileNetLike(): Graph {
  let seed = 200;
  const g = new Graph();
  const p = (shape: number[], scale: number) => g.addParam(`p${seed}`, shape, randn(size(shape), seed++, scale));
  const conv = (x: number, k: number, cin: number, cout: number, attrs: Record<string, any> = {}) =>
    g.add1(
      'conv2d',
      [x, p([k, k, cin / (attrs.groups ?? 1), cout], Math.sqrt(3 / ((k * k * cin) / (attrs.groups ?? 1)))), p([cout], 0.05)],
      { pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0], ...attrs },
    );
  const x = g.addInput('x', [1, 16, 16, 3]);
  const s = conv(x, 3, 3, 16, { stride: [2, 2], act: 2 });
  const d1 = conv(s, 3, 16, 16, { groups: 16, act: 2 });
  const p1 = conv(d1, 1, 16, 32, { act: 2 });
  const d2 = conv(p1, 3, 32, 32, { groups: 32, act: 2 });
  const p2 = conv(d2, 1, 32, 32);
  const r = g.add1('add', [p2, p1], { act: 1 });
  g.markOutput(conv(g.add1('global_pool', [r]), 1, 32, 12));
  return g;
}

describe('compress()', () => {
  it('int8: q8 tensors flow between layers, close to fp32, ~4x smaller', async () => {
    const rt = await runtime();
    const g = mobileNetLike();
    const batches = [0, 1, 2].map((k) => [randn(16 * 16 * 3, 300 + k)]);
    for (const method of ['minmax', 'percentile', 'mse'] as const) {
      const c = await compress(g, { quantize: 'int8', runtime: rt, calibration: { batches, method } });
      expect(c.report.int8!.int8Convs).toBe(6); // classifier included (global pooling stays float)
      expect(c.report.int8!.int8Adds).toBe(1);
      // float only around the global pooling and at the model's edges
      expect(c.report.int8).toMatchObject({ quantizeNodes: 2, dequantizeNodes: 2, floatNodes: 1 });
      expect(c.graph.tensors.filter((t) => t.dtype === 'q8').length).toBeGreaterThanOrEqual(6);
      const x = randn(16 * 16 * 3, 400);
      const m = await compile(rt, c.graph, { tune: 'off' });
      const [out] = await m.run([x]);
      m.destroy();
      const [want] = runGraphRef(g, [x]);
      const peak = Math.max(...want.map(Math.abs));
      const err = Math.max(...out.map((v, i) => Math.abs(v - want[i])));
      console.log(
        `int8 ${method}: max |err| ${err.toFixed(4)} of output range ${peak.toFixed(3)}; ${c.fp32Bytes} → ${c.bytes} bytes (${c.ratio.toFixed(2)}x)`,
      );
      expect(err / peak).toBeLessThan(0.1);
      expect(c.ratio).toBeGreaterThan(2.4); // tiny model: per-channel tables and the float classifier weigh in
    }
  });

  it('binary: middle layers XNOR, packed b1 between binary layers, matches the sign-level emulation', async () => {
    // dyadic inputs and weights keep the float stem exact, so the sign decisions are reproducible on the CPU
    const r = rng(500);
    const dy = (n: number, den: number, span: number) => Float32Array.from({ length: n }, () => Math.round((r() * 2 - 1) * span) / den);
    const g = new Graph();
    const xs = [1, 6, 6, 8];
    const w0 = dy(3 * 3 * 8 * 32, 8, 4),
      b0 = dy(32, 8, 4);
    const w1 = dy(3 * 3 * 32 * 32, 4, 4),
      b1 = dy(32, 1, 20);
    const w2 = dy(32 * 32, 4, 4),
      b2 = dy(32, 1, 10);
    const w3 = dy(32 * 8, 8, 4),
      b3 = dy(8, 8, 4);
    const x = g.addInput('x', xs);
    const h0 = g.add1('conv2d', [x, g.addParam('w0', [3, 3, 8, 32], w0), g.addParam('b0', [32], b0)], { pads: [1, 1, 1, 1] });
    const h1 = g.add1('conv2d', [h0, g.addParam('w1', [3, 3, 32, 32], w1), g.addParam('b1', [32], b1)], { pads: [1, 1, 1, 1] });
    const h2 = g.add1('conv2d', [h1, g.addParam('w2', [1, 1, 32, 32], w2), g.addParam('b2', [32], b2)], { act: 1 });
    g.markOutput(g.add1('conv2d', [h2, g.addParam('w3', [1, 1, 32, 8], w3), g.addParam('b3', [8], b3)]));
    const c = await compress(g, { quantize: 'binary' });
    expect(c.report.binary).toEqual({ binaryConvs: 2, packedOutputs: 1, floatConvs: 2 });
    expect(
      c.graph.tensors.some((t) => t.dtype === 'b1' && c.graph.nodes.some((n) => n.op === 'conv2d_xnor' && n.outputs[0] === t.id)),
    ).toBe(true);

    const alpha = (w: Float32Array, cout: number) => {
      const a = new Float64Array(cout);
      w.forEach((v, i) => (a[i % cout] += Math.abs(v)));
      return a.map((v) => v / (w.length / cout));
    };
    const xv = dy(size(xs), 4, 8);
    const e0 = conv2dRef(xv, xs, w0, [3, 3, 8, 32], b0, { pads: [1, 1, 1, 1] });
    const a1 = alpha(w1, 32);
    const d1 = xnorDotRef(e0, [1, 6, 6, 32], w1, [3, 3, 32, 32], { pads: [1, 1, 1, 1] });
    const e1 = Float32Array.from(d1, (d, i) => (a1[i % 32] * d + b1[i % 32] < 0 ? -1 : 1));
    const a2 = alpha(w2, 32);
    const d2 = xnorDotRef(e1, [1, 6, 6, 32], w2, [1, 1, 32, 32], {});
    const e2 = Float32Array.from(d2, (d, i) => Math.max(0, a2[i % 32] * d + b2[i % 32]));
    const want = conv2dRef(e2, [1, 6, 6, 32], w3, [1, 1, 32, 8], b3, {});
    const m = await compile(await runtime(), c.graph, { tune: 'off' });
    const [out] = await m.run([xv]);
    m.destroy();
    expectClose(out, want, { atol: 1e-4, rtol: 1e-5 }, 'binary model');
    expect(c.bytes).toBeLessThan(c.fp32Bytes);
  });

  it('block-sparse: 75% zero 4x4 blocks, same result as the dense pruned model', async () => {
    const g = new Graph();
    const xs = [1, 7, 6, 16];
    const w1 = randn(3 * 3 * 16 * 32, 600, 0.3),
      w2 = randn(32 * 16, 601, 0.3),
      b1 = randn(32, 602, 0.1);
    const x = g.addInput('x', xs);
    const h = g.add1('conv2d', [x, g.addParam('w1', [3, 3, 16, 32], w1), g.addParam('b1', [32], b1)], { pads: [1, 1, 1, 1], act: 1 });
    g.markOutput(g.add1('conv2d', [h, g.addParam('w2', [1, 1, 32, 16], w2)]));
    const c = await compress(g, { prune: { sparsity: 0.75, block: [4, 4] } });
    expect(c.report.sparse!.layers.map((l) => l.density)).toEqual([0.25, 0.25]);
    const xv = randn(size(xs), 603);
    const hRef = conv2dRef(xv, xs, pruneBlocks(w1, [3, 3, 16, 32], [4, 4], 0.75), [3, 3, 16, 32], b1, { pads: [1, 1, 1, 1], act: 1 });
    const want = conv2dRef(hRef, [1, 7, 6, 32], pruneBlocks(w2, [1, 1, 32, 16], [4, 4], 0.75), [1, 1, 32, 16], null, {});
    const m = await compile(await runtime(), c.graph, { tune: 'off' });
    const [out] = await m.run([xv]);
    m.destroy();
    expectClose(out, want, TOL.f32, 'block-sparse model');
    expect(modelBytes(c.graph)).toBeLessThan(c.fp32Bytes * 0.4);
  });

  it('block-sparse with the block shape measured per layer', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 6, 6, 16]);
    g.markOutput(g.add1('conv2d', [x, g.addParam('w', [1, 1, 16, 16], randn(256, 700))]));
    const c = await compress(g, { prune: { sparsity: 0.5 }, runtime: await runtime() });
    const l = c.report.sparse!.layers[0];
    expect(Object.keys(l.ms!).length).toBeGreaterThanOrEqual(4);
    expect(l.ms![l.block]).toBe(Math.min(...Object.values(l.ms!)));
  });
});
