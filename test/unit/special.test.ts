// The `special` kernel (shaders/elementwise/special_forward.wgsl: erf, GELU exact and tanh) against the float64
// formulas (src/ops/special.ts specialRef), on an odd-sized tensor spanning ±6; erf64 itself against known values.
import { describe, expect, it } from 'vitest';
import { erf64, SPECIAL, specialRef, type SpecialName } from '../../src/ops/special.js';
import { expectClose, randn, runOp, TOL } from '../helpers.js';

describe('special functions', () => {
  it('erf64 matches tabulated values to 1e-14', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3.5, 0.9999992569016276],
      [-1.5, -0.9661051464753108],
      [6, 1],
    ];
    for (const [x, v] of table) expect(Math.abs(erf64(x) - v)).toBeLessThan(1e-14);
  });
  for (const fn of Object.keys(SPECIAL) as SpecialName[]) {
    it(`${fn} on the GPU = float64 formula`, async () => {
      const shape = [3, 7, 11];
      const x = randn(231, 17, 6);
      const { out } = await runOp('special', [{ shape, data: x }], { fn });
      expectClose(
        out,
        x.map((v) => specialRef(fn, v)),
        TOL.f32,
        fn,
      );
    });
  }
});
