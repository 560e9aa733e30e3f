// The graph IR (src/graph/ir.ts) on its own, CPU only and table-driven: tensor bytes per element type, shape and
// length checks with their messages, unique names, node insertion (input checks, errors wrapped with the node's
// name, element types, multi-output names), producers/consumers, parameter counts, clone independence and dead-node
// removal. StrykerJS (issue 17) showed the zoo-model tests reach all of this but pin little of it.
import { describe, expect, it } from 'vitest';
import '../../src/graph/executor.js'; // registers the ops
import { Graph, tensorBytes, type DType } from '../../src/graph/ir.js';
import { registerOp } from '../../src/ops/registry.js';
import { SlimError } from '../../src/runtime/errors.js';

registerOp({
  name: 'ir_test_throws',
  infer: (_, attrs) => {
    throw attrs.slim ? new SlimError('slim trouble') : new TypeError('plain trouble');
  },
  plan: async () => [],
});
registerOp({
  name: 'ir_test_dtype_throws',
  infer: ([x]) => [x],
  dtypes: (_, attrs) => {
    throw attrs.slim ? new SlimError('bad dtype') : new RangeError('plain dtype trouble');
  },
  plan: async () => [],
});

describe('tensorBytes', () => {
  it.each([
    [[2, 3, 5], 'f32', 120],
    [[7], 'f32', 28],
    [[], 'f32', 4],
    [[2, 3, 5], 'q8', 2 * 3 * 8],
    [[2, 3, 4], 'q8', 2 * 3 * 4],
    [[3, 1], 'q8', 3 * 4],
    [[2, 33], 'b1', 2 * 8],
    [[2, 32], 'b1', 2 * 4],
    [[5, 1], 'b1', 5 * 4],
    [[4, 6], 'i32', 96],
    [[4, 6], 'u32', 96],
  ] as [number[], DType, number][])('%o %s → %i bytes', (shape, dtype, bytes) => {
    expect(tensorBytes(shape, dtype)).toBe(bytes);
  });
});

describe('Graph: tensors', () => {
  it.each([[[2, 0]], [[-1, 3]], [[1.5]], [[NaN]]])('refuses shape %o naming the tensor', (shape) => {
    const g = new Graph();
    expect(() => g.addInput('x', shape)).toThrow(`tensor 'x' has a bad shape`);
    expect(() => g.addInput('x', shape)).toThrow('dimensions must be positive integers');
    expect(g.tensors).toHaveLength(0);
  });
  it('length checks name the tensor, count and shape', () => {
    const g = new Graph();
    expect(() => g.addParam('w', [2, 3], new Float32Array(5))).toThrow("parameter 'w' has 5 values for shape [2,3]");
    expect(() => g.addRawParam('q', [4], new Int32Array(3))).toThrow("parameter 'q' has 3 words for shape [4]");
    expect(() => g.addState('s', [2], new Float32Array(3))).toThrow("state 's' has 3 values for shape [2]");
    expect(() => g.newParam('n', [2], new Float32Array(1))).toThrow("parameter 'n' has 1 values for shape [2]");
  });
  it('roles, element types, data and unique names', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 2]);
    const x2 = g.addInput('x', [1, 2]);
    const x3 = g.addInput('x', [1, 2]);
    const w = g.addParam('w', [2], new Float32Array([1, 2]));
    const qi = g.addRawParam('x_1', [2], new Int32Array([5, 6]));
    const qu = g.addRawParam('u', [1], new Uint32Array([7]));
    const s = g.addState('s', [3]);
    const n = g.newParam('w', [1], new Float32Array([3]));
    expect(g.tensors.map((t) => [t.id, t.name, t.role, t.dtype])).toEqual([
      [0, 'x', 'input', 'f32'],
      [1, 'x_1', 'input', 'f32'],
      [2, 'x_2', 'input', 'f32'],
      [3, 'w', 'param', 'f32'],
      [4, 'x_1_1', 'param', 'i32'],
      [5, 'u', 'param', 'u32'],
      [6, 's', 'state', 'f32'],
      [7, 'w_1', 'param', 'f32'],
    ]);
    expect([x, x2, x3, w, qi, qu, s, n]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(g.inputs).toEqual([0, 1, 2]);
    expect(g.dtype(qi)).toBe('i32');
    expect(g.dtype(qu)).toBe('u32');
    expect(g.dtype(w)).toBe('f32');
    expect(Array.from(g.tensors[qi].raw!)).toEqual([5, 6]);
    expect(g.tensors[qi].data).toBeUndefined();
    expect(Array.from(g.tensors[s].data!)).toEqual([0, 0, 0]);
    expect(Array.from(g.tensors[w].data!)).toEqual([1, 2]);
    const shape = [1, 2];
    const y = g.addInput('y', shape);
    shape[0] = 9;
    expect(g.shape(y)).toEqual([1, 2]); // the shape is copied
  });
});

describe('Graph: nodes', () => {
  it.each([[-1], [1], [7]])('an input tensor %i that does not exist is named', (t) => {
    const g = new Graph();
    g.addInput('x', [1, 2]);
    expect(() => g.add('activation', [0, t], { act: 1 }, 'r')).toThrow(`node 'r': input tensor ${t} does not exist`);
    expect(() => g.add('activation', [t], { act: 1 })).toThrow(`node 'activation': input tensor ${t} does not exist`);
    expect(g.nodes).toHaveLength(0);
  });
  it('shape and element-type errors are wrapped with the node name and op; other errors pass through unchanged', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 2]);
    const y = g.addInput('y', [1, 3]);
    expect(() => g.add('add', [x, y], {}, 'sum')).toThrow(/^node 'sum' \(add\): add needs equal shapes, got \[1,2\] and \[1,3\]$/);
    expect(() => g.add('ir_test_throws', [x], { slim: 1 }, 'n')).toThrow(/^node 'n' \(ir_test_throws\): slim trouble$/);
    expect(() => g.add('ir_test_throws', [x], {}, 'n')).toThrow(TypeError);
    expect(() => g.add('ir_test_throws', [x], {}, 'n')).toThrow(/^plain trouble$/);
    expect(() => g.add('ir_test_dtype_throws', [x], { slim: 1 }, 'd')).toThrow(/^node 'd' \(ir_test_dtype_throws\): bad dtype$/);
    expect(() => g.add('ir_test_dtype_throws', [x], {}, 'd')).toThrow(RangeError);
    expect(() => g.add('ir_test_dtype_throws', [x], {}, 'd')).toThrow(/^plain dtype trouble$/);
    const q = g.add1('quantize', [x], { scale: 0.1 }, 'q');
    expect(g.dtype(q)).toBe('q8');
    expect(() => g.add('activation', [x, q], { act: 1 }, 'a')).toThrow(/^node 'a' \(activation\): input 'q_1' is q8, the op takes f32$/);
    expect(() => g.add('quantize', [q], { scale: 0.1 }, 'qq')).toThrow(/^node 'qq' \(quantize\): quantize takes f32, got q8$/);
    expect(g.dtype(g.add1('dequantize', [q], { scale: 0.1 }))).toBe('f32');
  });
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    "a unary or binary fn named like an Object property ('%s') is refused by name, not taken for a function",
    (fn) => {
      const g = new Graph();
      const x = g.addInput('x', [1, 4]);
      expect(() => g.add('unary', [x], { fn }, 'u')).toThrow(
        /^node 'u' \(unary\): unary fn must be one of [a-z0-9_]+, [^]*got "(toString|constructor|__proto__|hasOwnProperty)"$/,
      );
      expect(() => g.add('binary', [x, x], { fn }, 'b')).toThrow(
        /^node 'b' \(binary\): binary fn must be one of [a-z0-9_]+, [^]*got "(toString|constructor|__proto__|hasOwnProperty)"$/,
      );
      expect(g.nodes).toHaveLength(0);
    },
  );
  it('outputs are named after the node (with _outK when several), ids count up, inputs and attrs are copied', () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 1, 1, 3]);
    const stats = [0, 1, 2, 3].map((k) => g.addParam(`s${k}`, [3], new Float32Array(3).fill(1)));
    const ins = [x, ...stats];
    const attrs = { eps: 1e-3 };
    const outs = g.add('batchnorm_train', ins, attrs, 'bn');
    ins[0] = 99;
    attrs.eps = 7;
    expect(outs.map((t) => g.tensors[t].name)).toEqual(['bn_out0', 'bn_out1', 'bn_out2']);
    expect(outs.map((t) => g.shape(t))).toEqual([[2, 1, 1, 3], [3], [3]]);
    expect(outs.map((t) => g.tensors[t].role)).toEqual(['activation', 'activation', 'activation']);
    const r = g.add1('activation', [outs[0]], { act: 1 });
    const r2 = g.add1('activation', [outs[0]], { act: 1 });
    expect(g.nodes.map((n) => [n.id, n.name, n.op])).toEqual([
      [0, 'bn', 'batchnorm_train'],
      [1, 'activation', 'activation'],
      [2, 'activation_2', 'activation'],
    ]);
    expect(g.tensors[r].name).toBe('activation_1'); // node and tensor names share one namespace
    expect(g.tensors[r2].name).toBe('activation_2_1');
    expect(g.nodes[0].inputs).toEqual([x, ...stats]);
    expect(g.nodes[0].attrs).toEqual({ eps: 1e-3 });
    expect(g.nodes[0].outputs).toEqual(outs);
  });
  it('producers, consumers (a tensor read twice by one node is listed twice), markOutput', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4]);
    const a = g.add1('activation', [x], { act: 1 }, 'a');
    const b = g.add1('add', [a, a], {}, 'b');
    const c = g.add1('add', [a, x], {}, 'c');
    g.markOutput(b);
    g.markOutput(c);
    expect(g.outputs).toEqual([b, c]);
    const p = g.producers();
    expect([...p.keys()].sort()).toEqual([a, b, c].sort());
    expect([p.get(a)!.name, p.get(b)!.name, p.get(c)!.name]).toEqual(['a', 'b', 'c']);
    expect(p.get(x)).toBeUndefined();
    const cons = g.consumers();
    expect(cons.get(a)!.map((n) => n.name)).toEqual(['b', 'b', 'c']);
    expect(cons.get(x)!.map((n) => n.name)).toEqual(['a', 'c']);
    expect(cons.get(b)).toBeUndefined();
  });
});

describe('Graph: counts', () => {
  it('paramCount counts parameters that a node reads or that are outputs, once each', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4]);
    const w = g.addParam('w', [4, 3], new Float32Array(12));
    g.addParam('unused', [100], new Float32Array(100));
    const out = g.addParam('out', [5], new Float32Array(5));
    g.addState('st', [50]);
    expect(g.paramCount()).toBe(0); // no node reads w yet
    const y = g.add1('matmul', [x, w], {}, 'mm');
    expect(g.paramCount()).toBe(12); // a node added after the first count is seen
    g.markOutput(out);
    expect(g.paramCount()).toBe(17);
    g.add1('add', [y, g.add1('matmul', [x, w], {}, 'mm2')], {}, 'sum');
    expect(g.paramCount()).toBe(17); // read twice, counted once
    const r = g.addRawParam('r', [2, 2], new Int32Array(4));
    expect(g.isUsed(r)).toBe(false);
    expect(g.isUsed(w)).toBe(true);
    expect(g.isUsed(out)).toBe(true);
  });
  it('isUsed sees nodes assigned directly (as hand-built graphs do) when it last looked at an empty graph', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4]);
    const w = g.addParam('w', [4, 2], new Float32Array(8));
    expect(g.isUsed(w)).toBe(false); // looked at a graph without nodes
    const y = g.addInput('y', [1, 2]);
    g.nodes = [{ id: 0, op: 'matmul', name: 'mm', inputs: [x, w], outputs: [y], attrs: {} }];
    expect(g.isUsed(w)).toBe(true);
    expect(g.paramCount()).toBe(8);
  });
  it('macs sums the ops that define one (matmul: m·k·n); ops without one add nothing', () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 4]);
    const y = g.add1('matmul', [x, g.addParam('w', [4, 3], new Float32Array(12))]);
    g.add1('activation', [y], { act: 1 });
    g.add1('matmul', [y, g.addParam('w2', [3, 5], new Float32Array(15))]);
    expect(g.macs()).toBe(2 * 4 * 3 + 2 * 3 * 5);
    expect(new Graph().macs()).toBe(0);
    // transA: K is A's first matrix axis ([K, M] = [7, 2] → 2·7·3, not 2·2·3)
    const t = new Graph();
    t.add1('matmul', [t.addInput('a', [7, 2]), t.addParam('b', [7, 3], new Float32Array(21))], { transA: 1 });
    expect(t.macs()).toBe(2 * 7 * 3);
  });
});

describe('Graph: clone and dead nodes', () => {
  it('a clone shares nothing that a rewrite changes, and keeps the names taken', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4]);
    const a = g.add1('activation', [x], { act: 1 }, 'a');
    g.markOutput(a);
    const c = g.clone();
    c.nodes[0].inputs.push(5);
    c.nodes[0].outputs.push(6);
    c.nodes[0].attrs.act = 2;
    c.tensors[0].shape[1] = 9;
    c.inputs.push(3);
    c.outputs.push(3);
    c.add1('activation', [a], { act: 1 }, 'a');
    expect(g.nodes).toHaveLength(1);
    expect(g.nodes[0].inputs).toEqual([x]);
    expect(g.nodes[0].outputs).toEqual([a]);
    expect(g.nodes[0].attrs).toEqual({ act: 1 });
    expect(g.shape(x)).toEqual([1, 4]);
    expect(g.inputs).toEqual([x]);
    expect(g.outputs).toEqual([a]);
    expect(g.tensors).toHaveLength(2);
    expect(g.tensors[a].name).toBe('a_1'); // node 'a' took 'a'
    expect(c.nodes[1].name).toBe('a_2'); // the clone knows 'a' and 'a_1' are taken
    expect(g.add1('activation', [a], { act: 1 }, 'b')).toBe(2); // and the original's names are its own
    expect(g.nodes[1].name).toBe('b');
  });
  it('removeDeadNodes keeps what the outputs need (transitively), in order, renumbered', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4]);
    const dead1 = g.add1('activation', [x], { act: 1 }, 'dead1');
    const a = g.add1('activation', [x], { act: 2 }, 'a');
    g.add1('activation', [dead1], { act: 1 }, 'dead2');
    const b = g.add1('add', [a, x], {}, 'b');
    const bn = g.add('batchnorm_train', [b, ...[0, 1, 2, 3].map((k) => g.addParam(`s${k}`, [4], new Float32Array(4)))], {}, 'bn');
    g.add1('activation', [b], { act: 1 }, 'dead3');
    g.markOutput(bn[1]); // one output of a multi-output node keeps the node
    expect(g.paramCount()).toBe(16);
    g.removeDeadNodes();
    expect(g.nodes.map((n) => [n.id, n.name])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'bn'],
    ]);
    expect(g.tensors).toHaveLength(13); // tensors keep their ids
    g.outputs = [a];
    g.removeDeadNodes();
    expect(g.nodes.map((n) => n.name)).toEqual(['a']);
    expect(g.paramCount()).toBe(0); // the cache of used tensors was refreshed
  });
});
