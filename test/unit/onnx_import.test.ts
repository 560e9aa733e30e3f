// ONNX import vs onnxruntime-node on models written the way PyTorch / the ONNX zoo write them (NCHW, symbolic
// batch, BN after conv, Gemm heads, Flatten through shape sub-graphs, Reshape→Transpose→Reshape shuffles, LRN,
// Dropout, Clip-as-ReLU6): same inputs, outputs within the deep-graph tolerance; conv/BN/ReLU fold and the
// layout converts once at the input.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { compile } from '../../src/graph/executor.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { expectClose, randn, runtime, TOL } from '../helpers.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';

async function ortRun(bytes: Uint8Array, name: string, data: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ [name]: new ort.Tensor('float32', data, dims) });
  const y = out[s.outputNames[0]].data as Float32Array;
  await s.release();
  return y;
}

interface Case {
  name: string;
  build: () => OnnxBuilder;
  shape: number[];
}

const cases: Case[] = [
  {
    name: 'resnet-style (opset 12): conv-bn-relu, maxpool, residual, GAP, Flatten, Gemm transB',
    shape: [2, 3, 17, 17],
    build: () => {
      const b = new OnnxBuilder(12);
      const x = b.input('data', ['N', 3, 17, 17]);
      let y = b.node1(
        'MaxPool',
        [b.relu(b.bn(b.conv(x, 3, 8, 7, { stride: 2, pad: 3, bias: false }), 8))],
        [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])],
      );
      const r = b.bn(b.conv(b.relu(b.bn(b.conv(y, 8, 8, 3, { bias: false }), 8)), 8, 8, 3, { bias: false }), 8);
      y = b.relu(b.node1('Add', [r, y]));
      const p = b.node1('Flatten', [b.node1('GlobalAveragePool', [y])], [attr.i('axis', 1)]);
      b.output(b.node1('Gemm', [p, b.rand([10, 8], 0.3), b.rand([10], 0.1)], [attr.f('alpha', 1), attr.f('beta', 1), attr.i('transB', 1)]));
      return b;
    },
  },
  {
    name: 'shufflenet-style (opset 9): grouped conv, Reshape→Transpose→Reshape shuffle, depthwise, avgpool+concat, torch flatten, MatMul+Add',
    shape: [1, 12, 10, 10],
    build: () => {
      const b = new OnnxBuilder(9);
      const x = b.input('x', [1, 12, 10, 10]);
      let y = b.relu(b.bn(b.conv(x, 12, 12, 1, { group: 3, bias: false }), 12));
      y = b.node1('Reshape', [
        b.node1('Transpose', [b.node1('Reshape', [y, b.ints([0, 3, 4, 10, 10])])], [attr.ints('perm', [0, 2, 1, 3, 4])]),
        b.ints([0, -1, 10, 10]),
      ]);
      y = b.bn(b.conv(y, 12, 12, 3, { stride: 2, group: 12, bias: false }), 12);
      y = b.bn(b.conv(y, 12, 12, 1, { group: 3, bias: false }), 12);
      const short = b.node1(
        'AveragePool',
        [x],
        [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])],
      );
      y = b.relu(b.node1('Concat', [short, y], [attr.i('axis', 1)]));
      const f = b.torchFlatten(b.node1('GlobalAveragePool', [y]));
      b.output(
        b.node1('Softmax', [b.node1('Add', [b.node1('MatMul', [f, b.rand([24, 10], 0.3)]), b.rand([10], 0.1)])], [attr.i('axis', 1)]),
      );
      return b;
    },
  },
  {
    name: 'squeezenet-style (opset 12): fire modules, ceil-mode maxpool, Dropout, GAP, Reshape',
    shape: [1, 3, 21, 21],
    build: () => {
      const b = new OnnxBuilder(12);
      const x = b.input('x', ['batch', 3, 21, 21]);
      let y = b.node1(
        'MaxPool',
        [b.relu(b.conv(x, 3, 16, 3, { stride: 2, pad: 0 }))],
        [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.i('ceil_mode', 1)],
      );
      const fire = (y: string, cin: number, s: number, e: number) => {
        const q = b.relu(b.conv(y, cin, s, 1));
        return b.node1('Concat', [b.relu(b.conv(q, s, e, 1)), b.relu(b.conv(q, s, e, 3))], [attr.i('axis', 1)]);
      };
      y = fire(fire(y, 16, 8, 16), 32, 8, 16);
      y = b.node('Dropout', [y], [attr.i('seed', 1)], 1)[0];
      y = b.node1('GlobalAveragePool', [b.relu(b.conv(y, 32, 10, 1))]);
      b.output(b.node1('Softmax', [b.node1('Reshape', [y, b.ints([1, 10])])], [attr.i('axis', 1)]));
      return b;
    },
  },
  {
    name: 'alexnet/googlenet-style (opset 12): 11×11/4 conv, LRN, grouped conv, Flatten, Gemm-Relu-Gemm',
    shape: [1, 3, 35, 35],
    build: () => {
      const b = new OnnxBuilder(12);
      const x = b.input('x', [1, 3, 35, 35]);
      const lrn = (y: string) => b.node1('LRN', [y], [attr.i('size', 5), attr.f('alpha', 1e-4), attr.f('beta', 0.75), attr.f('bias', 1)]);
      let y = b.node1(
        'MaxPool',
        [lrn(b.relu(b.conv(x, 3, 16, 11, { stride: 4, pad: 2 })))],
        [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2])],
      );
      y = lrn(b.relu(b.conv(y, 16, 16, 3, { group: 2 })));
      y = b.node1('Flatten', [y]);
      y = b.relu(b.node1('Gemm', [y, b.rand([32, 144], 0.1), b.rand([32], 0.1)], [attr.i('transB', 1)]));
      b.output(b.node1('Gemm', [y, b.rand([32, 10], 0.3), b.rand([1, 10], 0.1)]));
      return b;
    },
  },
  {
    name: 'mobilenet-v2/densenet-style (opset 13): Clip(0,6), depthwise, dense concat, BN-Relu before conv, avgpool transition',
    shape: [1, 8, 9, 9],
    build: () => {
      const b = new OnnxBuilder(13);
      const x = b.input('x', [1, 8, 9, 9]);
      const relu6 = (y: string) => b.node1('Clip', [y, b.init([], [0]), b.init([], [6])]);
      let y = relu6(b.bn(b.conv(x, 8, 16, 1, { bias: false }), 16));
      y = relu6(b.bn(b.conv(y, 16, 16, 3, { group: 16, bias: false }), 16));
      y = b.node1('Add', [b.bn(b.conv(y, 16, 8, 1, { bias: false }), 8), x]);
      const d = b.conv(b.relu(b.bn(y, 8)), 8, 4, 3, { bias: false });
      y = b.node1('Concat', [y, d], [attr.i('axis', 1)]);
      y = b.node1(
        'AveragePool',
        [b.conv(b.relu(b.bn(y, 12)), 12, 8, 1, { bias: false })],
        [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
      );
      b.output(b.node1('ReduceMean', [y], [attr.ints('axes', [2, 3]), attr.i('keepdims', 0)]));
      return b;
    },
  },
];

describe('ONNX import vs onnxruntime-node', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const rt = await runtime();
      const bytes = c.build().bytes();
      const x = randn(
        c.shape.reduce((a, b) => a * b, 1),
        3,
      );
      const m = importOnnx(bytes, { batch: c.shape[0] });
      const name = m.inputs[0].name;
      expect(m.inputs[0].shape).toEqual(c.shape);
      const compiled = await compile(rt, m.graph);
      const [y] = await compiled.run([x]);
      const transposes = compiled.graph.nodes.filter((n) => n.op === 'transpose').length;
      // Gemm and MatMul → Add heads run as one matmul with its bias
      expect(compiled.graph.nodes.filter((n) => n.op === 'binary' && n.attrs.fn === 'add').length).toBe(0);
      const fused = compiled.fusion;
      compiled.destroy();
      const ref = await ortRun(bytes, name, x, c.shape);
      const err = y.reduce((a, v, i) => Math.max(a, Math.abs(v - ref[i])), 0);
      console.log(
        `${c.name.split(' ')[0]}: max |ours − onnxruntime| = ${err.toExponential(2)}, transposes ${transposes}, fusion ${JSON.stringify(fused)}`,
      );
      expectClose(y, ref, TOL.model, c.name);
      expect(transposes).toBeLessThanOrEqual(2); // at most: into NHWC at the input, back to NCHW before Flatten
    });
  }
});

describe('Conv and pool attributes vs onnxruntime-node', () => {
  const convs: [string, number[], number, number, AttributeProtoList][] = [
    ['dilation 2, pads 2', [1, 3, 11, 9], 4, 3, [attr.ints('dilations', [2, 2]), attr.ints('pads', [2, 2, 2, 2])]],
    [
      'groups 2, stride 2, asymmetric pads',
      [2, 4, 9, 10],
      6,
      3,
      [attr.i('group', 2), attr.ints('strides', [2, 2]), attr.ints('pads', [0, 1, 1, 0])],
    ],
    ['auto_pad SAME_LOWER, stride 2', [1, 3, 8, 7], 5, 4, [attr.s('auto_pad', 'SAME_LOWER'), attr.ints('strides', [2, 2])]],
    ['auto_pad SAME_UPPER, even kernel 4×4', [1, 2, 7, 9], 4, 4, [attr.s('auto_pad', 'SAME_UPPER')]],
    [
      'dilation (1,2), stride (2,1)',
      [1, 2, 7, 9],
      4,
      3,
      [attr.ints('dilations', [1, 2]), attr.ints('strides', [2, 1]), attr.ints('pads', [1, 2, 0, 1])],
    ],
    ['auto_pad VALID, 5×5', [1, 3, 9, 9], 4, 5, [attr.s('auto_pad', 'VALID')]],
    ['depthwise 3×3 stride 2', [1, 8, 9, 9], 8, 3, [attr.i('group', 8), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])]],
  ];
  for (const [name, shape, cout, k, attrs] of convs) {
    it(`Conv ${name}`, async () => {
      const b = new OnnxBuilder(13);
      const group = (attrs.find((a) => a.name === 'group')?.i as number) ?? 1;
      const x = b.input('x', shape);
      b.output(
        b.node1(
          'Conv',
          [x, b.rand([cout, shape[1] / group, k, k], 0.5), b.rand([cout], 0.1)],
          [attr.ints('kernel_shape', [k, k]), ...attrs],
        ),
      );
      const bytes = b.bytes();
      const data = randn(
        shape.reduce((a, c) => a * c, 1),
        21,
      );
      const m = importOnnx(bytes);
      const compiled = await compile(await runtime(), m.graph);
      const [y] = await compiled.run([data]);
      compiled.destroy();
      expectClose(y, await ortRun(bytes, 'x', data, shape), TOL.f32, name);
    });
  }
  const pools: [string, string, AttributeProtoList][] = [
    [
      'MaxPool dilations 2, ceil',
      'MaxPool',
      [attr.ints('kernel_shape', [3, 3]), attr.ints('dilations', [2, 2]), attr.ints('strides', [2, 2]), attr.i('ceil_mode', 1)],
    ],
    [
      'AveragePool count_include_pad, pads',
      'AveragePool',
      [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1]), attr.i('count_include_pad', 1)],
    ],
    [
      'AveragePool SAME_UPPER stride 2',
      'AveragePool',
      [attr.ints('kernel_shape', [2, 3]), attr.ints('strides', [2, 2]), attr.s('auto_pad', 'SAME_UPPER')],
    ],
  ];
  for (const [name, op, attrs] of pools) {
    it(name, async () => {
      const shape = [2, 3, 10, 11];
      const b = new OnnxBuilder(13);
      b.output(b.node1(op, [b.input('x', shape)], attrs));
      const bytes = b.bytes();
      const data = randn(
        shape.reduce((a, c) => a * c, 1),
        22,
      );
      const compiled = await compile(await runtime(), importOnnx(bytes).graph);
      const [y] = await compiled.run([data]);
      compiled.destroy();
      expectClose(y, await ortRun(bytes, 'x', data, shape), TOL.f32, name);
    });
  }
});
type AttributeProtoList = import('../../src/io/onnx/proto.js').AttributeProto[];
