// The ONNX importer's host-side tensor math (src/io/onnx/fold.ts: constant folding and weight rearrangement),
// CPU only, each function against a reference written over coordinates (test/ref/tensor.ts) on awkward shapes
// (rank 1–5, size-1 and broadcast axes, negative indices and steps), plus hand-worked casts and error messages.
// StrykerJS (issue 17): fold.ts had no test of its own; the importer tests reach it through whole models only.
import { describe, expect, it } from 'vitest';
import {
  binaryHost,
  castHost,
  concatHost,
  expandHost,
  gatherHost,
  host,
  numelOf,
  reduceHost,
  reduceProdHost,
  reshapeHost,
  scalarOf,
  sliceHost,
  tileHost,
  topkHost,
  transposeHost,
  unaryHost,
  whereHost,
  zipHost,
} from '../../src/io/onnx/fold.js';
import { DT, type HostTensor } from '../../src/io/onnx/proto.js';
import { binaryRef, unaryRef } from '../../src/ops/tensor.js';
import { coords, offset, sliceRef, transposeRef } from '../ref/tensor.js';

const iota = (n: number, f = (i: number) => i * 1.25 - 3) => Float64Array.from({ length: n }, (_, i) => f(i));
const T = (dims: number[], data?: ArrayLike<number>, dtype: number = DT.DOUBLE): HostTensor => ({
  dtype,
  dims,
  data: data ? Float64Array.from(data) : iota(numelOf(dims)),
});
const arr = (t: HostTensor) => Array.from(t.data);

/** numpy broadcasting of a to `shape`, over coordinates. */
function bcastRef(a: HostTensor, shape: number[]): number[] {
  const pa = [...new Array(shape.length - a.dims.length).fill(1), ...a.dims];
  return [...coords(shape)].map(
    (c) =>
      a.data[
        offset(
          pa,
          c.map((v, d) => (pa[d] === 1 ? 0 : v)),
        )
      ],
  );
}

describe('transposeHost', () => {
  it.each([
    [
      [2, 3],
      [1, 0],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [2, 3, 4],
      [0, 1, 2],
    ],
    [
      [3, 1, 2, 5],
      [2, 3, 1, 0],
    ], // OIHW → HWIO
    [
      [2, 3, 4, 5],
      [0, 2, 3, 1],
    ], // NCHW → NHWC
    [
      [2, 1, 3, 2, 2],
      [4, 2, 0, 3, 1],
    ],
    [[5], [0]],
  ])('%o by %o', (dims, perm) => {
    const t = T(dims);
    const y = transposeHost(t, perm);
    expect(y.dims).toEqual(perm.map((p) => dims[p]));
    expect(arr(y)).toEqual(Array.from(transposeRef(Float32Array.from(t.data), dims, perm)));
    expect(y.data).toBeInstanceOf(Float64Array);
    expect(y.dtype).toBe(DT.DOUBLE);
  });
  it('keeps Float32Array data as Float32Array', () => {
    const y = transposeHost({ dtype: DT.FLOAT, dims: [1, 2, 2, 1], data: new Float32Array([1, 2, 3, 4]) }, [0, 2, 1, 3]);
    expect(y.data).toBeInstanceOf(Float32Array);
    expect(arr(y)).toEqual([1, 3, 2, 4]);
    const y3 = transposeHost({ dtype: DT.FLOAT, dims: [2, 2], data: new Float32Array([1, 2, 3, 4]) }, [1, 0]);
    expect(y3.data).toBeInstanceOf(Float32Array);
  });
});

describe('castHost', () => {
  const x = [
    0,
    1.7,
    -1.7,
    2.5,
    -2.5,
    255.9,
    256,
    -129,
    128,
    65535.5,
    65536,
    -32769,
    32768,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32 + 3,
    1e20,
    0.1,
  ];
  it.each([
    [DT.FLOAT, x.map(Math.fround)],
    [DT.DOUBLE, x],
    [DT.BOOL, x.map((v) => (v !== 0 ? 1 : 0))],
    [DT.UINT8, [0, 1, 255, 2, 254, 255, 0, 127, 128, 255, 0, 255, 0, 0, 255, 3, 0, 0]],
    [DT.INT8, [0, 1, -1, 2, -2, -1, 0, 127, -128, -1, 0, -1, 0, 0, -1, 3, 0, 0]],
    [DT.UINT16, [0, 1, 65535, 2, 65534, 255, 256, 65407, 128, 65535, 0, 32767, 32768, 0, 65535, 3, 0, 0]],
    [DT.INT16, [0, 1, -1, 2, -2, 255, 256, -129, 128, -1, 0, 32767, -32768, 0, -1, 3, 0, 0]],
    [DT.INT32, [0, 1, -1, 2, -2, 255, 256, -129, 128, 65535, 65536, -32769, 32768, -(2 ** 31), 2 ** 31 - 1, 3, 1661992960, 0]],
    [
      DT.UINT32,
      [
        0,
        1,
        2 ** 32 - 1,
        2,
        2 ** 32 - 2,
        255,
        256,
        2 ** 32 - 129,
        128,
        65535,
        65536,
        2 ** 32 - 32769,
        32768,
        2 ** 31,
        2 ** 31 - 1,
        3,
        1661992960,
        0,
      ],
    ],
    [DT.INT64, [0, 1, -1, 2, -2, 255, 256, -129, 128, 65535, 65536, -32769, 32768, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 3, 1e20, 0]],
  ])('to type %i', (dtype, want) => {
    const y = castHost(T([x.length], x), dtype);
    expect(y.dtype).toBe(dtype);
    expect(y.dims).toEqual([x.length]);
    expect(arr(y)).toEqual(want.map((v) => (Object.is(v, -0) ? 0 : v)).map((v) => v + 0));
  });
  // every finite float16 value, by bit pattern (decoded from the IEEE layout, not by fold.ts's rounding)
  const halves = Array.from({ length: 0x7c00 }, (_, h) =>
    h >> 10 === 0 ? (h & 0x3ff) * 2 ** -24 : (1 + (h & 0x3ff) / 1024) * 2 ** ((h >> 10) - 15),
  );
  const nearestHalf = (v: number) => {
    const a = Math.abs(v);
    if (a >= 65520) return Math.sign(v) * Infinity;
    let lo = 0;
    while (lo + 1 < halves.length && halves[lo + 1] <= a) lo++;
    const hi = Math.min(lo + 1, halves.length - 1);
    const pick = a - halves[lo] < halves[hi] - a || (a - halves[lo] === halves[hi] - a && lo % 2 === 0) ? lo : hi;
    return Math.sign(v) * halves[pick];
  };
  it('to float16: the nearest float16 value, ties to the even pattern, ±Infinity past 65504 (was truncated to an integer)', () => {
    const vs = [...x.filter((v) => Math.abs(v) < 1e6), 2049, 2051, 65504, 65519, 65520, -70000, 3e-8, 2.9e-8, 1e-8, 6.2e-5, -0.3, 1 / 3];
    const y = castHost(T([vs.length], vs), DT.FLOAT16);
    expect(y.dtype).toBe(DT.FLOAT16);
    expect(arr(y)).toEqual(vs.map(nearestHalf).map((v) => v + 0));
    expect(arr(castHost(T([3], [Infinity, -Infinity, NaN]), DT.FLOAT16))).toEqual([Infinity, -Infinity, NaN]);
  });
  it('to bfloat16 (16): the f32 value with its mantissa rounded to 7 bits, ties to even', () => {
    const bf = (v: number) => {
      const dv = new DataView(new ArrayBuffer(4));
      dv.setFloat32(0, v);
      const u = dv.getUint32(0);
      const r = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000;
      dv.setUint32(0, r >>> 0);
      return dv.getFloat32(0);
    };
    const vs = [1.7, -2.5, 255.9, 0.1, 1 / 3, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -30, 65535.5, 1e20, -1e-30];
    expect(arr(castHost(T([vs.length], vs), 16))).toEqual(vs.map(bf));
  });
  it('int64 keeps infinities and NaN (no trunc of a non-finite value)', () => {
    expect(arr(castHost(T([3], [Infinity, -Infinity, NaN]), DT.INT64))).toEqual([Infinity, -Infinity, NaN]);
  });
});

describe('binaryHost', () => {
  it.each([
    ['add', [2, 3], [3]],
    ['sub', [3], [2, 3]],
    ['mul', [2, 1, 4], [3, 1]],
    ['div', [2, 3, 1], [1, 1, 5]],
    ['pow', [2, 2], [1]],
    ['max', [1, 3, 1, 2], [2, 1, 4, 1]],
  ] as const)('%s %o with %o (float64)', (fn, ad, bd) => {
    const a = T([...ad]);
    const b = T(
      [...bd],
      iota(numelOf([...bd]), (i) => 0.5 + i * 0.75),
    );
    const y = binaryHost(fn, a, b);
    const r = Math.max(ad.length, bd.length);
    const pad = (d: readonly number[]) => [...new Array(r - d.length).fill(1), ...d];
    const shape = pad(ad).map((d, i) => Math.max(d, pad(bd)[i]));
    expect(y.dims).toEqual(shape);
    const ea = bcastRef(a, shape);
    const eb = bcastRef(b, shape);
    expect(arr(y)).toEqual(ea.map((v, i) => binaryRef(fn, v, eb[i])));
  });
  it('float32 results are rounded to f32; integer division truncates; others keep float64', () => {
    const a = T([3], [1, 7, -7], DT.FLOAT);
    const b = T([1], [3], DT.FLOAT);
    expect(arr(binaryHost('div', a, b))).toEqual([1 / 3, 7 / 3, -7 / 3].map(Math.fround));
    expect(binaryHost('div', a, b).dtype).toBe(DT.FLOAT);
    expect(arr(binaryHost('div', { ...a, dtype: DT.INT64 }, { ...b, dtype: DT.INT64 }))).toEqual([0, 2, -2]);
    expect(arr(binaryHost('div', { ...a, dtype: DT.INT32 }, b))).toEqual([0, 2, -2]);
    expect(arr(binaryHost('div', { ...a, dtype: DT.DOUBLE }, b))).toEqual([1 / 3, 7 / 3, -7 / 3]);
    expect(arr(binaryHost('mul', { ...a, dtype: DT.INT64 }, T([1], [0.5])))).toEqual([0.5, 3.5, -3.5]);
  });
});

describe('unaryHost', () => {
  it.each(['neg', 'abs', 'exp', 'sqrt', 'floor'] as const)('%s (float64 and float32)', (fn) => {
    const x = [0.3, 1.7, 2.2, 4];
    expect(arr(unaryHost(fn, T([2, 2], x)))).toEqual(x.map((v) => unaryRef(fn, v, 0, 0)));
    const f = unaryHost(fn, T([4], x, DT.FLOAT));
    expect(arr(f)).toEqual(x.map((v) => Math.fround(unaryRef(fn, v, 0, 0))));
    expect(f.dims).toEqual([4]);
    expect(f.dtype).toBe(DT.FLOAT);
  });
  it('passes alpha and beta', () => {
    expect(arr(unaryHost('clip', T([4], [-3, -1, 1, 3]), -2, 2))).toEqual([-2, -1, 1, 2]);
  });
});

describe('concatHost', () => {
  it.each([
    [
      [
        [2, 3],
        [2, 1],
        [2, 2],
      ],
      1,
    ],
    [
      [
        [1, 3],
        [2, 3],
      ],
      0,
    ],
    [
      [
        [2, 2, 1],
        [2, 2, 3],
      ],
      2,
    ],
    [
      [
        [2, 1, 2],
        [2, 3, 2],
      ],
      1,
    ],
  ])('%o on axis %i', (shapes, axis) => {
    let seed = 0;
    const ts = shapes.map((s) =>
      T(
        s,
        iota(numelOf(s), (i) => 100 * ++seed + i),
      ),
    );
    const y = concatHost(ts, axis);
    const dims = [...shapes[0]];
    dims[axis] = shapes.reduce((a, s) => a + s[axis], 0);
    expect(y.dims).toEqual(dims);
    const want = [...coords(dims)].map((c) => {
      let k = c[axis];
      let j = 0;
      while (k >= shapes[j][axis]) k -= shapes[j++][axis];
      const cc = [...c];
      cc[axis] = k;
      return ts[j].data[offset(shapes[j], cc)];
    });
    expect(arr(y)).toEqual(want);
  });
  it('refuses inputs that disagree off the axis, or in rank, naming the shapes', () => {
    expect(() => concatHost([T([2, 3]), T([3, 3])], 1)).toThrow('concat inputs disagree: [2,3] [3,3]');
    expect(() => concatHost([T([2, 3]), T([2, 3, 1])], 1)).toThrow('concat inputs disagree: [2,3] [2,3,1]');
    // a later input of lower rank whose dims all match: only the rank check refuses it
    expect(() => concatHost([T([2, 3, 1]), T([2, 3])], 1)).toThrow('concat inputs disagree: [2,3,1] [2,3]');
  });
});

describe('gatherHost', () => {
  it.each([
    [[5], [[3], [4, 0, -1]], 0],
    [[3, 4], [[2], [2, -3]], 1],
    [
      [3, 4, 2],
      [
        [2, 2],
        [0, 2, 1, -1],
      ],
      1,
    ],
    [[2, 3], [[], [1]], 0],
    [[4, 2], [[3], [3, 3, -4]], 0],
  ])('%o indices %o axis %i', (dims, [idims, idx], axis) => {
    const t = T(dims);
    const y = gatherHost(t, T(idims, idx, DT.INT64), axis);
    const out = [...dims.slice(0, axis), ...idims, ...dims.slice(axis + 1)];
    expect(y.dims).toEqual(out);
    const want = [...coords(out)].map((c) => {
      const k = idx[offset(idims, c.slice(axis, axis + idims.length))];
      const src = [...c.slice(0, axis), k < 0 ? k + dims[axis] : k, ...c.slice(axis + idims.length)];
      return t.data[offset(dims, src)];
    });
    expect(arr(y)).toEqual(want);
  });
  it.each([
    [3, 3],
    [-4, 3],
  ])('index %i out of range for size %i is an error', (k, len) => {
    expect(() => gatherHost(T([len]), T([1], [k], DT.INT64), 0)).toThrow(`Gather index ${k} is out of range for axis of size ${len}`);
  });
});

describe('sliceHost', () => {
  it.each([
    // dims, starts, ends, axes, steps, the normalised [start, end, step] per axis the reference uses
    [[6], [1], [5], [0], [2], [[1, 5, 2]]],
    [[7], [1], [7], [0], [2], [[1, 7, 2]]],
    [[6], [-2], [100], [0], [1], [[4, 6, 1]]],
    [[6], [-100], [-1], [0], [1], [[0, 5, 1]]],
    [[6], [5], [0], [0], [-2], [[5, 0, -2]]],
    [[6], [100], [-100], [0], [-1], [[5, -1, -1]]],
    [[6], [-1], [-7], [0], [-3], [[5, -1, -3]]],
    [[6], [4], [2], [0], [1], [[4, 4, 1]]],
    [[6], [-10], [0], [0], [-1], [[-1, 0, -1]]], // negative step, start before the axis: clamped to -1, empty
    [
      [3, 5],
      [1, 0],
      [3, 5],
      [1, 0],
      [2, 1],
      [
        [0, 3, 1],
        [1, 3, 2],
      ],
    ],
    [
      [2, 3, 4],
      [2],
      [-1],
      [2],
      [1],
      [
        [0, 2, 1],
        [0, 3, 1],
        [2, 3, 1],
      ],
    ],
  ])('%o starts %o ends %o axes %o steps %o', (dims, starts, ends, axes, steps, norm) => {
    const t = T(dims);
    const y = sliceHost(t, starts, ends, axes, steps);
    const all = dims.map((d, i) => norm[i] ?? [0, d, 1]);
    const shape = all.map(([s, e, p]) => Math.max(0, Math.ceil((e - s) / p)));
    expect(y.dims).toEqual(shape);
    if (numelOf(shape) === 0) expect(y.data.length).toBe(0);
    else
      expect(arr(y)).toEqual(
        Array.from(
          sliceRef(
            Float32Array.from(t.data),
            dims,
            all.map((a) => a[0]),
            all.map((a) => a[1]),
            all.map((a) => a[2]),
          ),
        ).map((v, i) => (v === Math.fround(y.data[i]) ? y.data[i] : v)),
      );
  });
  it('a zero step is an error', () => {
    expect(() => sliceHost(T([3]), [0], [3], [0], [0])).toThrow('Slice step must not be 0');
  });
});

describe('size limit (MAX_FOLD_ELEMENTS = 2^24), naming the folded op', () => {
  const big = [1 << 13, 1 << 12]; // 2^25 elements: refused before anything is allocated
  const huge: HostTensor = { dtype: DT.DOUBLE, dims: [1 << 25], data: new Float64Array(0) }; // dims only: checked first
  it.each([
    ['host', () => host(DT.DOUBLE, big, []), 'folded tensor: 33554432 elements'],
    ['binary', () => binaryHost('add', T([1 << 13, 1]), T([1 << 12])), 'folded tensor: 33554432 elements'],
    ['concat', () => concatHost([T([1, 2]), { ...huge, dims: [1 << 25, 2] }], 0), 'folded Concat: 67108866 elements'],
    [
      'gather',
      () => gatherHost(T([2, 1 << 12]), { dtype: DT.INT64, dims: [1 << 13], data: new Float64Array(0) }, 0),
      'folded Gather: 33554432',
    ],
    ['slice', () => sliceHost(huge, [0], [1 << 25], [0], [1]), 'folded slice: 33554432 elements'],
    ['expand', () => expandHost(T([1]), big), 'folded tensor: 33554432 elements'],
    ['tile', () => tileHost(T([2, 2]), [1 << 12, 1 << 11]), 'folded Tile: 33554432 elements'],
  ])('%s', (_, f, msg) => {
    expect(f).toThrow(msg);
  });
});

describe('reshape, scalar, host', () => {
  it('reshape keeps the values; a count mismatch names both shapes', () => {
    const t = T([2, 3]);
    const dims = [3, 2];
    const y = reshapeHost(t, dims);
    dims[0] = 7;
    expect(y.dims).toEqual([3, 2]);
    expect(y.data).toBe(t.data);
    expect(() => reshapeHost(t, [4, 2])).toThrow('cannot reshape [2,3] to [4,2]');
  });
  it('scalarOf takes one value, else names the shape', () => {
    expect(scalarOf(T([1, 1], [7]), 'axis')).toBe(7);
    expect(scalarOf(T([], [3]), 'axis')).toBe(3);
    expect(() => scalarOf(T([2]), 'the axis')).toThrow('the axis must hold one value, has shape [2]');
  });
  it('host copies dims and data to float64, and checks the count', () => {
    const dims = [2];
    const h = host(DT.INT64, dims, [1, 2]);
    dims[0] = 5;
    expect(h).toEqual({ dtype: DT.INT64, dims: [2], data: new Float64Array([1, 2]) });
    expect(() => host(DT.FLOAT, [3], [1, 2])).toThrow('internal: 2 values for [3]');
    expect(numelOf([])).toBe(1);
    expect(numelOf([2, 0, 3])).toBe(0);
  });
});

describe('reduceHost / reduceProdHost', () => {
  const redRef = (t: HostTensor, axes: number[], f: (v: number[]) => number) => {
    const dims = t.dims.map((d, i) => (axes.includes(i) ? 1 : d));
    const groups = new Map<number, number[]>();
    for (const c of coords(t.dims)) {
      const o = offset(
        dims,
        c.map((v, i) => (axes.includes(i) ? 0 : v)),
      );
      groups.set(o, [...(groups.get(o) ?? []), t.data[offset(t.dims, c)]]);
    }
    return { dims, data: [...coords(dims)].map((c) => f(groups.get(offset(dims, c))!)) };
  };
  const modes = {
    sum: (v: number[]) => v.reduce((a, b) => a + b, 0),
    mean: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length,
    max: (v: number[]) => Math.max(...v),
    min: (v: number[]) => Math.min(...v),
  };
  for (const [mode, f] of Object.entries(modes))
    it.each([
      [[2, 3, 4], [1]],
      [
        [2, 3, 4],
        [0, 2],
      ],
      [[5], [0]],
      [
        [2, 1, 3],
        [0, 1, 2],
      ],
    ])(`${mode} of %o over %o`, (dims, axes) => {
      const t = T(
        dims,
        iota(numelOf(dims), (i) => ((i * 7) % 11) - 4.5),
      );
      const y = reduceHost(t, axes, mode as keyof typeof modes);
      const want = redRef(t, axes, f);
      expect(y.dims).toEqual(want.dims);
      expect(y.data.length).toBe(want.data.length);
      want.data.forEach((w, i) => expect(y.data[i]).toBeCloseTo(w, 12));
      expect(y.dtype).toBe(DT.DOUBLE);
    });
  it('max of all-negative values and min of all-positive ones (the start values are ∓∞, not 0)', () => {
    expect(arr(reduceHost(T([2, 3], [-5, -2, -9, -1, -4, -3]), [1], 'max'))).toEqual([-2, -1]);
    expect(arr(reduceHost(T([2, 3], [5, 2, 9, 1, 4, 3]), [1], 'min'))).toEqual([2, 1]);
    expect(arr(reduceHost(T([3, 1], [-3, -1, -2]), [0], 'max'))).toEqual([-1]);
  });
  it.each([
    [[2, 3, 4], [1]],
    [
      [2, 3, 4],
      [0, 2],
    ],
    [
      [3, 2],
      [0, 1],
    ],
    [[4], []],
  ])('prod of %o over %o', (dims, axes) => {
    const t = T(
      dims,
      iota(numelOf(dims), (i) => 0.5 + (i % 5) * 0.25),
    );
    const y = reduceProdHost(t, axes);
    const want = redRef(t, axes, (v) => v.reduce((a, b) => a * b, 1));
    expect(y.dims).toEqual(want.dims);
    want.data.forEach((w, i) => expect(y.data[i]).toBeCloseTo(w, 12));
  });
});

describe('expand, zip, where, tile', () => {
  it.each([
    [[3], [2, 3]],
    [
      [2, 1],
      [2, 4],
    ],
    [
      [1, 3, 1],
      [2, 3, 2],
    ],
    [[1], [2, 2, 2]],
  ])('expand %o to %o', (dims, to) => {
    const t = T(dims);
    const y = expandHost(t, to);
    expect(y.dims).toEqual(to);
    expect(arr(y)).toEqual(bcastRef(t, to));
  });
  it('zip broadcasts and applies the function, with the given type', () => {
    const a = T([2, 1], [1, 5]);
    const b = T([3], [0, 1, 5]);
    const y = zipHost(a, b, DT.BOOL, (x, z) => (x < z ? 1 : 0));
    expect(y).toEqual({ dtype: DT.BOOL, dims: [2, 3], data: new Float64Array([0, 0, 1, 0, 0, 0]) });
  });
  it('where broadcasts all three and takes a where the condition holds', () => {
    const c = T([2, 1], [1, 0], DT.BOOL);
    const a = T([3], [1, 2, 3], DT.INT64);
    const b = T([1], [-1]);
    expect(whereHost(c, a, b)).toEqual({ dtype: DT.INT64, dims: [2, 3], data: new Float64Array([1, 2, 3, -1, -1, -1]) });
    expect(arr(whereHost(T([1, 3], [0, 1, 0]), T([2, 1], [7, 8]), T([1], [0])))).toEqual([0, 7, 0, 0, 8, 0]);
  });
  it.each([
    [
      [2, 3],
      [2, 1],
    ],
    [
      [2, 3],
      [1, 3],
    ],
    [
      [2, 1, 2],
      [2, 3, 2],
    ],
    [[4], [1]],
  ])('tile %o by %o', (dims, reps) => {
    const t = T(dims);
    const y = tileHost(t, reps);
    const out = dims.map((d, i) => d * reps[i]);
    expect(y.dims).toEqual(out);
    expect(arr(y)).toEqual(
      [...coords(out)].map(
        (c) =>
          t.data[
            offset(
              dims,
              c.map((v, i) => v % dims[i]),
            )
          ],
      ),
    );
  });
});

describe('topkHost', () => {
  const t = T([2, 5], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
  it.each([
    [1, 3, true, true, false, [5, 4, 3, 9, 6, 5], [4, 2, 0, 0, 2, 3]],
    [1, 3, false, true, false, [1, 1, 3, 2, 3, 5], [1, 3, 0, 1, 4, 3]],
    [1, 2, false, true, true, [1, 1, 2, 3], [3, 1, 1, 4]],
    [1, 3, true, false, false, [3, 4, 5, 9, 6, 5], [0, 2, 4, 0, 2, 3]],
    [1, 0, true, true, false, [], []],
    [1, 5, true, true, false, [5, 4, 3, 1, 1, 9, 6, 5, 3, 2], [4, 2, 0, 1, 3, 0, 2, 3, 4, 1]],
    [0, 1, true, true, false, [9, 2, 6, 5, 5], [1, 1, 1, 1, 0]],
    [0, 1, true, true, true, [9, 2, 6, 5, 5], [1, 1, 1, 1, 0]],
    [0, 1, false, true, false, [3, 1, 4, 1, 3], [0, 0, 0, 0, 1]],
  ])('axis %i k %i largest %s sorted %s last %s', (axis, k, largest, sorted, last, vals, idx) => {
    const { values, indices } = topkHost(t, axis, k, largest, sorted, last);
    const dims = t.dims.map((d, i) => (i === axis ? k : d));
    expect(values.dims).toEqual(dims);
    expect(indices.dims).toEqual(dims);
    expect(indices.dtype).toBe(DT.INT64);
    expect(values.dtype).toBe(DT.DOUBLE);
    expect(arr(values)).toEqual(vals);
    expect(arr(indices)).toEqual(idx);
  });
  it('sorted is the default; an inner axis with k ≥ 2 lands each value at its own place', () => {
    expect(arr(topkHost(t, 1, 3, true).values)).toEqual([5, 4, 3, 9, 6, 5]);
    const u = T([3, 2, 2], [1, 8, 2, 7, 5, 4, 6, 3, 9, 0, 3, 2]);
    const { values, indices } = topkHost(u, 0, 2, true);
    expect(values.dims).toEqual([2, 2, 2]);
    expect(arr(values)).toEqual([9, 8, 6, 7, 5, 4, 3, 3]);
    expect(arr(indices)).toEqual([2, 0, 1, 0, 1, 1, 2, 1]);
  });
  it('ties: the lower index first, or the last with select_last_index (ArgMax/ArgMin)', () => {
    const u = T([2, 3], [1, 1, 1, 2, 0, 2]);
    expect(arr(topkHost(u, 1, 1, true, true, true).indices)).toEqual([2, 2]);
    expect(arr(topkHost(u, 1, 1, true, true, false).indices)).toEqual([0, 0]);
    expect(arr(topkHost(u, 1, 2, true, true, true).indices)).toEqual([2, 1, 2, 0]);
    expect(arr(topkHost(T([4], [2, 1, 3, 1]), 0, 1, false, true, true).indices)).toEqual([3]);
    expect(arr(topkHost(T([4], [2, 1, 3, 1]), 0, 1, false, true, false).indices)).toEqual([1]);
  });
  it('NaN compares as a tie (lower index first); k outside [0, len] is an error', () => {
    const { indices } = topkHost(T([3], [NaN, 2, 1]), 0, 3, true);
    expect(arr(indices)).toEqual([0, 1, 2]);
    expect(() => topkHost(t, 1, 6, true)).toThrow('k = 6 is outside [0, 5]');
    expect(() => topkHost(t, 1, -1, true)).toThrow('k = -1 is outside [0, 5]');
  });
});
