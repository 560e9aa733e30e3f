// The ONNX op table (src/io/onnx/registry.ts) and what a handler sees of a node (src/io/onnx/node.ts: parseAttr,
// OnnxOpContext), CPU only and table-driven: registration checks and their messages, opset ranges, later
// registrations winning and unregistering, domains; attribute decoding for every type (and the untyped legacy form),
// the typed getters, required and constant inputs, and unread outputs. StrykerJS (issue 17) found these reached
// only through whole-model imports, which leave the error texts and the edge cases open.
import { describe, expect, it } from 'vitest';
import { knowsDomain, MAX_OPSET, registerOnnxOp, resolveOp, supportedOperators } from '../../src/io/onnx/registry.js';
import { NodeError, OnnxOpContext, parseAttr, type Attr, type OnnxOpHandler, type OnnxValue } from '../../src/io/onnx/node.js';
import { ATTR, DT, type AttributeProto } from '../../src/io/onnx/proto.js';
import type { Importer } from '../../src/io/onnx/import.js';
import { SlimError } from '../../src/runtime/errors.js';
import { axesArg, need4d, reshapeTarget } from '../../src/io/onnx/ops/common.js';

const h1: OnnxOpHandler = () => [];
const h2: OnnxOpHandler = () => [undefined];

describe('registerOnnxOp / resolveOp', () => {
  it.each([
    ['', h1, {}, /registerOnnxOp: the op type is empty/],
    ['Foo', 3 as unknown as OnnxOpHandler, {}, /registerOnnxOp\('Foo'\): the handler is not a function/],
    ['Foo', h1, { opsets: [0, 3] }, /registerOnnxOp\('Foo'\): opsets \[0, 3\] is not a range of opset versions/],
    ['Foo', h1, { opsets: [4, 3] }, /opsets \[4, 3\] is not a range/],
    ['Foo', h1, { opsets: [1.5, 3] }, /opsets \[1.5, 3\] is not a range/],
    ['Foo', h1, { opsets: [1, 2.5] }, /opsets \[1, 2.5\] is not a range/],
  ] as const)('refuses %s %s %o', (op, handler, options, msg) => {
    expect(() => registerOnnxOp(op, handler, options as never)).toThrow(msg);
    expect(() => registerOnnxOp(op, handler, options as never)).toThrow(SlimError);
  });

  it('one-opset and single-opset ranges are accepted; ranges select the handler; the latest registration wins', () => {
    const off: (() => void)[] = [];
    try {
      off.push(registerOnnxOp('MutFoo', h1, { opsets: [3, 3] }));
      expect(resolveOp('', 'MutFoo', 3)).toBe(h1);
      expect(() => resolveOp('', 'MutFoo', 2)).toThrow("operator 'MutFoo' is not supported at opset 2 (handlers cover 3–3)");
      expect(() => resolveOp('', 'MutFoo', 4)).toThrow(/at opset 4 \(handlers cover 3–3\)$/);
      off.push(registerOnnxOp('MutFoo', h2, { opsets: [1, 7] }));
      expect(resolveOp('', 'MutFoo', 3)).toBe(h2); // later wins where both cover
      expect(resolveOp(undefined, 'MutFoo', 1)).toBe(h2);
      expect(resolveOp('ai.onnx', 'MutFoo', 7)).toBe(h2); // 'ai.onnx' is the default domain
      expect(() => resolveOp('', 'MutFoo', 8)).toThrow('(handlers cover 1–7, 3–3)');
      expect(supportedOperators()).toContain('MutFoo');
      off.pop()!();
      expect(resolveOp('', 'MutFoo', 3)).toBe(h1); // unregistering the later one uncovers the earlier
      expect(() => resolveOp('', 'MutFoo', 1)).toThrow(/at opset 1/);
      off.pop()!();
      expect(() => resolveOp('', 'MutFoo', 3)).toThrow(/^operator 'MutFoo' is not supported$/);
      expect(supportedOperators()).not.toContain('MutFoo');
    } finally {
      off.forEach((f) => f());
    }
  });

  it('unregistering the earlier of two keeps the later; unregistering twice is harmless', () => {
    const a = registerOnnxOp('MutBar', h1);
    const b = registerOnnxOp('MutBar', h2, { opsets: [2, 5] });
    try {
      a();
      expect(resolveOp('', 'MutBar', 2)).toBe(h2);
      expect(() => resolveOp('', 'MutBar', 1)).toThrow(/handlers cover 2–5\)$/);
      a();
      expect(resolveOp('', 'MutBar', 5)).toBe(h2);
    } finally {
      b();
    }
    expect(() => resolveOp('', 'MutBar', 2)).toThrow(/^operator 'MutBar' is not supported$/);
  });

  it('unregistering the only handler twice leaves the op unknown', () => {
    const off = registerOnnxOp('MutOnce', h1);
    off();
    off();
    expect(() => resolveOp('', 'MutOnce', 1)).toThrow(/^operator 'MutOnce' is not supported$/);
    expect(supportedOperators()).not.toContain('MutOnce');
  });

  it('domains: a custom domain is separate from the default one and known only while it has a handler', () => {
    expect(knowsDomain('')).toBe(true);
    expect(knowsDomain(undefined)).toBe(true);
    expect(knowsDomain('ai.onnx')).toBe(true);
    expect(knowsDomain('com.mut')).toBe(false);
    expect(knowsDomain('com')).toBe(false);
    const off = registerOnnxOp('Relu', h1, { domain: 'com.mut' });
    try {
      expect(knowsDomain('com.mut')).toBe(true);
      expect(knowsDomain('com')).toBe(false); // a prefix of a known domain is not known
      expect(resolveOp('com.mut', 'Relu', 1)).toBe(h1);
      expect(resolveOp('', 'Relu', 13)).not.toBe(h1);
      expect(supportedOperators().filter((o) => o === 'Relu')).toHaveLength(1); // custom domains are not listed
      expect(supportedOperators().filter((o) => o.includes('mut') || o.includes('\u0000'))).toEqual([]);
    } finally {
      off();
    }
    expect(knowsDomain('com.mut')).toBe(false);
  });

  it('built-ins: every op covers opsets 1..MAX_OPSET; the list is sorted and has no custom-domain entries', () => {
    const ops = supportedOperators();
    expect(ops).toEqual([...ops].sort());
    expect(ops).toEqual(expect.arrayContaining(['Conv', 'Relu', 'MatMul', 'Resize', 'QLinearConv', 'BatchNormalization']));
    expect(ops.every((o) => !o.includes('\u0000'))).toBe(true);
    for (const op of ['Conv', 'Add', 'Gemm']) {
      expect(typeof resolveOp('', op, 1)).toBe('function');
      expect(typeof resolveOp('', op, MAX_OPSET)).toBe('function');
      expect(() => resolveOp('', op, MAX_OPSET + 1)).toThrow(`at opset ${MAX_OPSET + 1} (handlers cover 1–${MAX_OPSET})`);
    }
  });
});

const enc = (s: string) => new TextEncoder().encode(s);
const tensor = { dataType: DT.FLOAT, dims: [2], floatData: [1.5, -2] };

describe('parseAttr', () => {
  const rows: [string, AttributeProto, Attr | RegExp][] = [
    ['float', { name: 'a', type: ATTR.FLOAT, f: 0.25 }, { type: ATTR.FLOAT, f: 0.25 }],
    ['float, absent value', { name: 'a', type: ATTR.FLOAT }, { type: ATTR.FLOAT, f: 0 }],
    ['int', { name: 'a', type: ATTR.INT, i: 7 }, { type: ATTR.INT, i: 7 }],
    ['int64 as low/high', { name: 'a', type: ATTR.INT, i: { low: 1, high: 1 } as never }, { type: ATTR.INT, i: 4294967297 }],
    ['string', { name: 'a', type: ATTR.STRING, s: enc('same') }, { type: ATTR.STRING, s: 'same' }],
    ['string as byte list', { name: 'a', type: ATTR.STRING, s: [104, 105] as never }, { type: ATTR.STRING, s: 'hi' }],
    ['empty string', { name: 'a', type: ATTR.STRING, s: new Uint8Array(0) }, { type: ATTR.STRING, s: '' }],
    ['string, absent', { name: 'a', type: ATTR.STRING }, { type: ATTR.STRING, s: '' }],
    [
      'tensor',
      { name: 'a', type: ATTR.TENSOR, t: tensor },
      { type: ATTR.TENSOR, t: { dtype: DT.FLOAT, dims: [2], data: new Float32Array([1.5, -2]) } },
    ],
    ['tensor, absent', { name: 'a', type: ATTR.TENSOR }, { type: ATTR.TENSOR, t: undefined }],
    ['floats', { name: 'a', type: ATTR.FLOATS, floats: [1, 2] }, { type: ATTR.FLOATS, floats: [1, 2] }],
    ['floats, absent', { name: 'a', type: ATTR.FLOATS }, { type: ATTR.FLOATS, floats: [] }],
    ['ints', { name: 'a', type: ATTR.INTS, ints: [3, { low: 0, high: 1 } as never] }, { type: ATTR.INTS, ints: [3, 4294967296] }],
    ['ints, absent', { name: 'a', type: ATTR.INTS }, { type: ATTR.INTS, ints: [] }],
    ['strings', { name: 'a', type: ATTR.STRINGS, strings: [enc('x'), enc('yz')] }, { type: ATTR.STRINGS, strings: ['x', 'yz'] }],
    ['strings, absent', { name: 'a', type: ATTR.STRINGS }, { type: ATTR.STRINGS, strings: [] }],
    ['untyped ints', { name: 'a', ints: [1, 2] }, { type: ATTR.INTS, ints: [1, 2] }],
    ['untyped floats', { name: 'a', floats: [0.5] }, { type: ATTR.FLOATS, floats: [0.5] }],
    ['untyped string', { name: 'a', s: enc('v') }, { type: ATTR.STRING, s: 'v' }],
    [
      'untyped tensor',
      { name: 'a', t: tensor },
      { type: ATTR.TENSOR, t: { dtype: DT.FLOAT, dims: [2], data: new Float32Array([1.5, -2]) } },
    ],
    ['untyped int', { name: 'a', i: 5 }, { type: ATTR.INT, i: 5 }],
    ['untyped float', { name: 'a', f: 2.5 }, { type: ATTR.FLOAT, f: 2.5 }],
    [
      'untyped empty lists fall through to the float',
      { name: 'a', ints: [], floats: [], s: new Uint8Array(0), f: 1.5 },
      { type: ATTR.FLOAT, f: 1.5 },
    ],
    ['untyped int 0 with a float', { name: 'a', i: 0, f: 3 }, { type: ATTR.FLOAT, f: 3 }],
    ['untyped int before float', { name: 'a', i: 2, f: 3 }, { type: ATTR.INT, i: 2 }],
    ['untyped nothing: int 0', { name: 'a' }, { type: ATTR.INT, i: 0 }],
    [
      'function attribute reference',
      { name: 'a', refAttrName: 'alpha' } as AttributeProto,
      /^n: attribute 'a' refers to a function attribute \(not supported\)$/,
    ],
    ['graph', { name: 'g', type: ATTR.GRAPH }, /^n: attribute 'g' has type 5 \(graphs and sparse tensors are not supported\)$/],
    ['tensors', { name: 'g', type: ATTR.TENSORS }, /attribute 'g' has type 9/],
    ['untyped bad tensor names the attribute', { name: 'w', t: { dataType: 999, dims: [1] } }, /^n: attribute 'w': element type/],
    [
      'bad tensor names the attribute',
      { name: 'w', type: ATTR.TENSOR, t: { dataType: 999, dims: [1] } },
      /^n: attribute 'w': element type/,
    ],
  ];
  it.each(rows)('%s', (_, a, want) => {
    if (want instanceof RegExp) expect(() => parseAttr(a, 'n')).toThrow(want);
    else expect(parseAttr(a, 'n')).toEqual(want);
  });
});

describe('OnnxOpContext', () => {
  const attrs = new Map<string, Attr>([
    ['i', { type: ATTR.INT, i: 3 }],
    ['f', { type: ATTR.FLOAT, f: 0.5 }],
    ['s', { type: ATTR.STRING, s: 'x' }],
    ['is', { type: ATTR.INTS, ints: [1, 2] }],
    ['fs', { type: ATTR.FLOATS, floats: [0.25] }],
    ['t', { type: ATTR.TENSOR, t: { dtype: DT.FLOAT, dims: [1], data: new Float32Array([9]) } }],
  ]);
  const k: OnnxValue = { name: 'k', dtype: DT.FLOAT, shape: [1], konst: { dtype: DT.FLOAT, dims: [1], data: new Float32Array([4]) } };
  const v: OnnxValue = { name: 'v', dtype: DT.FLOAT, shape: [1], nchw: 0 };
  const consumed = new Set(['mask']);
  const imp = { isConsumed: (o: string) => consumed.has(o) } as unknown as Importer;
  const ctx = () =>
    new OnnxOpContext(imp, { opType: 'Op', output: ['y', 'mask', 'extra', ''] }, [k, undefined, v], attrs, 13, "node 'n' (Op, opset 13)");

  it('typed getters return the value or the default, and record what was read', () => {
    const c = ctx();
    expect([c.int('i', 0), c.float('f', 0), c.str('s', ''), c.ints('is'), c.floats('fs'), c.tensor('t')?.data]).toEqual([
      3,
      0.5,
      'x',
      [1, 2],
      [0.25],
      new Float32Array([9]),
    ]);
    expect([c.int('no_i', -1), c.float('no_f', 1.5), c.str('no_s', 'd'), c.ints('no_is'), c.floats('no_fs'), c.tensor('no_t')]).toEqual([
      -1,
      1.5,
      'd',
      undefined,
      undefined,
      undefined,
    ]);
    c.ignore('a', 'b');
    expect([...c.used].sort()).toEqual(['a', 'b', 'f', 'fs', 'i', 'is', 'no_f', 'no_fs', 'no_i', 'no_is', 'no_s', 'no_t', 's', 't']);
    expect(c.opset).toBe(13);
  });

  it.each([
    ['int', (c: OnnxOpContext) => c.int('f', 0), "attribute 'f' has the wrong type"],
    ['float', (c: OnnxOpContext) => c.float('i', 0), "attribute 'i' has the wrong type"],
    ['str', (c: OnnxOpContext) => c.str('i', ''), "attribute 'i' has the wrong type"],
    ['ints', (c: OnnxOpContext) => c.ints('i'), "attribute 'i' has the wrong type"],
    ['floats', (c: OnnxOpContext) => c.floats('is'), "attribute 'is' has the wrong type"],
    ['tensor', (c: OnnxOpContext) => c.tensor('s'), "attribute 's' has the wrong type"],
    ['in (omitted)', (c: OnnxOpContext) => c.in(1), 'input 1 is required'],
    ['in (past the end)', (c: OnnxOpContext) => c.in(5, 'the scale'), 'the scale is required'],
    [
      'konst (run-time value)',
      (c: OnnxOpContext) => c.konst(2),
      'input 2 must be a constant (an initializer or computable at import), it is computed at run time',
    ],
    ['konst (omitted)', (c: OnnxOpContext) => c.konst(1, 'the axes'), 'the axes is required'],
    ['onlyOutputs(1) with a consumed mask', (c: OnnxOpContext) => c.onlyOutputs(1), "output 1 ('mask') is not supported"],
    ['onlyOutputs(0) with a consumed mask', (c: OnnxOpContext) => c.onlyOutputs(0), "output 1 ('mask') is not supported"],
    ['fail', (c: OnnxOpContext) => c.fail('boom'), 'boom'],
  ])('%s fails naming the node', (_, f, msg) => {
    const c = ctx();
    let err: unknown;
    try {
      f(c);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NodeError);
    expect((err as Error).message).toBe(`node 'n' (Op, opset 13): ${msg}`);
  });

  it('inputs, constants, output count and unread outputs', () => {
    const c = ctx();
    expect(c.in(0)).toBe(k);
    expect(c.in(2)).toBe(v);
    expect(c.opt(1)).toBeUndefined();
    expect(c.opt(2)).toBe(v);
    expect(c.konst(0).data).toEqual(new Float32Array([4]));
    expect(c.outCount()).toBe(4);
    expect(() => c.onlyOutputs(2)).not.toThrow(); // 'extra' is declared but nobody reads it; '' is no output
    expect(() => c.onlyOutputs(4)).not.toThrow();
    const everything = { isConsumed: () => true } as unknown as Importer;
    const bare = new OnnxOpContext(everything, { opType: 'Op' }, [], new Map(), 1, 'n');
    expect(bare.outCount()).toBe(0);
    expect(() => bare.onlyOutputs(0)).not.toThrow(); // no outputs declared: nothing to read
  });
});

describe('ops/common.ts: rank check, Reshape target, axes argument', () => {
  const imp = { isConsumed: () => false } as unknown as Importer;
  const mk = (opset: number, ins: (OnnxValue | undefined)[] = [], attrs = new Map<string, Attr>()) =>
    new OnnxOpContext(imp, { opType: 'Op' }, ins, attrs, opset, 'n');
  it('need4d names the value and its shape', () => {
    const v = (shape: number[]): OnnxValue => ({ name: 'x', dtype: DT.FLOAT, shape });
    expect(() => need4d(mk(13), v([1, 2, 3, 4]), 'X')).not.toThrow();
    expect(() => need4d(mk(13), v([1, 2, 3]), 'X')).toThrow(
      'n: X must be a 4-D NCHW tensor (1-D and 3-D variants are not supported), got [1,2,3]',
    );
  });
  it.each([
    [[2, 3, 4], [4, -1], false, [4, 6]],
    [[2, 3, 4], [0, -1], false, [2, 12]],
    [[2, 3, 4], [0, 0, 4], false, [2, 3, 4]],
    [[2, 3, 4], [-1], false, [24]],
    [[2, 3, 4], [24], false, [24]],
    [[2, 0, 4], [0, -1], false, [2, 0]],
    [[0, 3], [0, 3], true, [0, 3]],
    [[2, 3], [3, 2], true, [3, 2]],
  ])('%o to %o (allowzero %s) → %o', (from, to, allowzero, want) => {
    expect(reshapeTarget(mk(13), from, to, allowzero)).toEqual(want);
  });
  it.each([
    [[2, 3], [0, 0, 0], false, 'n: shape [0,0,0]: 0 at 2 has no input dimension to copy'],
    [[2, 3], [-1, -1], false, 'n: shape [-1,-1] is invalid'],
    [[2, 3], [-2, 3], false, 'n: shape [-2,3] is invalid'],
    [[2, 3], [4, -1], false, 'n: cannot reshape [2,3] to [4,-1]'],
    [[2, 3], [0, -1], true, 'n: cannot reshape [2,3] to [0,-1]'],
    [[2, 3], [7], false, 'n: cannot reshape [2,3] (6 values) to [7]'],
    [[2, 3], [0, 3], true, 'n: cannot reshape [2,3] (6 values) to [0,3]'],
  ])('%o to %o (allowzero %s) fails: %s', (from, to, allowzero, msg) => {
    expect(() => reshapeTarget(mk(13), from, to, allowzero)).toThrow(msg);
  });
  it('axes: an attribute before the given opset, a constant input from it on, undefined when absent', () => {
    const axesAttr = new Map<string, Attr>([['axes', { type: ATTR.INTS, ints: [1, -1] }]]);
    const k: OnnxValue = {
      name: 'axes',
      dtype: DT.INT64,
      shape: [2],
      konst: { dtype: DT.INT64, dims: [2], data: new Float64Array([0, 2]) },
    };
    expect(axesArg(mk(12, [], axesAttr), 1, 13)).toEqual([1, -1]);
    expect(axesArg(mk(12), 1, 13)).toBeUndefined();
    expect(axesArg(mk(13, [undefined, k], axesAttr), 1, 13)).toEqual([0, 2]);
    expect(axesArg(mk(18, [undefined, k]), 1, 13)).toEqual([0, 2]);
    expect(axesArg(mk(13, [undefined]), 1, 13)).toBeUndefined();
    const run: OnnxValue = { name: 'axes', dtype: DT.INT64, shape: [2], nchw: 3 };
    expect(() => axesArg(mk(13, [undefined, run]), 1, 13)).toThrow('n: axes must be a constant');
  });
});
