// conv2d backward: the gradients of conv2d (every fp32 convolution: general, grouped, depthwise, pointwise,
// fully connected as 1×1) with respect to its input, weights and bias. Each node carries the forward node's
// attributes; the derivative rule that emits them is in src/train/autodiff.ts.
//
//   conv2d_backward_input   (dy, w)  → dx  [N,H,W,Cin]      attrs: forward's + in_shape [N,H,W,Cin]
//   conv2d_backward_weight  (x, dy)  → dw  [KH,KW,Cg,Cout]  attrs: forward's + w_shape
//   conv2d_backward_bias    (dy)     → db  [Cout]
//
// Gradients are taken of the pre-activation output (training graphs keep activations as separate nodes) and
// of the unshuffled output (a fused shuffle is an inference rewrite).

import { check, shapeStr } from '../runtime/errors.js';
import { convGeom } from './conv.js';
import { attrInts, numel, registerOp, type Attrs } from './registry.js';

function geomFrom(xShape: number[], wShape: number[], attrs: Attrs, dyShape: number[]) {
  const g = convGeom([xShape, wShape], attrs);
  check(dyShape.length === 4 && dyShape[0] === g.n && dyShape[1] === g.oh && dyShape[2] === g.ow && dyShape[3] === g.cout,
    `conv2d backward: output gradient ${shapeStr(dyShape)} does not match the forward output [${g.n},${g.oh},${g.ow},${g.cout}]`);
  return g;
}

function uniformsOf(g: ReturnType<typeof convGeom>) {
  return {
    cin: g.cin, cout: g.cout, groups: g.groups,
    in_hw: [g.h, g.w], out_hw: [g.oh, g.ow], kernel: [g.kh, g.kw],
    stride: [g.sh, g.sw], pad: [g.pt, g.pl], dilation: [g.dh, g.dw],
  };
}

registerOp({
  name: 'conv2d_backward_input',
  infer([dy, w], attrs) {
    const xs = attrInts(attrs, 'in_shape', 4);
    geomFrom(xs, w, attrs, dy);
    return [xs];
  },
  macs: (ins, outs) => numel(ins[0]) * ins[1][0] * ins[1][1] * ins[1][2],
  plan: async (pc) => {
    const g = geomFrom(pc.outShapes[0], pc.inShapes[1], pc.attrs, pc.inShapes[0]);
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_input', {
        uniforms: uniformsOf(g),
        buffers: { dy: pc.input(0), w: pc.input(1), dx: pc.output(0) },
        invocations: numel(pc.outShapes[0]),
      }),
    ];
  },
});

registerOp({
  name: 'conv2d_backward_weight',
  infer([x, dy], attrs) {
    const ws = attrInts(attrs, 'w_shape', 4);
    geomFrom(x, ws, attrs, dy);
    return [ws];
  },
  macs: (ins, outs) => numel(ins[1]) * outs[0][0] * outs[0][1] * outs[0][2],
  plan: async (pc) => {
    const g = geomFrom(pc.inShapes[0], pc.outShapes[0], pc.attrs, pc.inShapes[1]);
    const { cin, cout, groups, in_hw, out_hw, kernel, stride, pad, dilation } = uniformsOf(g);
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_weight', {
        uniforms: { batch: g.n, cin, cout, groups, in_hw, out_hw, kernel, stride, pad, dilation },
        buffers: { x: pc.input(0), dy: pc.input(1), dw: pc.output(0) },
        invocations: numel(pc.outShapes[0]),
      }),
    ];
  },
});

registerOp({
  name: 'conv2d_backward_bias',
  infer([dy]) {
    return [[dy[dy.length - 1]]];
  },
  plan: async (pc) => {
    const dy = pc.inShapes[0];
    const c = dy[dy.length - 1];
    return [
      await pc.rt.kernels.launch('conv/conv2d_backward_bias', {
        uniforms: { rows: numel(dy) / c },
        buffers: { dy: pc.input(0), db: pc.output(0) },
        invocations: c,
      }),
    ];
  },
});
