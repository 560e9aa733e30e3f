// Backward ops of the pooling family (forwards in pool.ts), with the forward node's attributes:
//   pool2d_backward      (x, dy) → dx   max: to the window's first maximal tap; avg: dy / count to every tap
//                                       (kernel pool2d_backward_tiled when the windows tile the input exactly,
//                                       vec4 over channels when C % 4 = 0; else the gathering pool2d_backward)
//   global_pool_backward (x, dy) → dx   avg: dy/(H·W) everywhere; max: to the first maximal position

import { check, shapeStr } from '../runtime/errors.js';
import { attrInts, numel, registerOp, type Attrs } from './registry.js';

const modeCode = (attrs: Attrs, dflt: string) => ((attrs.mode ?? dflt) === 'max' ? 0 : 1);

registerOp({
  name: 'pool2d_backward',
  infer([x, dy]) {
    check(
      x.length === 4 && dy.length === 4 && x[0] === dy[0] && x[3] === dy[3],
      `pool2d_backward: x ${shapeStr(x)} and dy ${shapeStr(dy)} disagree`,
    );
    return [x];
  },
  plan: async (pc) => {
    const [n, h, w, c] = pc.inShapes[0];
    const [, oh, ow] = pc.inShapes[1];
    const [kh, kw] = attrInts(pc.attrs, 'kernel', 2);
    const [sh, sw] = attrInts(pc.attrs, 'stride', 2, [kh, kw]);
    const [pt, pl, pb, pr] = attrInts(pc.attrs, 'pads', 4, [0, 0, 0, 0]);
    const [dh, dw] = attrInts(pc.attrs, 'dilation', 2, [1, 1]);
    // Windows that tile the input exactly: one invocation per window writes its taps (no gather).
    // Four channels per thread when they make whole vec4s.
    if (sh === kh && sw === kw && dh === 1 && dw === 1 && pt + pl + pb + pr === 0 && h === oh * kh && w === ow * kw) {
      const v = c % 4 === 0 ? 4 : 1;
      return [
        await pc.rt.kernels.launch(v === 4 ? 'pool/pool2d_backward_tiled_vec4' : 'pool/pool2d_backward_tiled', {
          overrides: { MODE: modeCode(pc.attrs, 'max') },
          uniforms: { c: c / v, in_hw: [h, w], out_hw: [oh, ow], kernel: [kh, kw] },
          buffers: { x: pc.input(0), dy: pc.input(1), dx: pc.output(0) },
          invocations: (n * oh * ow * c) / v,
        }),
      ];
    }
    return [
      await pc.rt.kernels.launch('pool/pool2d_backward', {
        overrides: { MODE: modeCode(pc.attrs, 'max') },
        uniforms: {
          c,
          count_include_pad: pc.attrs.countIncludePad ? 1 : 0,
          in_hw: [h, w],
          out_hw: [oh, ow],
          kernel: [kh, kw],
          stride: attrInts(pc.attrs, 'stride', 2, [kh, kw]),
          pad: [pt, pl],
          pad_end: [pb, pr],
          dilation: attrInts(pc.attrs, 'dilation', 2, [1, 1]),
        },
        buffers: { x: pc.input(0), dy: pc.input(1), dx: pc.output(0) },
        invocations: n * h * w * c,
      }),
    ];
  },
});

registerOp({
  name: 'global_pool_backward',
  infer([x]) {
    check(x.length === 4, `global_pool_backward: x must be NHWC, got ${shapeStr(x)}`);
    return [x];
  },
  plan: async (pc) => {
    const [n, h, w, c] = pc.inShapes[0];
    return [
      await pc.rt.kernels.launch('pool/global_pool_backward', {
        overrides: { MODE: 1 - modeCode(pc.attrs, 'avg') },
        uniforms: { c, hw: h * w },
        buffers: { x: pc.input(0), dy: pc.input(1), dx: pc.output(0) },
        invocations: n * h * w * c,
      }),
    ];
  },
});

/** concat_backward (dy) → one gradient per concatenated input; attr `sizes` lists their channel counts. */
registerOp({
  name: 'concat_backward',
  infer([dy], attrs) {
    const sizes = attrs.sizes as number[];
    check(
      Array.isArray(sizes) && sizes.reduce((a, b) => a + b, 0) === dy[dy.length - 1],
      `concat_backward: sizes ${JSON.stringify(sizes)} do not add up to ${dy[dy.length - 1]}`,
    );
    return sizes.map((c) => [...dy.slice(0, -1), c]);
  },
  plan: async (pc) => {
    const dy = pc.inShapes[0];
    const cy = dy[dy.length - 1];
    const launches = [];
    let offset = 0;
    for (let k = 0; k < pc.outShapes.length; k++) {
      const s = pc.outShapes[k];
      const cx = s[s.length - 1];
      launches.push(
        await pc.rt.kernels.launch('shape/concat_backward', {
          uniforms: { cx, cy, offset },
          buffers: { dy: pc.input(0), dx: pc.output(k) },
          invocations: numel(s),
        }),
      );
      offset += cx;
    }
    return launches;
  },
});
