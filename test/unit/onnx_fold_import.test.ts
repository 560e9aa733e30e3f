// Constant folding at ONNX import, one row per op family with a host path (issue 17: the `if (v.konst) return
// this.konst(...)` branches of src/io/onnx/import.ts and ops/*.ts). Each row is imported twice:
// - every float input an initializer: the node must fold away (no graph node left, every output a constant)
//   and the constant must match onnxruntime-node on the same model;
// - the float inputs graph inputs: nothing may fold (outputs computed by the graph), and the graph run by the
//   float64 CPU references (test/ref/graph.ts) must match onnxruntime too.
// CPU only (no WebGPU).
import { describe, expect, it } from 'vitest';
import '../../src/graph/executor.js'; // registers the ops (shape inference only)
import { importOnnx } from '../../src/io/onnx/import.js';
import { OnnxBuilder, attr } from '../onnx_builder.js';
import type { AttributeProto } from '../../src/io/onnx/proto.js';
import { runGraphRef } from '../ref/graph.js';
import { randn } from '../helpers.js';
import { ortRunFull, type Feeds } from '../onnx_compare.js';

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

const ROWS: FoldRow[] = [
  // import.ts unary(): every unary function and the activations
  ...['Relu', 'Sigmoid', 'Tanh', 'Abs', 'Neg', 'Exp', 'Sign', 'Floor', 'Ceil', 'Reciprocal', 'Softplus'].map(
    (op): FoldRow => ({ op, inputs: { x: [2, 3] } }),
  ),
  { op: 'Log', inputs: { x: [2, 3] }, positive: true },
  { op: 'Sqrt', inputs: { x: [2, 3] }, positive: true },
  { op: 'Mish', inputs: { x: [2, 3] }, opset: 18 },
  { op: 'HardSwish', inputs: { x: [2, 3] }, opset: 14 },
  { op: 'LeakyRelu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.3)] },
  { op: 'Elu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.7)] },
  { op: 'HardSigmoid', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.3), attr.f('beta', 0.4)] },
  { op: 'Selu', inputs: { x: [2, 3] } },
  { op: 'ThresholdedRelu', inputs: { x: [2, 3] }, attrs: [attr.f('alpha', 0.1)] },
  { op: 'Clip', label: 'constant min and max inputs', inputs: { x: [2, 3] }, extra: (b) => [b.init([], [-0.4], 1, 'lo'), b.init([], [0.5], 1, 'hi')] },
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
  { op: 'BatchNormalization', label: '2-D (the general form)', inputs: { x: [3, 4] }, extra: (b) => [b.rand([4], 1), b.rand([4], 1), b.rand([4], 1), b.init([4], [0.5, 1, 2, 0.25])] },
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

function expectNear(got: ArrayLike<number>, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i]))))
      expect.fail(`${what}: element ${i} is ${got[i]}, onnxruntime gives ${want[i]}`);
}

describe('constant folding at ONNX import: every op family with a host path', () => {
  for (const row of ROWS) {
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
        expectNear(o.constant!.data, k.want[i].data, `folded ${name} output ${i}`);
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
        expectNear(got[o.output!], r.want[i].data, `run-time ${name} output ${i}`);
      });
    });
  }
});

// Cast of a constant folds with fold.ts castValue; the run-time path keeps integer values as they are, so these
// rows are folded-only. float16 was truncated to an integer before the fix of 30 Nov (1.5 → 1).
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
