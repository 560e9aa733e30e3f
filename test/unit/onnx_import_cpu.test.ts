// ONNX import checked on the CPU: the imported graph run by the float64 references (test/ref/graph.ts) against
// onnxruntime-node running the same model bytes (no WebGPU). Written for the sampled mutation survivors of
// src/io/onnx/import.ts (issue 17): the layout shortcuts of rank-4 Transpose, and graph inputs without a shape.
import { describe, expect, it } from 'vitest';
import '../../src/graph/executor.js'; // registers the ops (shape inference only)
import { importOnnx } from '../../src/io/onnx/import.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { OnnxBuilder, attr } from '../onnx_builder.js';
import { tensorToProto, type AttributeProto } from '../../src/io/onnx/proto.js';
import { runGraphRef } from '../ref/graph.js';
import { randn } from '../helpers.js';
import { ortOutputs, ortRunFull, type Feeds } from '../onnx_compare.js';

function expectNear(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i]))))
      expect.fail(`${what}: element ${i} is ${got[i]}, onnxruntime gives ${want[i]}`);
}

describe('ONNX import on the CPU references vs onnxruntime-node', () => {
  it('rank-4 Transposes of a conv output and of an input: the NHWC/NCHW shortcuts and general permutations', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 3, 4, 5]);
    const c = b.conv(x, 3, 4, 3);
    for (const perm of [
      [0, 2, 3, 1],
      [0, 3, 1, 2],
      [1, 2, 3, 0],
      [2, 3, 0, 1],
      [3, 0, 2, 1],
    ]) {
      b.output(b.node1('Transpose', [c], [attr.ints('perm', perm)]));
      b.output(b.node1('Transpose', [x], [attr.ints('perm', perm)]));
    }
    // a transpose of a transpose (the NHWC view read back)
    b.output(b.node1('Transpose', [b.node1('Transpose', [c], [attr.ints('perm', [0, 2, 3, 1])])], [attr.ints('perm', [0, 3, 1, 2])]));
    const bytes = b.bytes();
    const xin = randn(120, 8);
    const want = await ortOutputs(bytes, { x: [xin, [2, 3, 4, 5]] });
    const m = importOnnx(bytes);
    const got = runGraphRef(m.graph, [xin]);
    expect(m.outputs).toHaveLength(want.length);
    m.outputs.forEach((o, k) => expectNear(got[o.output!], want[k], `output ${k} (${o.name})`));
  });

  it('the Reshape → Transpose(0,2,1,3,4) → Reshape channel shuffle imports as one channel_shuffle', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 6, 3, 2]);
    const c = b.conv(x, 6, 6, 1, { pad: 0 });
    const r = b.node1('Reshape', [c, b.ints([2, 3, 2, 3, 2])]);
    const t = b.node1('Transpose', [r], [attr.ints('perm', [0, 2, 1, 3, 4])]);
    b.output(b.relu(b.node1('Reshape', [t, b.ints([2, 6, 3, 2])])));
    const bytes = b.bytes();
    const m = importOnnx(bytes);
    const ops = m.graph.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'channel_shuffle')).toHaveLength(1);
    expect(ops.filter((o) => o === 'transpose' || o === 'reshape')).toHaveLength(2); // the NCHW edges only
    const xin = randn(72, 4);
    const [want] = await ortOutputs(bytes, { x: [xin, [2, 6, 3, 2]] });
    expectNear(runGraphRef(m.graph, [xin])[m.outputs[0].output!], want, 'shuffle');
  });

  it('an unsupported operator used by more than 5 nodes: the first 5 named, then …', () => {
    const b = new OnnxBuilder(13);
    let v = b.input('x', [2]);
    for (let k = 0; k < 7; k++) v = b.node1('Frobnicate', [v]);
    b.output(v);
    expect(() => importOnnx(b.bytes())).toThrow(
      /\(7 nodes: 'Frobnicate_\d+', 'Frobnicate_\d+', 'Frobnicate_\d+', 'Frobnicate_\d+', 'Frobnicate_\d+', …\)$/,
    );
    const b2 = new OnnxBuilder(13);
    let w = b2.input('x', [2]);
    for (let k = 0; k < 5; k++) w = b2.node1('Frobnicate', [w]);
    b2.output(w);
    expect(() => importOnnx(b2.bytes())).toThrow(/\(5 nodes: ('Frobnicate_\d+'(, )?){5}\)$/);
  });

  it('bad Conv / ConvTranspose inputs are refused with what is wrong', () => {
    const bad = (op: string, x: number[], w: number[], attrs: AttributeProto[], msg: RegExp, noX = false) => {
      const b = new OnnxBuilder(13);
      const xi = b.input('x', x);
      b.output(b.node1(op, [noX ? '' : xi, b.rand(w, 1)], attrs));
      expect(() => importOnnx(b.bytes()), op).toThrow(msg);
    };
    bad('Conv', [1, 2, 5, 5], [3, 2, 3, 3], [], /X is required/, true);
    const nw = new OnnxBuilder(13);
    nw.output(nw.node1('Conv', [nw.input('x', [1, 2, 5, 5]), '']));
    expect(() => importOnnx(nw.bytes()), 'Conv without W').toThrow(/W is required/);
    bad('ConvTranspose', [1, 2, 5, 5], [2, 3, 3], [], /W must be 4-D \[C, M\/group, kH, kW\], got \[2,3,3\]/);
    bad('ConvTranspose', [1, 2, 5], [2, 3, 3, 3], [], /W must be 3-D \[C, M\/group, k\], got \[2,3,3,3\]/);
    bad(
      'ConvTranspose',
      [1, 2, 5, 5],
      [2, 3, 3, 3],
      [attr.ints('kernel_shape', [3, 2])],
      /kernel_shape \[3,2\] disagrees with W \[2,3,3,3\]/,
    );
  });

  it('graph inputs of element types outside 1..13 (or strings) are refused by name', () => {
    for (const [t, name] of [
      [0, 'UNDEFINED'],
      [8, 'STRING'],
      [14, 'COMPLEX64'],
      [16, 'BFLOAT16'],
    ] as [number, string][]) {
      const b = new OnnxBuilder(13);
      b.output(b.node1('Identity', [b.input('x', [2], t)]));
      expect(() => importOnnx(b.bytes()), name).toThrow(/graph input 'x' has element type .+ \(not supported\)$/);
    }
  });

  it('a graph input without a shape takes the one given in inputShapes, and is refused without it', async () => {
    const b = new OnnxBuilder(13);
    b.inputs.push({ name: 'x', type: { tensorType: { elemType: 1 } } });
    b.output(b.node1('Neg', ['x']));
    const bytes = b.bytes();
    expect(() => importOnnx(bytes)).toThrow("graph input 'x' has no shape; pass it in inputShapes");
    const m = importOnnx(bytes, { inputShapes: { x: [2, 3] } });
    expect(m.graph.shape(m.graph.inputs[0])).toEqual([2, 3]);
    const xin = randn(6, 2);
    const [want] = await ortOutputs(bytes, { x: [xin, [2, 3]] });
    expectNear(runGraphRef(m.graph, [xin])[m.outputs[0].output!], want, 'neg');
  });
});

/** One ONNX node on float inputs (and int64 initializers), run by onnxruntime and by our import on the CPU references. */
interface OpRow {
  op: string;
  /** float graph inputs: name → dims */
  inputs: Record<string, number[]>;
  /** more node inputs: initializers (int64 unless a dtype is given), or '' for an absent optional input */
  extra?: (b: OnnxBuilder) => string[];
  attrs?: AttributeProto[];
  opset?: number;
  outs?: number;
  /** make inputs positive (log, sqrt, pow) */
  positive?: boolean;
  label?: string;
  /** the inputs go through Greater(·, 0) first (logic ops on booleans) */
  bools?: boolean;
  /** the float inputs are initializers (ops supported on constants only, folded at import) */
  konst?: boolean;
  /** ONNX element types of the outputs (default float) */
  types?: number[];
}

const ROWS: OpRow[] = [
  {
    op: 'Constant',
    inputs: {},
    attrs: [{ name: 'value', type: 4, t: tensorToProto('v', { dtype: 1, dims: [2, 2], data: Float64Array.from([1, -2, 3.5, 4]) }) }],
  },
  { op: 'Constant', label: 'value_float', inputs: {}, attrs: [attr.f('value_float', 2.5)] },
  { op: 'Constant', label: 'value_floats', inputs: {}, attrs: [{ name: 'value_floats', type: 6, floats: [1, 2, 3] }] },
  { op: 'Constant', label: 'value_ints', inputs: {}, attrs: [attr.ints('value_ints', [4, 5])] },
  { op: 'Constant', label: 'value_int', inputs: {}, attrs: [attr.i('value_int', 7)] },
  { op: 'Cast', label: 'to bool', inputs: { x: [2, 3] }, attrs: [attr.i('to', 9)], types: [9] },
  { op: 'Cast', label: 'to int32', inputs: { x: [2, 3] }, attrs: [attr.i('to', 6)], types: [6] },
  { op: 'Cast', label: 'to double', inputs: { x: [2, 3] }, attrs: [attr.i('to', 11)], types: [11] },
  { op: 'Gather', inputs: { x: [3, 4] }, extra: (b) => [b.init([2], [2, 0], 7, 'idx')], attrs: [attr.i('axis', 0)] },
  {
    op: 'Gather',
    label: 'axis 1, negative index',
    inputs: { x: [3, 4] },
    extra: (b) => [b.init([3], [-1, 1, 1], 7, 'idx')],
    attrs: [attr.i('axis', 1)],
  },
  { op: 'Expand', inputs: { x: [3, 1] }, extra: (b) => [b.ints([2, 3, 4])] },
  { op: 'Expand', label: 'lower rank target', inputs: { x: [2, 1, 4] }, extra: (b) => [b.ints([3, 1])] },
  { op: 'Tile', inputs: { x: [2, 3] }, extra: (b) => [b.ints([2, 1])] },
  {
    op: 'Where',
    inputs: { x: [2, 3], y: [3] },
    extra: (b) => [b.init([2, 3], [1, 0, 1, 0, 0, 1], 9, 'cond')],
    label: 'constant condition',
  },
  { op: 'TopK', konst: true, inputs: { x: [2, 5] }, extra: (b) => [b.ints([3])], outs: 2, types: [1, 7] },
  {
    op: 'TopK',
    konst: true,
    label: 'smallest, axis 0',
    inputs: { x: [4, 3] },
    extra: (b) => [b.ints([2])],
    attrs: [attr.i('axis', 0), attr.i('largest', 0)],
    outs: 2,
    types: [1, 7],
  },
  { op: 'Shape', inputs: { x: [2, 3, 4] }, types: [7] },
  { op: 'Size', inputs: { x: [2, 3, 4] }, types: [7] },
  { op: 'Slice', inputs: { x: [4, 5] }, extra: (b) => [b.ints([1, -1]), b.ints([4, -5]), b.ints([0, 1]), b.ints([2, -2])] },
  { op: 'Squeeze', inputs: { x: [2, 1, 3, 1] }, extra: (b) => [b.ints([1, -1])] },
  { op: 'Unsqueeze', inputs: { x: [2, 3] }, extra: (b) => [b.ints([0, 3])] },
  { op: 'Flatten', inputs: { x: [2, 3, 4] }, attrs: [attr.i('axis', 2)] },
  { op: 'Split', inputs: { x: [2, 6] }, extra: (b) => [b.ints([2, 4])], attrs: [attr.i('axis', 1)], outs: 2 },
  { op: 'Concat', inputs: { x: [2, 3], y: [2, 2] }, attrs: [attr.i('axis', -1)] },
  {
    op: 'SoftmaxCrossEntropyLoss',
    label: 'class weights, mean',
    inputs: { x: [3, 4] },
    extra: (b) => [b.init([3], [2, 0, 3], 7, 'labels'), b.init([4], [0.5, 2, 1, 3], 1, 'w')],
    outs: 2,
  },
  {
    op: 'SoftmaxCrossEntropyLoss',
    label: 'class weights, none',
    inputs: { x: [3, 4, 2] },
    extra: (b) => [b.init([3, 2], [2, 0, 3, 1, 1, 0], 7, 'labels'), b.init([4], [0.5, 2, 1, 3], 1, 'w')],
    attrs: [attr.s('reduction', 'none')],
  },
  {
    op: 'BatchNormalization',
    label: 'training mode: the batch statistics and the running ones',
    inputs: { x: [2, 3, 2, 2] },
    extra: (b) => [
      b.init([3], [1, 0.5, 2], 1, 's'),
      b.init([3], [0, 1, -1], 1, 'bias'),
      b.init([3], [0.1, 0.2, 0.3], 1, 'mean'),
      b.init([3], [1, 2, 0.5], 1, 'var'),
    ],
    attrs: [attr.i('training_mode', 1)],
    opset: 15,
    outs: 3,
  },
  { op: 'DepthToSpace', inputs: { x: [1, 8, 2, 3] }, attrs: [attr.i('blocksize', 2), attr.s('mode', 'CRD')] },
  { op: 'DepthToSpace', label: 'DCR', inputs: { x: [1, 8, 2, 3] }, attrs: [attr.i('blocksize', 2)] },
  { op: 'SpaceToDepth', inputs: { x: [1, 2, 4, 6] }, attrs: [attr.i('blocksize', 2)] },
  { op: 'Pad', inputs: { x: [2, 3] }, extra: (b) => [b.ints([1, 0, 0, 2]), b.init([], [1.5], 1, 'v')] },
  { op: 'Range', inputs: {}, extra: (b) => [b.init([], [2], 1, 's'), b.init([], [9], 1, 'l'), b.init([], [1.5], 1, 'd')] },
  {
    op: 'ConstantOfShape',
    inputs: {},
    extra: (b) => [b.ints([2, 3])],
    attrs: [{ name: 'value', type: 4, t: tensorToProto('v', { dtype: 1, dims: [1], data: Float64Array.from([0.5]) }) }],
  },
  { op: 'Selu', inputs: { x: [2, 3] } },
  { op: 'ThresholdedRelu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.2)] },
  { op: 'Greater', inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'LessOrEqual', inputs: { x: [2, 3], y: [2, 3] }, types: [9] },
  { op: 'Not', label: 'of Greater', inputs: { x: [2, 3] }, types: [9] },
  { op: 'Sum', inputs: { x: [2, 3], y: [3], z: [2, 1] } },
  { op: 'Sum', label: 'one input', inputs: { x: [2, 3] } },
  { op: 'GreaterOrEqual', inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'GreaterOrEqual', label: 'constants', konst: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'LessOrEqual', label: 'constants', konst: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'Less', label: 'constants', konst: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'And', bools: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'Or', bools: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'Xor', bools: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'And', label: 'constants', bools: true, konst: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'Or', label: 'constants', bools: true, konst: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'Xor', label: 'constants', bools: true, konst: true, inputs: { x: [2, 3], y: [3] }, types: [9] },
  { op: 'Erf', label: 'constant', konst: true, inputs: { x: [2, 3] } },
  { op: 'Gelu', label: 'constant', konst: true, inputs: { x: [2, 3] }, opset: 20 },
  { op: 'Clip', label: 'min only', inputs: { x: [2, 3] }, extra: (b) => [b.init([], [-0.3], 1, 'lo')] },
  { op: 'Clip', label: 'opset 6 attributes', opset: 6, inputs: { x: [2, 3] }, attrs: [attr.f('min', -0.2), attr.f('max', 0.4)] },
  { op: 'Clip', label: 'opset 6, no max', opset: 6, inputs: { x: [2, 3] }, attrs: [attr.f('min', -0.2)] },
  // opset 11 moved min and max from attributes to inputs (ops/elementwise.ts:40: the opset 10/11 boundary)
  { op: 'Clip', label: 'opset 10 attributes', opset: 10, inputs: { x: [2, 3] }, attrs: [attr.f('min', -0.3), attr.f('max', 0.2)] },
  {
    op: 'Clip',
    label: 'opset 11 min and max inputs',
    opset: 11,
    inputs: { x: [2, 3] },
    extra: (b) => [b.init([], [-0.3], 1, 'lo'), b.init([], [0.4], 1, 'hi')],
  },
  { op: 'Mean', inputs: { x: [2, 3], y: [2, 3] } },
  { op: 'Max', inputs: { x: [2, 3], y: [3] } },
  { op: 'ReduceSumSquare', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [1]), attr.i('keepdims', 0)] },
  { op: 'ReduceLogSumExp', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [0, 2])] },
  { op: 'ReduceProd', konst: true, inputs: { x: [2, 3] }, attrs: [attr.ints('axes', [1])] },
  { op: 'ReduceLogSum', inputs: { x: [2, 3] }, positive: true },
  { op: 'ArgMax', konst: true, inputs: { x: [3, 4] }, attrs: [attr.i('axis', 1)], types: [7] },
  { op: 'ArgMin', konst: true, inputs: { x: [3, 4] }, attrs: [attr.i('axis', 0), attr.i('keepdims', 0)], types: [7] },
  { op: 'LayerNormalization', inputs: { x: [2, 3, 4] }, extra: (b) => [b.rand([4], 1), b.rand([4], 1)], opset: 17 },
  { op: 'InstanceNormalization', inputs: { x: [2, 3, 2, 2] }, extra: (b) => [b.rand([3], 1), b.rand([3], 1)] },
  {
    op: 'Gemm',
    inputs: { x: [3, 2] },
    extra: (b) => [b.rand([3, 4], 1), b.rand([4], 1)],
    attrs: [attr.i('transA', 1), attr.f('alpha', 0.5), attr.f('beta', 2)],
  },
  { op: 'MatMul', inputs: { x: [2, 3, 4], y: [4, 2] } },
  { op: 'MatMul', label: 'vector on the right', inputs: { x: [2, 3, 4], y: [4] } },
  { op: 'MatMul', label: 'vector on the left', inputs: { x: [4], y: [2, 4, 3] } },
  {
    op: 'AveragePool',
    inputs: { x: [1, 2, 5, 5] },
    attrs: [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1]), attr.i('count_include_pad', 1)],
  },
];

describe('single ONNX operators: import on the CPU references vs onnxruntime-node', () => {
  for (const row of ROWS)
    it(`${row.op}${row.label ? ` (${row.label})` : ''}`, async () => {
      const b = new OnnxBuilder(row.opset ?? 13);
      const data = Object.values(row.inputs).map((d, k) => {
        const v = randn(
          d.reduce((p, q) => p * q, 1),
          20 + k,
        );
        return row.positive ? v.map((e) => Math.abs(e) + 0.2) : v;
      });
      const names = Object.entries(row.inputs).map(([n, d], k) => (row.konst ? b.init(d, data[k], 1, n) : b.input(n, d)));
      let ins = names;
      if (row.op === 'Not' || row.bools) ins = names.map((n) => b.node1('Greater', [n, b.init([], [0], 1, 'zero')]));
      const extra = row.extra?.(b) ?? [];
      // Where takes its condition first
      const nodeIns = row.op === 'Where' ? [...extra, ...ins] : [...ins, ...extra];
      const outs = b.node(row.op, nodeIns, row.attrs ?? [], row.outs ?? 1);
      outs.forEach((o, k) => b.outputs.push({ name: o, type: { tensorType: { elemType: row.types?.[k] ?? 1 } } }));
      const bytes = b.bytes();
      const feeds: Feeds = {};
      if (!row.konst) Object.entries(row.inputs).forEach(([, d], k) => (feeds[names[k]] = [data[k], d]));
      const xs = data;
      const want = await ortRunFull(bytes, feeds);
      const m = importOnnx(bytes);
      const got = m.graph.outputs.length
        ? runGraphRef(
            m.graph,
            m.inputs.map((i) => xs[names.indexOf(i.name)]),
          )
        : [];
      expect(m.outputs).toHaveLength(want.length);
      m.outputs.forEach((o, k) => {
        expect(o.shape, `output ${k} shape`).toEqual(want[k].dims);
        const data = o.constant ? o.constant.data : got[o.output!];
        expectNear(Float32Array.from(data), Float32Array.from(want[k].data), `${row.op} output ${k}`);
      });
    });
});

// Written for the ops/elementwise.ts survivors of the sample of 30 Nov (issue 17).
describe('elementwise import details on the CPU references vs onnxruntime-node', () => {
  it('PRelu with a slope [C] where the last axis also has C: ONNX broadcasts it along the last axis', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 3, 2, 3]);
    b.output(b.node1('PRelu', [x, b.init([3], [0.5, -2, 3], 1, 'slope')]));
    const bytes = b.bytes();
    const xin = randn(36, 31);
    const [want] = await ortOutputs(bytes, { x: [xin, [2, 3, 2, 3]] });
    // the float64 oracle: element i of the last axis gets slope[i]
    const slope = [0.5, -2, 3];
    const byHand = Float32Array.from(xin, (v, i) => (v >= 0 ? v : v * slope[i % 3]));
    expectNear(want, byHand, 'onnxruntime vs by hand');
    expectNear(runGraphRef(importOnnx(bytes).graph, [xin])[0], want, 'PRelu');
  });

  it('Clip of an int64 tensor with only a max: no lower bound (the type has no int8-style range)', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 5]);
    const xi = b.node1('Cast', [x], [attr.i('to', 7)]);
    const y = b.node1('Clip', [xi, '', b.init([], [2], 7, 'hi')]);
    b.outputs.push({ name: y, type: { tensorType: { elemType: 7 } } });
    const bytes = b.bytes();
    const xin = Float32Array.from(randn(10, 32), (v) => v * 6);
    const [want] = await ortOutputs(bytes, { x: [xin, [2, 5]] });
    expect([...want]).toEqual([...xin].map((v) => Math.min(Math.trunc(v) + 0, 2)));
    expect(want.some((v) => v < -1)).toBe(true);
    expectNear(runGraphRef(importOnnx(bytes).graph, [xin])[0], want, 'Clip int64');
  });

  it('run-time Cast between integer types wraps like the folded path; integer → bool is x ≠ 0 (vs onnxruntime)', async () => {
    // x (float) → int64 → the narrow type: the int64 values cover every wrap case of the targets' ranges
    const xin = Float32Array.from([300, -3, 255, 256, 0, 200, -129, 127, -128, 70000, -32769, 65535, -1, 5, 1.9, -1.9]);
    for (const [to, label] of [
      [2, 'uint8'],
      [3, 'int8'],
      [4, 'uint16'],
      [5, 'int16'],
      [9, 'bool'],
      [6, 'int32 (holds every value: no wrap)'],
    ] as const) {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [xin.length]);
      const y = b.node1('Cast', [b.node1('Cast', [x], [attr.i('to', 7)])], [attr.i('to', to)]);
      b.outputs.push({ name: y, type: { tensorType: { elemType: to } } });
      const bytes = b.bytes();
      const [want] = await ortOutputs(bytes, { x: [xin, [xin.length]] });
      expect(runGraphRef(importOnnx(bytes).graph, [xin])[0], `int64 → ${label}`).toEqual(Float32Array.from(want));
    }
    // int32 → int64 (a 64-bit target holds every value: unchanged)
    {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [xin.length]);
      const y = b.node1('Cast', [b.node1('Cast', [x], [attr.i('to', 6)])], [attr.i('to', 7)]);
      b.outputs.push({ name: y, type: { tensorType: { elemType: 7 } } });
      const [want] = await ortOutputs(b.bytes(), { x: [xin, [xin.length]] });
      expect(runGraphRef(importOnnx(b.bytes()).graph, [xin])[0], 'int32 → int64').toEqual(Float32Array.from(want));
    }
    // uint8 → int8 (a source type narrower than int64 that still needs the wrap)
    const b = new OnnxBuilder(13);
    const x = b.input('x', [4]);
    const y = b.node1('Cast', [b.node1('Cast', [x], [attr.i('to', 2)])], [attr.i('to', 3)]);
    b.outputs.push({ name: y, type: { tensorType: { elemType: 3 } } });
    const u = Float32Array.from([0, 127, 128, 255]);
    const [want] = await ortOutputs(b.bytes(), { x: [u, [4]] });
    expect([...want]).toEqual([0, 127, -128, -1]);
    expect(runGraphRef(importOnnx(b.bytes()).graph, [u])[0]).toEqual(Float32Array.from(want));
  });

  it('Sum, Mean and Max of one or more inputs: the output is a node output (not the input), no extra identity', () => {
    for (const [op, n] of [
      ['Sum', 1],
      ['Max', 1],
      ['Sum', 3],
      ['Mean', 2],
    ] as const) {
      const b = new OnnxBuilder(13);
      const xs = Array.from({ length: n }, (_, k) => b.input(`x${k}`, [2, 3]));
      const y = b.node1(op, xs);
      b.output(y);
      const m = importOnnx(b.bytes());
      const out = m.graph.outputs[m.outputs[0].output!];
      expect(m.graph.inputs, `${op} of ${n}`).not.toContain(out);
      expect(m.graph.producers().has(out), `${op} of ${n}`).toBe(true);
      // n - 1 binary nodes, a division for Mean, an identity for one input: no more
      expect(m.graph.nodes.length, `${op} of ${n}`).toBe(n === 1 ? 1 : n - 1 + (op === 'Mean' ? 1 : 0));
    }
  });
});

// Written for the ops/{resize,norm,training}.ts survivors of the samples of 30 Nov (issue 17).
describe('Resize/Upsample, GroupNormalization and SoftmaxCrossEntropyLoss details on the CPU references', () => {
  it('Upsample-1 (opset 6) mode NN with height_scale 2, width_scale 3: a nearest resize to [1, 2, 4, 6]', () => {
    const b = new OnnxBuilder(6);
    const x = b.input('x', [1, 2, 2, 2]);
    b.output(b.node1('Upsample', [x], [attr.s('mode', 'NN'), attr.f('height_scale', 2), attr.f('width_scale', 3)]));
    const m = importOnnx(b.bytes());
    expect(m.outputs[0].shape).toEqual([1, 2, 4, 6]);
    const resize = m.graph.nodes.filter((n) => n.op === 'resize');
    expect(resize).toHaveLength(1);
    expect(resize[0].attrs.mode).toBe('nearest');
  });

  it('Upsample-9 with a zero scale is refused, naming the scales', () => {
    const b = new OnnxBuilder(9);
    b.output(b.node1('Upsample', [b.input('x', [1, 1, 2, 2]), b.init([4], [1, 1, 0, 2])]));
    expect(() => importOnnx(b.bytes())).toThrow(/scales \[1,1,0,2\] do not fit X \[1,1,2,2\]/);
  });

  it('Resize tf_crop_and_resize with scales: the output covers the roi, floor(H·(end−start)·scale) as the spec says', () => {
    const b = new OnnxBuilder(11);
    const x = b.input('x', [1, 2, 6, 5]);
    const roi = b.init([8], [0, 0, 0.25, 0.25, 1, 1, 0.75, 0.75]);
    const scales = b.init([4], [1, 1, 2, 2]);
    const mode = [attr.s('mode', 'linear'), attr.s('coordinate_transformation_mode', 'tf_crop_and_resize')];
    b.output(b.node1('Resize', [x, roi, scales], mode));
    // ONNX Resize-11+: output_dimension = floor(input_dimension · (roi_end − roi_start) · scale) when sizes is not
    // given. H: floor(6 · 0.5 · 2) = 6, W: floor(5 · 0.5 · 2) = 5, not the uncropped 12 and 10 (which onnxruntime
    // 1.x gives: it sizes the output without the roi, so it is not the oracle here)
    expect(importOnnx(b.bytes()).outputs[0].shape).toEqual([1, 2, 6, 5]);
  });

  it('Resize tf_crop_and_resize cropping the channel axis is refused (the output keeps C, the roi does not)', () => {
    const b = new OnnxBuilder(11);
    const x = b.input('x', [1, 2, 4, 4]);
    const roi = b.init([8], [0, 0.5, 0, 0, 1, 1, 1, 1]);
    const mode = [attr.s('mode', 'linear'), attr.s('coordinate_transformation_mode', 'tf_crop_and_resize')];
    b.output(b.node1('Resize', [x, roi, b.init([0], []), b.ints([1, 2, 8, 8])], mode));
    expect(() => importOnnx(b.bytes())).toThrow(/cropping axis 0 or 1 \(N or C\) is not supported/);
  });

  it('BatchNormalization (4-D, constant statistics) imports as one batchnorm node, so it folds into the conv before it', () => {
    const b = new OnnxBuilder(13);
    const c = b.conv(b.input('x', [1, 3, 5, 5]), 3, 4, 3);
    const stats = [b.rand([4], 1), b.rand([4], 1), b.rand([4], 1), b.init([4], [0.5, 1, 1.5, 2])];
    b.output(b.node1('BatchNormalization', [c, ...stats]));
    const m = importOnnx(b.bytes());
    expect(m.graph.nodes.filter((n) => n.op === 'batchnorm')).toHaveLength(1);
    const { graph, report } = optimizeForInference(m.graph);
    expect(report.batchnormsFolded).toBe(1);
    const xin = randn(75, 35);
    expectNear(runGraphRef(graph, [xin])[0], runGraphRef(m.graph, [xin])[0], 'folded vs unfolded');
  });

  it('GroupNormalization with num_groups not dividing the channels is refused, naming both', () => {
    const b = new OnnxBuilder(18);
    const x = b.input('x', [1, 6, 2, 2]);
    b.output(b.node1('GroupNormalization', [x, b.rand([4], 1), b.rand([4], 1)], [attr.i('num_groups', 4)]));
    expect(() => importOnnx(b.bytes())).toThrow(/num_groups 4 does not divide 6 channels/);
  });

  it('SoftmaxCrossEntropyLoss refuses a negative label that is not ignore_index', () => {
    for (const [labels, ignore] of [
      [[0, -2], undefined],
      [[0, -2], -1],
    ] as const) {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [2, 3]);
      const attrs = ignore === undefined ? [] : [attr.i('ignore_index', ignore)];
      b.output(b.node1('SoftmaxCrossEntropyLoss', [x, b.init([2], labels, 7, 'labels')], attrs));
      expect(() => importOnnx(b.bytes())).toThrow(/label -2 is outside \[0, 3\)/);
    }
  });
});

// Survivors of the fresh mutation sample (seed 2026, docs/results/mutation/fresh/), each test checked to fail with
// its mutant planted and pass without.
describe('fresh mutation sample survivors (ONNX import)', () => {
  it('Transpose refuses a bad perm at the ONNX node (wrong length, or a repeated axis), not inside the graph op', () => {
    // ops/tensor.ts:239 (the two conditions joined by ||): with && the graph's transpose op refuses it later, its
    // message nested inside the ONNX node's ("node 'transpose_0' (transpose): …")
    const bad = (perm: number[]) => {
      const b = new OnnxBuilder(13);
      b.output(b.node1('Transpose', [b.input('x', [2, 3, 4])], [attr.ints('perm', perm)]));
      const msg = new RegExp(
        `^node 'Transpose_\\d+' \\(Transpose, opset 13\\): perm \\[${perm.join(',')}\\] is not a permutation of 3 axes$`,
      );
      expect(() => importOnnx(b.bytes()), `perm ${perm}`).toThrow(msg);
    };
    bad([1, 0]);
    bad([0, 0, 1]);
    bad([3, 1, 0]);
  });
  it('a unary op of a constant is folded at import: TopK (constants only) of Abs of an initializer imports', () => {
    // import.ts:172 (unary() folds a constant input on the host instead of adding a node)
    const b = new OnnxBuilder(13);
    const abs = b.node1('Abs', [b.init([2, 3], [-5, 1, -4, 2, -3, 0])]);
    const [values] = b.node('TopK', [abs, b.ints([2])], [], 2);
    b.output(values);
    const m = importOnnx(b.bytes());
    expect(m.graph.nodes.filter((n) => n.op === 'unary' || n.op === 'activation')).toHaveLength(0);
  });
  it('ConvTranspose refuses an output_padding not below the strides, naming both lists', () => {
    // ops/conv_pool.ts:167 (the lists joined with commas)
    const b = new OnnxBuilder(13);
    const attrs = [attr.ints('strides', [2, 2]), attr.ints('output_padding', [2, 0])];
    b.output(b.node1('ConvTranspose', [b.input('x', [1, 2, 5, 5]), b.rand([2, 3, 3, 3], 1)], attrs));
    expect(() => importOnnx(b.bytes())).toThrow('output_padding [2,0] must be ≥ 0 and less than the strides [2,2]');
  });
  it('TopK refuses a negative K (and one past the axis) by value', () => {
    // ops/tensor.ts:132 (the three conditions joined by &&)
    for (const k of [-1, 6]) {
      const b = new OnnxBuilder(13);
      b.output(b.node1('TopK', [b.init([2, 5], [5, 1, 4, 2, 3, 0, 9, 8, 7, 6]), b.ints([k])]));
      expect(() => importOnnx(b.bytes()), `K ${k}`).toThrow(`K = ${k} is outside [0, 5]`);
    }
  });
});

// Written for the survivors of the fresh mutation sample seed 2028 (issue 17).
describe('fresh mutation sample seed 2028 survivors (ONNX import)', () => {
  it('Reshape → Transpose(0,2,1,3,4) → Reshape of a constant, or of a rank-5 input, is no channel shuffle (vs onnxruntime)', async () => {
    // import.ts:392: the pattern is taken only for a computed rank-4 input; otherwise the three nodes import one by
    // one (a constant folds on the host; a rank-5 [N,C,H,W,1] input would become a rank-4 channel_shuffle)
    const shuffle = (b: OnnxBuilder, x: string, dims: number[]) => {
      const r = b.node1('Reshape', [x, b.ints([1, 2, 2, 1, 2])]);
      const t = b.node1('Transpose', [r], [attr.ints('perm', [0, 2, 1, 3, 4])]);
      b.output(b.node1('Reshape', [t, b.ints(dims)]));
    };
    const xin = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = new OnnxBuilder(13);
    shuffle(b, b.init([1, 4, 1, 2], xin, 1, 'c'), [1, 4, 1, 2]);
    const [want] = await ortRunFull(b.bytes(), {});
    expect([...want.data]).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    const m = importOnnx(b.bytes());
    expect(m.graph.nodes, 'a constant folds away').toEqual([]);
    expect(m.outputs[0].shape).toEqual([1, 4, 1, 2]);
    expect([...m.outputs[0].constant!.data]).toEqual([...want.data]);

    const b5 = new OnnxBuilder(13);
    shuffle(b5, b5.input('x', [1, 4, 1, 2, 1]), [1, 4, 1, 2, 1]);
    const [want5] = await ortRunFull(b5.bytes(), { x: [xin, [1, 4, 1, 2, 1]] });
    const m5 = importOnnx(b5.bytes());
    expect(m5.graph.nodes.map((n) => n.op)).not.toContain('channel_shuffle');
    expect(m5.outputs[0].shape).toEqual(want5.dims);
    expectNear(runGraphRef(m5.graph, [xin])[m5.outputs[0].output!], want5.data, 'rank-5 reshape-transpose-reshape');
  });

  it('comparisons of two constants fold like onnxruntime on ±Infinity and NaN', async () => {
    // ops/elementwise.ts:205 (both inputs constant: compared on the host; the GPU form sign(relu(a − b)) would fold
    // too, but to NaN for ∞ − ∞ and for NaN)
    const b = new OnnxBuilder(13);
    const x = b.init([5], [Infinity, -Infinity, 1, NaN, 2], 1, 'a');
    const y = b.init([5], [Infinity, -Infinity, 1, NaN, 3], 1, 'b');
    const ops = ['Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual'];
    for (const op of ops) b.outputs.push({ name: b.node1(op, [x, y]), type: { tensorType: { elemType: 9 } } });
    const want = await ortRunFull(b.bytes(), {});
    const m = importOnnx(b.bytes());
    expect(m.graph.nodes).toEqual([]);
    m.outputs.forEach((o, k) => expect([...o.constant!.data], ops[k]).toEqual([...want[k].data]));
    expect([...want[0].data]).toEqual([1, 1, 1, 0, 0]); // the oracle itself: ∞ = ∞, NaN ≠ NaN
  });
});

// Constant folding at ONNX import, one row per op family with a host path (issue 17: the `if (v.konst) return
// this.konst(...)` branches of src/io/onnx/import.ts and ops/*.ts). Each row is imported twice:
// - every float input an initializer: the node must fold away (no graph node left, every output a constant)
//   and the constant must match onnxruntime-node on the same model;
// - the float inputs graph inputs: nothing may fold (outputs computed by the graph), and the graph run by the
//   float64 CPU references (test/ref/graph.ts) must match onnxruntime too.
// CPU only (no WebGPU).

interface FoldRow {
  op: string;
  label?: string;
  /** float inputs (initializers in the folded import, graph inputs in the run-time one): name → dims */
  inputs: Record<string, number[]>;
  /** more node inputs, constant in both imports (int64 unless a dtype is given) */
  extra?: (b: OnnxBuilder) => string[];
  /** the extra inputs go first (Where's condition) */
  extraFirst?: boolean;
  attrs?: AttributeProto[];
  opset?: number;
  outs?: number;
  /** ONNX element types of the outputs (default float) */
  types?: number[];
  /** inputs made positive (log, sqrt, pow) */
  positive?: boolean;
  /** the float inputs pass through Greater(·, 0) first (logic ops take booleans) */
  bools?: boolean;
}

const FOLD_ROWS: FoldRow[] = [
  // import.ts unary(): every unary function and the activations
  ...['Relu', 'Sigmoid', 'Tanh', 'Abs', 'Neg', 'Exp', 'Sign', 'Floor', 'Ceil', 'Reciprocal', 'Softplus'].map((op): FoldRow => ({
    op,
    inputs: { x: [2, 3] },
  })),
  { op: 'Log', inputs: { x: [2, 3] }, positive: true },
  { op: 'Sqrt', inputs: { x: [2, 3] }, positive: true },
  { op: 'Mish', inputs: { x: [2, 3] }, opset: 18 },
  { op: 'HardSwish', inputs: { x: [2, 3] }, opset: 14 },
  { op: 'LeakyRelu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.3)] },
  { op: 'Elu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.7)] },
  { op: 'HardSigmoid', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.3), attr.f('beta', 0.4)] },
  { op: 'Selu', inputs: { x: [2, 3] } },
  { op: 'ThresholdedRelu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.1)] },
  {
    op: 'Clip',
    label: 'constant min and max inputs',
    inputs: { x: [2, 3] },
    extra: (b) => [b.init([], [-0.4], 1, 'lo'), b.init([], [0.5], 1, 'hi')],
  },
  { op: 'Clip', label: 'opset 6 attributes', opset: 6, inputs: { x: [2, 3] }, attrs: [attr.f('min', -0.2), attr.f('max', 0.3)] },
  { op: 'Erf', inputs: { x: [2, 3] } },
  { op: 'Gelu', inputs: { x: [2, 3] }, opset: 20 },
  { op: 'Gelu', label: 'tanh', inputs: { x: [2, 3] }, opset: 20, attrs: [attr.s('approximate', 'tanh')] },
  // import.ts binary(): arithmetic, broadcasting, the variadic ops, PRelu
  ...['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min'].map((op): FoldRow => ({ op, inputs: { a: [2, 3], b: [3] } })),
  { op: 'Pow', inputs: { a: [2, 3], b: [3] }, positive: true },
  { op: 'PRelu', inputs: { x: [2, 3], s: [3] } },
  { op: 'Sum', inputs: { a: [2, 3], b: [3], c: [2, 1] } },
  { op: 'Mean', inputs: { a: [2, 3], b: [2, 3] } },
  // comparisons and logic (zipHost), Not, Where
  ...['Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual'].map((op): FoldRow => ({ op, inputs: { a: [2, 3], b: [3] }, types: [9] })),
  { op: 'Equal', inputs: { a: [2, 3], b: [2, 3] }, types: [9] },
  ...['And', 'Or', 'Xor'].map((op): FoldRow => ({ op, inputs: { a: [2, 3], b: [3] }, bools: true, types: [9] })),
  { op: 'Not', inputs: { a: [2, 3] }, bools: true, types: [9] },
  { op: 'Where', inputs: { a: [2, 3], b: [3] }, extra: (b) => [b.init([2, 3], [1, 0, 0, 1, 1, 0], 9, 'cond')], extraFirst: true },
  // import.ts reshape() / transpose(): the shape ops
  { op: 'Reshape', inputs: { x: [2, 3, 2] }, extra: (b) => [b.ints([3, -1])] },
  { op: 'Flatten', inputs: { x: [2, 3, 2] }, attrs: [attr.i('axis', 2)] },
  { op: 'Squeeze', inputs: { x: [2, 1, 3] }, extra: (b) => [b.ints([1])] },
  { op: 'Unsqueeze', inputs: { x: [2, 3] }, extra: (b) => [b.ints([1])] },
  { op: 'Transpose', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('perm', [2, 0, 1])] },
  // import.ts reduce() and the ops composed from it
  { op: 'ReduceMean', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [1])] },
  { op: 'ReduceSum', inputs: { x: [2, 3, 4] }, extra: (b) => [b.ints([0, 2])], attrs: [attr.i('keepdims', 0)] },
  { op: 'ReduceMax', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [2])] },
  { op: 'ReduceMin', inputs: { x: [2, 3, 4] } },
  { op: 'ReduceL1', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [1])] },
  { op: 'ReduceL2', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [1])] },
  { op: 'ReduceLogSumExp', inputs: { x: [2, 3, 4] }, attrs: [attr.ints('axes', [2]), attr.i('keepdims', 0)] },
  { op: 'LayerNormalization', inputs: { x: [2, 3, 4], s: [4], bias: [4] }, opset: 17 },
  { op: 'InstanceNormalization', inputs: { x: [2, 3, 2, 2], s: [3], bias: [3] } },
  { op: 'GroupNormalization', inputs: { x: [2, 4, 2, 2], s: [4], bias: [4] }, attrs: [attr.i('num_groups', 2)], opset: 21 },
  {
    op: 'BatchNormalization',
    label: '2-D (the general form)',
    inputs: { x: [3, 4] },
    extra: (b) => [b.rand([4], 1), b.rand([4], 1), b.rand([4], 1), b.init([4], [0.5, 1, 2, 0.25])],
  },
  // ops/tensor.ts host paths
  { op: 'Cast', label: 'to int32 (truncation)', inputs: { x: [2, 3] }, attrs: [attr.i('to', 6)], types: [6] },
  { op: 'Cast', label: 'to bool', inputs: { x: [2, 3] }, attrs: [attr.i('to', 9)], types: [9] },
  { op: 'Gather', inputs: { x: [3, 4] }, extra: (b) => [b.init([3], [2, 0, 2], 7, 'idx')], attrs: [attr.i('axis', 0)] },
  { op: 'Gather', label: 'axis 1', inputs: { x: [3, 4] }, extra: (b) => [b.init([2], [3, -4], 7, 'idx')], attrs: [attr.i('axis', 1)] },
  { op: 'Expand', inputs: { x: [3, 1] }, extra: (b) => [b.ints([2, 3, 4])] },
  { op: 'Tile', inputs: { x: [2, 3] }, extra: (b) => [b.ints([2, 3])] },
  { op: 'Slice', inputs: { x: [4, 5] }, extra: (b) => [b.ints([1, 4]), b.ints([4, 0]), b.ints([0, 1]), b.ints([2, -1])] },
  { op: 'Split', inputs: { x: [2, 6] }, extra: (b) => [b.ints([1, 5])], attrs: [attr.i('axis', 1)], outs: 2 },
  { op: 'Concat', inputs: { a: [2, 3], b: [2, 2] }, attrs: [attr.i('axis', 1)] },
];

async function importBoth(row: FoldRow, folded: boolean) {
  const b = new OnnxBuilder(row.opset ?? 13);
  const data = Object.values(row.inputs).map((d, k) => {
    const v = randn(
      d.reduce((p, q) => p * q, 1),
      40 + k,
    );
    return row.positive ? v.map((e) => Math.abs(e) + 0.2) : v;
  });
  const names = Object.entries(row.inputs).map(([n, d], k) => (folded ? b.init(d, data[k], 1, n) : b.input(n, d)));
  const ins = row.bools ? names.map((n) => b.node1('Greater', [n, b.init([], [0], 1, 'zero')])) : names;
  const extra = row.extra?.(b) ?? [];
  const outs = b.node(row.op, row.extraFirst ? [...extra, ...ins] : [...ins, ...extra], row.attrs ?? [], row.outs ?? 1);
  outs.forEach((o, k) => b.outputs.push({ name: o, type: { tensorType: { elemType: row.types?.[k] ?? 1 } } }));
  const bytes = b.bytes();
  const feeds: Feeds = {};
  if (!folded) Object.values(row.inputs).forEach((d, k) => (feeds[names[k]] = [data[k], d]));
  const want = await ortRunFull(bytes, feeds);
  const m = importOnnx(bytes);
  return { m, want, data, names };
}

function expectNear5(got: ArrayLike<number>, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i]))))
      expect.fail(`${what}: element ${i} is ${got[i]}, onnxruntime gives ${want[i]}`);
}

describe('constant folding at ONNX import: every op family with a host path', () => {
  for (const row of FOLD_ROWS) {
    const name = `${row.op}${row.label ? ` (${row.label})` : ''}`;
    it(`${name}: folded when every input is constant, computed at run time otherwise`, async () => {
      const k = await importBoth(row, true);
      expect(
        k.m.graph.nodes.map((n) => n.op),
        'the folded import leaves no node',
      ).toEqual([]);
      expect(k.m.outputs).toHaveLength(k.want.length);
      k.m.outputs.forEach((o, i) => {
        expect(o.constant, `output ${i} is a constant`).toBeDefined();
        expect(o.shape, `output ${i} shape`).toEqual(k.want[i].dims);
        expect(o.dtype, `output ${i} type`).toBe(row.types?.[i] ?? 1);
        expectNear5(o.constant!.data, k.want[i].data, `folded ${name} output ${i}`);
      });

      const r = await importBoth(row, false);
      expect(r.m.graph.nodes.length, 'the run-time import has nodes').toBeGreaterThan(0);
      const got = runGraphRef(
        r.m.graph,
        r.m.inputs.map((i) => r.data[r.names.indexOf(i.name)]),
      );
      expect(r.m.outputs).toHaveLength(r.want.length);
      r.m.outputs.forEach((o, i) => {
        expect(o.constant, `output ${i} is computed`).toBeUndefined();
        expect(o.shape, `output ${i} shape`).toEqual(r.want[i].dims);
        expectNear5(got[o.output!], r.want[i].data, `run-time ${name} output ${i}`);
      });
    });
  }
});

// Cast of a constant folds with fold.ts castValue (the run-time path's wrap-around is tested above against the same
// engine). float16 was truncated to an integer before the fix of 30 Nov (1.5 → 1).
describe('Cast of a constant: narrowing wraps, float16 rounds to nearest even (vs onnxruntime)', () => {
  const half = (h: number) => {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    return s * (e === 0 ? f * 2 ** -24 : e === 31 ? (f ? NaN : Infinity) : (1 + f / 1024) * 2 ** (e - 15));
  };
  const cast = async (from: number, to: number, data: number[]) => {
    const b = new OnnxBuilder(13);
    const y = b.node1('Cast', [b.init([data.length], data, from, 'c')], [attr.i('to', to)]);
    b.outputs.push({ name: y, type: { tensorType: { elemType: to } } });
    const bytes = b.bytes();
    const m = importOnnx(bytes);
    expect(m.graph.nodes).toHaveLength(0);
    const s = await (await import('onnxruntime-node')).InferenceSession.create(bytes);
    const raw = (await s.run({}))[s.outputNames[0]].data as ArrayLike<number | bigint>;
    await s.release();
    const want = Array.from(raw, (v) => (to === 10 ? half(Number(v)) : Number(v)));
    return { got: Array.from(m.outputs[0].constant!.data), want, dtype: m.outputs[0].dtype };
  };
  it('int64 → uint8 and int8 wrap modulo 256', async () => {
    const u = await cast(7, 2, [300, -3, 255, 256, 0]);
    expect(u.got).toEqual([44, 253, 255, 0, 0]);
    expect(u.got).toEqual(u.want);
    const i = await cast(7, 3, [200, -129, 127, -128]);
    expect(i.got).toEqual([-56, 127, 127, -128]);
    expect(i.got).toEqual(i.want);
  });
  it('float → float16: nearest, ties to even, subnormals, overflow to infinity', async () => {
    const r = await cast(1, 10, [1.5, 0.1, -2.5, 2049, 2051, 65504, 65519, 65520, -70000, 3e-8, 1e-8, 6.2e-5]);
    expect(r.dtype).toBe(10);
    expect(r.got).toEqual([
      1.5,
      0.0999755859375,
      -2.5,
      2048,
      2052,
      65504,
      65504,
      Infinity,
      -Infinity,
      2 ** -24,
      0,
      half(0x0410), // 6.2e-5 → 6.198883e-5 (the normal just above 2^-14)
    ]);
    expect(r.got).toEqual(r.want);
  });
});

// Values held in NHWC (a conv's output) read by layout-sensitive consumers (import.ts reduce(), onnx(), nhwc()):
// every reduction axes set with and without keepdims, and the NHWC → NCHW conversions, a reshape only where the
// two orders agree (H·W = 1 or C = 1), else a transpose. Each output vs onnxruntime on the CPU references.
describe('NHWC values read by layout-sensitive consumers (vs onnxruntime)', () => {
  it('ReduceMean of a conv output over every axes set, keepdims 0 and 1', async () => {
    const b = new OnnxBuilder(13);
    const c = b.conv(b.input('x', [2, 2, 4, 5]), 2, 3, 3);
    const sets = [[1], [2], [3], [1, 2], [2, 3], [1, 3], [1, 2, 3], [0, 2]];
    for (const axes of sets)
      for (const keep of [0, 1]) b.output(b.node1('ReduceMean', [c], [attr.ints('axes', axes), attr.i('keepdims', keep)]));
    const bytes = b.bytes();
    const xin = randn(80, 31);
    const want = await ortRunFull(bytes, { x: [xin, [2, 2, 4, 5]] });
    const m = importOnnx(bytes);
    const got = runGraphRef(m.graph, [xin]);
    m.outputs.forEach((o, k) => {
      const what = `axes ${sets[k >> 1]} keepdims ${k & 1}`;
      expect(o.shape, what).toEqual(want[k].dims);
      expectNear(got[o.output!], want[k].data, what);
    });
  });
  it('NHWC → NCHW: a reshape when H·W = 1 or C = 1, a transpose otherwise', async () => {
    // the input's NCHW → NHWC is one transpose (C = 2, H·W = 20); the conv output's way back is the other, if any
    const cases: [string, (b: OnnxBuilder, x: string) => string, number][] = [
      ['GlobalAveragePool → Flatten (H·W = 1)', (b, x) => b.node1('Flatten', [b.node1('GlobalAveragePool', [b.conv(x, 2, 3, 3)])]), 1],
      ['a one-channel conv → Flatten (C = 1)', (b, x) => b.node1('Flatten', [b.conv(x, 2, 1, 3)]), 1],
      ['a three-channel conv → Flatten', (b, x) => b.node1('Flatten', [b.conv(x, 2, 3, 3)]), 2],
    ];
    for (const [what, f, transposes] of cases) {
      const b = new OnnxBuilder(13);
      b.output(f(b, b.input('x', [2, 2, 4, 5])));
      const bytes = b.bytes();
      const xin = randn(80, 32);
      const [want] = await ortOutputs(bytes, { x: [xin, [2, 2, 4, 5]] });
      const m = importOnnx(bytes);
      expect(
        m.graph.nodes.filter((n) => n.op === 'transpose'),
        what,
      ).toHaveLength(transposes);
      expectNear(runGraphRef(m.graph, [xin])[m.outputs[0].output!], want, what);
    }
    // a constant read in NHWC by a conv (import.ts nhwc() of a constant: transposed on the host, no node)
    const b = new OnnxBuilder(13);
    const x = b.input('x', [1, 2, 3, 3]);
    b.output(b.node1('Add', [b.conv(x, 2, 2, 1), b.rand([1, 2, 3, 3], 1)]));
    const bytes = b.bytes();
    const xin = randn(18, 33);
    const [want] = await ortOutputs(bytes, { x: [xin, [1, 2, 3, 3]] });
    const m = importOnnx(bytes);
    expect(m.graph.nodes.filter((n) => n.op === 'transpose')).toHaveLength(2); // the input's and the output's
    expectNear(runGraphRef(m.graph, [xin])[m.outputs[0].output!], want, 'conv + constant');
  });
});
