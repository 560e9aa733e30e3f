// ONNX reductions along axes: ReduceMean/Sum/Max/Min, and the softmax family (Softmax, LogSoftmax, Hardmax) with
// its opset-13 change from "coerce to 2-D at axis" to "along one axis".

import { normAxis, type ReduceName } from '../../../ops/tensor.js';
import { numelOf, reduceProdHost, reshapeHost, topkHost } from '../fold.js';
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
  // built from the single-axis reductions and elementwise ops (so folded on constants, run on the GPU otherwise)
  ReduceL1: (c) => reduceComposite(c, (x, n) => c.imp.unary(`${n}.abs`, 'abs', x), 'sum'),
  ReduceL2: (c) =>
    reduceComposite(
      c,
      (x, n) => c.imp.binary(`${n}.sq`, 'mul', x, x),
      'sum',
      (y, n) => c.imp.unary(n, 'sqrt', y),
    ),
  ReduceSumSquare: (c) => reduceComposite(c, (x, n) => c.imp.binary(`${n}.sq`, 'mul', x, x), 'sum'),
  ReduceLogSum: (c) =>
    reduceComposite(
      c,
      (x) => x,
      'sum',
      (y, n) => c.imp.unary(n, 'log', y),
    ),
  ReduceLogSumExp: (c) => logSumExp(c),
  ReduceProd: (c) => {
    const x = c.in(0);
    const { axes, keep, noop } = reduceArgs(c, x);
    if (noop) return [x];
    const xk = x.konst ?? c.fail('ReduceProd is supported on constants only (folded at import)');
    const t = reduceProdHost(xk, axes);
    return [c.imp.konst(reshapeHost(t, keep ? t.dims : x.shape.filter((_, i) => !axes.includes(i))), c.node.output![0])];
  },
  ArgMax: (c) => [argExtreme(c, true)],
  ArgMin: (c) => [argExtreme(c, false)],
};

function reduceArgs(c: OnnxOpContext, x: OnnxValue): { axes: number[]; keep: boolean; noop: boolean } {
  const keep = c.int('keepdims', 1) === 1;
  const noopEmpty = c.int('noop_with_empty_axes', 0) === 1;
  let axes = axesArg(c, 1, 18);
  if (!axes || axes.length === 0) {
    if (noopEmpty) return { axes: [], keep, noop: true };
    axes = x.shape.map((_, i) => i);
  }
  return { axes: [...new Set(axes.map((a) => normAxis(a, x.shape.length)))].sort((a, b) => a - b), keep, noop: false };
}

/** post(reduce(pre(x))), e.g. L2 = √Σx². */
function reduceComposite(
  c: OnnxOpContext,
  pre: (x: OnnxValue, name: string) => OnnxValue,
  mode: ReduceName,
  post?: (y: OnnxValue, name: string) => OnnxValue,
): OnnxValue[] {
  const x = c.in(0);
  const name = c.node.output![0];
  const { axes, keep, noop } = reduceArgs(c, x);
  if (noop) return [x];
  const r = c.imp.reduce(post ? `${name}.r` : name, pre(x, name), axes, mode, keep);
  return [post ? post(r, name) : r];
}

/** log Σ exp(x) = m + log Σ exp(x − m), m the maximum (kept finite for large x). */
function logSumExp(c: OnnxOpContext): OnnxValue[] {
  const x = c.in(0);
  const name = c.node.output![0];
  const { axes, keep, noop } = reduceArgs(c, x);
  if (noop) return [x];
  const imp = c.imp;
  const m = imp.reduce(`${name}.max`, x, axes, 'max', true);
  const s = imp.reduce(`${name}.sum`, imp.unary(`${name}.exp`, 'exp', imp.binary(`${name}.d`, 'sub', x, m)), axes, 'sum', true);
  const y = imp.binary(keep ? name : `${name}.k`, 'add', imp.unary(`${name}.log`, 'log', s), m);
  return [
    keep
      ? y
      : imp.reshape(
          name,
          y,
          x.shape.filter((_, i) => !axes.includes(i)),
        ),
  ];
}

/** ArgMax / ArgMin: folded at import (the first extreme, or the last with select_last_index). */
function argExtreme(c: OnnxOpContext, largest: boolean): OnnxValue {
  const x = c.in(0);
  const axis = normAxis(c.int('axis', 0), x.shape.length);
  const keep = c.int('keepdims', 1) === 1;
  const last = c.int('select_last_index', 0) === 1;
  const xk = x.konst ?? c.fail(`${c.node.opType} is supported on constants only (folded at import)`);
  const { indices } = topkHost(xk, axis, 1, largest, true, last);
  return c.imp.konst(reshapeHost(indices, keep ? indices.dims : x.shape.filter((_, i) => i !== axis)), c.node.output![0]);
}

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
