// ONNX convolution and pooling: Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool. All take and
// produce NHWC on the GPU (the importer inserts the transposes); weights arrive OIHW and become HWIO params.

import { shapeStr } from '../../../runtime/errors.js';
import { transposeHost } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';
import { need4d } from './common.js';

export const CONV_POOL_OPS: Record<string, OnnxOpHandler> = {
  Conv: (c) => [convCore(c, c.in(0, 'X'), c.in(1, 'W'), c.opt(2))],
  MaxPool: (c) => pool(c, 'max'),
  AveragePool: (c) => pool(c, 'avg'),
  GlobalAveragePool: (c) => globalPool(c, 'avg'),
  GlobalMaxPool: (c) => globalPool(c, 'max'),
};

function autoPads(c: OnnxOpContext, spatial: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const mode = c.str('auto_pad', 'NOTSET');
  const n = spatial.length;
  if (mode === 'NOTSET') {
    const p = c.ints('pads') ?? new Array(2 * n).fill(0);
    if (p.length !== 2 * n) c.fail(`pads must have ${2 * n} values, got ${p.length}`);
    if (p.some((v) => v < 0)) c.fail(`negative pads [${p.join(',')}] are not supported`);
    return p;
  }
  if (mode === 'VALID') return new Array(2 * n).fill(0);
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') c.fail(`auto_pad '${mode}' is not supported`);
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((len, i) => {
    const out = Math.ceil(len / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - len);
    const small = Math.floor(total / 2);
    begin.push(mode === 'SAME_UPPER' ? small : total - small);
    end.push(mode === 'SAME_UPPER' ? total - small : small);
  });
  c.ints('pads'); // ignored with auto_pad
  return [...begin, ...end];
}

/** Conv over NHWC with weights given in ONNX OIHW (constant or computed), optional bias. */
export function convCore(c: OnnxOpContext, x: OnnxValue, w: OnnxValue, b: OnnxValue | undefined): OnnxValue {
  const imp = c.imp;
  need4d(c, x, 'X');
  if (w.shape.length !== 4) c.fail(`W must be 4-D [M, C/group, kH, kW], got ${shapeStr(w.shape)}`);
  const [, cin, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  const group = c.int('group', 1);
  const kernel = c.ints('kernel_shape');
  if (kernel && (kernel.length !== 2 || kernel[0] !== kh || kernel[1] !== kw)) c.fail(`kernel_shape [${kernel.join(',')}] disagrees with W ${shapeStr(w.shape)}`);
  if (cg * group !== cin) c.fail(`W ${shapeStr(w.shape)} with group ${group} expects ${cg * group} input channels, X ${shapeStr(x.shape)} has ${cin}`);
  const strides = c.ints('strides') ?? [1, 1];
  const dil = c.ints('dilations') ?? [1, 1];
  if (strides.length !== 2 || dil.length !== 2) c.fail('strides and dilations must have 2 values');
  const pads = autoPads(c, [h, wd], [kh, kw], strides, dil);
  const wid = w.konst
    ? (() => { const t = transposeHost(w.konst!, [2, 3, 1, 0]); return imp.g.addParam(`${w.name}.hwio`, t.dims, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)); })()
    : imp.add('transpose', [imp.onnx(w)], { perm: [2, 3, 1, 0] }, `${w.name}.hwio`);
  const inputs = [imp.nhwc(x), wid];
  if (b) {
    if (b.shape.length !== 1 || b.shape[0] !== m) c.fail(`B must be [${m}], got ${shapeStr(b.shape)}`);
    inputs.push(imp.onnx(b));
  }
  const name = c.node.name || c.node.output![0];
  const id = imp.add('conv2d', inputs, { stride: strides, pads: [pads[0], pads[1], pads[2], pads[3]], dilation: dil, groups: group }, name);
  const [, oh, ow] = imp.g.shape(id);
  return imp.fromGpu(name, x.dtype, [x.shape[0], m, oh, ow], id, 'nhwc');
}

function pool(c: OnnxOpContext, mode: 'max' | 'avg'): OnnxValue[] {
  const imp = c.imp;
  const x = c.in(0);
  need4d(c, x, 'X');
  const kernel = c.ints('kernel_shape');
  if (!kernel || kernel.length !== 2) c.fail('kernel_shape must have 2 values');
  const strides = c.ints('strides') ?? [1, 1];
  const dil = c.ints('dilations') ?? [1, 1];
  const pads = autoPads(c, x.shape.slice(2), kernel, strides, dil);
  const ceil = c.int('ceil_mode', 0) === 1;
  const attrs: Record<string, any> = { mode, kernel, stride: strides, pads, dilation: dil, ceil };
  if (mode === 'avg') attrs.countIncludePad = c.int('count_include_pad', 0) === 1;
  else {
    if (c.int('storage_order', 0) !== 0) c.fail('storage_order 1 is not supported');
    c.onlyOutputs(1);
  }
  const name = c.node.name || c.node.output![0];
  const id = imp.add('pool2d', [imp.nhwc(x)], attrs, name);
  const [n, oh, ow, ch] = imp.g.shape(id);
  return [imp.fromGpu(name, x.dtype, [n, ch, oh, ow], id, 'nhwc')];
}

function globalPool(c: OnnxOpContext, mode: 'avg' | 'max'): OnnxValue[] {
  const x = c.in(0);
  need4d(c, x, 'X');
  const name = c.node.output![0];
  const id = c.imp.add('global_pool', [c.imp.nhwc(x)], { mode }, name);
  return [c.imp.fromGpu(name, x.dtype, [x.shape[0], x.shape[1], 1, 1], id, 'nhwc')];
}
