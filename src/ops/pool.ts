// Pooling: pool2d (max / average with pads, strides, dilation, ceil mode, count_include_pad) and global pooling.

import { check, shapeStr } from '../runtime/errors.js';
import { attrInts, registerOp, type Attrs } from './registry.js';
import { REDUCE } from './tensor.js';

const MODES: Record<string, number> = { max: 0, avg: 1 };

function modeOf(attrs: Attrs): number {
  const m = attrs.mode ?? 'max';
  check(typeof m === 'string' && m in MODES, `pool mode must be 'max' or 'avg', got ${JSON.stringify(m)}`);
  return MODES[m as string];
}

export function poolOutSize(len: number, k: number, s: number, p0: number, p1: number, d: number, ceil: boolean): number {
  const span = len + p0 + p1 - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil mode must not start a window entirely in the end padding (PyTorch/ONNX rule)
  if (ceil && (out - 1) * s >= len + p0) out--;
  return out;
}

registerOp({
  name: 'pool2d',
  infer([x], attrs) {
    check(x.length === 4, `pool2d input must be NHWC 4-D, got ${shapeStr(x)}`);
    modeOf(attrs);
    const [kh, kw] = attrInts(attrs, 'kernel', 2);
    const [sh, sw] = attrInts(attrs, 'stride', 2, [kh, kw]);
    const [pt, pl, pb, pr] = attrInts(attrs, 'pads', 4, [0, 0, 0, 0]);
    const [dh, dw] = attrInts(attrs, 'dilation', 2, [1, 1]);
    check(kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1, 'pool2d kernel, stride and dilation must be ≥ 1');
    check(pt < kh && pb < kh && pl < kw && pr < kw && Math.min(pt, pl, pb, pr) >= 0, 'pool2d pads must be in [0, kernel)');
    const ceil = !!(attrs.ceil ?? false);
    const oh = poolOutSize(x[1], kh, sh, pt, pb, dh, ceil);
    const ow = poolOutSize(x[2], kw, sw, pl, pr, dw, ceil);
    check(oh >= 1 && ow >= 1, `pool2d output would be empty for input ${shapeStr(x)}`);
    return [[x[0], oh, ow, x[3]]];
  },
  plan: async (pc) => {
    const [n, h, w, c] = pc.inShapes[0];
    const [, oh, ow] = pc.outShapes[0];
    const [kh, kw] = attrInts(pc.attrs, 'kernel', 2);
    const [pt, pl, pb, pr] = attrInts(pc.attrs, 'pads', 4, [0, 0, 0, 0]);
    const v = c % 4 === 0 ? 4 : 1; // four channels per thread when they make whole vec4s
    return [
      await pc.rt.kernels.launch(v === 4 ? 'pool/pool2d_forward_vec4' : 'pool/pool2d_forward', {
        overrides: { MODE: modeOf(pc.attrs) },
        uniforms: {
          c: c / v,
          count_include_pad: pc.attrs.countIncludePad ? 1 : 0,
          in_hw: [h, w],
          out_hw: [oh, ow],
          kernel: [kh, kw],
          stride: attrInts(pc.attrs, 'stride', 2, [kh, kw]),
          pad: [pt, pl],
          pad_end: [pb, pr],
          dilation: attrInts(pc.attrs, 'dilation', 2, [1, 1]),
        },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: (n * oh * ow * c) / v,
      }),
    ];
  },
});

registerOp({
  name: 'global_pool',
  infer([x], attrs) {
    check(x.length === 4, `global_pool input must be NHWC 4-D, got ${shapeStr(x)}`);
    modeOf({ mode: attrs.mode ?? 'avg' });
    return [[x[0], 1, 1, x[3]]];
  },
  plan: async (pc) => {
    const [n, h, w, c] = pc.inShapes[0];
    // x viewed as [N, H·W, C] reduced over the middle axis: the general axis reduction is this kernel
    return [
      await pc.rt.kernels.launch('reduce/reduce_axis_forward', {
        overrides: { MODE: (pc.attrs.mode ?? 'avg') === 'max' ? REDUCE.max : REDUCE.mean },
        uniforms: { r: h * w, inner: c },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: n * c,
      }),
    ];
  },
});
