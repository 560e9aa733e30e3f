// Elementwise ops on NHWC f32 tensors: activation, residual add (with fused activation), batch-norm in
// inference form (per-channel affine, computed once from the statistics), and the squeeze-excitation rescale.

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

registerOp({
  name: 'activation',
  infer: ([x]) => [x],
  plan: async (pc) => [
    await pc.rt.kernels.launch('elementwise/activation_forward', {
      overrides: { ACT: attrNum(pc.attrs, 'act') },
      buffers: { x: pc.input(0), y: pc.output(0) },
      invocations: numel(pc.outShapes[0]),
    }),
  ],
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
