// A full-size ResNet-50 (224×224, 25.6M weights) written the way PyTorch exports it, for scale checks.
import { attr, OnnxBuilder } from './onnx_builder.js';

export function resnet50Onnx(): Uint8Array {
  const b = new OnnxBuilder(12);
  const x = b.input('data', ['N', 3, 224, 224]);
  let y = b.node1(
    'MaxPool',
    [b.relu(b.bn(b.conv(x, 3, 64, 7, { stride: 2, pad: 3, bias: false }), 64))],
    [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])],
  );
  let cin = 64;
  for (const [mid, n, stride] of [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const s = i === 0 ? stride : 1;
      const cout = mid * 4;
      let r = b.relu(b.bn(b.conv(y, cin, mid, 1, { bias: false }), mid));
      r = b.relu(b.bn(b.conv(r, mid, mid, 3, { stride: s, bias: false }), mid));
      r = b.bn(b.conv(r, mid, cout, 1, { bias: false }), cout);
      const short = i === 0 ? b.bn(b.conv(y, cin, cout, 1, { stride: s, bias: false }), cout) : y;
      y = b.relu(b.node1('Add', [r, short]));
      cin = cout;
    }
  }
  const p = b.node1('Flatten', [b.node1('GlobalAveragePool', [y])]);
  b.output(b.node1('Gemm', [p, b.rand([1000, 2048], 0.02), b.rand([1000], 0.1)], [attr.i('transB', 1)]));
  return b.bytes();
}
