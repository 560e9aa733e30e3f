// The exact plan-time flavours of the f32-accumulate int8 kernels (int8FmaFlavour): requantf ('f', requantization with
// no per-channel shift counts, common/requant.wgsl) and one-chunk reductions ('k' pointwise, the fmashort convs).
// Every kernel is held equal to the CPU integer reference on awkward shapes with multipliers where requantf applies
// (every s ≥ 17), and the fmashort kernels also with multipliers where it does not (requant4 branch); the flavour each
// case runs is asserted, so a case cannot silently test the other path. A CPU model of requantf's f32 steps shows
// where it stops being exact (|u + 2^(s−17)| past 2^24) and that int8RequantF32Exact refuses such tables.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import {
  int8ConvTables,
  int8FmaFlavour,
  int8Geom,
  int8RequantF32Exact,
  packInt8ConvWeights,
  quantizeMultiplier,
} from '../../src/ops/int8.js';
import type { Attrs } from '../../src/ops/registry.js';
import { conv2dInt8Ref, requantRef } from '../ref/int8.js';
import { expectExact, randInt, runtime } from '../helpers.js';

// every one with s ≥ 17 (M < 2^−2): 0.2499 (s = 17), tiny (s = 37), 0 (m = 0), typical layer multipliers
const SMALL_MULTS = [0.0049, 0.2499, 1e-7, 0.003, 0.12, 0, 0.0311, 0.2, 0.0007, 0.06];
// with requant4's other branches (s < 17): the requant4 instances must be picked
const MIXED_MULTS = [2.5, 0.75, 0.003, 0.3, 0.001, 0.51];

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  attrs: Attrs;
  mults: number[];
  /** expected flavour */
  rqf: boolean;
  shortK: boolean;
  variants: string[];
  /** weights and inputs: random (default) or extreme (every |value| 127, to push |acc| up) */
  extreme?: boolean;
}

const FIRST = ['int8_conv2d_fmashort3_8x16', 'int8_conv2d_fmashort3_4x32', 'int8_conv2d_fmashort3_8x8'];
const cases: Case[] = [
  {
    name: 'first conv cin3 3x3 s2 odd 11x13, n2, relu6',
    x: [2, 11, 13, 3],
    k: [3, 3],
    cout: 32,
    attrs: { stride: [2, 2], pads: [0, 0, 1, 1], xZero: -1, yZero: -128, qmin: -128, qmax: 40 },
    mults: SMALL_MULTS,
    rqf: true,
    shortK: true,
    variants: [...FIRST, 'int8_conv2d_fma8x8', 'int8_conv2d_fma8x4'],
  },
  {
    name: 'first conv cin3 3x3 s2 pad 1, 9x17 (ragged column tiles), requant4 multipliers',
    x: [1, 9, 17, 3],
    k: [3, 3],
    cout: 32,
    attrs: { stride: [2, 2], pads: [1, 1, 1, 1], xZero: 20, yZero: 5 },
    mults: MIXED_MULTS,
    rqf: false,
    shortK: true,
    variants: FIRST,
  },
  {
    name: 'cin2 5x5 s1 dil2 7x10, cout 16',
    x: [1, 7, 10, 2],
    k: [5, 5],
    cout: 16,
    attrs: { pads: [4, 4, 4, 4], dilation: [2, 2], xZero: -128, yZero: 0 },
    mults: SMALL_MULTS,
    rqf: true,
    shortK: true,
    variants: ['int8_conv2d_fmashort3_8x16', 'int8_conv2d_fmashort3_8x8'],
  },
  {
    name: 'grouped g2 cin 16 3x3 s(1,2) odd, cout 32',
    x: [2, 6, 9, 16],
    k: [3, 3],
    cout: 32,
    attrs: { groups: 2, stride: [1, 2], pads: [1, 0, 1, 2], xZero: 9, yZero: -9 },
    mults: SMALL_MULTS,
    rqf: true,
    shortK: true,
    variants: ['int8_conv2d_fmashort_8x16', 'int8_conv2d_fmashort_4x16', 'int8_conv2d_fma4x8', 'int8_conv2d_fma8x4'],
  },
  {
    name: 'cin 12 3x3, requant4 multipliers',
    x: [1, 5, 11, 12],
    k: [3, 3],
    cout: 16,
    attrs: { pads: [1, 1, 1, 1], xZero: 0, yZero: 3 },
    mults: MIXED_MULTS,
    rqf: false,
    shortK: true,
    variants: ['int8_conv2d_fmashort_8x16', 'int8_conv2d_fmashort_4x16'],
  },
  {
    // ShuffleNet's 60→240 shape class: groups of 20 input channels (5 words), 16 output channels per group here
    name: 'pointwise grouped g3, 20 in per group, odd HW',
    x: [1, 5, 7, 60],
    k: [1, 1],
    cout: 48,
    attrs: { groups: 3, xZero: -20, yZero: 13 },
    mults: SMALL_MULTS,
    rqf: true,
    shortK: true,
    variants: [
      'int8_pointwise_fma8x8',
      'int8_pointwise_fma4x8',
      'int8_pointwise_fmaquad4x8',
      'int8_pointwise_fmaquad8x8',
      'int8_pointwise_fma8x4',
    ],
  },
  {
    name: 'pointwise n2 cin 40, flush every 2 words (f without k)',
    x: [2, 3, 5, 40],
    k: [1, 1],
    cout: 24,
    attrs: { xZero: 3, yZero: -3, int8Flush4: 2 },
    mults: SMALL_MULTS,
    rqf: true,
    shortK: false,
    variants: ['int8_pointwise_fma8x8', 'int8_pointwise_fma4x8', 'int8_pointwise_fmaquad4x8', 'int8_pointwise_fma8x4'],
  },
  {
    // |acc| up to 1024·127·127 ≈ 2^24 in one f32 chunk, multipliers near the exactness bound's side that passes
    name: 'pointwise cin 1024, extreme values, one chunk',
    x: [1, 3, 3, 1024],
    k: [1, 1],
    cout: 16,
    attrs: { xZero: 0, yZero: 0 },
    mults: [6e-6, 1e-5, 3e-6, 7.7e-6],
    rqf: true,
    shortK: true,
    variants: ['int8_pointwise_fma8x8', 'int8_pointwise_fmaquad8x8', 'int8_pointwise_fma8x4'],
    extreme: true,
  },
];

function weightsAndInputs(c: Case) {
  const groups = (c.attrs.groups as number) ?? 1;
  const ws = [c.k[0], c.k[1], c.x[3] / groups, c.cout];
  const nx = c.x.reduce((a, b) => a * b);
  const nw = ws.reduce((a, b) => a * b);
  const xq = c.extreme ? Int8Array.from(randInt(nx, 1, 0, 1), (b) => (b ? 127 : -127)) : Int8Array.from(randInt(nx, 1, -128, 127));
  // extreme: every weight 127 (|acc| at its bound where x is all ±127 agreeing)
  const wq = c.extreme ? new Int8Array(nw).fill(127) : Int8Array.from(randInt(nw, 2, -127, 127));
  return { groups, ws, xq, wq };
}

describe('int8 fma flavours vs CPU integer reference (exact)', () => {
  for (const c of cases) {
    for (const v of c.variants) {
      it(`${c.name} [${v}]`, async () => {
        const rt = await runtime();
        const { groups, ws, xq, wq } = weightsAndInputs(c);
        const zx = (c.attrs.xZero as number) ?? 0;
        const bq = Int32Array.from(randInt(c.cout, 3, -5000, 5000));
        const M = Array.from({ length: c.cout }, (_, i) => c.mults[i % c.mults.length]);
        const folded = new Int32Array(c.cout);
        for (let co = 0; co < c.cout; co++) {
          let s = 0;
          for (let j = 0; j < ws[0] * ws[1] * ws[2]; j++) s += wq[j * c.cout + co];
          folded[co] = bq[co] - zx * s;
        }
        const packed = packInt8ConvWeights(wq, ws, groups);
        const tables = int8ConvTables(folded, M);
        const attrs = { ...c.attrs, kernel: c.k, cout: c.cout };
        // the case runs the flavour it is meant to
        const geom = int8Geom([c.x], attrs);
        expect(
          int8FmaFlavour({ inputRaw: (i) => (i === 1 ? packed : tables), attrs }, geom, (c.attrs.int8Flush4 as number) ?? 256),
        ).toEqual({ rqf: c.rqf, shortK: c.shortK });
        const g = new Graph();
        const q = g.add1('quantize', [g.addInput('x', c.x)], { scale: 1, zero: zx });
        const w = g.addRawParam('w', [packed.length], packed);
        const t = g.addRawParam('qp', [tables.length], tables);
        g.markOutput(g.add1('dequantize', [g.add1('conv2d_int8', [q, w, t], attrs)], { scale: 1, zero: 0 }));
        const m = await compile(rt, g, { tune: 'off', forceVariant: v });
        const [out] = await m.run([Float32Array.from(xq, (e) => e - zx)]);
        m.destroy();
        expectExact(out, conv2dInt8Ref(xq, c.x, wq, ws, bq, M, c.attrs), `${c.name} ${v}`);
      });
    }
  }
});

/** requantf's steps as the kernel does them, f32 rounding modelled with Math.fround (u formed exactly, as in i32). */
function requantfModel(acc: number, M: number): number {
  const [m, s] = quantizeMultiplier(M);
  const u = Math.floor((acc * m) / 65536);
  const half = 2 ** (s - 17);
  return Math.floor(Math.fround(Math.fround(u) + half) * 2 ** (16 - s));
}

describe('requantf: where it is exact', () => {
  it('equals requant4 (requantRef) for |u| + 2^(s−17) ≤ 2^24, every s from 17 to 40', () => {
    let checked = 0;
    for (let s = 17; s <= 40; s++) {
      const M = (0.5 + (0.4999 * ((s * 7919) % 97)) / 97) * 2 ** (15 - s); // m ∈ [2^14, 2^15)
      const [m, s2] = quantizeMultiplier(M);
      expect(s2).toBe(s);
      // the largest |acc| whose u keeps the bound, and a spread of values below it (both signs, rounding ties)
      const accMax = Math.floor(((2 ** 24 - 2 ** (s - 17) - 1) * 65536) / m);
      for (const f of [1, 0.999, 0.75, 0.5, 0.1, 0.01, 1e-4]) {
        for (const sign of [1, -1]) {
          const acc = sign * Math.floor(accMax * f);
          for (const d of [0, 1, -1, 2 ** (s - 1) / m]) {
            const a = Math.round(acc + d);
            if (Math.abs(Math.floor((a * m) / 65536)) + 2 ** (s - 17) > 2 ** 24) continue;
            expect(requantfModel(a, M), `acc ${a} s ${s}`).toBe(requantRef(a, m, s));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('is off past 2^24 (so the plan-time check matters)', () => {
    // s = 17 (M = 0.2): u = ⌊acc·m/2^16⌋ odd and above 2^24 is not an f32 integer
    const [m, s] = quantizeMultiplier(0.2);
    expect(s).toBe(17);
    let wrong = 0;
    for (let acc = Math.ceil((2 ** 24 * 65536) / m); acc < Math.ceil((2 ** 24 * 65536) / m) + 200; acc++)
      if (requantfModel(acc, 0.2) !== requantRef(acc, m, s)) wrong++;
    expect(wrong).toBeGreaterThan(0);
  });

  it('int8RequantF32Exact: s ≥ 17 everywhere and the |acc| bound, m = 0 ignored', () => {
    const bias = new Int32Array(8);
    const small = int8ConvTables(bias, [0.003, 0.2, 1e-7, 0, 0.01, 0.02, 0.1, 0.24]);
    expect(int8RequantF32Exact(small, 8, 27)).toBe(true);
    // one channel with s < 17 (M = 0.3)
    expect(int8RequantF32Exact(int8ConvTables(bias, [0.003, 0.3, 0.003, 0.003, 0.003, 0.003, 0.003, 0.003]), 8, 27)).toBe(false);
    // |acc| bound: 27 products are fine at M = 0.2, 2^16 products (128·128 each) are not
    const big = int8ConvTables(bias, new Array(8).fill(0.2));
    expect(int8RequantF32Exact(big, 8, 27)).toBe(true);
    expect(int8RequantF32Exact(big, 8, 1 << 16)).toBe(false);
    // a huge bias alone passes the bound
    expect(int8RequantF32Exact(int8ConvTables(Int32Array.from([1 << 30, 0, 0, 0, 0, 0, 0, 0]), new Array(8).fill(0.2)), 8, 27)).toBe(false);
    // the packed weights tighten the bound: 2^16 products of zero weights leave only the bias
    const zeros = new Uint32Array(((1 << 16) / 4) * 8);
    expect(int8RequantF32Exact(big, 8, 1 << 16, zeros)).toBe(true);
  });
});
