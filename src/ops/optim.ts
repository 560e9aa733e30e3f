// Optimizer ops. They write parameters and optimizer state in place and have no outputs; training graphs place
// them after every node that reads the parameters they update (src/train/optim.ts builds them).
//
//   grad_norm   (g0, g1, …) → norm [1] = √(Σ_k ‖g_k‖²)         (global norm: clipping and the NaN/Inf check)
//   sgd_update  (w, g, v, hyper, norm) → ()                    attrs momentum, nesterov, weight_decay, l1
//   adam_update (w, g, m, v, hyper, norm) → ()                 attrs beta1, beta2, eps, weight_decay, l1, decoupled
// `hyper` [8] is a graph input rewritten every step: [lr, 1/(1−β1^t), 1/(1−β2^t), max_norm, 0, 0, 0, 0].

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

const CHUNK = 256; // shaders/reduce/sumsq_partial.wgsl

registerOp({
  name: 'grad_norm',
  infer: () => [[1]],
  plan: async (pc) => {
    const counts = pc.inShapes.map((s) => Math.ceil(numel(s) / CHUNK));
    const total = counts.reduce((a, b) => a + b, 0);
    const partial = pc.constant(new Float32Array(Math.max(total, 4)), `${pc.name}.partial`);
    const k = pc.rt.kernels;
    const launches = [];
    let offset = 0;
    for (let i = 0; i < pc.inputCount; i++) {
      launches.push(
        await k.launch('reduce/sumsq_partial', {
          uniforms: { len: numel(pc.inShapes[i]), offset },
          buffers: { x: pc.input(i), partial },
          invocations: counts[i],
        }),
      );
      offset += counts[i];
    }
    launches.push(
      await k.launch('reduce/sumsq_final', { uniforms: { count: total }, buffers: { partial, norm: pc.output(0) }, invocations: 1 }),
    );
    return launches;
  },
});

function checkUpdate(op: string, shapes: number[][], states: number): void {
  const w = shapes[0];
  for (let k = 1; k <= 1 + states; k++)
    check(numel(shapes[k]) === numel(w), `${op}: tensor ${k} ${shapeStr(shapes[k])} does not match the parameter ${shapeStr(w)}`);
  check(numel(shapes[2 + states]) === 8 && numel(shapes[3 + states]) === 1, `${op}: needs hyper [8] and norm [1]`);
}

registerOp({
  name: 'sgd_update',
  infer(shapes) {
    checkUpdate('sgd_update', shapes, 1);
    return [];
  },
  plan: async (pc) => [
    // four elements per thread where the length allows (always for the flat optimizer's 256-byte-aligned buffer)
    await pc.rt.kernels.launch(numel(pc.inShapes[0]) % 4 === 0 ? 'optim/sgd_update_vec4' : 'optim/sgd_update', {
      overrides: { NESTEROV: pc.attrs.nesterov ? 1 : 0 },
      uniforms: {
        momentum: attrNum(pc.attrs, 'momentum', 0),
        weight_decay: attrNum(pc.attrs, 'weight_decay', 0),
        l1: attrNum(pc.attrs, 'l1', 0),
      },
      buffers: { w: pc.input(0), g: pc.input(1), v: pc.input(2), hyper: pc.input(3), norm: pc.input(4) },
      invocations: numel(pc.inShapes[0]) % 4 === 0 ? numel(pc.inShapes[0]) / 4 : numel(pc.inShapes[0]),
    }),
  ],
});

registerOp({
  name: 'adam_update',
  infer(shapes) {
    checkUpdate('adam_update', shapes, 2);
    return [];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('optim/adam_update', {
      overrides: { DECOUPLED: pc.attrs.decoupled === false ? 0 : 1 },
      uniforms: {
        beta1: attrNum(pc.attrs, 'beta1', 0.9),
        beta2: attrNum(pc.attrs, 'beta2', 0.999),
        eps: attrNum(pc.attrs, 'eps', 1e-8),
        weight_decay: attrNum(pc.attrs, 'weight_decay', 0),
        l1: attrNum(pc.attrs, 'l1', 0),
      },
      buffers: { w: pc.input(0), g: pc.input(1), m: pc.input(2), v: pc.input(3), hyper: pc.input(4), norm: pc.input(5) },
      invocations: numel(pc.inShapes[0]),
    }),
  ],
});
