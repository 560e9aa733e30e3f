// Data op: the training batch gathered on the GPU from the resident dataset (src/train/gpu_data.ts).
//
//   gather_batch (pixels u32 [⌈n·rows·cols/4⌉], dataset_labels [n], order [n], lut [257], cursor [4])
//                → images [B, rows, cols, 1], labels [B]        attrs batch, rows, cols, crop_pad, flip
// `cursor` is a graph input written every step with the u32 bits (start in order, augmentation seed, 0, 0).
// The math and the CPU form: shaders/data/gather_batch.wgsl, fillBatch(…, 'counter') in src/io/fashion_mnist_codec.ts.

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

registerOp({
  name: 'gather_batch',
  infer([pixels, labels, order, lut, cursor], attrs) {
    const [b, rows, cols] = ['batch', 'rows', 'cols'].map((k) => attrNum(attrs, k));
    const n = numel(labels);
    check(
      numel(order) === n && numel(lut) === 257 && numel(cursor) === 4 && numel(pixels) === Math.ceil((n * rows * cols) / 4),
      `gather_batch: inconsistent inputs ${[pixels, labels, order, lut, cursor].map(shapeStr).join(', ')} for ${n} images of ${rows}×${cols}`,
    );
    check(b >= 1 && b <= n, `gather_batch: batch ${b} must be in [1, ${n}]`);
    return [[b, rows, cols, 1], [b]];
  },
  dtypes: () => ['f32', 'f32'],
  plan: async (pc) => {
    const [b, rows, cols] = pc.outShapes[0];
    return [
      await pc.rt.kernels.launch('data/gather_batch', {
        uniforms: { rows, cols, pad: attrNum(pc.attrs, 'crop_pad', 0), flip: pc.attrs.flip ? 1 : 0 },
        buffers: {
          pixels: pc.input(0),
          dataset_labels: pc.input(1),
          order: pc.input(2),
          lut: pc.input(3),
          cursor: pc.input(4),
          images: pc.output(0),
          labels: pc.output(1),
        },
        invocations: b * rows, // one image row per invocation
      }),
    ];
  },
});
