import { describe, expect, it } from 'vitest';
import { conv2dRef } from '../ref/ops.js';
import { expectClose, randn, runOp, runtime, TOL } from '../helpers.js';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Attrs } from '../../src/ops/registry.js';

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  attrs: Attrs;
  variants: string[];
}

// Awkward shapes: odd sizes, stride 2, asymmetric padding, dilation, groups, batch 1 and > 1, Cin = 1 and 3.
const cases: Case[] = [
  {
    name: '3x3 s1 p1 n1 cin3',
    x: [1, 7, 9, 3],
    k: [3, 3],
    cout: 8,
    attrs: { pads: [1, 1, 1, 1] },
    variants: ['conv2d_regtile_vec0', 'conv2d_direct'],
  },
  {
    name: '3x3 s2 p(0,1,1,0) n2',
    x: [2, 9, 7, 8],
    k: [3, 3],
    cout: 12,
    attrs: { stride: [2, 2], pads: [0, 1, 1, 0] },
    variants: ['conv2d_regtile_vec1', 'conv2d_direct'],
  },
  {
    name: '5x3 dil2 n1 cin1',
    x: [1, 11, 10, 1],
    k: [5, 3],
    cout: 4,
    attrs: { dilation: [2, 2], pads: [2, 1, 2, 1] },
    variants: ['conv2d_regtile_vec0', 'conv2d_direct'],
  },
  {
    name: 'grouped 3x3 g2',
    x: [2, 6, 5, 8],
    k: [3, 3],
    cout: 16,
    attrs: { groups: 2, pads: [1, 1, 1, 1] },
    variants: ['conv2d_regtile_vec1', 'conv2d_unrolled4x8_vec', 'conv2d_quad8x8_vec', 'conv2d_direct'],
  },
  // implicit-im2col unrolled tiles: OW not a multiple of the tile, unequal strides, asymmetric pads, Cin = 1 and 3
  {
    name: '3x3 s(2,1) p(0,1,2,1) n2 cout16',
    x: [2, 9, 7, 8],
    k: [3, 3],
    cout: 16,
    attrs: { stride: [2, 1], pads: [0, 1, 2, 1], act: 1 },
    variants: [
      'conv2d_unrolled4x8_vec',
      'conv2d_unrolled8x8_vec',
      'conv2d_unrolled4x16_vec',
      'conv2d_quad4x8_vec',
      'conv2d_quad8x8_vec',
      'conv2d_quad7x8_vec',
      'conv2d_quad4x16_vec',
      'conv2d_quad7x16_vec',
      'conv2d_quad8x16_vec',
    ],
  },
  {
    // 32 output channels per group (the widest quad tiles), OW 6 (one 7-row tile, partly past the edge)
    name: 'grouped g2 3x2 dil(1,2) s(1,2) p(1,2,0,1) n2 cout64',
    x: [2, 9, 11, 8],
    k: [3, 2],
    cout: 64,
    attrs: { groups: 2, dilation: [1, 2], stride: [1, 2], pads: [1, 2, 0, 1], act: 1 },
    variants: ['conv2d_quad7x32_vec', 'conv2d_quad7x16_vec', 'conv2d_quad8x16_vec', 'conv2d_direct'],
  },
  // KW = 3, column stride and dilation 1: the sliding-window tiles (conv2d_forward_slide: a window of 9 input columns
  // per 7 outputs). Right pad 2 / left pad 0 and OW 9 (a second tile mostly past the edge), row stride and dilation 2;
  // left pad 2 (the window starts two columns outside), 15 tiles (a quad partly past the end).
  {
    name: 'slide 3x3 s(2,1) dil(2,1) p(2,0,1,2) n2 cin8 cout32 relu',
    x: [2, 9, 9, 8],
    k: [3, 3],
    cout: 32,
    attrs: { stride: [2, 1], dilation: [2, 1], pads: [2, 0, 1, 2], act: 1 },
    variants: ['conv2d_slidequad7x32', 'conv2d_slidequad7x16', 'conv2d_slidequad7x8'],
  },
  {
    name: 'slide 2x3 p(0,2,1,0) n3 5x4 cin4 cout16',
    x: [3, 5, 4, 4],
    k: [2, 3],
    cout: 16,
    attrs: { pads: [0, 2, 1, 0] },
    variants: ['conv2d_slidequad7x16', 'conv2d_slidequad7x8'],
  },
  {
    name: '3x3 p1 n2 cin1 cout32',
    x: [2, 11, 10, 1],
    k: [3, 3],
    cout: 32,
    attrs: { pads: [1, 1, 1, 1] },
    variants: [
      'conv2d_unrolled4x8',
      'conv2d_unrolled8x16',
      'conv2d_unrolled4x32',
      'conv2d_unrolled7x8',
      'conv2d_unrolled14x8',
      'conv2d_unrolled7x32',
      'conv2d_unrolled14x16',
      'conv2d_cin1_3x3c8',
      'conv2d_cin1_3x3c16',
    ],
  },
  // the one-channel 3×3 sliding-window kernel: asymmetric pads (left 2: the window starts two columns outside the
  // image; bottom 2: the last rows read padding), odd sizes, an activation; and no padding at all
  {
    name: '3x3 cin1 p(0,2,2,1) n2 7x5 cout32 act',
    x: [2, 7, 5, 1],
    k: [3, 3],
    cout: 32,
    attrs: { pads: [0, 2, 2, 1], act: 2 },
    variants: ['conv2d_cin1_3x3c8', 'conv2d_cin1_3x3c16'],
  },
  { name: '3x3 cin1 valid n3 5x4 cout8', x: [3, 5, 4, 1], k: [3, 3], cout: 8, attrs: {}, variants: ['conv2d_cin1_3x3c8'] },
  {
    name: '3x2 dil(2,1) s2 cin3 cout16',
    x: [1, 9, 13, 3],
    k: [3, 2],
    cout: 16,
    attrs: { dilation: [2, 1], stride: [2, 2], pads: [2, 0, 1, 1], act: 2 },
    variants: ['conv2d_unrolled4x8', 'conv2d_unrolled8x16', 'conv2d_unrolled7x8', 'conv2d_unrolled14x8', 'conv2d_unrolled14x16'],
  },
  {
    name: 'odd cout 5 direct only',
    x: [1, 5, 5, 3],
    k: [3, 3],
    cout: 5,
    attrs: { stride: [2, 1], pads: [1, 1, 1, 1], act: 2 },
    variants: ['conv2d_direct'],
  },
  {
    name: 'depthwise 3x3 s1',
    x: [2, 7, 6, 12],
    k: [3, 3],
    cout: 12,
    attrs: { groups: 12, pads: [1, 1, 1, 1], act: 2 },
    variants: ['depthwise_3x3_s1', 'depthwise_regtile', 'conv2d_direct'],
  },
  {
    name: 'depthwise 3x3 s2 odd',
    x: [1, 9, 11, 8],
    k: [3, 3],
    cout: 8,
    attrs: { groups: 8, stride: [2, 2], pads: [0, 0, 1, 1] },
    variants: ['depthwise_3x3_s2', 'depthwise_regtile', 'conv2d_direct'],
  },
  {
    name: 'depthwise 3x3 s2 pad1 W=13',
    x: [2, 13, 13, 4],
    k: [3, 3],
    cout: 4,
    attrs: { groups: 4, stride: [2, 2], pads: [1, 1, 1, 1], act: 1 },
    variants: ['depthwise_3x3_s2', 'conv2d_direct'],
  },
  { name: 'depthwise 3x3 s1 W=5 no pad', x: [1, 6, 5, 8], k: [3, 3], cout: 8, attrs: { groups: 8 }, variants: ['depthwise_3x3_s1'] },
  {
    name: 'depthwise 5x5 s2',
    x: [1, 13, 13, 16],
    k: [5, 5],
    cout: 16,
    attrs: { groups: 16, stride: [2, 2], pads: [2, 2, 2, 2], act: 4 },
    variants: ['depthwise_regtile', 'conv2d_direct'],
  },
  {
    name: 'pointwise n2 odd HW',
    x: [2, 5, 7, 12],
    k: [1, 1],
    cout: 20,
    attrs: { act: 1 },
    variants: ['pointwise_regtile_tm4', 'pointwise_regtile_tm8', 'pointwise_regtile_tm2', 'conv2d_direct'],
  },
  {
    name: 'pointwise grouped g3 + shuffle',
    x: [1, 3, 5, 24],
    k: [1, 1],
    cout: 36,
    attrs: { groups: 3, shuffle: 3 },
    variants: ['pointwise_regtile_tm4', 'pointwise_regtile_tm8'],
  },
  {
    name: 'pointwise g2 shuffle 4',
    x: [2, 3, 3, 16],
    k: [1, 1],
    cout: 32,
    attrs: { groups: 2, shuffle: 4, act: 3 },
    variants: ['pointwise_regtile_tm4', 'pointwise_unrolled4x8', 'pointwise_unrolled8x8', 'pointwise_regtile_tm8'],
  },
  {
    name: 'pointwise M=15 cout 24',
    x: [1, 3, 5, 16],
    k: [1, 1],
    cout: 24,
    attrs: { act: 2 },
    variants: ['pointwise_quad4x8', 'pointwise_unrolled4x8', 'pointwise_unrolled8x8', 'pointwise_regtile_tm8'],
  },
  {
    name: 'pointwise g3 shuffle M=9',
    x: [1, 3, 3, 48],
    k: [1, 1],
    cout: 48,
    attrs: { groups: 3, shuffle: 3 },
    variants: ['pointwise_quad4x8', 'pointwise_unrolled4x8', 'pointwise_unrolled8x8'],
  },
  {
    name: 'pointwise M=70 cout 40 n2',
    x: [2, 5, 7, 12],
    k: [1, 1],
    cout: 40,
    attrs: { act: 1 },
    variants: ['pointwise_quad4x8', 'pointwise_unrolled8x8'],
  },
  { name: 'fully connected as 1x1', x: [3, 1, 1, 40], k: [1, 1], cout: 10, attrs: {}, variants: ['conv2d_direct'] },
  {
    name: 'fully connected vec',
    x: [3, 1, 1, 40],
    k: [1, 1],
    cout: 12,
    attrs: { act: 5 },
    variants: ['pointwise_regtile_tm4', 'pointwise_regtile_tm8'],
  },
  {
    name: '1x1 stride 2 (not pointwise)',
    x: [1, 7, 7, 8],
    k: [1, 1],
    cout: 8,
    attrs: { stride: [2, 2] },
    variants: ['conv2d_regtile_vec1', 'conv2d_direct'],
  },
];

describe('conv2d forward vs float64 reference', () => {
  for (const c of cases) {
    for (const v of c.variants) {
      it(`${c.name} [${v}]`, async () => {
        const groups = (c.attrs.groups as number) ?? 1;
        const wShape = [c.k[0], c.k[1], c.x[3] / groups, c.cout];
        const x = randn(
          c.x.reduce((a, b) => a * b),
          1,
        );
        const w = randn(
          wShape.reduce((a, b) => a * b),
          2,
          0.5,
        );
        const b = randn(c.cout, 3);
        const { out } = await runOp(
          'conv2d',
          [
            { shape: c.x, data: x },
            { shape: wShape, data: w, param: true },
            { shape: [c.cout], data: b, param: true },
          ],
          c.attrs,
          v,
        );
        expectClose(out, conv2dRef(x, c.x, w, wShape, b, c.attrs), TOL.f32, `${c.name} ${v}`);
      });
    }
  }
});

describe('conv2d default kernel for a 1×1 on few rows', () => {
  // Fewer than 8 rows (a fully connected layer at batch 1): the row-light register tile goes first; 8 rows and more
  // keep the quad tile (docs/results/pointwise-m1). The default is checked against the reference too.
  const defaultOf = async (x: number[], cout: number) => {
    const g = new Graph();
    const w = randn(x[3] * cout, 2, 0.5);
    g.markOutput(g.add1('conv2d', [g.addInput('x', x), g.addParam('w', [1, 1, x[3], cout], w)], {}, 'fc'));
    const m = await compile(await runtime(), g, { fuse: false, tune: 'off' });
    const xs = randn(
      x.reduce((a, b) => a * b),
      1,
    );
    const [y] = await m.run([xs]);
    const variant = [...m.variants.values()][0];
    m.destroy();
    expectClose(y, conv2dRef(xs, x, w, [1, 1, x[3], cout], null, {}), TOL.f32, `default ${variant}`);
    return variant;
  };
  it('M = 1 and M = 7: pointwise_regtile_tm4', async () => {
    expect(await defaultOf([1, 1, 1, 96], 24)).toBe('pointwise_regtile_tm4_wg64');
    expect(await defaultOf([7, 1, 1, 64], 32)).toBe('pointwise_regtile_tm4_wg64');
  });
  it('M = 8: pointwise_quad4x8', async () => {
    expect(await defaultOf([8, 1, 1, 64], 32)).toBe('pointwise_quad4x8');
  });
});
