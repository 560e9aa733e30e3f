// Import what exporters write: legacy opsets (1–6) with their attributes (consumed_inputs, is_test, spatial,
// broadcast, Reshape's shape attribute, Cast's type name), optional outputs declared but unused, and one error for
// every unsupported op. Legacy files are compared with the same network written at opset 13 and run by
// onnxruntime-node (which loads opset ≥ 7 only); everything else directly with onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/io/onnx/import.js';
import { expectClose, randn, TOL } from '../helpers.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';
import { oursOutputs, ortOutputs } from '../onnx_compare.js';

/** The same small CNN at any opset, in the attribute forms of that opset. */
function legacyNet(opset: number): OnnxBuilder {
  const b = new OnnxBuilder(opset);
  const old = opset < 7;
  const x = b.input('x', [2, 3, 9, 9]);
  const ci = (v: number[]) => (old ? [attr.ints('consumed_inputs', v)] : []);
  let y = b.conv(x, 3, 8, 3);
  const stats = [
    b.init(
      [8],
      Array.from({ length: 8 }, (_, i) => 0.6 + i / 10),
    ),
    b.rand([8], 0.2),
    b.rand([8], 0.2),
    b.init(
      [8],
      Array.from({ length: 8 }, (_, i) => 0.5 + i / 16),
    ),
  ];
  y = old
    ? b.node(
        'BatchNormalization',
        [y, ...stats],
        [attr.i('is_test', 1), attr.i('spatial', 1), attr.f('epsilon', 1e-5), ...ci([0, 0, 0, 1, 1])],
        5,
      )[0]
    : b.node1('BatchNormalization', [y, ...stats], [attr.f('epsilon', 1e-5)]);
  y = b.node1('Relu', [y], ci([0]));
  // per-channel affine the Caffe2 way: broadcast = 1, axis = 1, operands [C]
  const [s, t] = [randn(8, 7, 1), randn(8, 8, 0.5)];
  y = old
    ? b.node1('Mul', [y, b.init([8], s)], [attr.i('broadcast', 1), attr.i('axis', 1), ...ci([0, 0])])
    : b.node1('Mul', [y, b.init([8, 1, 1], s)]);
  y = old
    ? b.node1('Add', [y, b.init([8], t)], [attr.i('broadcast', 1), attr.i('axis', 1), ...ci([0, 0])])
    : b.node1('Add', [y, b.init([8, 1, 1], t)]);
  y = b.node('Dropout', [y], old ? [attr.i('is_test', 1), attr.f('ratio', 0.3)] : [], 2)[0]; // mask declared, unused
  y = b.node1('MaxPool', [y], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
  y = b.node1('Concat', [y, y], opset < 4 ? [] : [attr.i('axis', 1)]);
  y = opset < 5 ? b.node1('Reshape', [y], [attr.ints('shape', [2, -1])]) : b.node1('Reshape', [y, b.ints([2, -1])]);
  y = opset < 6 ? b.node1('Cast', [y], [attr.s('to', 'FLOAT')]) : b.node1('Cast', [y], [attr.i('to', 1)]);
  y = b.node1('Gemm', [y, b.rand([10, 256], 0.1), b.rand([10], 0.1)], [attr.i('transB', 1), ...(old ? [attr.i('broadcast', 1)] : [])]);
  b.output(b.node1('Softmax', [y], [attr.i('axis', 1)]));
  return b;
}

describe('legacy opsets', () => {
  for (const opset of [1, 4, 6]) {
    it(`opset ${opset} file (its legacy attributes) = the opset-13 network in onnxruntime`, async () => {
      const feeds = { x: [randn(2 * 3 * 81, 5), [2, 3, 9, 9]] as [Float32Array, number[]] };
      const [ours] = await oursOutputs(legacyNet(opset).bytes(), feeds);
      const [ref] = await ortOutputs(legacyNet(13).bytes(), feeds);
      expectClose(ours, ref, TOL.f32, `opset ${opset}`);
    });
  }
  it('BatchNormalization spatial = 0 (per-activation statistics, opset 6)', async () => {
    const mk = (legacy: boolean) => {
      const b = new OnnxBuilder(legacy ? 6 : 13);
      const x = b.input('x', [2, 3, 4, 5]);
      const st = [randn(60, 1, 0.5).map((v) => v + 1), randn(60, 2, 0.3), randn(60, 3, 0.3), randn(60, 4, 0.2).map((v) => v + 0.6)];
      if (legacy)
        b.output(b.node1('BatchNormalization', [x, ...st.map((d) => b.init([3, 4, 5], d))], [attr.i('spatial', 0), attr.i('is_test', 1)]));
      else {
        const [sc, bi, me, va] = st.map((d) => b.init([3, 4, 5], d));
        const sd = b.node1('Sqrt', [b.node1('Add', [va, b.init([], [1e-5])])]);
        b.output(b.node1('Add', [b.node1('Mul', [b.node1('Div', [b.node1('Sub', [x, me]), sd]), sc]), bi]));
      }
      return b.bytes();
    };
    const feeds = { x: [randn(120, 6), [2, 3, 4, 5]] as [Float32Array, number[]] };
    expectClose((await oursOutputs(mk(true), feeds))[0], (await ortOutputs(mk(false), feeds))[0], TOL.f32, 'spatial 0');
  });
});

describe('legacy forms of Split, Tile; Selu and ThresholdedRelu', () => {
  it('Split-1 with the split as a second input, Tile-1 (tiles, axis) = their opset-13 forms in onnxruntime', async () => {
    const mk = (opset: number) => {
      const b = new OnnxBuilder(opset);
      const x = b.input('x', [2, 7, 3]);
      const parts = b.node('Split', [x, b.ints([2, 5])], [attr.i('axis', 1)], 2); // an input at opsets 1 and ≥ 13
      b.output(parts[0]);
      b.output(
        opset < 6 ? b.node1('Tile', [parts[1], b.init([], [3], 7), b.init([], [2], 7)]) : b.node1('Tile', [parts[1], b.ints([1, 1, 3])]),
      );
      return b.bytes();
    };
    const feeds = { x: [randn(42, 12), [2, 7, 3]] as [Float32Array, number[]] };
    const [ours, ref] = [await oursOutputs(mk(1), feeds), await ortOutputs(mk(13), feeds)];
    ours.forEach((y, k) => expectClose(y, ref[k], TOL.f32, `output ${k}`));
  });
  it('ImageScaler (opset 8, old zoo files) = Mul and Add by per-channel constants in onnxruntime', async () => {
    const mk = (legacy: boolean) => {
      const b = new OnnxBuilder(legacy ? 8 : 13);
      const x = b.input('x', [2, 3, 4, 5]);
      if (legacy) b.output(b.node1('ImageScaler', [x], [attr.f('scale', 0.017), { name: 'bias', type: 6, floats: [-2.1, -2.0, -1.8] }]));
      else b.output(b.node1('Add', [b.node1('Mul', [x, b.init([], [0.017])]), b.init([3, 1, 1], [-2.1, -2.0, -1.8])]));
      return b.bytes();
    };
    const feeds = { x: [randn(120, 14, 100), [2, 3, 4, 5]] as [Float32Array, number[]] };
    expectClose((await oursOutputs(mk(true), feeds))[0], (await ortOutputs(mk(false), feeds))[0], TOL.f32, 'ImageScaler');
  });
  it('Selu and ThresholdedRelu vs onnxruntime', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [3, 11]);
    b.output(b.node1('Selu', [x]));
    b.output(b.node1('Selu', [x], [attr.f('alpha', 1.5), attr.f('gamma', 0.7)]));
    b.output(b.node1('ThresholdedRelu', [x], [attr.f('alpha', 0.3)]));
    const feeds = { x: [randn(33, 13, 2), [3, 11]] as [Float32Array, number[]] };
    const [ours, ref] = [await oursOutputs(b.bytes(), feeds), await ortOutputs(b.bytes(), feeds)];
    ours.forEach((y, k) => expectClose(y, ref[k], TOL.f32, `output ${k}`));
  });
});

describe('optional outputs that nothing reads', () => {
  it('Dropout mask and MaxPool indices declared, unused (opset 13)', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [1, 4, 6, 6]);
    const d = b.node('Dropout', [b.relu(x)], [], 2)[0];
    b.output(b.node('MaxPool', [d], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2])], 2)[0]);
    const feeds = { x: [randn(144, 9), [1, 4, 6, 6]] as [Float32Array, number[]] };
    expectClose((await oursOutputs(b.bytes(), feeds))[0], (await ortOutputs(b.bytes(), feeds))[0], TOL.f32, 'dropout');
  });
  it('a read mask is still refused, naming the output', () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [1, 4]);
    const [, mask] = b.node('Dropout', [x], [], 2);
    b.output(b.node1('Identity', [mask]));
    expect(() => importOnnx(b.bytes())).toThrow(/Dropout, opset 13\): output 1 \('dropout_\d+'\) is not supported/);
  });
});

describe('unsupported operators', () => {
  it('one error lists every unsupported op with opset and count, before anything is built', () => {
    const b = new OnnxBuilder(17);
    let y = b.input('x', [1, 4]);
    y = b.node1('Frobnicate', [y]);
    y = b.node1('Relu', [y]);
    y = b.node1('Frobnicate', [y]);
    y = b.node1('Twiddle', [y]);
    b.output(y);
    let msg = '';
    try {
      importOnnx(b.bytes());
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^2 operators are not supported:/);
    expect(msg).toMatch(/\(Frobnicate, opset 17\): operator 'Frobnicate' is not supported \(2 nodes: 'Frobnicate_\d+', 'Frobnicate_\d+'\)/);
    expect(msg).toMatch(/\(Twiddle, opset 17\): operator 'Twiddle' is not supported$/m);
  });
});
