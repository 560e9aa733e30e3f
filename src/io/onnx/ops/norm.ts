// ONNX normalizations: BatchNormalization (inference on NHWC with constant statistics, a general broadcast form
// otherwise, and training mode in training.ts) and LRN.

import { shapeStr } from '../../../runtime/errors.js';
import type { OnnxOpHandler } from '../node.js';
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
      for (const s of stats) if (s.shape.join(',') !== inner.join(',')) c.fail(`per-activation statistics (spatial = 0) must be ${shapeStr(inner)}, got ${shapeStr(s.shape)}`);
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
    const [scale, bias, mean, variance] = stats.map((s) => c.imp.reshape(`${s.name}.c`, s, [ch, ...new Array(Math.max(0, x.shape.length - 2)).fill(1)]));
    const d = c.imp.binary(`${name}.d`, 'sub', x, mean);
    const sd = c.imp.unary(`${name}.sd`, 'sqrt', c.imp.binary(`${name}.v`, 'add', variance, c.imp.scalar(eps)));
    const q = c.imp.binary(`${name}.q`, 'div', d, sd);
    return [c.imp.binary(name, 'add', c.imp.binary(`${name}.s`, 'mul', q, scale), bias)];
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


