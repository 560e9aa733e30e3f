// The resize kernel (shaders/resize/resize_forward.wgsl via src/ops/resize.ts) against its float64 CPU reference
// (test/ref/resize.ts): every mode × coordinate transformation, enlarging and shrinking by non-integer factors, odd
// sizes, batch 2, nearest rounding modes, cubic with exclude_outside, crop-and-resize with extrapolation.
import { describe, it } from 'vitest';
import { expectClose, randn, runOp, TOL } from '../helpers.js';
import { resizeRef, type ResizeRefOpts } from '../ref/resize.js';

const xs = [2, 5, 7, 3];
const x = randn(2 * 5 * 7 * 3, 31);

async function check(oh: number, ow: number, o: ResizeRefOpts, what: string) {
  const attrs = {
    out_hw: [oh, ow],
    mode: o.mode,
    coord: o.coord,
    nearest: o.nearest,
    scales: o.scales,
    roi: o.roi ?? [0, 0, 1, 1],
    cubic_a: o.cubicA ?? -0.75,
    exclude_outside: o.excludeOutside ? 1 : 0,
    extrapolation: o.extrapolation ?? 0,
  };
  const { out } = await runOp('resize', [{ shape: xs, data: x }], attrs);
  expectClose(out, resizeRef(x, xs, oh, ow, o), TOL.f32, what);
}

describe('resize vs float64 reference', () => {
  const coords = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
  // enlarge 5×7 → 12×10 (scales 2.4, 1.43) and shrink 5×7 → 3×4 (0.6, 0.57)
  const sizes: [number, number][] = [
    [12, 10],
    [3, 4],
  ];
  for (const mode of ['nearest', 'linear', 'cubic'] as const) {
    for (const coord of coords) {
      if (mode !== 'nearest' && coord === 'tf_half_pixel_for_nn') continue;
      it(`${mode} ${coord}`, async () => {
        for (const [oh, ow] of sizes)
          await check(oh, ow, { mode, coord, nearest: 'round_prefer_floor', scales: [oh / 5, ow / 7] }, `${mode} ${coord} ${oh}×${ow}`);
      });
    }
  }
  for (const nearest of ['round_prefer_ceil', 'floor', 'ceil', 'simple']) {
    it(`nearest_mode ${nearest}, scale 2 and 0.5 (ties)`, async () => {
      await check(10, 14, { mode: 'nearest', coord: 'asymmetric', nearest, scales: [2, 2] }, nearest);
      await check(2, 3, { mode: 'nearest', coord: 'half_pixel', nearest, scales: [0.5, 0.5] }, nearest);
    });
  }
  it('cubic exclude_outside, a = −0.5', async () => {
    await check(
      9,
      11,
      { mode: 'cubic', coord: 'half_pixel', nearest: 'round_prefer_floor', scales: [9 / 5, 11 / 7], cubicA: -0.5, excludeOutside: true },
      'cubic',
    );
  });
  it('tf_crop_and_resize, linear and nearest, extrapolation 10', async () => {
    for (const mode of ['linear', 'nearest'] as const) {
      await check(
        6,
        5,
        {
          mode,
          coord: 'tf_crop_and_resize',
          nearest: 'round_prefer_ceil',
          scales: [6 / 5, 5 / 7],
          roi: [-0.2, 0.3, 0.9, 1.4],
          extrapolation: 10,
        },
        `crop ${mode}`,
      );
    }
  });
});
