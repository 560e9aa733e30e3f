// ONNX matrix products: MatMul (numpy semantics, 1-D operands promoted) and Gemm (transposes, alpha, a bias
// vector fused into the matmul, any other C broadcast with an add).

import { shapeStr } from '../../../runtime/errors.js';
import { numelOf } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';

export const MATMUL_OPS: Record<string, OnnxOpHandler> = {
  Gemm: (c) => {
    const a = c.in(0);
    const b = c.in(1);
    const bias = c.opt(2);
    const alpha = c.float('alpha', 1);
    const beta = c.float('beta', 1);
    const transA = c.int('transA', 0) === 1;
    const transB = c.int('transB', 0) === 1;
    c.ignore('broadcast');
    if (a.shape.length !== 2 || b.shape.length !== 2) c.fail(`A and B must be 2-D, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
    const name = c.node.output![0];
    const m = transA ? a.shape[1] : a.shape[0];
    const n = transB ? b.shape[0] : b.shape[1];
    if ((transA ? a.shape[0] : a.shape[1]) !== (transB ? b.shape[1] : b.shape[0]))
      c.fail(`inner dimensions differ: ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
    const mmAttrs = { transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha };
    // C of [N] or [1, N] (a bias vector) with β = 1 goes into the matmul kernel; other C broadcast with an add
    if (bias && beta === 1 && numelOf(bias.shape) === n && bias.shape[bias.shape.length - 1] === n && bias.shape.length <= 2) {
      const bv = c.imp.reshape(`${bias.name}.v`, bias, [n]);
      return [
        c.imp.fromGpu(name, a.dtype, [m, n], c.imp.add('matmul', [c.imp.onnx(a), c.imp.onnx(b), c.imp.onnx(bv)], mmAttrs, name), 'nchw'),
      ];
    }
    const id = c.imp.add('matmul', [c.imp.onnx(a), c.imp.onnx(b)], mmAttrs, bias ? `${name}.mm` : name);
    let y = c.imp.fromGpu(name, a.dtype, [m, n], id, 'nchw');
    if (bias && beta !== 0) {
      let cb = bias;
      if (beta !== 1) cb = c.imp.binary(`${name}.beta`, 'mul', bias, c.imp.scalar(beta));
      y = c.imp.binary(name, 'add', y, cb);
    }
    return [y];
  },
  MatMul: (c) => [matmul(c, c.in(0), c.in(1), c.node.output![0])],
};

/** numpy matmul: 1-D operands are promoted (and the added axis removed from the result). */
export function matmul(c: OnnxOpContext, a: OnnxValue, b: OnnxValue, name: string): OnnxValue {
  const a2 = a.shape.length === 1 ? c.imp.reshape(`${name}.a2`, a, [1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? c.imp.reshape(`${name}.b2`, b, [b.shape[0], 1]) : b;
  const id = c.imp.add('matmul', [c.imp.onnx(a2), c.imp.onnx(b2)], {}, name);
  const shape = [...c.imp.g.shape(id)];
  if (a.shape.length === 1) shape.splice(shape.length - 2, 1);
  if (b.shape.length === 1) shape.splice(shape.length - 1, 1);
  const y = c.imp.fromGpu(name, a.dtype, [...c.imp.g.shape(id)], id, 'nchw');
  return c.imp.reshape(name, y, shape);
}
