// ONNX normalizations: BatchNormalization (inference on NHWC with constant statistics, a general broadcast form
// otherwise, and training mode in training.ts), Layer/Instance/GroupNormalization (composed) and LRN.

import { shapeStr } from '../../../runtime/errors.js';
import { normAxis } from '../../../ops/tensor.js';
import { numelOf } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';
import { need4d } from './common.js';
import { batchnormTraining } from './training.js';

export const NORM_OPS: Record<string, OnnxOpHandler> = {
  BatchNormalization: (c) => {
    const x = c.in(0);
    const eps = c.float('epsilon', 1e-5);
    c.ignore('momentum', 'is_test', 'consumed_inputs');
    // opsets < 9: spatial = 0 means statistics per activation, [C, D1, …] (the values they were trained with
    // at inference; statistics of shape [C] make it the same as spatial = 1)
    // (opsets < 7: is_test; the statistics outputs of an old training-mode node may be declared, not read)
    const perActivation = c.int('spatial', 1) === 0 && c.ins[1] !== undefined && c.ins[1].shape.length > 1;
    const training = c.int('training_mode', 0) !== 0;
    if (!training) c.onlyOutputs(1);
    const stats = [1, 2, 3, 4].map((i) => c.in(i));
    const ch = x.shape[1];
    if (perActivation) {
      const inner = x.shape.slice(1);
      for (const s of stats)
        if (s.shape.join(',') !== inner.join(','))
          c.fail(`per-activation statistics (spatial = 0) must be ${shapeStr(inner)}, got ${shapeStr(s.shape)}`);
      const name = c.node.output![0];
      const [scale, bias, mean, variance] = stats;
      const d = c.imp.binary(`${name}.d`, 'sub', x, mean);
      const sd = c.imp.unary(`${name}.sd`, 'sqrt', c.imp.binary(`${name}.v`, 'add', variance, c.imp.scalar(eps)));
      return [c.imp.binary(name, 'add', c.imp.binary(`${name}.s`, 'mul', c.imp.binary(`${name}.q`, 'div', d, sd), scale), bias)];
    }
    for (const s of stats) if (s.shape.length !== 1 || s.shape[0] !== ch) c.fail(`statistics must be [${ch}], got ${shapeStr(s.shape)}`);
    const name = c.node.output![0];
    if (training) return batchnormTraining(c, x, stats, eps, c.float('momentum', 0.9));
    if (x.shape.length === 4 && stats.every((s) => s.konst)) {
      const ids = stats.map((s) => c.imp.onnx(s));
      const id = c.imp.add('batchnorm', [c.imp.nhwc(x), ...ids], { eps }, name);
      return [c.imp.fromGpu(name, x.dtype, x.shape, id, 'nhwc')];
    }
    // general form: (x − mean) / √(var + ε) · scale + bias, statistics broadcast along axis 1
    const [scale, bias, mean, variance] = stats.map((s) =>
      c.imp.reshape(`${s.name}.c`, s, [ch, ...new Array(Math.max(0, x.shape.length - 2)).fill(1)]),
    );
    const d = c.imp.binary(`${name}.d`, 'sub', x, mean);
    const sd = c.imp.unary(`${name}.sd`, 'sqrt', c.imp.binary(`${name}.v`, 'add', variance, c.imp.scalar(eps)));
    const q = c.imp.binary(`${name}.q`, 'div', d, sd);
    return [c.imp.binary(name, 'add', c.imp.binary(`${name}.s`, 'mul', q, scale), bias)];
  },
  // The three normalizations over axes, composed from reductions and elementwise ops (GPU, or folded):
  // (x − mean) / √(var + ε) · scale + bias, population variance.
  LayerNormalization: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    const axis = normAxis(c.int('axis', -1), r);
    c.ignore('stash_type');
    const axes = x.shape.map((_, i) => i).filter((i) => i >= axis);
    const name = c.node.output![0];
    const { d, sd, mean } = standardize(c, x, axes, name);
    let y = c.imp.binary(`${name}.s`, 'mul', c.imp.binary(`${name}.q`, 'div', d, sd), c.in(1, 'Scale'));
    const b = c.opt(2);
    y = b ? c.imp.binary(name, 'add', y, b) : y;
    // optional outputs Mean and InvStdDev (kept dims); built only when read
    const inv = c.node.output?.[2] && c.imp.isConsumed(c.node.output[2]) ? c.imp.unary(c.node.output[2], 'reciprocal', sd) : undefined;
    return [y, mean, inv];
  },
  InstanceNormalization: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    if (r < 3) c.fail(`input must be [N, C, D1, …], got ${shapeStr(x.shape)}`);
    const ch = x.shape[1];
    const name = c.node.output![0];
    const { d, sd } = standardize(
      c,
      x,
      x.shape.map((_, i) => i).filter((i) => i >= 2),
      name,
    );
    const [scale, bias] = [1, 2].map((i) => {
      const v = c.in(i);
      if (v.shape.length !== 1 || v.shape[0] !== ch) c.fail(`scale and B must be [${ch}], got ${shapeStr(v.shape)}`);
      return c.imp.reshape(`${v.name}.c`, v, [ch, ...new Array(r - 2).fill(1)]);
    });
    return [c.imp.binary(name, 'add', c.imp.binary(`${name}.s`, 'mul', c.imp.binary(`${name}.q`, 'div', d, sd), scale), bias)];
  },
  GroupNormalization: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    if (r < 3) c.fail(`input must be [N, C, D1, …], got ${shapeStr(x.shape)}`);
    const [n, ch] = x.shape;
    const g = c.int('num_groups', 0);
    c.ignore('stash_type');
    if (!(g >= 1 && ch % g === 0)) c.fail(`num_groups ${g} does not divide ${ch} channels`);
    const name = c.node.output![0];
    const grouped = c.imp.reshape(`${name}.g`, x, [n, g, numelOf(x.shape.slice(1)) / g]);
    const { d, sd } = standardize(c, grouped, [2], name);
    let q = c.imp.binary(`${name}.q`, 'div', d, sd);
    const [scale, bias] = [c.in(1), c.in(2)];
    const len = scale.shape.length === 1 ? scale.shape[0] : -1;
    if (len === g && g !== ch) {
      // opset 18: scale and bias per group
      const [s, b] = [scale, bias].map((v) => c.imp.reshape(`${v.name}.g1`, v, [g, 1]));
      return [c.imp.reshape(name, c.imp.binary(`${name}.b`, 'add', c.imp.binary(`${name}.s`, 'mul', q, s), b), x.shape)];
    }
    if (len !== ch || bias.shape.length !== 1 || bias.shape[0] !== ch)
      c.fail(`scale and bias must be [${ch}] (or [${g}] before opset 21), got ${shapeStr(scale.shape)} and ${shapeStr(bias.shape)}`);
    q = c.imp.reshape(`${name}.x`, q, x.shape);
    const [s, b] = [scale, bias].map((v) => c.imp.reshape(`${v.name}.c`, v, [ch, ...new Array(r - 2).fill(1)]));
    return [c.imp.binary(name, 'add', c.imp.binary(`${name}.s`, 'mul', q, s), b)];
  },
  LRN: (c) => {
    const x = c.in(0);
    need4d(c, x, 'X');
    const size = c.int('size', 0);
    if (size < 1) c.fail('size must be ≥ 1');
    const name = c.node.output![0];
    const attrs = { size, alpha: c.float('alpha', 1e-4), beta: c.float('beta', 0.75), bias: c.float('bias', 1) };
    return [c.imp.fromGpu(name, x.dtype, x.shape, c.imp.add('lrn', [c.imp.nhwc(x)], attrs, name), 'nhwc')];
  },
};

/** x − mean and √(var + ε) over `axes` (kept), ε from the node's epsilon (default 1e-5). */
function standardize(c: OnnxOpContext, x: OnnxValue, axes: number[], name: string): { d: OnnxValue; sd: OnnxValue; mean: OnnxValue } {
  const eps = c.float('epsilon', 1e-5);
  const mean = c.imp.reduce(`${name}.mean`, x, axes, 'mean', true);
  const d = c.imp.binary(`${name}.d`, 'sub', x, mean);
  const variance = c.imp.reduce(`${name}.var`, c.imp.binary(`${name}.d2`, 'mul', d, d), axes, 'mean', true);
  return { d, sd: c.imp.unary(`${name}.sd`, 'sqrt', c.imp.binary(`${name}.ve`, 'add', variance, c.imp.scalar(eps))), mean };
}
