// ConvTranspose, 1-D convolution and pooling (run as 2-D on [N, C, 1, L]) and SpaceToDepth, imported and run on the
// GPU against onnxruntime-node: odd sizes, stride 2, asymmetric pads, groups, dilation, batch > 1, output_padding,
// output_shape and auto_pad (where odd total padding shows which side takes the extra one).
import { describe, it } from 'vitest';
import type { AttributeProto } from '../../src/io/onnx/proto.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';
import { compareWithOrt } from '../onnx_compare.js';

describe('ConvTranspose vs onnxruntime', () => {
  // [name, x shape, cout, kernel, attrs, bias]
  const cases: [string, number[], number, number[], AttributeProto[], boolean][] = [
    [
      'PyTorch upsampling: k3 s2 p1 output_padding 1, bias',
      [2, 4, 5, 6],
      3,
      [3, 3],
      [attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1]), attr.ints('output_padding', [1, 1])],
      true,
    ],
    ['k4 s2 p1 (DCGAN), batch 1', [1, 3, 4, 3], 5, [4, 4], [attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])], false],
    [
      'groups 2, dilation 2, asymmetric pads, stride (2,1)',
      [2, 4, 5, 7],
      6,
      [3, 2],
      [attr.i('group', 2), attr.ints('dilations', [2, 2]), attr.ints('strides', [2, 1]), attr.ints('pads', [0, 1, 2, 0])],
      true,
    ],
    ['depthwise (group = C), stride 3', [1, 5, 3, 4], 5, [3, 3], [attr.i('group', 5), attr.ints('strides', [3, 3])], true],
    ['output_shape (odd total padding)', [1, 2, 4, 5], 3, [3, 3], [attr.ints('strides', [2, 2]), attr.ints('output_shape', [8, 10])], true],
    ['auto_pad SAME_UPPER, stride 2, k4', [1, 2, 3, 5], 3, [4, 4], [attr.ints('strides', [2, 2]), attr.s('auto_pad', 'SAME_UPPER')], false],
    [
      'auto_pad SAME_UPPER, stride 2, k3 (odd total)',
      [1, 2, 3, 5],
      3,
      [3, 3],
      [attr.ints('strides', [2, 2]), attr.s('auto_pad', 'SAME_UPPER')],
      false,
    ],
    ['auto_pad SAME_LOWER, stride 2, k3', [1, 2, 3, 5], 3, [3, 3], [attr.ints('strides', [2, 2]), attr.s('auto_pad', 'SAME_LOWER')], false],
    ['auto_pad VALID, 1×1 stride 2', [1, 3, 3, 3], 4, [1, 1], [attr.ints('strides', [2, 2]), attr.s('auto_pad', 'VALID')], true],
    [
      '1-D: k5 s2 p2 output_padding 1',
      [2, 3, 7],
      4,
      [5],
      [attr.ints('strides', [2]), attr.ints('pads', [2, 2]), attr.ints('output_padding', [1])],
      true,
    ],
  ];
  for (const [name, xs, cout, k, attrs, bias] of cases) {
    it(name, async () => {
      const b = new OnnxBuilder(13);
      const group = (attrs.find((a) => a.name === 'group')?.i as number) ?? 1;
      const x = b.input('x', xs);
      const ins = [x, b.rand([xs[1], cout / group, ...k], 0.5)];
      if (bias) ins.push(b.rand([cout], 0.3));
      b.output(b.node1('ConvTranspose', ins, [attr.ints('kernel_shape', k), ...attrs]));
      await compareWithOrt(b, name);
    });
  }
  it('an FCN/U-Net decoder: Conv → ConvTranspose ×2 → Concat skip → Conv', async () => {
    const b = new OnnxBuilder(17);
    const x = b.input('x', [1, 3, 12, 12]);
    const e1 = b.relu(b.conv(x, 3, 8, 3, { stride: 2 }));
    const e2 = b.relu(b.conv(e1, 8, 8, 3, { stride: 2 }));
    const up = (y: string, cin: number, cout: number) =>
      b.relu(
        b.node1(
          'ConvTranspose',
          [y, b.rand([cin, cout, 2, 2], 0.4), b.rand([cout], 0.1)],
          [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
        ),
      );
    const d1 = b.node1('Concat', [up(e2, 8, 8), e1], [attr.i('axis', 1)]);
    b.output(b.conv(up(d1, 16, 4), 4, 2, 1));
    await compareWithOrt(b, 'decoder');
  });
});

describe('1-D convolution and pooling, SpaceToDepth vs onnxruntime', () => {
  it('1-D Conv (groups 2, stride 2, dilation 2, asymmetric pads), MaxPool, AveragePool, GlobalAveragePool, batch 2', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 4, 23]);
    let y = b.node1(
      'Conv',
      [x, b.rand([6, 2, 3], 0.5), b.rand([6], 0.1)],
      [
        attr.ints('kernel_shape', [3]),
        attr.i('group', 2),
        attr.ints('strides', [2]),
        attr.ints('dilations', [2]),
        attr.ints('pads', [2, 1]),
      ],
    );
    y = b.node1('MaxPool', [b.relu(y)], [attr.ints('kernel_shape', [3]), attr.ints('strides', [2]), attr.ints('pads', [1, 1])]);
    const a = b.node1('AveragePool', [y], [attr.ints('kernel_shape', [2]), attr.i('count_include_pad', 1), attr.ints('pads', [0, 1])]);
    b.output(a);
    b.output(b.node1('GlobalAveragePool', [y]));
    await compareWithOrt(b, '1-D');
  });
  it('1-D Conv with auto_pad SAME_UPPER, no bias', async () => {
    const b = new OnnxBuilder(11);
    b.output(
      b.node1('Conv', [b.input('x', [1, 3, 10]), b.rand([5, 3, 4], 0.5)], [attr.ints('strides', [3]), attr.s('auto_pad', 'SAME_UPPER')]),
    );
    await compareWithOrt(b, '1-D SAME');
  });
  it('SpaceToDepth blocksize 2 on an odd channel count, batch 2', async () => {
    const b = new OnnxBuilder(13);
    b.output(b.node1('SpaceToDepth', [b.relu(b.input('x', [2, 3, 6, 4]))], [attr.i('blocksize', 2)]));
    await compareWithOrt(b, 'SpaceToDepth');
  });
});
