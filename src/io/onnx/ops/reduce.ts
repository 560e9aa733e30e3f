// ONNX reductions along axes: ReduceMean/Sum/Max/Min, and the softmax family (Softmax, LogSoftmax, Hardmax) with
// its opset-13 change from "coerce to 2-D at axis" to "along one axis".

import { normAxis, type ReduceName } from '../../../ops/tensor.js';
import { numelOf } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';
import { axesArg } from './common.js';

export const REDUCE_OPS: Record<string, OnnxOpHandler> = {
  Softmax: (c) => softmax(c, {}),
  LogSoftmax: (c) => softmax(c, { log: 1 }),
  Hardmax: (c) => softmax(c, { hard: 1 }),
  ReduceMean: (c) => reduceH(c, 'mean'),
  ReduceSum: (c) => reduceH(c, 'sum', 13),
  ReduceMax: (c) => reduceH(c, 'max'),
  ReduceMin: (c) => reduceH(c, 'min'),
};

function softmax(c: OnnxOpContext, mode: { log?: number; hard?: number }): OnnxValue[] {
  const x = c.in(0);
  const r = x.shape.length;
  const name = c.node.output![0];
  if (c.opset < 13) {
    // coerced to 2-D at axis (default 1): softmax over all trailing dimensions together
    const axis = normAxis(c.int('axis', 1), r);
    const flat = c.imp.reshape(`${name}.2d`, x, [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))]);
    const id = c.imp.add('softmax_axis', [c.imp.onnx(flat)], { axis: 1, ...mode }, `${name}.sm`);
    return [c.imp.reshape(name, c.imp.fromGpu(`${name}.sm`, x.dtype, flat.shape, id, 'nchw'), x.shape)];
  }
  const axis = normAxis(c.int('axis', -1), r);
  const id = c.imp.add('softmax_axis', [c.imp.onnx(x)], { axis, ...mode }, name);
  return [c.imp.fromGpu(name, x.dtype, x.shape, id, 'nchw')];
}

function reduceH(c: OnnxOpContext, mode: ReduceName, axesInputFrom = 18): OnnxValue[] {
  const x = c.in(0);
  const keep = c.int('keepdims', 1) === 1;
  const noop = c.int('noop_with_empty_axes', 0) === 1;
  let axes = axesArg(c, 1, axesInputFrom);
  if (!axes || axes.length === 0) {
    if (noop) return [x];
    axes = x.shape.map((_, i) => i);
  }
  return [c.imp.reduce(c.node.output![0], x, axes, mode, keep)];
}
