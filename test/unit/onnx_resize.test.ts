// ONNX Resize (opsets 10–19) and Upsample (7, 9) imported and run on the GPU against onnxruntime-node: nearest /
// linear / cubic, every coordinate_transformation_mode and nearest_mode, scales or sizes, 1-D, and an FPN neck
// (lateral 1×1 convs, nearest ×2 upsampling, adds) the way PyTorch exports it.
import { describe, it } from 'vitest';
import type { AttributeProto } from '../../src/io/onnx/proto.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';
import { compareWithOrt } from '../onnx_compare.js';

const f = (v: number[]) => v;

function resizeModel(
  opset: number,
  xs: number[],
  attrs: AttributeProto[],
  how: { scales?: number[]; sizes?: number[]; roi?: number[] },
): OnnxBuilder {
  const b = new OnnxBuilder(opset);
  const x = b.input('x', xs);
  let ins: string[];
  if (opset < 11) ins = [x, b.init([how.scales!.length], how.scales!)];
  else {
    const roi = how.roi ? b.init([how.roi.length], how.roi) : opset >= 13 ? '' : b.init([0], []);
    const scales = how.scales ? b.init([how.scales.length], how.scales) : opset >= 13 ? '' : b.init([0], []);
    ins = [x, roi, scales];
    if (how.sizes) ins.push(b.ints(how.sizes));
  }
  b.output(b.node1('Resize', ins, attrs));
  return b;
}

describe('Resize vs onnxruntime', () => {
  const coords = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
  for (const mode of ['nearest', 'linear', 'cubic']) {
    for (const coord of coords) {
      it(`opset 13 ${mode} ${coord}: scales up (2.5, 1.5) and sizes down`, async () => {
        const a = [attr.s('mode', mode), attr.s('coordinate_transformation_mode', coord)];
        await compareWithOrt(resizeModel(13, [2, 3, 5, 7], a, { scales: [1, 1, 2.5, 1.5] }), `${mode} ${coord} up`);
        await compareWithOrt(resizeModel(13, [2, 3, 5, 7], a, { sizes: [2, 3, 3, 4] }), `${mode} ${coord} down`);
      });
    }
  }
  it('opset 13 nearest tf_half_pixel_for_nn, every nearest_mode', async () => {
    for (const nm of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
      await compareWithOrt(
        resizeModel(13, [1, 2, 5, 6], [attr.s('coordinate_transformation_mode', 'tf_half_pixel_for_nn'), attr.s('nearest_mode', nm)], {
          scales: [1, 1, 2, 1.5],
        }),
        nm,
      );
      await compareWithOrt(
        resizeModel(13, [1, 2, 5, 6], [attr.s('coordinate_transformation_mode', 'asymmetric'), attr.s('nearest_mode', nm)], {
          scales: [1, 1, 0.5, 2],
        }),
        `${nm} asym`,
      );
    }
  });
  it('opset 11 (empty roi/scales inputs), cubic a = −0.5 exclude_outside, sizes', async () => {
    await compareWithOrt(
      resizeModel(11, [1, 2, 6, 5], [attr.s('mode', 'cubic'), attr.f('cubic_coeff_a', -0.5), attr.i('exclude_outside', 1)], {
        sizes: [1, 2, 9, 8],
      }),
      'cubic',
    );
  });
  it('opset 11 tf_crop_and_resize with roi and extrapolation_value', async () => {
    for (const mode of ['linear', 'nearest']) {
      await compareWithOrt(
        resizeModel(
          11,
          [1, 2, 6, 5],
          [attr.s('mode', mode), attr.s('coordinate_transformation_mode', 'tf_crop_and_resize'), attr.f('extrapolation_value', 7)],
          { roi: [0, 0, -0.1, 0.2, 1, 1, 0.8, 1.3], sizes: [1, 2, 5, 6] },
        ),
        `crop ${mode}`,
      );
    }
  });
  it('opset 10 (asymmetric, simple rounding), nearest and linear', async () => {
    await compareWithOrt(resizeModel(10, [1, 3, 4, 5], [attr.s('mode', 'nearest')], { scales: [1, 1, 2, 3] }), 'r10 nearest');
    await compareWithOrt(resizeModel(10, [1, 3, 4, 5], [attr.s('mode', 'linear')], { scales: [1, 1, 1.5, 2.5] }), 'r10 linear');
  });
  it('opset 18 axes + keep_aspect_ratio_policy, opset 19 half_pixel_symmetric', async () => {
    await compareWithOrt(
      resizeModel(
        18,
        [1, 2, 5, 7],
        [attr.s('mode', 'linear'), attr.ints('axes', [2, 3]), attr.s('keep_aspect_ratio_policy', 'not_larger')],
        { sizes: [9, 9] },
      ),
      'not_larger',
    );
    await compareWithOrt(
      resizeModel(
        18,
        [1, 2, 5, 7],
        [attr.s('mode', 'nearest'), attr.ints('axes', [3, 2]), attr.s('keep_aspect_ratio_policy', 'not_smaller')],
        { sizes: [9, 9] },
      ),
      'not_smaller',
    );
    await compareWithOrt(
      resizeModel(19, [1, 2, 5, 7], [attr.s('mode', 'linear'), attr.s('coordinate_transformation_mode', 'half_pixel_symmetric')], {
        scales: [1, 1, 1.7, 0.6],
      }),
      'symmetric',
    );
  });
  it('1-D linear resize [N, C, L]', async () => {
    await compareWithOrt(resizeModel(13, [2, 3, 7], [attr.s('mode', 'linear')], { scales: [1, 1, 2.2] }), '1-D');
  });
});

describe('Upsample vs onnxruntime', () => {
  it('opset 7 (scales attribute) nearest and opset 9 (scales input) linear', async () => {
    const b7 = new OnnxBuilder(7);
    b7.output(
      b7.node1(
        'Upsample',
        [b7.input('x', [1, 3, 4, 5])],
        [attr.s('mode', 'nearest'), { name: 'scales', type: 6, floats: f([1, 1, 2, 3]) }],
      ),
    );
    await compareWithOrt(b7, 'upsample 7');
    const b9 = new OnnxBuilder(9);
    b9.output(b9.node1('Upsample', [b9.input('x', [2, 3, 4, 5]), b9.init([4], [1, 1, 2.5, 1.5])], [attr.s('mode', 'linear')]));
    await compareWithOrt(b9, 'upsample 9');
  });
});

describe('an FPN neck as PyTorch exports it', () => {
  it('lateral 1×1 convs, Resize nearest ×2 (scales), adds, 3×3 output convs', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [1, 3, 16, 16]);
    const c2 = b.relu(b.conv(x, 3, 8, 3, { stride: 2 }));
    const c3 = b.relu(b.conv(c2, 8, 16, 3, { stride: 2 }));
    const c4 = b.relu(b.conv(c3, 16, 16, 3, { stride: 2 }));
    const up = (y: string) =>
      b.node1(
        'Resize',
        [y, '', b.init([4], [1, 1, 2, 2])],
        [attr.s('mode', 'nearest'), attr.s('coordinate_transformation_mode', 'asymmetric'), attr.s('nearest_mode', 'floor')],
      );
    const p4 = b.conv(c4, 16, 8, 1);
    const p3 = b.node1('Add', [b.conv(c3, 16, 8, 1), up(p4)]);
    const p2 = b.node1('Add', [b.conv(c2, 8, 8, 1), up(p3)]);
    for (const p of [p2, p3, p4]) b.output(b.conv(p, 8, 8, 3));
    await compareWithOrt(b, 'FPN');
  });
});
