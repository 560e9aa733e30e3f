// ONNX elementwise ops: activations, arithmetic with (legacy and numpy) broadcasting, the variadic
// Sum/Mean/Max/Min, Clip and PRelu. Each stays in its input's layout where it can (NHWC after a conv).

import { shapeStr } from '../../../runtime/errors.js';
import { DT, isIntegerType } from '../proto.js';
import { broadcastShapes, normAxis, type BinaryName, type UnaryName } from '../../../ops/tensor.js';
import { host, scalarOf, zipHost } from '../fold.js';
import { specialRef, type SpecialName } from '../../../ops/special.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';
import { QRANGE } from './quantized.js';

export const ELEMENTWISE_OPS: Record<string, OnnxOpHandler> = {
  Relu: unaryH('relu'),
  Sigmoid: unaryH('sigmoid'),
  Tanh: unaryH('tanh'),
  Abs: unaryH('abs'),
  Neg: unaryH('neg'),
  Exp: unaryH('exp'),
  Log: unaryH('log'),
  Sqrt: unaryH('sqrt'),
  Sign: unaryH('sign'),
  Floor: unaryH('floor'),
  Ceil: unaryH('ceil'),
  Reciprocal: unaryH('reciprocal'),
  Softplus: unaryH('softplus'),
  Mish: unaryH('mish'),
  HardSwish: unaryH('hardswish'),
  LeakyRelu: unaryH('leakyrelu', (c) => [c.float('alpha', 0.01), 0]),
  Elu: unaryH('elu', (c) => [c.float('alpha', 1), 0]),
  HardSigmoid: unaryH('hardsigmoid', (c) => [c.float('alpha', 0.2), c.float('beta', 0.5)]),
  Swish: unaryH('swish', (c) => [c.float('alpha', 1), 0]),
  Clip: (c) => {
    const x = c.in(0);
    const name = c.node.output![0];
    const int = isIntegerType(x.dtype);
    // integer types without a narrower range (int64, uint32, …) hold f32 values here: the f32 range bounds them (a
    // clip attribute must be finite, so ±Infinity would make the graph unrunnable)
    const lo = int ? (QRANGE[x.dtype]?.[0] ?? -3.4028234663852886e38) : -3.4028234663852886e38;
    const hi = int ? (QRANGE[x.dtype]?.[1] ?? 3.4028234663852886e38) : 3.4028234663852886e38;
    if (c.opset < 11) return [c.imp.unary(name, 'clip', x, c.float('min', lo), c.float('max', hi))];
    const mn = c.opt(1);
    const mx = c.opt(2);
    if ((!mn || mn.konst) && (!mx || mx.konst)) {
      return [c.imp.unary(name, 'clip', x, mn ? scalarOf(mn.konst!, 'min') : lo, mx ? scalarOf(mx.konst!, 'max') : hi)];
    }
    let y = x;
    if (mn) y = c.imp.binary(`${name}.min`, 'max', y, mn);
    if (mx) y = c.imp.binary(name, 'min', y, mx);
    return [y];
  },
  PRelu: (c) => {
    const x = c.in(0);
    let slope = c.in(1);
    // opset < 7 / common exports: slope [C] means per channel (broadcast along axis 1)
    if (slope.shape.length === 1 && x.shape.length > 2 && slope.shape[0] === x.shape[1] && slope.shape[0] !== x.shape[x.shape.length - 1]) {
      slope = c.imp.reshape(`${slope.name}.c`, slope, [slope.shape[0], ...new Array(x.shape.length - 2).fill(1)]);
    }
    return [c.imp.binary(c.node.output![0], 'prelu', x, slope)];
  },
  ImageScaler: (c) => {
    // opsets < 10 (old zoo models): y = scale·x + bias[c]
    const x = c.in(0);
    const name = c.node.output![0];
    const bias = c.floats('bias') ?? [];
    const ch = x.shape[1];
    if (bias.length && bias.length !== ch) c.fail(`bias has ${bias.length} values for ${ch} channels`);
    let y = c.imp.binary(`${name}.s`, 'mul', x, c.imp.scalar(c.float('scale', 1)));
    if (bias.length)
      y = c.imp.binary(name, 'add', y, c.imp.konst(host(DT.FLOAT, [ch, ...new Array(x.shape.length - 2).fill(1)], bias), `${name}.bias`));
    return [y];
  },
  Selu: (c) => {
    // γ·elu(x, α)
    const name = c.node.output![0];
    const e = c.imp.unary(`${name}.elu`, 'elu', c.in(0), c.float('alpha', 1.67326319217681884765625), 0);
    return [c.imp.binary(name, 'mul', e, c.imp.scalar(c.float('gamma', 1.05070102214813232421875)))];
  },
  ThresholdedRelu: (c) => {
    // x where x > α, else 0: x·sign(relu(x − α))
    const x = c.in(0);
    const name = c.node.output![0];
    return [c.imp.binary(name, 'mul', x, gt(c, x, c.imp.scalar(c.float('alpha', 1)), `${name}.gt`))];
  },
  Erf: (c) => [special(c, 'erf', c.in(0))],
  Gelu: (c) => {
    const approx = c.str('approximate', 'none');
    if (approx !== 'none' && approx !== 'tanh') c.fail(`approximate '${approx}' is not supported`);
    return [special(c, approx === 'tanh' ? 'gelu_tanh' : 'gelu', c.in(0))];
  },
  // Comparisons and logic give BOOL (0/1 as f32 on the GPU), folded on constants. On the GPU they are built from
  // exact f32 operations: a > b ⇔ sign(relu(a − b)) = 1 (exact for finite values: a − b rounds to 0 only when a = b,
  // barring subnormals flushed to zero), a = b ⇔ 1 − sign(|a − b|); Not 1 − x, And x·y, Or max, Xor |x − y|.
  Greater: compare(
    (x, y) => x > y,
    (c, a, b, n) => gt(c, a, b, n),
  ),
  Less: compare(
    (x, y) => x < y,
    (c, a, b, n) => gt(c, b, a, n),
  ),
  GreaterOrEqual: compare(
    (x, y) => x >= y,
    (c, a, b, n) => not(c, gt(c, b, a, `${n}.lt`), n),
  ),
  LessOrEqual: compare(
    (x, y) => x <= y,
    (c, a, b, n) => not(c, gt(c, a, b, `${n}.gt`), n),
  ),
  Equal: compare(
    (x, y) => x === y,
    (c, a, b, n) => not(c, c.imp.unary(`${n}.ne`, 'sign', c.imp.unary(`${n}.abs`, 'abs', c.imp.binary(`${n}.d`, 'sub', a, b))), n),
  ),
  And: compare(
    (x, y) => !!x && !!y,
    (c, a, b, n) => c.imp.binary(n, 'mul', a, b),
  ),
  Or: compare(
    (x, y) => !!x || !!y,
    (c, a, b, n) => c.imp.binary(n, 'max', a, b),
  ),
  Xor: compare(
    (x, y) => !!x !== !!y,
    (c, a, b, n) => c.imp.unary(n, 'abs', c.imp.binary(`${n}.d`, 'sub', a, b)),
  ),
  Not: (c) => {
    const x = c.in(0);
    const name = c.node.output![0];
    if (x.konst) return [c.imp.konst({ dtype: DT.BOOL, dims: [...x.konst.dims], data: x.konst.data.map((v) => (v ? 0 : 1)) }, name)];
    return [{ ...not(c, x, name), dtype: DT.BOOL }];
  },
  Add: binaryH('add'),
  Sub: binaryH('sub'),
  Mul: binaryH('mul'),
  Div: binaryH('div'),
  Pow: binaryH('pow'),
  Sum: variadic('add'),
  Mean: variadic('add', true),
  Max: variadic('max'),
  Min: variadic('min'),
};

function unaryH(fn: UnaryName, params: (c: OnnxOpContext) => [number, number] = () => [0, 0]): OnnxOpHandler {
  return (c) => {
    const [a, b] = params(c);
    return [c.imp.unary(c.node.output![0], fn, c.in(0), a, b)];
  };
}

function binaryH(fn: BinaryName): OnnxOpHandler {
  return (c) => {
    const a = c.in(0);
    let b = c.in(1);
    if (c.opset < 7 && c.int('broadcast', 0) === 1) {
      // legacy broadcasting: B's dimensions line up with A's starting at `axis` (default: the trailing ones)
      const axis = c.attrs.has('axis') ? normAxis(c.int('axis', 0), a.shape.length) : a.shape.length - b.shape.length;
      const trail = a.shape.length - axis - b.shape.length;
      if (axis < 0 || trail < 0 || b.shape.some((d, j) => d !== 1 && d !== a.shape[axis + j]))
        c.fail(`B ${shapeStr(b.shape)} does not fit A ${shapeStr(a.shape)} at axis ${axis}`);
      b = c.imp.reshape(`${b.name}.bc`, b, [...b.shape, ...new Array(trail).fill(1)]);
    }
    return [c.imp.binary(c.node.output![0], fn, a, b)];
  };
}

function variadic(fn: BinaryName, mean = false): OnnxOpHandler {
  return (c) => {
    const name = c.node.output![0];
    const ins = c.ins.filter((v): v is OnnxValue => !!v);
    if (!ins.length) c.fail('needs at least one input');
    let acc = ins[0];
    for (let i = 1; i < ins.length; i++) acc = c.imp.binary(`${name}.${i}`, fn, acc, ins[i]);
    if (ins.length === 1) acc = c.imp.unary(name, 'identity', acc);
    if (mean) acc = c.imp.binary(name, 'div', acc, c.imp.scalar(ins.length));
    return [acc];
  };
}

/** Erf / GELU: folded on constants, else the `special` op in the input's layout. */
function special(c: OnnxOpContext, fn: SpecialName, x: OnnxValue): OnnxValue {
  const name = c.node.output![0];
  if (x.konst)
    return c.imp.konst({ dtype: x.dtype, dims: [...x.konst.dims], data: x.konst.data.map((v) => Math.fround(specialRef(fn, v))) }, name);
  const nhwc = c.imp.isNhwc(x);
  const id = c.imp.add('special', [nhwc ? x.nhwc! : c.imp.onnx(x)], { fn }, name);
  return c.imp.fromGpu(name, x.dtype, x.shape, id, nhwc ? 'nhwc' : 'nchw');
}

/** 1 where a > b, else 0. */
function gt(c: OnnxOpContext, a: OnnxValue, b: OnnxValue, name: string): OnnxValue {
  return c.imp.unary(name, 'sign', c.imp.unary(`${name}.relu`, 'relu', c.imp.binary(`${name}.d`, 'sub', a, b)));
}

function not(c: OnnxOpContext, x: OnnxValue, name: string): OnnxValue {
  return c.imp.binary(name, 'sub', c.imp.scalar(1), x);
}

function compare(
  host: (x: number, y: number) => boolean,
  gpu: (c: OnnxOpContext, a: OnnxValue, b: OnnxValue, name: string) => OnnxValue,
): OnnxOpHandler {
  return (c) => {
    const [a, b] = [c.in(0), c.in(1)];
    const name = c.node.output![0];
    broadcastShapes(a.shape, b.shape);
    if (a.konst && b.konst)
      return [
        c.imp.konst(
          zipHost(a.konst, b.konst, DT.BOOL, (x, y) => (host(x, y) ? 1 : 0)),
          name,
        ),
      ];
    return [{ ...gpu(c, a, b, name), dtype: DT.BOOL }];
  };
}
