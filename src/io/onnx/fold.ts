// Host-side tensor math for the ONNX importer: constant folding of shape sub-graphs (Shape → Gather → Unsqueeze →
// Concat → Reshape …), and the one-time rearrangement of constant weights (OIHW → HWIO, NCHW → NHWC constants).
// Values are float64 (exact for every integer type up to 2^53); integer dtypes are kept integral (division
// truncates, casts truncate toward zero and wrap like numpy's astype).

import { check, shapeStr, SlimError } from '../../runtime/errors.js';
import {
  binaryRef,
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  unaryRef,
  type BinaryName,
  type ReduceName,
  type UnaryName,
} from '../../ops/tensor.js';
import { checkDims, DT, isIntegerType, MAX_FOLD_ELEMENTS, type HostTensor } from './proto.js';

export const numelOf = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export function host(dtype: number, dims: number[], data: ArrayLike<number>): HostTensor {
  const n = checkDims(dims, 'folded tensor', MAX_FOLD_ELEMENTS);
  check(data.length === n, `internal: ${data.length} values for ${shapeStr(dims)}`);
  return { dtype, dims: [...dims], data: Float64Array.from(data) };
}

export function scalarOf(t: HostTensor, what: string): number {
  check(t.data.length === 1, `${what} must hold one value, has shape ${shapeStr(t.dims)}`);
  return t.data[0];
}

export function transposeHost(t: HostTensor, perm: number[]): HostTensor {
  const dims = perm.map((p) => t.dims[p]);
  const xs = contiguousStrides(t.dims);
  const out = t.data instanceof Float32Array ? new Float32Array(t.data.length) : new Float64Array(t.data.length);
  const r = dims.length;
  if (r === 4) {
    // weights (OIHW → HWIO) and NCHW constants: plain nested loops, several times faster than the general walk
    const [d0, d1, d2, d3] = dims;
    const [s0, s1, s2, s3] = perm.map((p) => xs[p]);
    const x = t.data;
    let i = 0;
    for (let a = 0; a < d0; a++)
      for (let b = 0; b < d1; b++)
        for (let c = 0; c < d2; c++) {
          const base = a * s0 + b * s1 + c * s2;
          for (let d = 0; d < d3; d++) out[i++] = x[base + d * s3];
        }
    return { dtype: t.dtype, dims, data: out };
  }
  const idx = new Array(r).fill(0);
  for (let i = 0; i < out.length; i++) {
    let off = 0;
    for (let d = 0; d < r; d++) off += idx[d] * xs[perm[d]];
    out[i] = t.data[off];
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: t.dtype, dims, data: out };
}

function castValue(v: number, dtype: number): number {
  switch (dtype) {
    case DT.FLOAT:
      return Math.fround(v);
    case DT.DOUBLE:
      return v;
    case DT.BOOL:
      return v !== 0 ? 1 : 0;
    case DT.UINT8:
      return Math.trunc(v) & 0xff;
    case DT.INT8:
      return ((Math.trunc(v) & 0xff) << 24) >> 24;
    case DT.UINT16:
      return Math.trunc(v) & 0xffff;
    case DT.INT16:
      return ((Math.trunc(v) & 0xffff) << 16) >> 16;
    case DT.INT32:
      return Math.trunc(v) | 0;
    case DT.UINT32:
      return Math.trunc(v) >>> 0;
    case DT.FLOAT16:
      return roundFloat(v, 10, -14, 65504);
    case BFLOAT16:
      return roundFloat(Math.fround(v), 7, -126, 3.3895313892515355e38);
    default:
      return Number.isFinite(v) ? Math.trunc(v) : v; // int64/uint64 kept as float64
  }
}

const BFLOAT16 = 16;

/**
 * v rounded to the nearest value of a binary float format with `mant` stored mantissa bits, smallest normal
 * exponent `emin` and largest finite value `max` (round half to even; past `max` ±Infinity; subnormals kept).
 */
export function roundFloat(v: number, mant: number, emin: number, max: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, emin) - mant);
  const q = a / ulp;
  const fl = Math.floor(q);
  const rest = q - fl;
  const n = rest > 0.5 || (rest === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  const r = n * ulp;
  return Math.sign(v) * (r > max ? Infinity : r);
}

export function castHost(t: HostTensor, dtype: number): HostTensor {
  return { dtype, dims: [...t.dims], data: t.data.map((v) => castValue(v, dtype)) };
}

export function binaryHost(fn: BinaryName, a: HostTensor, b: HostTensor): HostTensor {
  const dims = broadcastShapes(a.dims, b.dims);
  const as = broadcastStrides(a.dims, dims);
  const bs = broadcastStrides(b.dims, dims);
  const n = checkDims(dims, 'folded tensor', MAX_FOLD_ELEMENTS);
  const out = new Float64Array(n);
  const idx = new Array(dims.length).fill(0);
  const intDiv = fn === 'div' && isIntegerType(a.dtype);
  for (let i = 0; i < n; i++) {
    let ai = 0;
    let bi = 0;
    for (let d = 0; d < dims.length; d++) {
      ai += idx[d] * as[d];
      bi += idx[d] * bs[d];
    }
    const v = binaryRef(fn, a.data[ai], b.data[bi]);
    out[i] = intDiv ? Math.trunc(v) : a.dtype === DT.FLOAT ? Math.fround(v) : v;
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: a.dtype, dims, data: out };
}

export function unaryHost(fn: UnaryName, a: HostTensor, alpha = 0, beta = 0): HostTensor {
  return {
    dtype: a.dtype,
    dims: [...a.dims],
    data: a.data.map((v) => (a.dtype === DT.FLOAT ? Math.fround(unaryRef(fn, v, alpha, beta)) : unaryRef(fn, v, alpha, beta))),
  };
}

export function concatHost(ts: HostTensor[], axis: number): HostTensor {
  const r = ts[0].dims.length;
  for (const t of ts)
    check(
      t.dims.length === r && t.dims.every((d, i) => i === axis || d === ts[0].dims[i]),
      `concat inputs disagree: ${ts.map((t) => shapeStr(t.dims)).join(' ')}`,
    );
  const outer = numelOf(ts[0].dims.slice(0, axis));
  const dims = [...ts[0].dims];
  dims[axis] = ts.reduce((a, t) => a + t.dims[axis], 0);
  checkDims(dims, 'folded Concat', MAX_FOLD_ELEMENTS);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const block = numelOf(t.dims.slice(axis));
      for (let j = 0; j < block; j++) out.push(t.data[o * block + j]);
    }
  }
  return host(ts[0].dtype, dims, out);
}

/** Gather along `axis` with integer indices (negative indices count from the end). */
export function gatherHost(t: HostTensor, idx: HostTensor, axis: number): HostTensor {
  const len = t.dims[axis];
  const outer = numelOf(t.dims.slice(0, axis));
  const inner = numelOf(t.dims.slice(axis + 1));
  const dims = [...t.dims.slice(0, axis), ...idx.dims, ...t.dims.slice(axis + 1)];
  checkDims(dims, 'folded Gather', MAX_FOLD_ELEMENTS);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of idx.data) {
      const k = raw < 0 ? raw + len : raw;
      if (!(k >= 0 && k < len)) throw new SlimError(`Gather index ${raw} is out of range for axis of size ${len}`);
      for (let j = 0; j < inner; j++) out.push(t.data[(o * len + k) * inner + j]);
    }
  }
  return host(t.dtype, dims, out);
}

/** Slice with ONNX semantics (clamped starts/ends, any steps) on the host. */
export function sliceHost(t: HostTensor, starts: number[], ends: number[], axes: number[], steps: number[]): HostTensor {
  const r = t.dims.length;
  const st = new Array(r).fill(0);
  const en = [...t.dims];
  const sp = new Array(r).fill(1);
  axes.forEach((ax, i) => {
    const d = t.dims[ax];
    const step = steps[i];
    check(step !== 0, 'Slice step must not be 0');
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    st[ax] = s;
    en[ax] = e;
    sp[ax] = step;
  });
  const dims = t.dims.map((_, i) => Math.max(0, Math.ceil((en[i] - st[i]) / sp[i])));
  checkDims(dims, 'folded slice', MAX_FOLD_ELEMENTS);
  const xs = contiguousStrides(t.dims);
  const n = numelOf(dims);
  const out = new Float64Array(n);
  const idx = new Array(r).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < r; d++) off += (st[d] + idx[d] * sp[d]) * xs[d];
    out[i] = t.data[off];
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: t.dtype, dims, data: out };
}

/** Same values, new dims (element counts must agree). */
export function reshapeHost(t: HostTensor, dims: number[]): HostTensor {
  check(numelOf(dims) === t.data.length, `cannot reshape ${shapeStr(t.dims)} to ${shapeStr(dims)}`);
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

/** Reduce over the given (normalised, ascending) axes, each kept as size 1, one axis at a time as the GPU op does. */
export function reduceHost(t: HostTensor, axes: number[], mode: ReduceName): HostTensor {
  for (const a of axes) {
    const [outer, len, inner] = [numelOf(t.dims.slice(0, a)), t.dims[a], numelOf(t.dims.slice(a + 1))];
    const out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < inner; j++) {
        let acc = mode === 'max' ? -Infinity : mode === 'min' ? Infinity : 0;
        for (let k = 0; k < len; k++) {
          const x = t.data[(o * len + k) * inner + j];
          acc = mode === 'max' ? Math.max(acc, x) : mode === 'min' ? Math.min(acc, x) : acc + x;
        }
        out[o * inner + j] = mode === 'mean' ? acc / len : acc;
      }
    t = { dtype: t.dtype, dims: t.dims.map((d, i) => (i === a ? 1 : d)), data: out };
  }
  return t;
}

/** Any elementwise function of two broadcast tensors (comparisons, logic), result of element type `dtype`. */
export function zipHost(a: HostTensor, b: HostTensor, dtype: number, fn: (x: number, y: number) => number): HostTensor {
  const dims = broadcastShapes(a.dims, b.dims);
  const [ea, eb] = [expandHost(a, dims), expandHost(b, dims)];
  return { dtype, dims, data: ea.data.map((x, i) => fn(x, eb.data[i])) };
}

/** numpy broadcast of t to `dims` (Expand). */
export function expandHost(t: HostTensor, dims: number[]): HostTensor {
  const n = checkDims(dims, 'folded tensor', MAX_FOLD_ELEMENTS);
  const st = broadcastStrides(t.dims, dims);
  const out = new Float64Array(n);
  const idx = new Array(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < dims.length; d++) off += idx[d] * st[d];
    out[i] = t.data[off];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: t.dtype, dims: [...dims], data: out };
}

/** Where(cond, a, b) with broadcasting of all three. */
export function whereHost(cond: HostTensor, a: HostTensor, b: HostTensor): HostTensor {
  const dims = broadcastShapes(broadcastShapes(cond.dims, a.dims), b.dims);
  const [c, x, y] = [expandHost(cond, dims), expandHost(a, dims), expandHost(b, dims)];
  return { dtype: a.dtype, dims, data: c.data.map((v, i) => (v ? x.data[i] : y.data[i])) };
}

/** Tile: output[i] = t[i mod dims] with dims·repeats. */
export function tileHost(t: HostTensor, repeats: number[]): HostTensor {
  const dims = t.dims.map((d, i) => d * repeats[i]);
  const n = checkDims(dims, 'folded Tile', MAX_FOLD_ELEMENTS);
  const xs = contiguousStrides(t.dims);
  const out = new Float64Array(n);
  const idx = new Array(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < dims.length; d++) off += (idx[d] % t.dims[d]) * xs[d];
    out[i] = t.data[off];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: t.dtype, dims, data: out };
}

/**
 * Along one axis (kept as size k): the k largest (or smallest) values and their indices, sorted (ties: the lower
 * index first, as onnxruntime); ArgMax/ArgMin are k = 1 (select_last_index takes the last of equal values).
 */
export function topkHost(
  t: HostTensor,
  axis: number,
  k: number,
  largest: boolean,
  sorted = true,
  lastIndex = false,
): { values: HostTensor; indices: HostTensor } {
  const [outer, len, inner] = [numelOf(t.dims.slice(0, axis)), t.dims[axis], numelOf(t.dims.slice(axis + 1))];
  check(k >= 0 && k <= len, `k = ${k} is outside [0, ${len}]`);
  const dims = t.dims.map((d, i) => (i === axis ? k : d));
  const vals = new Float64Array(outer * k * inner);
  const idxs = new Float64Array(outer * k * inner);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const order = Array.from({ length: len }, (_, q) => q);
      const v = (q: number) => t.data[(o * len + q) * inner + j];
      order.sort((p, q) => {
        const d = largest ? v(q) - v(p) : v(p) - v(q);
        if (d !== 0 && !Number.isNaN(d)) return d;
        return lastIndex ? q - p : p - q;
      });
      const pick = sorted ? order.slice(0, k) : order.slice(0, k).sort((p, q) => p - q);
      pick.forEach((q, r) => {
        vals[(o * k + r) * inner + j] = v(q);
        idxs[(o * k + r) * inner + j] = q;
      });
    }
  return { values: { dtype: t.dtype, dims, data: vals }, indices: { dtype: DT.INT64, dims, data: idxs } };
}

/** Product over the given axes (kept as size 1). */
export function reduceProdHost(t: HostTensor, axes: number[]): HostTensor {
  const dims = t.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(numelOf(dims)).fill(1);
  const os = contiguousStrides(dims);
  const idx = new Array(t.dims.length).fill(0);
  for (let i = 0; i < t.data.length; i++) {
    let off = 0;
    for (let d = 0; d < dims.length; d++) off += (axes.includes(d) ? 0 : idx[d]) * os[d];
    out[off] *= t.data[i];
    for (let d = t.dims.length - 1; d >= 0; d--) {
      if (++idx[d] < t.dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: t.dtype, dims, data: out };
}
