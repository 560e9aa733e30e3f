// Small ONNX files for the CLI and bench tests of `--onnx FILE` (written with test/onnx_builder.ts): a tiny CNN
// with a symbolic batch and image size, the same with fixed dimensions, one with operators nobody supports, and
// one whose input is too large for any device.
import { attr, OnnxBuilder } from './onnx_builder.js';

/** Conv 3→8 3×3 → Relu → GlobalAveragePool → Flatten → Gemm 8→5 (transB, as PyTorch writes Linear). */
export function tinyCnn(dims: (number | string)[] = ['N', 3, 'H', 'W']): Uint8Array {
  const b = new OnnxBuilder(13);
  const x = b.input('x', dims);
  const h = b.relu(b.conv(x, 3, 8, 3));
  const p = b.node1('GlobalAveragePool', [h]);
  const f = b.node1('Flatten', [p], [attr.i('axis', 1)]);
  const y = b.node1('Gemm', [f, b.rand([5, 8], 0.5), b.rand([5], 0.1)], [attr.i('transB', 1)]);
  b.output(y);
  return b.bytes();
}

/** Two unsupported operator types, one used twice. */
export function unsupportedOps(): Uint8Array {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [1, 4]);
  const a = b.node1('FrobnicateA', [x]);
  const c = b.node1('FrobnicateA', [a]);
  const d = b.node1('FrobnicateB', [c]);
  b.output(b.relu(d));
  return b.bytes();
}

/** A Relu over a [1,3,30000,30000] input: 10 GiB per tensor. */
export function hugeInput(): Uint8Array {
  const b = new OnnxBuilder(13);
  b.output(b.relu(b.input('x', [1, 3, 30000, 30000])));
  return b.bytes();
}

/** A 1×1 Conv 1→4 channels over a [1,1,9000,9000] input: the input fits one buffer, its 1.2 GiB output does not. */
export function wideActivation(): Uint8Array {
  const b = new OnnxBuilder(13);
  b.output(b.conv(b.input('x', [1, 1, 9000, 9000]), 1, 4, 1, { pad: 0 }));
  return b.bytes();
}
