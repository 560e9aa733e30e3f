// ONNX quantized ops on the f32 path (exact while accumulations stay below 2^24): Quantize/DequantizeLinear,
// DynamicQuantizeLinear, ConvInteger, QLinearConv, MatMulInteger, QLinearMatMul. Zero points are subtracted as
// f32 values, results are rounded and clipped into the output type's range.

import { shapeStr } from '../../../runtime/errors.js';
import { normAxis } from '../../../ops/tensor.js';
import { DT, dtypeName } from '../proto.js';
import { host, numelOf } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';
import { convCore } from './conv_pool.js';
import { matmul } from './matmul.js';

export const QUANTIZED_OPS: Record<string, OnnxOpHandler> = {
  QuantizeLinear: (c) => {
    const x = c.in(0);
    const axis = c.int('axis', 1);
    c.ignore('saturate');
    if (c.int('block_size', 0) !== 0) c.fail('blocked quantization (block_size) is not supported');
    const zp = c.opt(2);
    const dtype = c.int('output_dtype', 0) || zp?.dtype || DT.UINT8;
    const name = c.node.output![0];
    const scale = alongAxis(c, c.in(1), axis, x.shape.length);
    const z = zp ? alongAxis(c, zp, axis, x.shape.length) : undefined;
    return [requantize(c, name, c.imp.binary(`${name}.div`, 'div', x, scale), z, dtype)];
  },
  DequantizeLinear: (c) => {
    const x = c.in(0);
    const axis = c.int('axis', 1);
    if (c.int('block_size', 0) !== 0) c.fail('blocked quantization (block_size) is not supported');
    c.ignore('output_dtype');
    const name = c.node.output![0];
    const zp = c.opt(2);
    const d = subZero(c, `${name}.zp`, x, zp ? alongAxis(c, zp, axis, x.shape.length) : undefined);
    return [f32(c.imp.binary(name, 'mul', f32(d), alongAxis(c, c.in(1), axis, x.shape.length)))];
  },
  DynamicQuantizeLinear: (c) => {
    const x = c.in(0);
    const [yName, sName, zName] = c.node.output!;
    const flat = c.imp.reshape(`${yName}.flat`, x, [numelOf(x.shape)]);
    const zero = c.imp.scalar(0);
    const mx = c.imp.binary(`${yName}.max0`, 'max', c.imp.reduce(`${yName}.max`, flat, [0], 'max', false), zero);
    const mn = c.imp.binary(`${yName}.min0`, 'min', c.imp.reduce(`${yName}.min`, flat, [0], 'min', false), zero);
    const scale = c.imp.binary(sName, 'div', c.imp.binary(`${sName}.range`, 'sub', mx, mn), c.imp.scalar(255));
    const zpf = c.imp.unary(
      `${zName}.f`,
      'clip',
      c.imp.unary(`${zName}.r`, 'round', c.imp.binary(`${zName}.d`, 'div', c.imp.unary(`${zName}.n`, 'neg', mn), scale)),
      0,
      255,
    );
    const zp = { ...zpf, dtype: DT.UINT8 };
    const y = requantize(c, yName, c.imp.binary(`${yName}.div`, 'div', x, scale), zp, DT.UINT8);
    return [y, f32(scale), zp];
  },
  ConvInteger: (c) => {
    const x = c.in(0);
    const w = c.in(1);
    const name = c.node.output![0];
    const xz = c.opt(2);
    const wz = c.opt(3);
    const xs = subZero(c, `${name}.xz`, f32(x), xz ? alongAxis(c, xz, 1, 4) : undefined);
    const ws = subZero(c, `${name}.wz`, f32(w), wz ? alongAxis(c, wz, 0, 4) : undefined);
    return [{ ...convCore(c, xs, ws, undefined), dtype: DT.INT32 }];
  },
  QLinearConv: (c) => {
    const name = c.node.output![0];
    const x = subZero(c, `${name}.xz`, f32(c.in(0)), alongAxis(c, zeroPointOr(c, 2, c.in(0).dtype), 1, 4));
    const w = subZero(c, `${name}.wz`, f32(c.in(3)), alongAxis(c, zeroPointOr(c, 5, c.in(3).dtype), 0, 4));
    let acc = convCore(c, x, w, undefined);
    if (c.opt(8)) acc = c.imp.binary(`${name}.b`, 'add', acc, c.imp.reshape(`${name}.bc`, c.in(8), [c.in(8).shape[0], 1, 1]));
    const mult = c.imp.binary(
      `${name}.m`,
      'div',
      c.imp.binary(`${name}.xw`, 'mul', alongAxis(c, c.in(1), 1, 4), alongAxis(c, c.in(4), 1, 4)),
      alongAxis(c, c.in(6), 1, 4),
    );
    const yz = c.in(7);
    return [requantize(c, name, c.imp.binary(`${name}.s`, 'mul', acc, mult), alongAxis(c, yz, 1, 4), yz.dtype)];
  },
  MatMulInteger: (c) => {
    const name = c.node.output![0];
    const a = c.in(0);
    const b = c.in(1);
    const az = c.opt(2);
    const bz = c.opt(3);
    // a_zero_point may be per row of A ([M]) and b_zero_point per column of B ([N])
    const azb = az && az.shape.length === 1 && az.shape[0] > 1 ? c.imp.reshape(`${name}.azr`, az, [az.shape[0], 1]) : az;
    const as = subZero(c, `${name}.az`, f32(a), azb);
    const bs = subZero(c, `${name}.bz`, f32(b), bz);
    return [{ ...matmul(c, as, bs, name), dtype: DT.INT32 }];
  },
  QLinearMatMul: (c) => {
    const name = c.node.output![0];
    const a = subZero(c, `${name}.az`, f32(c.in(0)), c.in(2));
    const b = subZero(c, `${name}.bz`, f32(c.in(3)), c.in(5));
    const acc = matmul(c, a, b, `${name}.mm`);
    const mult = c.imp.binary(`${name}.m`, 'div', c.imp.binary(`${name}.ab`, 'mul', c.in(1), c.in(4)), c.in(6));
    const yz = c.in(7);
    return [requantize(c, name, c.imp.binary(`${name}.s`, 'mul', acc, mult), yz, yz.dtype)];
  },
};

/** Per-axis broadcast of a 1-D (or scalar) quantization parameter along `axis` of a tensor of rank r. */
function alongAxis(c: OnnxOpContext, v: OnnxValue, axis: number, rank: number): OnnxValue {
  if (v.shape.length <= 0 || numelOf(v.shape) === 1) return c.imp.reshape(`${v.name}.s`, v, []);
  if (v.shape.length !== 1) c.fail(`quantization parameter '${v.name}' must be a scalar or 1-D, got ${shapeStr(v.shape)}`);
  const a = normAxis(axis, rank);
  return c.imp.reshape(`${v.name}.ax`, v, [v.shape[0], ...new Array(rank - a - 1).fill(1)]);
}

export const QRANGE: Record<number, [number, number]> = {
  [DT.UINT8]: [0, 255],
  [DT.INT8]: [-128, 127],
  [DT.UINT16]: [0, 65535],
  [DT.INT16]: [-32768, 32767],
  [DT.INT32]: [-(2 ** 31), 2 ** 31 - 1],
};

/** clip(round(v) + zp) into the range of `dtype`: the shared tail of every quantizing op. */
function requantize(c: OnnxOpContext, name: string, v: OnnxValue, zp: OnnxValue | undefined, dtype: number): OnnxValue {
  const range = QRANGE[dtype];
  if (!range) c.fail(`quantized type ${dtypeName(dtype)} is not supported`);
  let q = c.imp.unary(`${name}.round`, 'round', v);
  if (zp) q = c.imp.binary(`${name}.zp`, 'add', q, zp);
  const out = c.imp.unary(name, 'clip', q, range[0], range[1]);
  return { ...out, dtype };
}

function zeroPointOr(c: OnnxOpContext, i: number, dflt: number): OnnxValue {
  return c.opt(i) ?? c.imp.konst(host(dflt, [], [0]));
}

function subZero(c: OnnxOpContext, name: string, v: OnnxValue, zp: OnnxValue | undefined): OnnxValue {
  return zp ? c.imp.binary(name, 'sub', v, zp) : v;
}

const f32 = (v: OnnxValue): OnnxValue => ({ ...v, dtype: DT.FLOAT });
