// Elementwise ops on NHWC f32 tensors: activation, residual add (with fused activation), batch-norm in
// inference form (per-channel affine, computed once from the statistics), and the squeeze-excitation rescale.
// Also the launch of the broadcasting `binary` op (registered in tensor.ts) with its fast paths: `blockPattern`
// says how an operand broadcasts, `binaryLaunch` picks binary_forward_vec4 / binary_forward's fast or strided path.

import { check, shapeStr } from '../runtime/errors.js';
import type { Launch } from '../runtime/kernels.js';
import { attrNum, numel, registerOp, type PlanContext } from './registry.js';
import { broadcastStrides } from './tensor.js';

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

registerOp({
  name: 'activation',
  infer: ([x]) => [x],
  plan: async (pc) => {
    const v = numel(pc.outShapes[0]) % 4 === 0 ? 4 : 1; // four elements per thread when they make whole vec4s
    return [
      await pc.rt.kernels.launch(v === 4 ? 'elementwise/activation_forward_vec4' : 'elementwise/activation_forward', {
        overrides: { ACT: attrNum(pc.attrs, 'act') },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: numel(pc.outShapes[0]) / v,
      }),
    ];
  },
});

registerOp({
  name: 'add',
  infer([a, b]) {
    check(sameShape(a, b), `add needs equal shapes, got ${shapeStr(a)} and ${shapeStr(b)}`);
    return [a];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('elementwise/add_forward', {
      overrides: { ACT: attrNum(pc.attrs, 'act', 0) },
      buffers: { a: pc.input(0), b: pc.input(1), y: pc.output(0) },
      invocations: numel(pc.outShapes[0]),
    }),
  ],
});

/** Inference batch-norm: inputs x, gamma, beta, running mean, running var (all [C] but x); attr eps. */
registerOp({
  name: 'batchnorm',
  infer(inShapes) {
    const x = inShapes[0];
    const c = x[x.length - 1];
    check(inShapes.length === 5, 'batchnorm takes x, gamma, beta, mean, var');
    for (const s of inShapes.slice(1)) check(s.length === 1 && s[0] === c, `batchnorm statistics must be [${c}], got ${shapeStr(s)}`);
    return [x];
  },
  async plan(pc) {
    const x = pc.inShapes[0];
    const c = x[x.length - 1];
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => pc.inputData(i));
    check(gamma && beta && mean && variance, `batchnorm '${pc.name}': statistics must be parameters (inference form)`);
    const { scale, shift } = batchnormAffine(gamma!, beta!, mean!, variance!, attrNum(pc.attrs, 'eps', 1e-5));
    return [
      await pc.rt.kernels.launch('elementwise/channel_affine_forward', {
        overrides: { ACT: attrNum(pc.attrs, 'act', 0) },
        uniforms: { c },
        buffers: {
          x: pc.input(0),
          scale: pc.constant(scale, `${pc.name}.scale`),
          shift: pc.constant(shift, `${pc.name}.shift`),
          y: pc.output(0),
        },
        invocations: numel(x),
      }),
    ];
  },
});

/** scale = γ/√(var+ε), shift = β − mean·scale (float64, rounded once). */
export function batchnormAffine(gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, eps: number) {
  const c = gamma.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + eps);
    scale[i] = s;
    shift[i] = beta[i] - mean[i] * s;
  }
  return { scale, shift };
}

/** Squeeze-excitation rescale: x [N,H,W,C] times s [N,1,1,C]. */
registerOp({
  name: 'channel_scale',
  infer([x, s]) {
    check(
      x.length === 4 && s.length === 4 && s[0] === x[0] && s[1] === 1 && s[2] === 1 && s[3] === x[3],
      `channel_scale needs x [N,H,W,C] and s [N,1,1,C], got ${shapeStr(x)} and ${shapeStr(s)}`,
    );
    return [x];
  },
  plan: async (pc) => {
    const [n, h, w, c] = pc.inShapes[0];
    return [
      await pc.rt.kernels.launch('elementwise/channel_scale_forward', {
        uniforms: { c, hw: h * w },
        buffers: { x: pc.input(0), s: pc.input(1), y: pc.output(0) },
        invocations: n * h * w * c,
      }),
    ];
  },
});

/**
 * Where an operand of shape `s` broadcast to `out` reads, when its non-broadcast axes form one contiguous block of
 * the output's axes (ignoring output axes of size 1): element ((i / inner) % count) for output index i. Same shape:
 * inner 1, count n; scalar: count 1; per-channel [C] or [1,1,1,C] on NHWC: inner 1, count C; [C,1,1] on NCHW:
 * inner H·W, count C. Null when the operand needs the general strided walk (e.g. [N,1,1,C] with N > 1).
 */
export function blockPattern(s: readonly number[], out: readonly number[]): { inner: number; count: number } | null {
  if (s.length > out.length) return null;
  const r = out.length;
  const sp = [...new Array(r - s.length).fill(1), ...s];
  let lo = -1;
  let hi = -1;
  for (let d = 0; d < r; d++) {
    if (sp[d] === 1) continue;
    if (sp[d] !== out[d]) return null;
    if (lo < 0) lo = d;
    hi = d + 1;
  }
  if (lo < 0) return { inner: 1, count: 1 };
  for (let d = lo; d < hi; d++) if (sp[d] === 1 && out[d] !== 1) return null;
  const inner = out.slice(hi).reduce((a, b) => a * b, 1);
  const count = out.slice(lo, hi).reduce((a, b) => a * b, 1);
  return { inner, count };
}

/**
 * How a vec4 kernel (four consecutive outputs per invocation, n % 4 = 0) reads an operand of block pattern p, or null
 * when the four lanes do not stay in step: VEC 1 loads four consecutive values at 4·block_index(j, 1, COUNT) (same
 * shape: COUNT 0; last-axis block with count % 4 = 0: COUNT = count/4); VEC 0 splats one value at
 * block_index(j, INNER, COUNT) (scalar; or inner % 4 = 0: INNER = inner/4).
 */
export function vec4Read(p: { inner: number; count: number }, n: number): { VEC: number; INNER: number; COUNT: number } | null {
  if (p.count === 1) return { VEC: 0, INNER: 1, COUNT: 1 };
  if (p.inner === 1 && (p.count === n || p.count % 4 === 0)) return { VEC: 1, INNER: 1, COUNT: p.count === n ? 0 : p.count / 4 };
  if (p.inner % 4 === 0) return { VEC: 0, INNER: p.inner / 4, COUNT: p.count };
  return null;
}

/**
 * The launch of a broadcasting binary op (codes of src/ops/tensor.ts BINARY): the vec4 kernel when both operands
 * have a block pattern that keeps four consecutive outputs in step (see binary_forward_vec4.wgsl), else the scalar
 * kernel with a fast path per operand that has a pattern and the strided walk for the others. `strided` forces the
 * general walk (the measured baseline, and tests of that path).
 */
export async function binaryLaunch(pc: PlanContext, fn: number, strided = false): Promise<Launch> {
  const out = pc.outShapes[0];
  const n = numel(out);
  const pats = strided ? [null, null] : [0, 1].map((k) => blockPattern(pc.inShapes[k], out));
  const vec4Of = (p: { inner: number; count: number }) => vec4Read(p, n);
  if (n % 4 === 0 && pats[0] && pats[1]) {
    const [va, vb] = [vec4Of(pats[0]), vec4Of(pats[1])];
    if (va && vb) {
      return pc.rt.kernels.launch('elementwise/binary_forward_vec4', {
        overrides: { FN: fn, A_VEC: va.VEC, A_INNER: va.INNER, A_COUNT: va.COUNT, B_VEC: vb.VEC, B_INNER: vb.INNER, B_COUNT: vb.COUNT },
        buffers: { a: pc.input(0), b: pc.input(1), y: pc.output(0) },
        invocations: n / 4,
      });
    }
  }
  const lohi = (v: number[], fill = 0) => {
    check(v.length <= 8, `rank ${v.length} is over the limit of 8 dimensions`);
    const p = [...v, ...new Array(8 - v.length).fill(fill)];
    return [p.slice(0, 4), p.slice(4, 8)];
  };
  const [shape_lo, shape_hi] = lohi(out, 1);
  const [as_lo, as_hi] = lohi(broadcastStrides(pc.inShapes[0], out));
  const [bs_lo, bs_hi] = lohi(broadcastStrides(pc.inShapes[1], out));
  const ov = (p: { inner: number; count: number } | null) =>
    p ? { FAST: 1, INNER: p.inner, COUNT: p.count === n && p.inner === 1 ? 0 : p.count } : { FAST: 0, INNER: 1, COUNT: 0 };
  const [oa, ob] = [ov(pats[0]), ov(pats[1])];
  return pc.rt.kernels.launch('elementwise/binary_forward', {
    overrides: { FN: fn, A_FAST: oa.FAST, A_INNER: oa.INNER, A_COUNT: oa.COUNT, B_FAST: ob.FAST, B_INNER: ob.INNER, B_COUNT: ob.COUNT },
    uniforms: { rank: out.length, shape_lo, shape_hi, as_lo, as_hi, bs_lo, bs_hi },
    buffers: { a: pc.input(0), b: pc.input(1), y: pc.output(0) },
    invocations: n,
  });
}
