// The ops exporters write around CNNs, imported and compared with onnxruntime-node (rtol 1e-4): decomposed
// activations (PyTorch's hard-swish and GELU, tf2onnx's HardSigmoid·x), per-channel Mul/Add (paddle2onnx), Erf and
// Gelu, comparisons/logic/Where, Expand/Tile/Gather/Slice and Cast at run time (GPU), the extra reductions, the
// three normalizations, and constant sub-graphs (TopK, ArgMax, ReduceProd, Range, ConstantOfShape, …) folded.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/io/onnx/import.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';
import { compareWithOrt } from '../onnx_compare.js';

const tensorAttr = (name: string, dtype: number, dims: number[], v: number[]) => ({
  name,
  type: 4,
  t: { dims, dataType: dtype, ...(dtype === 1 ? { floatData: v } : dtype === 7 ? { int64Data: v } : { int32Data: v }) },
});

describe('exporter patterns', () => {
  it('PyTorch: conv → hard-swish as x·Clip(x + 3, 0, 6)/6, GELU as x·0.5·(1 + Erf(x/√2))', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 3, 7, 9]);
    const y = b.conv(x, 3, 8, 3, { stride: 2 });
    const hs = b.node1('Div', [
      b.node1('Mul', [y, b.node1('Clip', [b.node1('Add', [y, b.init([], [3])]), b.init([], [0]), b.init([], [6])])]),
      b.init([], [6]),
    ]);
    const z = b.conv(hs, 8, 8, 1);
    const erf = b.node1('Erf', [b.node1('Div', [z, b.init([], [1.4142135381698608])])]);
    b.output(b.node1('Mul', [b.node1('Mul', [z, b.node1('Add', [erf, b.init([], [1])])]), b.init([], [0.5])]));
    await compareWithOrt(b, 'pytorch');
  });
  it('tf2onnx: x·HardSigmoid(x); paddle2onnx: per-channel Mul and Add with [1, C, 1, 1] constants', async () => {
    const b = new OnnxBuilder(11);
    const x = b.input('x', [1, 4, 6, 5]);
    const y = b.conv(x, 4, 6, 3);
    const hsw = b.node1('Mul', [y, b.node1('HardSigmoid', [y], [attr.f('alpha', 1 / 6), attr.f('beta', 0.5)])]);
    b.output(b.node1('Add', [b.node1('Mul', [hsw, b.rand([1, 6, 1, 1], 1)]), b.rand([1, 6, 1, 1], 0.5)]));
    await compareWithOrt(b, 'tf2onnx/paddle');
  });
  it('Gelu (opset 20, exact and tanh) and Erf on large and small values', async () => {
    const b = new OnnxBuilder(20);
    const x = b.input('x', [3, 37]);
    const big = b.node1('Mul', [x, b.init([], [4])]);
    b.output(b.node1('Gelu', [big]));
    b.output(b.node1('Gelu', [big], [attr.s('approximate', 'tanh')]));
    b.output(b.node1('Erf', [big]));
    await compareWithOrt(b, 'gelu');
  });
});

describe('logic and selection on the GPU', () => {
  it('comparisons, Not/And/Or/Xor, Where (leaky ReLU as Where(x > 0, x, 0.1x)), with broadcasting', async () => {
    const b = new OnnxBuilder(16);
    const x = b.input('x', [2, 3, 4, 5]);
    const t = b.input('t', [4, 1]);
    const gt = b.node1('Greater', [x, t]);
    const le = b.node1('LessOrEqual', [x, b.init([], [0.25])]);
    const out = (v: string) => b.output(b.node1('Cast', [v], [attr.i('to', 1)])); // bool outputs as float
    out(gt);
    out(b.node1('Less', [x, t]));
    out(b.node1('GreaterOrEqual', [x, t]));
    out(le);
    out(b.node1('Equal', [b.node1('Floor', [b.node1('Mul', [x, b.init([], [2])])]), b.init([], [0])]));
    out(b.node1('And', [gt, le]));
    out(b.node1('Or', [gt, le]));
    out(b.node1('Xor', [gt, le]));
    out(b.node1('Not', [gt]));
    b.output(b.node1('Where', [b.node1('Greater', [x, b.init([], [0])]), x, b.node1('Mul', [x, b.init([], [0.1])])]));
    b.output(b.node1('Where', [b.init([1, 1, 1, 5], [1, 0, 1, 0, 0], 9), x, b.rand([4, 1], 1)]));
    await compareWithOrt(b, 'logic');
  });
  it('Expand, Tile, Gather (scalar, range with step, scattered), Slice with steps, Cast to int32 and back', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 6, 5]);
    b.output(b.node1('Expand', [b.input('v', [3, 1]), b.ints([2, 3, 4])]));
    b.output(b.node1('Tile', [x, b.ints([2, 1, 3])]));
    b.output(b.node1('Gather', [x, b.init([], [-2], 7)], [attr.i('axis', 1)]));
    b.output(b.node1('Gather', [x, b.init([3], [0, 2, 4], 7)], [attr.i('axis', 2)]));
    b.output(b.node1('Gather', [x, b.init([2, 2], [5, 0, 3, 3], 7)], [attr.i('axis', 1)]));
    b.output(b.node1('Slice', [x, b.ints([1, 4]), b.ints([6, 0]), b.ints([1, 2]), b.ints([2, -1])]));
    b.output(b.node1('Cast', [b.node1('Cast', [b.node1('Mul', [x, b.init([], [3])])], [attr.i('to', 6)])], [attr.i('to', 1)]));
    await compareWithOrt(b, 'data movement');
  });
});

describe('reductions and normalizations', () => {
  it('ReduceL1/L2/SumSquare/LogSum/LogSumExp (opset 13 axes attribute and opset 18 axes input, keepdims 0/1)', async () => {
    for (const opset of [13, 18]) {
      const b = new OnnxBuilder(opset);
      const x = b.input('x', [2, 3, 5, 4]);
      const pos = b.node1('Add', [b.node1('Abs', [x]), b.init([], [0.5])]);
      const red = (op: string, v: string, axes: number[], keep: number) =>
        b.node1(op, opset >= 18 ? [v, b.ints(axes)] : [v], [...(opset >= 18 ? [] : [attr.ints('axes', axes)]), attr.i('keepdims', keep)]);
      b.output(red('ReduceL1', x, [1], 1));
      b.output(red('ReduceL2', x, [2, 3], 0));
      b.output(red('ReduceSumSquare', x, [-1], 1));
      b.output(red('ReduceLogSum', pos, [0, 2], 0));
      b.output(red('ReduceLogSumExp', b.node1('Mul', [x, b.init([], [30])]), [1, 3], 1));
      await compareWithOrt(b, `reductions opset ${opset}`);
    }
  });
  it('LayerNormalization (axis −1 and 1), InstanceNormalization after a conv, GroupNormalization (opsets 18 and 21)', async () => {
    const b = new OnnxBuilder(17);
    const x = b.input('x', [2, 6, 5, 3]);
    b.output(b.node1('LayerNormalization', [x, b.rand([3], 1), b.rand([3], 0.5)], [attr.f('epsilon', 1e-3)]));
    b.output(b.node1('LayerNormalization', [x, b.rand([6, 5, 3], 1)], [attr.i('axis', 1)]));
    b.output(b.node1('InstanceNormalization', [b.conv(x, 6, 4, 3), b.rand([4], 1), b.rand([4], 0.5)], [attr.f('epsilon', 1e-4)]));
    await compareWithOrt(b, 'layer/instance norm');
    for (const opset of [18, 21]) {
      const g = new OnnxBuilder(opset);
      const gx = g.input('x', [2, 6, 5, 3]);
      const len = opset < 21 ? 3 : 6;
      g.output(g.node1('GroupNormalization', [gx, g.rand([len], 1), g.rand([len], 0.5)], [attr.i('num_groups', 3)]));
      await compareWithOrt(g, `group norm opset ${opset}`);
    }
  });
});

describe('constant sub-graphs fold at import', () => {
  it('TopK, ArgMax/ArgMin, ReduceProd, Range, ConstantOfShape, Expand, Tile, Where, Equal, Cast on constants feed a run-time Add', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 4]);
    const k = b.init([2, 6], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]);
    const [vals, idx] = b.node('TopK', [k, b.init([1], [4], 7)], [attr.i('axis', 1)], 2);
    const am = b.node1('Cast', [b.node1('ArgMax', [k], [attr.i('axis', 1)])], [attr.i('to', 1)]); // [2, 1]
    const amin = b.node1('Cast', [b.node1('ArgMin', [k], [attr.i('axis', 1), attr.i('select_last_index', 1)])], [attr.i('to', 1)]);
    const prod = b.node1('ReduceProd', [k], [attr.ints('axes', [1])]); // [2, 1]
    const range = b.node1('Cast', [b.node1('Range', [b.init([], [1], 7), b.init([], [9], 7), b.init([], [2], 7)])], [attr.i('to', 1)]); // [4]
    const cos = b.node1('ConstantOfShape', [b.ints([2, 4])], [tensorAttr('value', 1, [1], [0.5])]);
    const tiled = b.node1('Tile', [b.init([1, 2], [1, -1]), b.ints([2, 2])]);
    const exp = b.node1('Expand', [b.init([2, 1], [2, 3]), b.ints([2, 4])]);
    const eq = b.node1('Equal', [exp, b.init([], [2])]);
    const sel = b.node1('Where', [eq, tiled, cos]);
    let y = x;
    for (const t of [vals, b.node1('Cast', [idx], [attr.i('to', 1)]), am, amin, b.node1('Div', [prod, b.init([], [100])]), range, sel])
      y = b.node1('Add', [y, t]);
    b.output(y);
    const m = importOnnx(b.bytes());
    expect(m.graph.nodes.length).toBe(7); // only the seven run-time adds are left
    expect(m.graph.nodes.every((n) => n.op === 'add' || n.op === 'binary')).toBe(true);
    await compareWithOrt(b, 'folding');
  });
});
