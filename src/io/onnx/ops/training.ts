// ONNX training ops, built from the general ops: SoftmaxCrossEntropyLoss (labels known at import) and the
// training mode of BatchNormalization (batch statistics and updated running statistics).

import { shapeStr } from '../../../runtime/errors.js';
import { DT } from '../proto.js';
import { numelOf } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';

export const TRAINING_OPS: Record<string, OnnxOpHandler> = {
  SoftmaxCrossEntropyLoss: (c) => softmaxCrossEntropy(c),
};

/**
 * Training-mode batch-norm (opset ≥ 14): normalise with the batch's own mean and (population) variance over every
 * axis but 1, and output the updated running statistics, momentum·running + (1 − momentum)·batch.
 */
export function batchnormTraining(c: OnnxOpContext, x: OnnxValue, stats: OnnxValue[], eps: number, momentum: number): OnnxValue[] {
  const imp = c.imp;
  const [yName, mName, vName] = [0, 1, 2].map((k) => c.node.output![k] || `${c.node.output![0]}.out${k}`);
  const ch = x.shape[1];
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = [ch, ...new Array(Math.max(0, x.shape.length - 2)).fill(1)];
  const mean = imp.reduce(`${yName}.mean`, x, axes, 'mean', true);
  const d = imp.binary(`${yName}.d`, 'sub', x, mean);
  const variance = imp.reduce(`${yName}.var`, imp.binary(`${yName}.d2`, 'mul', d, d), axes, 'mean', true);
  const sd = imp.unary(`${yName}.sd`, 'sqrt', imp.binary(`${yName}.ve`, 'add', variance, imp.scalar(eps)));
  const [scale, bias] = stats.slice(0, 2).map((s) => imp.reshape(`${s.name}.c`, s, bshape));
  const y = imp.binary(yName, 'add', imp.binary(`${yName}.s`, 'mul', imp.binary(`${yName}.q`, 'div', d, sd), scale), bias);
  const mom = imp.scalar(momentum);
  const rest = imp.scalar(1 - momentum);
  const run = (name: string, old: OnnxValue, cur: OnnxValue) =>
    imp.binary(
      name,
      'add',
      imp.binary(`${name}.old`, 'mul', old, mom),
      imp.binary(`${name}.new`, 'mul', imp.reshape(`${name}.flat`, cur, [ch]), rest),
    );
  return [y, run(mName, stats[2], mean), run(vName, stats[3], variance)];
}

/**
 * SoftmaxCrossEntropyLoss with labels known at import (an initializer, or a shape-like int64 input given as a
 * constant): the label gather becomes a product with a host-built one-hot mask and a sum over classes, so the
 * whole loss runs on the general ops. Run-time labels are reported as unsupported.
 */
function softmaxCrossEntropy(c: OnnxOpContext): OnnxValue[] {
  const imp = c.imp;
  const x = c.in(0);
  const labels = c.konst(1, 'labels');
  const w = c.opt(2);
  const reduction = c.str('reduction', 'mean');
  if (!['mean', 'sum', 'none'].includes(reduction)) c.fail(`reduction '${reduction}' is not supported`);
  const ignore = c.attrs.has('ignore_index') ? c.int('ignore_index', 0) : undefined;
  const [lossName, probName] = [c.node.output![0], c.node.output![1] || `${c.node.output![0]}.log_prob`];
  if (x.shape.length < 2) c.fail(`scores must be [N, C, ...], got ${shapeStr(x.shape)}`);
  const [n, ch] = x.shape;
  const rest = x.shape.slice(2);
  const d = numelOf(rest);
  if (labels.dims.join(',') !== [n, ...rest].join(',')) c.fail(`labels ${shapeStr(labels.dims)} do not match scores ${shapeStr(x.shape)}`);
  const mask = new Float64Array(n * ch * d);
  let count = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const l = labels.data[i * d + j];
      if (l === ignore) continue;
      if (!(Number.isInteger(l) && l >= 0 && l < ch)) c.fail(`label ${l} is outside [0, ${ch})`);
      mask[(i * ch + l) * d + j] = 1;
      count++;
    }
  const onehot = imp.konst({ dtype: DT.FLOAT, dims: x.shape, data: mask }, `${lossName}.onehot`);
  const lpId = imp.add('softmax_axis', [imp.onnx(x)], { axis: 1, log: 1 }, probName);
  const logProb = imp.fromGpu(probName, x.dtype, x.shape, lpId, 'nchw');
  let loss = imp.unary(
    `${lossName}.neg`,
    'neg',
    imp.reduce(`${lossName}.pick`, imp.binary(`${lossName}.m`, 'mul', logProb, onehot), [1], 'sum', false),
  );
  let denom: OnnxValue | undefined;
  if (w) {
    if (w.shape.length !== 1 || w.shape[0] !== ch) c.fail(`weights must be [${ch}], got ${shapeStr(w.shape)}`);
    const wb = imp.reshape(`${w.name}.b`, w, [ch, ...rest.map(() => 1)]);
    const gw = imp.reduce(`${lossName}.gw`, imp.binary(`${lossName}.wm`, 'mul', onehot, wb), [1], 'sum', false);
    loss = imp.binary(`${lossName}.w`, 'mul', loss, gw);
    denom = imp.reduce(
      `${lossName}.wsum`,
      gw,
      gw.shape.map((_, i) => i),
      'sum',
      false,
    );
  } else if (ignore !== undefined) denom = imp.scalar(count);
  const all = loss.shape.map((_, i) => i);
  if (reduction === 'sum') loss = imp.reduce(lossName, loss, all, 'sum', false);
  else if (reduction === 'mean')
    loss = denom
      ? imp.binary(lossName, 'div', imp.reduce(`${lossName}.sum`, loss, all, 'sum', false), denom)
      : imp.reduce(lossName, loss, all, 'mean', false);
  return [loss, logProb];
}
