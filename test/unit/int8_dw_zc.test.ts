// Depthwise int8 convolution with one input zero point per channel (per-channel affine activations, the '_zc'
// kernels): real x = s_c·(xq − z_c), so a tap outside the image must read z_c (any integer with |z_c| ≤ 4096, not a
// byte) to add 0 to the real sum; the bias carries − z_c·Σw over the whole window. Every kernel variant against the
// CPU integer reference (test/ref/int8.ts, written from that math): every element equal. Shapes: odd sizes, stride 2,
// asymmetric pads, dilation, channel counts 4, 12, 20 (not multiples of 8; the op needs C % 4 == 0 and says so),
// zero points at ±4096, inside and outside the int8 range.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { int8ConvTables, packInt8ConvWeights } from '../../src/ops/int8.js';
import type { Attrs } from '../../src/ops/registry.js';
import { conv2dInt8Ref } from '../ref/int8.js';
import { expectExact, randInt, runtime } from '../helpers.js';

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  attrs: Attrs;
  variants: string[];
}

// small multipliers: |x − z_c| reaches 4223 here, so the accumulators are ~1e5–1e6 and the outputs spread over the
// int8 range instead of clamping
const MULTS = [1e-4, 3e-4, 5e-5, 2e-4, 1.5e-4, 7e-5, 4e-4, 1.2e-4];

const cases: Case[] = [
  {
    name: '3x3 s1 pad 1, 7x6, c12, n2, relu',
    x: [2, 7, 6, 12],
    k: [3, 3],
    attrs: { pads: [1, 1, 1, 1], yZero: -128, qmin: -128 },
    variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack', 'int8_depthwise_fma3x3_s1', 'int8_depthwise_fma'],
  },
  {
    name: '3x3 s2 pads (0,1,1,0), 10x11, c8',
    x: [1, 10, 11, 8],
    k: [3, 3],
    attrs: { stride: [2, 2], pads: [0, 1, 1, 0], yZero: 1 },
    variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack', 'int8_depthwise_fma3x3_s2', 'int8_depthwise_fma'],
  },
  {
    name: '3x3 s2 pads (1,1,0,0), 7x9, c4',
    x: [1, 7, 9, 4],
    k: [3, 3],
    attrs: { stride: [2, 2], pads: [1, 1, 0, 0], yZero: 9 },
    variants: ['int8_depthwise_fma3x3_s2', 'int8_depthwise_fma', 'int8_depthwise_unpack', 'int8_depthwise_dot4'],
  },
  {
    name: '3x3 s1 pad 1, 5x5 (ragged column tile), c20, n2, clamp',
    x: [2, 5, 5, 20],
    k: [3, 3],
    attrs: { pads: [1, 1, 1, 1], yZero: -6, qmin: -6, qmax: 100 },
    variants: ['int8_depthwise_fma3x3_s1', 'int8_depthwise_fma', 'int8_depthwise_dot4'],
  },
  {
    name: '5x5 s2 dil (1,2) pad 2, 13x12, c16',
    x: [1, 13, 12, 16],
    k: [5, 5],
    attrs: { stride: [2, 2], pads: [2, 2, 2, 2], dilation: [1, 2] },
    variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack', 'int8_depthwise_fma'],
  },
  {
    // flushed to i32 every 4 taps (a ragged last chunk)
    name: '2x3 s(1,3) dil(2,1) pads (1,2,0,1), 8x10, c12, flush 4',
    x: [1, 8, 10, 12],
    k: [2, 3],
    attrs: { stride: [1, 3], pads: [1, 2, 0, 1], dilation: [2, 1], yZero: -100, int8Flush4: 4 },
    variants: ['int8_depthwise_fma', 'int8_depthwise_unpack'],
  },
];

/** Per-channel zero points: ±4096 (the limit), two inside the int8 range, the rest anywhere in ±4096. */
function zeroPoints(c: number, seed: number): Int32Array {
  const z = Int32Array.from(randInt(c, seed, -4096, 4096));
  z[0] = 4096;
  z[1] = -4096;
  z[2] = 3;
  if (c > 3) z[3] = -128;
  return z;
}

async function runGraph(g: Graph, inputs: Float32Array[], variant: string): Promise<Float32Array> {
  const rt = await runtime();
  const m = await compile(rt, g, { tune: 'off', forceVariant: variant });
  const [out] = await m.run(inputs);
  m.destroy();
  return out;
}

/** x (int8 values as floats) → quantize (scale 1, zero 0) → conv2d_int8 with zero points `z` → dequantize. */
function dwGraph(xs: number[], k: [number, number], attrs: Attrs, wq: Int8Array, bias: Int32Array, M: number[], z: Int32Array): Graph {
  const c = xs[3];
  const g = new Graph();
  const q = g.add1('quantize', [g.addInput('x', xs)], { scale: 1, zero: 0 });
  const pw = packInt8ConvWeights(wq, [k[0], k[1], 1, c], c);
  const tables = int8ConvTables(bias, M);
  const y = g.add1(
    'conv2d_int8',
    [q, g.addRawParam('w', [pw.length], pw), g.addRawParam('qp', [tables.length], tables), g.addRawParam('xz', [c], z)],
    // xZero 17: the per-tensor zero point must be ignored when per-channel ones are given
    { xZero: 17, ...attrs, kernel: k, cout: c, groups: c },
  );
  g.markOutput(g.add1('dequantize', [y], { scale: 1, zero: 0 }));
  return g;
}

/** The kernels' bias: bq − z_c·Σ_taps w[·,c] (the whole window, padded taps included). */
function foldBias(bq: Int32Array, wq: Int8Array, z: Int32Array): Int32Array {
  const c = bq.length;
  const out = Int32Array.from(bq);
  for (let i = 0; i < wq.length; i++) out[i % c] -= z[i % c] * wq[i];
  return out;
}

describe('conv2d_int8 depthwise, per-channel input zero points (padding z_c) vs CPU integer reference (exact)', () => {
  cases.forEach((cs, ci) => {
    for (const v of cs.variants) {
      it(`${cs.name} [${v}]`, async () => {
        const rt = await runtime();
        if (v.includes('dot4')) expect(rt.ctx.hasDot4I8, 'this adapter lacks packed_4x8_integer_dot_product').toBe(true);
        const c = cs.x[3];
        const xq = Int8Array.from(randInt(cs.x[0] * cs.x[1] * cs.x[2] * c, 10 + ci, -128, 127));
        const wq = Int8Array.from(randInt(cs.k[0] * cs.k[1] * c, 20 + ci, -128, 127));
        const bq = Int32Array.from(randInt(c, 30 + ci, -50000, 50000));
        const z = zeroPoints(c, 40 + ci);
        const M = Array.from({ length: c }, (_, i) => MULTS[i % MULTS.length]);
        const g = dwGraph(cs.x, cs.k, cs.attrs, wq, foldBias(bq, wq, z), M, z);
        const out = await runGraph(g, [Float32Array.from(xq)], v);
        const ref = conv2dInt8Ref(xq, cs.x, wq, [cs.k[0], cs.k[1], 1, c], bq, M, { ...cs.attrs, groups: c, kernel: cs.k }, z);
        expectExact(out, ref, `${cs.name} ${v}`);
        // the test has power: padding with the per-tensor zero point (or 0) instead of z_c gives other outputs
        const wrong = conv2dInt8Ref(xq, cs.x, wq, [cs.k[0], cs.k[1], 1, c], foldBias(bq, wq, z), M, {
          ...cs.attrs,
          groups: c,
          kernel: cs.k,
          xZero: 0,
        });
        expect(ref.some((r, i) => r !== wrong[i])).toBe(true);
      });
    }
  });

  it('bad input: per-channel zero points on a dense conv, of the wrong length, past ±4096, computed: clear errors', async () => {
    const rt = await runtime();
    const build = (opts: { groups?: number; zlen?: number; zval?: number; computed?: boolean }) => {
      const c = 8;
      const groups = opts.groups ?? c;
      const g = new Graph();
      const q = g.add1('quantize', [g.addInput('x', [1, 5, 5, c])], { scale: 1, zero: 0 });
      const pw = packInt8ConvWeights(new Int8Array(9 * (c / groups) * c), [3, 3, c / groups, c], groups);
      const tables = int8ConvTables(new Int32Array(c), new Array(c).fill(0.01));
      const z = opts.computed
        ? g.add1('quantize', [g.addInput('zf', [c])], { scale: 1, zero: 0 })
        : g.addRawParam('xz', [opts.zlen ?? c], new Int32Array(opts.zlen ?? c).fill(opts.zval ?? 5));
      g.markOutput(
        g.add1(
          'dequantize',
          [
            g.add1('conv2d_int8', [q, g.addRawParam('w', [pw.length], pw), g.addRawParam('qp', [tables.length], tables), z], {
              kernel: [3, 3],
              cout: c,
              groups,
              pads: [1, 1, 1, 1],
            }),
          ],
          { scale: 1, zero: 0 },
        ),
      );
      return g;
    };
    // shape and type errors when the graph is built, a bad value when it is compiled
    expect(() => build({ groups: 1 })).toThrow(/per-channel input zero points \(a 4th input\) only when depthwise/);
    expect(() => build({ zlen: 6 })).toThrow(/per-channel input zero points must be 8 values, got \[6\]/);
    expect(() => build({ computed: true })).toThrow(/takes \(q8, u32, i32\) or \(q8, u32, i32, i32\), got \(q8, u32, i32, q8\)/);
    await expect(compile(rt, build({ zval: 4097 }), { tune: 'off' })).rejects.toThrow(/zero point of channel 0 is 4097, outside ±4096/);
    const m = await compile(rt, build({ zval: -4096 }), { tune: 'off' });
    m.destroy();
  });
});

describe('int8 depthwise f32-accumulate kernel with per-channel zero points: where f32 stops being exact', () => {
  // One output per channel of a 1×81 depthwise kernel on a 1×1 image padded by 80 on the left: 80 taps read z_c = 4095
  // (odd), with weights 127, 127, 127, 126, … for 40 taps and −126, −127, −127, −127, … for the next 40, 0 on the
  // image tap: the exact sum is 0 and so is the folded bias (Σw = 0), but the running f32 sum of the odd products
  // ≈ 5.2e5 passes 2^24 after 33 taps, where f32 spaces integers 2 apart. The '_zc' kernel converts its f32 sums to
  // i32 every 32 taps (|partial| ≤ 32·4096·128 = 2^24: exact); with 1024 (the per-tensor default) it is off.
  const K = 81;
  const c = 4;
  const wq = new Int8Array(K * c);
  for (let k = 0; k < K - 1; k++)
    for (let ch = 0; ch < c; ch++) wq[k * c + ch] = k < 40 ? (k % 4 === 3 ? 126 : 127) : k % 4 === 0 ? -126 : -127;
  const z = new Int32Array(c).fill(4095);
  const run = async (flush?: number) => {
    const g = dwGraph(
      [1, 1, 1, c],
      [1, K],
      { pads: [0, K - 1, 0, 0], ...(flush ? { int8Flush4: flush } : {}) },
      wq,
      foldBias(new Int32Array(c), wq, z),
      new Array(c).fill(1),
      z,
    );
    return runGraph(g, [new Float32Array(c).fill(100)], 'int8_depthwise_fma');
  };
  it('int8_depthwise_fma (_zc): exact with 32-tap flushes, off past 2^24 with 1024', async () => {
    expectExact(await run(), new Float32Array(c), 'flushed every 32 taps');
    const unflushed = await run(1024);
    expect(
      [...unflushed].every((e) => e !== 0),
      `flushed every 1024 taps: ${[...unflushed].join(',')}`,
    ).toBe(true);
  });
});
