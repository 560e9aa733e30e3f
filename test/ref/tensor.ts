// CPU references for the general N-D ops (src/ops/tensor.ts), written from the math with plain loops over
// coordinates, float64 throughout. Row-major layouts, the same as the GPU kernels.

import { binaryRef, unaryRef, type BinaryName, type UnaryName } from '../../src/ops/tensor.js';
import { numel } from '../../src/ops/registry.js';

/** Every coordinate of `shape` in row-major order. */
export function* coords(shape: number[]): Generator<number[]> {
  const n = numel(shape);
  const c = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    yield [...c];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++c[d] < shape[d]) break;
      c[d] = 0;
    }
  }
}

export function offset(shape: number[], c: number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + c[d];
  return o;
}

export function unaryTensorRef(x: Float32Array, fn: UnaryName, alpha = 0, beta = 0): Float32Array {
  return x.map((v) => unaryRef(fn, v, alpha, beta));
}

export function binaryTensorRef(
  a: Float32Array,
  as: number[],
  b: Float32Array,
  bs: number[],
  fn: BinaryName,
): { y: Float32Array; shape: number[] } {
  const r = Math.max(as.length, bs.length);
  const pa = [...new Array(r - as.length).fill(1), ...as];
  const pb = [...new Array(r - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const y = new Float32Array(numel(shape));
  let i = 0;
  for (const c of coords(shape)) {
    const ca = c.map((v, d) => (pa[d] === 1 ? 0 : v));
    const cb = c.map((v, d) => (pb[d] === 1 ? 0 : v));
    y[i++] = binaryRef(fn, a[offset(pa, ca)], b[offset(pb, cb)]);
  }
  return { y, shape };
}

export function transposeRef(x: Float32Array, xs: number[], perm: number[]): Float32Array {
  const shape = perm.map((p) => xs[p]);
  const y = new Float32Array(x.length);
  let i = 0;
  for (const c of coords(shape)) {
    const src = new Array(xs.length);
    perm.forEach((p, d) => (src[p] = c[d]));
    y[i++] = x[offset(xs, src)];
  }
  return y;
}

export function sliceRef(x: Float32Array, xs: number[], starts: number[], ends: number[], steps: number[]): Float32Array {
  const shape = xs.map((_, d) => Math.ceil((ends[d] - starts[d]) / steps[d]));
  const y = new Float32Array(numel(shape));
  let i = 0;
  for (const c of coords(shape))
    y[i++] =
      x[
        offset(
          xs,
          c.map((v, d) => starts[d] + v * steps[d]),
        )
      ];
  return y;
}

export function concatAxisRef(xs: Float32Array[], shapes: number[][], axis: number): Float32Array {
  const out = [...shapes[0]];
  out[axis] = shapes.reduce((a, s) => a + s[axis], 0);
  const y = new Float32Array(numel(out));
  let i = 0;
  for (const c of coords(out)) {
    let k = 0;
    let a = c[axis];
    while (a >= shapes[k][axis]) a -= shapes[k++][axis];
    const src = [...c];
    src[axis] = a;
    y[i++] = xs[k][offset(shapes[k], src)];
  }
  return y;
}

export function padRef(x: Float32Array, xs: number[], pads: number[], mode: 'constant' | 'reflect' | 'edge', value: number): Float32Array {
  const r = xs.length;
  const out = xs.map((d, i) => d + pads[i] + pads[i + r]);
  const y = new Float32Array(numel(out));
  let i = 0;
  for (const c of coords(out)) {
    let inside = true;
    const src = c.map((v, d) => {
      let s = v - pads[d];
      const n = xs[d];
      if (s < 0 || s >= n) {
        if (mode === 'constant') inside = false;
        else if (mode === 'edge') s = Math.min(Math.max(s, 0), n - 1);
        else while (s < 0 || s >= n) s = s < 0 ? -s : 2 * (n - 1) - s;
      }
      return s;
    });
    y[i++] = inside ? x[offset(xs, src)] : value;
  }
  return y;
}

export function matmulRef(
  a: Float32Array,
  as: number[],
  b: Float32Array,
  bs: number[],
  transA = false,
  transB = false,
  alpha = 1,
): { y: Float32Array; shape: number[] } {
  const [m, k] = transA ? [as[as.length - 1], as[as.length - 2]] : [as[as.length - 2], as[as.length - 1]];
  const n = transB ? bs[bs.length - 2] : bs[bs.length - 1];
  const ab = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const r = Math.max(ab.length, bb.length);
  const pa = [...new Array(r - ab.length).fill(1), ...ab];
  const pb = [...new Array(r - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const shape = [...batch, m, n];
  const y = new Float32Array(numel(shape));
  let i = 0;
  for (const c of coords(batch)) {
    const oa =
      offset(
        pa,
        c.map((v, d) => (pa[d] === 1 ? 0 : v)),
      ) *
      as[as.length - 1] *
      as[as.length - 2];
    const ob =
      offset(
        pb,
        c.map((v, d) => (pb[d] === 1 ? 0 : v)),
      ) *
      bs[bs.length - 1] *
      bs[bs.length - 2];
    for (let row = 0; row < m; row++)
      for (let col = 0; col < n; col++) {
        let acc = 0;
        for (let t = 0; t < k; t++) {
          const av = transA ? a[oa + t * m + row] : a[oa + row * k + t];
          const bv = transB ? b[ob + col * k + t] : b[ob + t * n + col];
          acc += av * bv;
        }
        y[i++] = alpha * acc;
      }
  }
  return { y, shape };
}

export function reduceRef(x: Float32Array, xs: number[], axis: number, mode: 'sum' | 'mean' | 'max' | 'min'): Float32Array {
  const outer = numel(xs.slice(0, axis));
  const len = xs[axis];
  const inner = numel(xs.slice(axis + 1));
  const y = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      let acc = mode === 'max' ? -Infinity : mode === 'min' ? Infinity : 0;
      for (let t = 0; t < len; t++) {
        const v = x[(o * len + t) * inner + j];
        acc = mode === 'max' ? Math.max(acc, v) : mode === 'min' ? Math.min(acc, v) : acc + v;
      }
      y[o * inner + j] = mode === 'mean' ? acc / len : acc;
    }
  return y;
}

export function hardmaxRef(x: Float32Array, xs: number[], axis: number): Float32Array {
  const outer = numel(xs.slice(0, axis));
  const len = xs[axis];
  const inner = numel(xs.slice(axis + 1));
  const y = new Float32Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      let best = 0;
      for (let t = 1; t < len; t++) if (x[(o * len + t) * inner + j] > x[(o * len + best) * inner + j]) best = t;
      y[(o * len + best) * inner + j] = 1;
    }
  return y;
}

export function softmaxAxisRef(x: Float32Array, xs: number[], axis: number, log = false): Float32Array {
  const outer = numel(xs.slice(0, axis));
  const len = xs[axis];
  const inner = numel(xs.slice(axis + 1));
  const y = new Float32Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const at = (t: number) => (o * len + t) * inner + j;
      let m = -Infinity;
      for (let t = 0; t < len; t++) m = Math.max(m, x[at(t)]);
      let s = 0;
      for (let t = 0; t < len; t++) s += Math.exp(x[at(t)] - m);
      for (let t = 0; t < len; t++) y[at(t)] = log ? x[at(t)] - m - Math.log(s) : Math.exp(x[at(t)] - m) / s;
    }
  return y;
}

export function lrnRef(x: Float32Array, xs: number[], size: number, alpha: number, beta: number, bias: number): Float32Array {
  const c = xs[xs.length - 1];
  const y = new Float32Array(x.length);
  const lo = Math.floor((size - 1) / 2);
  const hi = Math.ceil((size - 1) / 2);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    let s = 0;
    for (let k = Math.max(0, ch - lo); k <= Math.min(c - 1, ch + hi); k++) s += x[i - ch + k] ** 2;
    y[i] = x[i] / Math.pow(bias + (alpha / size) * s, beta);
  }
  return y;
}
