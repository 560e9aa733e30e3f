// Per-layer precision of int8 models (src/compress/int8_mix.ts): the choice from timings (pure), and that a mixed
// model computes each layer exactly as its chosen precision's reference does (int8 layers: the integer CPU reference,
// bit for bit; fp32 layers: the float CPU reference, then quantized where an int8 layer reads them).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compress } from '../../src/compress/compress.js';
import { chooseLayerPrecision, graphSignature, type LayerTiming } from '../../src/compress/int8_mix.js';
import { calibrate, quantizeGraph, type QuantLayer } from '../../src/compress/quantize.js';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { convGeom } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/ops/registry.js';
import { conv2dInt8Ref, dequantizeRef, quantizeRef } from '../ref/int8.js';
import { conv2dRef } from '../ref/ops.js';
import { randn, runtime } from '../helpers.js';

// conv0: 3 input channels, 3×3 stride 2 (a first layer) → dw: depthwise 3×3 ReLU6 → pw: 1×1 to 12 channels
const XS = [1, 9, 7, 3];
const LAYERS: { name: string; ws: number[]; attrs: Attrs }[] = [
  { name: 'conv0', ws: [3, 3, 3, 8], attrs: { stride: [2, 2], pads: [1, 1, 1, 1], act: 1 } },
  { name: 'dw', ws: [3, 3, 1, 8], attrs: { groups: 8, pads: [1, 1, 1, 1], act: 2 } },
  { name: 'pw', ws: [1, 1, 8, 12], attrs: {} },
];
const weights = LAYERS.map((l, i) => ({
  w: randn(
    l.ws.reduce((a, b) => a * b),
    10 + i,
    0.5,
  ),
  b: randn(l.ws[3], 20 + i, 0.2),
}));

function chain(): Graph {
  const g = new Graph();
  let t = g.addInput('x', XS);
  LAYERS.forEach((l, i) => {
    t = g.add1(
      'conv2d',
      [t, g.addParam(`${l.name}.w`, l.ws, weights[i].w), g.addParam(`${l.name}.b`, [l.ws[3]], weights[i].b)],
      l.attrs,
      l.name,
    );
  });
  g.markOutput(t);
  return g;
}

const input = randn(
  XS.reduce((a, b) => a * b),
  7,
  1.5,
);

/** The CPU reference of the chain with each layer int8 (its QuantLayer) or fp32 (absent from `int8`). */
function reference(int8: Map<string, QuantLayer>): Float32Array {
  let f: Float32Array | null = input;
  let q: Int8Array | null = null;
  let qzero = 0;
  let qscale = 1;
  let shape = XS;
  LAYERS.forEach((l, i) => {
    const ql = int8.get(l.name);
    if (ql) {
      const px = ql.inQ[0];
      const py = ql.outQ;
      const xq = q ?? quantizeRef(f!, px.scale, px.zero);
      const { wq, scale: sw, bias } = ql.weights!;
      const bq = Int32Array.from({ length: l.ws[3] }, (_, co) => Math.round(bias![co] / (px.scale * sw[co])));
      const M = Array.from({ length: l.ws[3] }, (_, co) => (px.scale * sw[co]) / py.scale);
      q = conv2dInt8Ref(xq, shape, wq, l.ws, bq, M, ql.node.attrs);
      qzero = py.zero;
      qscale = py.scale;
      f = null;
    } else {
      const x = f ?? dequantizeRef(q!, qscale, qzero);
      f = conv2dRef(x, shape, weights[i].w, l.ws, weights[i].b, l.attrs);
      q = null;
    }
    const geo = convGeom([shape, l.ws], l.attrs);
    shape = [geo.n, geo.oh, geo.ow, geo.cout];
  });
  return f ?? dequantizeRef(q!, qscale, qzero);
}

describe('chooseLayerPrecision (timings given)', () => {
  const t = (name: string, fp32: number, int8: number, quant: number, dequant: number): LayerTiming => ({
    name,
    fp32_ms: fp32,
    int8_ms: int8,
    quant_ms: quant,
    dequant_ms: dequant,
  });
  it('every layer faster in int8, edges included: all int8, the edges charged where the float model meets them', () => {
    const c = chooseLayerPrecision(chain(), [t('conv0', 1, 0.5, 0.1, 0.1), t('dw', 1, 0.5, 0.1, 0.1), t('pw', 1, 0.5, 0.1, 0.1)]);
    expect(c.map((x) => x.precision)).toEqual(['int8', 'int8', 'int8']);
    expect(c.map((x) => x.edges_ms)).toEqual([0.1, 0, 0.1]); // quantize before conv0, dequantize after pw
  });
  it('a slower int8 kernel stays fp32, and the conversions it forces push a neighbour to fp32 too', () => {
    // dw: slower in int8. conv0 then pays quantize + dequantize: 0.8 + 0.1 + 0.2 > 1 → fp32.
    // pw then pays a quantize of its input and the dequantize of the output: 0.5 + 0.2 + 0.1 ≤ 1 → int8.
    const c = chooseLayerPrecision(chain(), [t('conv0', 1, 0.8, 0.1, 0.2), t('dw', 1, 1.5, 0.1, 0.1), t('pw', 1, 0.5, 0.2, 0.1)]);
    expect(c.map((x) => x.precision)).toEqual(['fp32', 'fp32', 'int8']);
    expect(c[1].why).toMatch(/int8 kernel 1\.500 ms > fp32 1\.000 ms/);
    expect(c[0].why).toMatch(/quantize\/dequantize 0\.300 ms > fp32/);
    expect(c[2].edges_ms).toBeCloseTo(0.3, 10);
  });
  it('forceInt8 keeps every layer int8', () => {
    const c = chooseLayerPrecision(chain(), [t('conv0', 1, 0.8, 0.1, 0.2), t('dw', 1, 1.5, 0.1, 0.1), t('pw', 1, 0.5, 0.2, 0.1)], true);
    expect(c.map((x) => [x.precision, x.why])).toEqual([
      ['int8', 'forced int8'],
      ['int8', 'forced int8'],
      ['int8', 'forced int8'],
    ]);
  });
});

describe('mixed int8/fp32 model against per-layer references', () => {
  const cases: [string, string[]][] = [
    ['all int8', []],
    ['dw fp32', ['dw']],
    ['conv0 and pw fp32', ['conv0', 'pw']],
  ];
  for (const [name, keepFloat] of cases) {
    it(`${name}: int8 layers bit-exact with the integer reference, fp32 layers as the float reference`, async () => {
      const rt = await runtime();
      const g = chain();
      const stats = await calibrate(rt, g, [[input]]);
      const r = quantizeGraph(g, stats, { keepFloat });
      expect(r.graph.nodes.filter((n) => n.op === 'conv2d').map((n) => n.name)).toEqual(keepFloat);
      const m = await compile(rt, r.graph, { tune: 'off' });
      const [out] = await m.run([input]);
      m.destroy();
      const int8 = new Map(r.layers.map((l) => [l.name, l]));
      const ref = reference(int8);
      expect(out.length).toBe(ref.length);
      const last = int8.get('pw');
      if (last) {
        // the output is a dequantized int8 tensor: compare its integer values. Exact, except where an fp32 layer's
        // output (GPU vs CPU float rounding) lands within an ulp of a quantization boundary: at most one step, rarely
        const toQ = (v: number) => Math.round(v / last.outQ.scale) + last.outQ.zero;
        let exact = 0;
        for (let i = 0; i < out.length; i++) {
          const d = Math.abs(toQ(out[i]) - toQ(ref[i]));
          expect(d, `element ${i}`).toBeLessThanOrEqual(keepFloat.length ? 1 : 0);
          if (d === 0) exact++;
        }
        expect(exact / out.length).toBeGreaterThanOrEqual(0.95);
      } else {
        for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - ref[i]), `element ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(ref[i])));
      }
    });
  }
});

describe("compress({ int8Layers: 'measured' })", () => {
  it('times every int8-capable layer, reports each choice and builds the graph it reports', async () => {
    const rt = await runtime();
    const c = await compress(chain(), {
      quantize: 'int8',
      runtime: rt,
      int8Layers: 'measured',
      int8LayerRuns: 1,
      calibration: { batches: [[input]] },
    });
    const layers = c.report.int8Layers!;
    expect(layers.map((l) => l.name)).toEqual(['conv0', 'dw', 'pw']);
    for (const l of layers) {
      expect(l.fp32_ms).toBeGreaterThan(0);
      expect(l.int8_ms).toBeGreaterThan(0);
      expect(l.why.length).toBeGreaterThan(0);
    }
    const w = c.report.int8Whole!;
    expect(w.fp32_ms).toBeGreaterThan(0);
    expect(w.mixed_ms).toBeGreaterThan(0);
    const fp32Layers = c.graph.nodes.filter((n) => n.op === 'conv2d').map((n) => n.name);
    expect(fp32Layers).toEqual(layers.filter((l) => l.precision === 'fp32').map((l) => l.name));
    expect(c.graph.nodes.filter((n) => n.op === 'conv2d_int8').length).toBe(layers.filter((l) => l.precision === 'int8').length);
  });
});

describe('per-layer precision cache (adapter_cache int8_mix)', () => {
  it('graphSignature: names do not count, shapes, attributes and parameter bytes do', () => {
    const a = chain();
    const b = chain();
    b.tensors[0].name = 'renamed';
    b.nodes[0].name = 'renamed_conv';
    expect(graphSignature(b)).toBe(graphSignature(a));
    const c = chain();
    const pw = c.tensors.find((t) => t.name === 'pw.w')!;
    pw.data = Float32Array.from(pw.data!); // chain() shares the weight arrays: change a copy
    pw.data[5] += 1e-6;
    expect(graphSignature(c)).not.toBe(graphSignature(a));
    const d = chain();
    d.nodes[0].attrs = { ...d.nodes[0].attrs, act: 2 };
    expect(graphSignature(d)).not.toBe(graphSignature(a));
  });

  it("a second compress({ int8Layers: 'measured' }) on the same adapter reads every time from the cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-int8mix-'));
    process.env.SLIMGPU_CACHE_DIR = dir;
    try {
      const rt = await runtime();
      const opts = {
        quantize: 'int8' as const,
        runtime: rt,
        int8Layers: 'measured' as const,
        int8LayerRuns: 1,
        calibration: { batches: [[input]] },
      };
      const first = await compress(chain(), opts);
      expect(first.report.int8Layers!.every((l) => !l.cached)).toBe(true);
      expect(first.report.int8Whole!.cached).toBeUndefined();
      const file = join(dir, 'int8_mix.json');
      expect(existsSync(file)).toBe(true);
      const mine = Object.values<Record<string, unknown>>(JSON.parse(readFileSync(file, 'utf8')))[0];
      expect(Object.keys(mine).filter((k) => k.startsWith('layer|'))).toHaveLength(3);
      expect(Object.keys(mine).filter((k) => k.startsWith('whole|'))).toHaveLength(1);

      const second = await compress(chain(), opts);
      expect(second.report.int8Layers!.every((l) => l.cached === true)).toBe(true);
      const times = (c: typeof first) => c.report.int8Layers!.map((l) => [l.name, l.fp32_ms, l.int8_ms, l.quant_ms, l.dequant_ms]);
      expect(times(second)).toEqual(times(first));
      expect(second.report.int8Whole).toEqual({ ...first.report.int8Whole, cached: true });
      expect(second.report.int8Layers!.map((l) => l.precision)).toEqual(first.report.int8Layers!.map((l) => l.precision));

      // other weights in one layer: that layer (and the whole model) is measured again, the others are not
      const changed = chain();
      const pw = changed.tensors.find((t) => t.name === 'pw.w')!;
      pw.data = Float32Array.from(pw.data!);
      pw.data[0] += 0.25;
      const third = await compress(changed, opts);
      expect(third.report.int8Layers!.map((l) => [l.name, l.cached === true])).toEqual([
        ['conv0', true],
        ['dw', true],
        ['pw', false],
      ]);
      expect(third.report.int8Whole!.cached).toBeUndefined();

      // int8LayerCache: false measures afresh
      const fresh = await compress(chain(), { ...opts, int8LayerCache: false });
      expect(fresh.report.int8Layers!.every((l) => !l.cached)).toBe(true);
      expect(fresh.report.int8Whole!.cached).toBeUndefined();
    } finally {
      delete process.env.SLIMGPU_CACHE_DIR;
    }
  }, 300_000);
});
