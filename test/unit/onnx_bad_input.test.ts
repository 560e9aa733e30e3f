// Bad ONNX files: each must fail fast with a SlimError that says what is wrong (and, for node problems, which
// node, op and opset) — never a crash, a silent wrong answer or an allocation sized by a bogus field.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/io/onnx/import.js';
import { decodeModel, encodeModel, type ModelProto } from '../../src/io/onnx/proto.js';
import { SlimError } from '../../src/runtime/errors.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';

function model(): OnnxBuilder {
  const b = new OnnxBuilder(13);
  const x = b.input('x', ['N', 3, 8, 8]);
  const y = b.relu(b.conv(x, 3, 4, 3));
  b.output(b.node1('GlobalAveragePool', [y]));
  return b;
}

function edit(f: (m: ModelProto) => void): Uint8Array {
  const m = decodeModel(model().bytes());
  f(m);
  return encodeModel(m);
}

function expectError(bytes: Uint8Array, re: RegExp): void {
  const t0 = performance.now();
  let err: unknown;
  try {
    importOnnx(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, 'should throw').toBeInstanceOf(SlimError);
  expect((err as Error).message).toMatch(re);
  expect(performance.now() - t0).toBeLessThan(1000);
}

describe('binary ops between 4-D values: same-shape add vs broadcasting binary', () => {
  const build = (other: (b: OnnxBuilder) => string, first = false) => {
    const b = new OnnxBuilder(13);
    const y = b.conv(b.input('x', [1, 3, 6, 6]), 3, 8, 3);
    const o = other(b);
    b.output(b.node1('Add', first ? [o, y] : [y, o]));
    return importOnnx(b.bytes()).graph;
  };
  const ops = (g: ReturnType<typeof build>) =>
    g.nodes.filter((n) => n.op === 'add' || n.op === 'binary').map((n) => (n.op === 'binary' ? `binary ${String(n.attrs.fn)}` : 'add'));
  it('a [1, 8, 1, 1] constant broadcasts: a binary add', () => {
    const g = build((b) =>
      b.init(
        [1, 8, 1, 1],
        Array.from({ length: 8 }, (_, i) => i),
      ),
    );
    expect(ops(g)).toEqual(['binary add']);
  });
  it('a one-element [1] constant first (its dims a prefix of the conv output): a binary add', () => {
    const g = build((b) => b.init([1], [0.5]), true);
    expect(ops(g)).toEqual(['binary add']);
  });
  it('two values of one 4-D shape: the same-shape add', () => {
    const g = build((b) => b.conv(b.input('z', [1, 3, 6, 6]), 3, 8, 3));
    expect(ops(g)).toEqual(['add']);
  });
});

describe('bad ONNX input', () => {
  it('a good model imports (control)', () => {
    expect(importOnnx(model().bytes(), { batch: 2 }).inputs[0].shape).toEqual([2, 3, 8, 8]);
  });
  it('empty file', () => expectError(new Uint8Array(0), /empty/));
  it('truncated protobuf', () => {
    const b = model().bytes();
    expectError(b.subarray(0, Math.floor(b.length * 0.6)), /not a valid ONNX model|not produced|no graph|raw_data/);
  });
  it('corrupted protobuf (garbage bytes)', () =>
    expectError(
      Uint8Array.from({ length: 200 }, (_, i) => (i * 97 + 13) & 0xff),
      /not a valid ONNX model/,
    ));
  it('a length field claiming 2^62 bytes', () =>
    expectError(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 1, 2]), /not a valid ONNX model/));
  it('weights with the wrong number of bytes', () =>
    expectError(
      edit((m) => {
        const t = m.graph!.initializer![0];
        t.rawData = t.rawData!.subarray(0, t.rawData!.length - 4);
      }),
      /raw_data has \d+ bytes.*need \d+/,
    ));
  it('weights whose dims disagree with their data', () =>
    expectError(
      edit((m) => {
        (m.graph!.initializer![0].dims as any[])[0] = 5;
      }),
      /raw_data has \d+ bytes/,
    ));
  it('negative dimension on an input', () =>
    expectError(
      edit((m) => {
        m.graph!.input![0].type!.tensorType!.shape!.dim![2].dimValue = -4;
      }),
      /negative dimension/,
    ));
  it('huge dimension on an initializer', () =>
    expectError(
      edit((m) => {
        (m.graph!.initializer![0].dims as any[])[0] = 2 ** 40;
      }),
      /over the limit/,
    ));
  it('huge input shape', () =>
    expectError(
      edit((m) => {
        m.graph!.input![0].type!.tensorType!.shape!.dim![2].dimValue = 2 ** 20;
        m.graph!.input![0].type!.tensorType!.shape!.dim![3].dimValue = 2 ** 20;
      }),
      /over the limit/,
    ));
  it('external-data tensor', () =>
    expectError(
      edit((m) => {
        const t = m.graph!.initializer![0];
        t.externalData = [{ key: 'location', value: 'w.bin' }];
        t.dataLocation = 1;
        delete t.rawData;
      }),
      /external data/,
    ));
  it('cycle', () =>
    expectError(
      edit((m) => {
        const n = m.graph!.node!;
        n[0].input![0] = n[1].output![0];
      }),
      /cycle/,
    ));
  it('a cycle names its first node by name, else by its output', () => {
    const cyc = (named: boolean) =>
      edit((m) => {
        const n = m.graph!.node!;
        n[0].input![0] = n[1].output![0];
        n[0].name = named ? 'first' : '';
        n[1].name = named ? 'second' : '';
      });
    expectError(cyc(true), /^the graph has a cycle \(through node 'first', \w+\)$/);
    expectError(cyc(false), /^the graph has a cycle \(through node '[^0-9'][^']*', \w+\)$/);
  });
  it('missing input', () =>
    expectError(
      edit((m) => {
        m.graph!.node![1].input![0] = 'nowhere';
      }),
      /node 'Relu_\d+' \(Relu, opset 13\): input 'nowhere' is not produced/,
    ));
  it('a value produced twice', () =>
    expectError(
      edit((m) => {
        m.graph!.node![1].output![0] = m.graph!.node![0].output![0];
      }),
      /produced twice/,
    ));
  it('unsupported operator names node, op and opset', () =>
    expectError(
      edit((m) => {
        m.graph!.node![1].opType = 'NonMaxSuppression';
      }),
      /node 'Relu_\d+' \(NonMaxSuppression, opset 13\): operator 'NonMaxSuppression' is not supported/,
    ));
  it('unsupported attribute names it', () =>
    expectError(
      edit((m) => {
        m.graph!.node![1].attribute = [attr.i('frobnicate', 1)];
      }),
      /\(Relu, opset 13\): attribute 'frobnicate' is not supported/,
    ));
  it('unsupported attribute value (MaxPool storage_order 1)', () => {
    const b = new OnnxBuilder(13);
    b.output(b.node1('MaxPool', [b.input('x', [1, 1, 4, 4])], [attr.ints('kernel_shape', [2, 2]), attr.i('storage_order', 1)]));
    expectError(b.bytes(), /\(MaxPool, opset 13\): storage_order 1 is not supported/);
  });
  it('3-D convolution is reported, not mis-run', () => {
    const b = new OnnxBuilder(13);
    b.output(b.node1('Conv', [b.input('x', [1, 2, 4, 4, 4]), b.rand([2, 2, 1, 1, 1], 1)]));
    expectError(b.bytes(), /\(Conv, opset 13\): X must be 3-D \[N, C, L\] or 4-D \[N, C, H, W\] \(3-D convolution is not supported\)/);
  });
  it('opset out of range', () =>
    expectError(
      edit((m) => {
        m.opsetImport![0].version = 26;
      }),
      /opset 26 is not supported/,
    ));
  it('foreign operator domain', () =>
    expectError(
      edit((m) => {
        m.graph!.node![1].domain = 'com.microsoft';
      }),
      /domain 'com.microsoft' is not supported/,
    ));
  it('symbolic non-batch dimension without a shape', () =>
    expectError(
      edit((m) => {
        m.graph!.input![0].type!.tensorType!.shape!.dim![2] = { dimParam: 'H' };
      }),
      /symbolic dimension 2 \('H'\); pass its shape in inputShapes/,
    ));
  it('wrong channel count between input and weights', () =>
    expectError(
      edit((m) => {
        m.graph!.input![0].type!.tensorType!.shape!.dim![1].dimValue = 5;
      }),
      /\(Conv, opset 13\).*expects 3 input channels/,
    ));
});
