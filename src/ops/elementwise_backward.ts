// Backward ops of the elementwise family (forwards in elementwise.ts):
//   activation_backward    (x, dy) → dx = dy·act'(x)          attr act
//   channel_scale_backward (x, dy) → ds [N,1,1,C] = Σ_hw dy·x  (the x gradient is channel_scale(dy, s))
//   mul                    (a, b) → a ⊙ b                    (pruning masks)
// Residual add needs no kernel: both inputs receive the output gradient (see src/train/autodiff.ts).

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

registerOp({
  name: 'activation_backward',
  infer([x, dy]) {
    check(numel(x) === numel(dy), `activation_backward: x ${shapeStr(x)} and dy ${shapeStr(dy)} differ`);
    return [x];
  },
  plan: async (pc) => {
    const v = numel(pc.outShapes[0]) % 4 === 0 ? 4 : 1; // four elements per thread when they make whole vec4s
    return [
      await pc.rt.kernels.launch(v === 4 ? 'elementwise/activation_backward_vec4' : 'elementwise/activation_backward', {
        overrides: { ACT: attrNum(pc.attrs, 'act') },
        buffers: { x: pc.input(0), dy: pc.input(1), dx: pc.output(0) },
        invocations: numel(pc.outShapes[0]) / v,
      }),
    ];
  },
});

registerOp({
  name: 'channel_scale_backward',
  infer([x]) {
    check(x.length === 4, `channel_scale_backward needs x [N,H,W,C], got ${shapeStr(x)}`);
    return [[x[0], 1, 1, x[3]]];
  },
  plan: async (pc) => {
    const [n, h, w, c] = pc.inShapes[0];
    return [
      await pc.rt.kernels.launch('elementwise/channel_scale_backward', {
        uniforms: { c, hw: h * w },
        buffers: { x: pc.input(0), dy: pc.input(1), ds: pc.output(0) },
        invocations: n * c,
      }),
    ];
  },
});

/** mul (a, b) → a ⊙ b, same shapes (pruning masks on weights; its gradient is mul again). */
registerOp({
  name: 'mul',
  infer([a, b]) {
    check(a.length === b.length && a.every((d, i) => d === b[i]), `mul needs equal shapes, got ${shapeStr(a)} and ${shapeStr(b)}`);
    return [a];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('elementwise/mul_forward', {
      buffers: { a: pc.input(0), b: pc.input(1), y: pc.output(0) },
      invocations: numel(pc.outShapes[0]),
    }),
  ],
});
