// Batch-norm in training mode: batch statistics, running averages updated in place, and the backward pass.
//
//   batchnorm_train     (x, γ, β, running_mean, running_var) → (y, mean, rstd)
//       attrs eps (1e-5), momentum (0.1), update (1: update the running averages; 0: leave them, e.g. when a
//       peer's forward is recomputed in deep mutual learning). mean and rstd [C] are saved for the backward.
//   batchnorm_backward  (x, dy, mean, rstd, γ) → (dx, dγ, dβ)
//
// The inference form (`batchnorm`, in elementwise.ts) uses the running averages; a training graph swaps each
// `batchnorm` node for `batchnorm_train` (src/train/autodiff.ts), reading and updating the same tensors.

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

const channels = (x: number[]) => x[x.length - 1];

registerOp({
  name: 'batchnorm_train',
  infer(inShapes) {
    check(inShapes.length === 5, 'batchnorm_train takes x, gamma, beta, running mean, running var');
    const c = channels(inShapes[0]);
    for (const s of inShapes.slice(1)) check(s.length === 1 && s[0] === c, `batchnorm_train statistics must be [${c}], got ${shapeStr(s)}`);
    return [inShapes[0], [c], [c]];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = channels(x);
    const k = pc.rt.kernels;
    return [
      await k.launch('norm/batchnorm_forward_stats', {
        overrides: { UPDATE: attrNum(pc.attrs, 'update', 1) ? 1 : 0 },
        uniforms: { rows: numel(x) / c, eps: attrNum(pc.attrs, 'eps', 1e-5), momentum: attrNum(pc.attrs, 'momentum', 0.1) },
        buffers: { x: pc.input(0), run_mean: pc.input(3), run_var: pc.input(4), mean: pc.output(1), rstd: pc.output(2) },
        invocations: c,
      }),
      await k.launch('norm/batchnorm_forward_apply', {
        uniforms: { c },
        buffers: { x: pc.input(0), mean: pc.output(1), rstd: pc.output(2), gamma: pc.input(1), beta: pc.input(2), y: pc.output(0) },
        invocations: numel(x),
      }),
    ];
  },
});

registerOp({
  name: 'batchnorm_backward',
  infer(inShapes) {
    const [x, dy] = inShapes;
    check(x.length === dy.length && x.every((d, i) => d === dy[i]), `batchnorm_backward: x ${shapeStr(x)} and dy ${shapeStr(dy)} differ`);
    const c = channels(x);
    return [x, [c], [c]];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = channels(x);
    const rows = numel(x) / c;
    const k = pc.rt.kernels;
    return [
      await k.launch('norm/batchnorm_backward_reduce', {
        uniforms: { rows },
        buffers: { x: pc.input(0), dy: pc.input(1), mean: pc.input(2), rstd: pc.input(3), dgamma: pc.output(1), dbeta: pc.output(2) },
        invocations: c,
      }),
      await k.launch('norm/batchnorm_backward_input', {
        uniforms: { c, rows },
        buffers: {
          x: pc.input(0), dy: pc.input(1), mean: pc.input(2), rstd: pc.input(3), gamma: pc.input(4),
          dgamma: pc.output(1), dbeta: pc.output(2), dx: pc.output(0),
        },
        invocations: numel(x),
      }),
    ];
  },
});
