// int8 kernels against the CPU integer reference: every element must be equal. Inputs enter as integer-valued
// floats through `quantize` (scale 1, zero point zx), outputs leave through `dequantize` (scale 1, zero 0), so the
// comparison is on the int8 values themselves. Each case runs every kernel variant that fits, pinned by id:
// dot4I8Packed and the unpack path both.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { int8AddFactor, int8ConvTables, packInt8ConvWeights, quantizeMultiplier } from '../../src/ops/int8.js';
import type { Attrs } from '../../src/ops/registry.js';
import { addInt8Ref, conv2dInt8Ref, dequantizeRef, quantizeRef, requantRef } from '../ref/int8.js';
import { expectExact, randInt, randn, runtime } from '../helpers.js';

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  attrs: Attrs;
  variants: string[];
}

// Multipliers covering every branch of requant4: s < 16 (M ≥ 0.5 … 2^14), s = 16, s ≥ 17, and tiny ones.
const MULTS = [2.5, 0.75, 1.5, 0.3, 0.001, 1e-7, 0.02, 0.0049, 7.3, 0.26, 0.51, 0.12];

const cases: Case[] = [
  {
    name: '3x3 s1 p1 n1 cin3 (padded word)',
    x: [1, 7, 9, 3],
    k: [3, 3],
    cout: 8,
    attrs: { pads: [1, 1, 1, 1], xZero: 5, yZero: -3 },
    variants: ['int8_conv2d_dot4', 'int8_conv2d_unpack', 'int8_conv2d_fma4x8', 'int8_conv2d_fma8x8', 'int8_conv2d_fma8x4'],
  },
  {
    name: '3x3 s2 p(0,1,1,0) n2 relu',
    x: [2, 9, 7, 8],
    k: [3, 3],
    cout: 12,
    attrs: { stride: [2, 2], pads: [0, 1, 1, 0], xZero: -128, yZero: -20, qmin: -20 },
    variants: ['int8_conv2d_dot4', 'int8_conv2d_unpack'],
  },
  {
    name: 'grouped g2 dil2 relu6',
    x: [1, 8, 6, 8],
    k: [3, 3],
    cout: 16,
    attrs: { groups: 2, dilation: [2, 2], pads: [2, 2, 2, 2], xZero: 7, yZero: 0, qmin: 0, qmax: 90 },
    variants: ['int8_conv2d_dot4', 'int8_conv2d_unpack', 'int8_conv2d_fma4x8', 'int8_conv2d_fma8x8', 'int8_conv2d_fma8x4'],
  },
  {
    name: 'pointwise n2 odd HW',
    x: [2, 5, 7, 12],
    k: [1, 1],
    cout: 20,
    attrs: { xZero: -3, yZero: 4 },
    variants: [
      'int8_pointwise_dot4_tm4',
      'int8_pointwise_dot4_tm8',
      'int8_pointwise_unpack_tm2',
      'int8_pointwise_unpack_tm4',
      'int8_conv2d_dot4',
      'int8_conv2d_unpack',
    ],
  },
  {
    name: 'pointwise unrolled n2 odd HW',
    x: [2, 5, 3, 12],
    k: [1, 1],
    cout: 24,
    attrs: { xZero: -3, yZero: 4, qmin: 4 },
    variants: [
      'int8_pointwise_unrolled_dot4',
      'int8_pointwise_unrolled_unpack',
      'int8_pointwise_fma4x8',
      'int8_pointwise_fma8x8',
      'int8_pointwise_fmaquad4x8',
      'int8_pointwise_fmaquad8x8',
    ],
  },
  {
    name: 'pointwise unrolled grouped g2',
    x: [1, 3, 5, 16],
    k: [1, 1],
    cout: 16,
    attrs: { groups: 2, xZero: 9, yZero: -1 },
    variants: [
      'int8_pointwise_unrolled_dot4',
      'int8_pointwise_unrolled_unpack',
      'int8_pointwise_fma4x8',
      'int8_pointwise_fma8x8',
      'int8_pointwise_fmaquad4x8',
      'int8_pointwise_fmaquad8x8',
    ],
  },
  {
    // f32-accumulate kernels with the i32 flush every 3 words: several chunks, a ragged last one, a padded word
    name: 'pointwise fma chunks cin 50, 1 pixel',
    x: [1, 1, 1, 50],
    k: [1, 1],
    cout: 16,
    attrs: { xZero: -7, yZero: 2, int8Flush4: 3 },
    variants: [
      'int8_pointwise_fma4x8',
      'int8_pointwise_fma8x8',
      'int8_pointwise_fmaquad4x8',
      'int8_pointwise_fmaquad8x8',
      'int8_conv2d_fma8x8',
    ],
  },
  {
    name: 'pointwise fma many pixels cin 1100',
    x: [1, 9, 11, 1100],
    k: [1, 1],
    cout: 8,
    attrs: { xZero: 0, yZero: -5 },
    variants: ['int8_pointwise_fma4x8', 'int8_pointwise_fma8x8', 'int8_pointwise_fmaquad4x8', 'int8_pointwise_fmaquad8x8'],
  },
  {
    name: '3x3 fma chunks s2 odd, cin 10',
    x: [2, 7, 9, 10],
    k: [3, 3],
    cout: 24,
    attrs: { stride: [2, 2], pads: [1, 0, 1, 1], xZero: -100, yZero: 3, int8Flush4: 1 },
    variants: ['int8_conv2d_fma4x8', 'int8_conv2d_fma8x8', 'int8_conv2d_fma8x4'],
  },
  {
    // f32 sums carried across taps, flushed when the next chunk (3 words) could pass 5: after taps 1, 3, 5, 7, 8
    name: '3x3 fma carry across taps s1 odd, cin 10, flush 5',
    x: [1, 6, 11, 10],
    k: [3, 3],
    cout: 24,
    attrs: { pads: [0, 1, 2, 1], xZero: 60, yZero: -60, int8Flush4: 5 },
    variants: ['int8_conv2d_fma8x4', 'int8_conv2d_fma4x8'],
  },
  {
    // a first layer: 3 input channels (one padded word), stride 2, odd 11×13, output channels not a multiple of 8
    name: 'first conv cin3 3x3 s2 odd, cout 12, relu6',
    x: [2, 11, 13, 3],
    k: [3, 3],
    cout: 12,
    attrs: { stride: [2, 2], pads: [0, 0, 1, 1], xZero: -1, yZero: -128, qmin: -128, qmax: 40 },
    variants: ['int8_conv2d_fma8x4', 'int8_conv2d_unpack'],
  },
  {
    // ShuffleNet's grouped 1×1 convs: 20 channels per group in and out (not a multiple of 8)
    name: 'pointwise grouped g3, 20 per group, odd HW',
    x: [1, 5, 7, 60],
    k: [1, 1],
    cout: 60,
    attrs: { groups: 3, xZero: -20, yZero: 13 },
    variants: ['int8_pointwise_fma8x4', 'int8_conv2d_fma8x4', 'int8_pointwise_unpack_tm4'],
  },
  {
    name: 'pointwise grouped g2 fma8x4 chunks, flush 2',
    x: [2, 3, 3, 40],
    k: [1, 1],
    cout: 24,
    attrs: { groups: 2, xZero: 3, yZero: -3, int8Flush4: 2 },
    variants: ['int8_pointwise_fma8x4', 'int8_conv2d_fma8x4'],
  },
  {
    name: 'pointwise grouped g2',
    x: [1, 3, 5, 16],
    k: [1, 1],
    cout: 8,
    attrs: { groups: 2, xZero: 0, yZero: 0 },
    variants: ['int8_pointwise_dot4_tm4', 'int8_pointwise_unpack_tm8', 'int8_conv2d_unpack'],
  },
  {
    name: 'pointwise cin 6 (padded)',
    x: [1, 4, 3, 6],
    k: [1, 1],
    cout: 4,
    attrs: { xZero: 11 },
    variants: ['int8_pointwise_dot4_tm4', 'int8_pointwise_unpack_tm4'],
  },
  {
    name: 'depthwise 3x3 s1 relu',
    x: [2, 7, 6, 12],
    k: [3, 3],
    cout: 12,
    attrs: { groups: 12, pads: [1, 1, 1, 1], xZero: -128, yZero: -128, qmin: -128 },
    variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack', 'int8_depthwise_fma3x3_s1', 'int8_depthwise_fma'],
  },
  {
    name: 'depthwise 3x3 s2 odd',
    x: [1, 9, 11, 8],
    k: [3, 3],
    cout: 8,
    attrs: { groups: 8, stride: [2, 2], pads: [0, 0, 1, 1], xZero: 3, yZero: 1 },
    variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack', 'int8_depthwise_fma3x3_s2', 'int8_depthwise_fma'],
  },
  {
    name: 'depthwise 5x5 s2 dil',
    x: [1, 13, 12, 16],
    k: [5, 5],
    cout: 16,
    attrs: { groups: 16, stride: [2, 2], pads: [2, 2, 2, 2], dilation: [1, 2], xZero: -9 },
    variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack', 'int8_depthwise_fma'],
  },
  {
    // padding on every side, OW = 5 (a ragged last column tile), 20 channels (not a multiple of 8), zero points ≠ 0
    name: 'depthwise 3x3 s1 pads odd, c20, n2',
    x: [2, 5, 5, 20],
    k: [3, 3],
    cout: 20,
    attrs: { groups: 20, pads: [1, 1, 1, 1], xZero: 77, yZero: -6, qmin: -6, qmax: 100 },
    variants: ['int8_depthwise_fma3x3_s1', 'int8_depthwise_fma'],
  },
  {
    name: 'depthwise 3x3 s2 pad(1,1,0,0) odd 7x9, c4',
    x: [1, 7, 9, 4],
    k: [3, 3],
    cout: 4,
    attrs: { groups: 4, stride: [2, 2], pads: [1, 1, 0, 0], xZero: -50, yZero: 9 },
    variants: ['int8_depthwise_fma3x3_s2', 'int8_depthwise_fma', 'int8_depthwise_unpack'],
  },
  {
    // 2×3 kernel, stride (1, 3), dilation (2, 1), flushed to i32 every 2 taps (a ragged last chunk of 6 taps)
    name: 'depthwise 2x3 s(1,3) dil(2,1) flush 4',
    x: [1, 8, 10, 12],
    k: [2, 3],
    cout: 12,
    attrs: { groups: 12, stride: [1, 3], pads: [1, 2, 0, 1], dilation: [2, 1], xZero: 100, yZero: -100, int8Flush4: 4 },
    variants: ['int8_depthwise_fma', 'int8_depthwise_unpack'],
  },
];

async function runGraph(g: Graph, inputs: Float32Array[], variant?: string): Promise<Float32Array> {
  const rt = await runtime();
  const m = await compile(rt, g, { tune: 'off', forceVariant: variant });
  const [out] = await m.run(inputs);
  m.destroy();
  return out;
}

describe('int8 requantization helpers', () => {
  it('quantizeMultiplier represents M to 15 bits', () => {
    for (const M of [...MULTS, 1, 0.5, 0.25, 1 / 3, 1000]) {
      const [m, s] = quantizeMultiplier(M);
      expect(m).toBeGreaterThanOrEqual(M < 2 ** -32 ? 0 : 1 << 14);
      expect(m).toBeLessThan(1 << 15);
      if (M > 2 ** -32) expect(Math.abs(m * 2 ** -s - M) / M).toBeLessThan(2 ** -14);
    }
    expect(requantRef(-3, 1 << 14, 15)).toBe(-1); // −1.5 rounds half up to −1
  });
});

describe('conv2d_int8 vs CPU integer reference (exact)', () => {
  for (const c of cases) {
    for (const v of c.variants) {
      it(`${c.name} [${v}]`, async () => {
        const rt = await runtime();
        if (v.includes('dot4')) {
          expect(rt.ctx.hasDot4I8, 'this adapter lacks packed_4x8_integer_dot_product').toBe(true);
        }
        const groups = (c.attrs.groups as number) ?? 1;
        const ws = [c.k[0], c.k[1], c.x[3] / groups, c.cout];
        const zx = (c.attrs.xZero as number) ?? 0;
        const xq = Int8Array.from(
          randInt(
            c.x.reduce((a, b) => a * b),
            1,
            -128,
            127,
          ),
        );
        const wq = Int8Array.from(
          randInt(
            ws.reduce((a, b) => a * b),
            2,
            -127,
            127,
          ),
        );
        const bq = Int32Array.from(randInt(c.cout, 3, -5000, 5000));
        const M = Array.from({ length: c.cout }, (_, i) => MULTS[i % MULTS.length]);
        // kernels take the bias with −zx·Σw folded in
        const folded = new Int32Array(c.cout);
        for (let co = 0; co < c.cout; co++) {
          let s = 0;
          for (let j = 0; j < ws[0] * ws[1] * ws[2]; j++) s += wq[j * c.cout + co];
          folded[co] = bq[co] - zx * s;
        }
        const g = new Graph();
        const x = g.addInput('x', c.x);
        const q = g.add1('quantize', [x], { scale: 1, zero: zx });
        const w = g.addRawParam('w', [packInt8ConvWeights(wq, ws, groups).length], packInt8ConvWeights(wq, ws, groups));
        const tables = int8ConvTables(folded, M);
        const t = g.addRawParam('qp', [tables.length], tables);
        const y = g.add1('conv2d_int8', [q, w, t], { ...c.attrs, kernel: c.k, cout: c.cout });
        g.markOutput(g.add1('dequantize', [y], { scale: 1, zero: 0 }));
        const out = await runGraph(g, [Float32Array.from(xq, (v) => v - zx)], v);
        expectExact(out, conv2dInt8Ref(xq, c.x, wq, ws, bq, M, c.attrs), `${c.name} ${v}`);
      });
    }
  }
});

describe('conv2d_int8 f32-accumulate kernels: where f32 stops being exact', () => {
  // K = 2400 input channels, x = 127 everywhere; each output channel's weights are (127, 127, 127, 126) per word for
  // the first 300 words and the negation after: the exact sum is 0, but the running sum peaks at 300·64389 ≈ 1.93e7
  // > 2^24, where f32 spaces integers 2 apart and adding the odd 64389 rounds. The kernels flush their f32 partial
  // sums to i32 every 256 words (|partial| ≤ 2^24: exact); with the flush disabled the same kernel is off by one.
  const K = 2400;
  const cout = 8;
  const wq = new Int8Array(K * cout);
  for (let k = 0; k < K; k++) for (let co = 0; co < cout; co++) wq[k * cout + co] = (k % 4 === 3 ? 126 : 127) * (k < K / 2 ? 1 : -1);
  const run = async (variant: string, flush4?: number) => {
    const g = new Graph();
    const q = g.add1('quantize', [g.addInput('x', [1, 1, 1, K])], { scale: 1, zero: 0 });
    const pw = packInt8ConvWeights(wq, [1, 1, K, cout], 1);
    const tables = int8ConvTables(new Int32Array(cout), new Array(cout).fill(1)); // M = 1: y = clamp(acc)
    const y = g.add1('conv2d_int8', [q, g.addRawParam('w', [pw.length], pw), g.addRawParam('qp', [tables.length], tables)], {
      kernel: [1, 1],
      cout,
      ...(flush4 ? { int8Flush4: flush4 } : {}),
    });
    g.markOutput(g.add1('dequantize', [y], { scale: 1, zero: 0 }));
    return runGraph(g, [new Float32Array(K).fill(127)], variant);
  };
  for (const v of [
    'int8_pointwise_fma4x8',
    'int8_pointwise_fmaquad4x8',
    'int8_conv2d_fma4x8',
    'int8_pointwise_fma8x4',
    'int8_conv2d_fma8x4',
  ]) {
    it(`${v}: exact with the flush, off past 2^24 without it`, async () => {
      expectExact(await run(v), new Float32Array(cout), `${v} flushed`);
      const unflushed = await run(v, 1 << 20);
      expect(
        [...unflushed].every((e) => e !== 0),
        `${v} without flush: ${[...unflushed].join(',')}`,
      ).toBe(true);
    });
  }
});

describe('int8 depthwise f32-accumulate kernel: where f32 stops being exact', () => {
  // One output per channel of a 1×2200 depthwise kernel over a 1×2200 image, x = 127 everywhere, weights 127, 127, 127,
  // 126, … for the first 1100 taps and −126, −127, −127, −127, … after: the exact sum is 0, but the running sum peaks
  // at ≈ 1100·16097 ≈ 1.77e7 > 2^24, where f32 spaces integers 2 apart and adding an odd product rounds (in f32 the
  // sum ends at 3; the mirror-image pattern happens to round back to 0). The kernel converts its f32 sums to i32 every
  // 1024 taps (|partial| < 2^24: exact); with the flush disabled it is off.
  const K = 2200;
  const c = 4;
  const wq = new Int8Array(K * c);
  for (let k = 0; k < K; k++)
    for (let ch = 0; ch < c; ch++) wq[k * c + ch] = k < K / 2 ? (k % 4 === 3 ? 126 : 127) : k % 4 === 0 ? -126 : -127;
  const run = async (flush?: number) => {
    const g = new Graph();
    const q = g.add1('quantize', [g.addInput('x', [1, 1, K, c])], { scale: 1, zero: 0 });
    const pw = packInt8ConvWeights(wq, [1, K, 1, c], c);
    const tables = int8ConvTables(new Int32Array(c), new Array(c).fill(1)); // M = 1: y = clamp(acc)
    const y = g.add1('conv2d_int8', [q, g.addRawParam('w', [pw.length], pw), g.addRawParam('qp', [tables.length], tables)], {
      kernel: [1, K],
      cout: c,
      groups: c,
      ...(flush ? { int8Flush4: flush } : {}),
    });
    g.markOutput(g.add1('dequantize', [y], { scale: 1, zero: 0 }));
    return runGraph(g, [new Float32Array(K * c).fill(127)], 'int8_depthwise_fma');
  };
  it('int8_depthwise_fma: exact with the flush, off past 2^24 without it', async () => {
    expectExact(await run(), new Float32Array(c), 'flushed every 1024 taps');
    const unflushed = await run(1 << 20);
    expect(
      [...unflushed].every((e) => e !== 0),
      `without flush: ${[...unflushed].join(',')}`,
    ).toBe(true);
  });
});

describe('int8 edges and residual add (exact)', () => {
  it('quantize → dequantize with asymmetric zero point', async () => {
    const shape = [2, 3, 5, 7];
    const x = randn(
      shape.reduce((a, b) => a * b),
      9,
      3,
    );
    x[0] = 0.25;
    x[1] = -0.75;
    x[2] = 1e6;
    x[3] = -1e6; // half-way cases and saturation
    const g = new Graph();
    const t = g.addInput('x', shape);
    g.markOutput(g.add1('dequantize', [g.add1('quantize', [t], { scale: 0.05, zero: -17 })], { scale: 0.05, zero: -17 }));
    const out = await runGraph(g, [x]);
    expectExact(out, dequantizeRef(quantizeRef(x, 0.05, -17), 0.05, -17), 'quantize/dequantize');
  });

  it('add_int8 with different scales and ReLU', async () => {
    const shape = [1, 5, 3, 8];
    const n = shape.reduce((a, b) => a * b);
    const a = Int8Array.from(randInt(n, 4, -128, 127));
    const b = Int8Array.from(randInt(n, 5, -128, 127));
    const attrs = { aZero: 3, bZero: -100, ka: int8AddFactor(0.1, 0.13), kb: int8AddFactor(0.02, 0.13), yZero: -50, qmin: -50, qmax: 127 };
    const g = new Graph();
    const qa = g.add1('quantize', [g.addInput('a', shape)], { scale: 1, zero: attrs.aZero });
    const qb = g.add1('quantize', [g.addInput('b', shape)], { scale: 1, zero: attrs.bZero });
    g.markOutput(g.add1('dequantize', [g.add1('add_int8', [qa, qb], attrs)], { scale: 1, zero: 0 }));
    const out = await runGraph(g, [Float32Array.from(a, (v) => v - attrs.aZero), Float32Array.from(b, (v) => v - attrs.bZero)]);
    expectExact(out, addInt8Ref(a, b, attrs), 'add_int8');
  });
});
