// Resize: 2-D resize of an NHWC image (ONNX Resize/Upsample semantics) as a separable filter whose taps the host
// builds once per node: for each output row and column, the source indices and weights.
//
//   resize  x [N,H,W,C] → y [N,OH,OW,C]
//     attrs out_hw [OH,OW]; mode nearest|linear|cubic; coord (coordinate_transformation_mode: half_pixel,
//     half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn,
//     tf_crop_and_resize); nearest (round_prefer_floor, round_prefer_ceil, floor, ceil, simple = Upsample and
//     Resize-10: floor when enlarging, ceil when shrinking); scales [sh,sw] (the scales the coordinates use:
//     given, or out/in); roi [h0,w0,h1,w1] (tf_crop_and_resize, normalised); cubic_a; exclude_outside;
//     extrapolation (value outside the crop region).
//
// Coordinates are computed in f32 steps as onnxruntime does, so ties in nearest rounding fall the same way.

import { check, shapeStr } from '../runtime/errors.js';
import { attrInts, attrNum, registerOp, type Attrs } from './registry.js';

export const RESIZE_MODES = ['nearest', 'linear', 'cubic'] as const;
export const RESIZE_COORDS = [
  'half_pixel',
  'half_pixel_symmetric',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
  'tf_crop_and_resize',
] as const;
export const RESIZE_NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil', 'simple'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

export interface ResizeAxis {
  inLen: number;
  outLen: number;
  scale: number;
  roiStart: number;
  roiEnd: number;
}
export interface ResizeOpts {
  mode: ResizeMode;
  coord: (typeof RESIZE_COORDS)[number];
  nearest: (typeof RESIZE_NEAREST)[number];
  cubicA: number;
  excludeOutside: boolean;
}

const f = Math.fround;

/** The source coordinate of output coordinate `o` along one axis (ONNX coordinate_transformation_mode). */
export function sourceCoord(o: number, ax: ResizeAxis, coord: ResizeOpts['coord']): number {
  const { inLen, outLen, scale } = ax;
  switch (coord) {
    case 'half_pixel':
      return f(f(f(o + 0.5) / scale) - 0.5);
    case 'half_pixel_symmetric': {
      const adj = f(outLen / f(scale * inLen));
      const center = f(inLen / 2);
      const offset = f(center * f(1 - adj));
      return f(offset + f(f(f(o + 0.5) / scale) - 0.5));
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(o + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(o * (inLen - 1)) / (outLen - 1));
    case 'asymmetric':
      return f(o / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(o + 0.5) / scale);
    case 'tf_crop_and_resize':
      return outLen > 1
        ? f(f(ax.roiStart * (inLen - 1)) + f(f(o * f(f(ax.roiEnd - ax.roiStart) * (inLen - 1))) / (outLen - 1)))
        : f(f(0.5 * f(ax.roiStart + ax.roiEnd)) * (inLen - 1));
  }
}

function nearestIndex(x: number, mode: ResizeOpts['nearest'], shrinking: boolean): number {
  switch (mode) {
    case 'round_prefer_floor':
      return x === Math.trunc(x) + 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'simple':
      return shrinking ? Math.ceil(x) : Math.trunc(x);
  }
}

function cubicCoeffs(t: number, a: number): number[] {
  const u = 1 - t;
  return [
    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
    ((a + 2) * t - (a + 3)) * t * t + 1,
    ((a + 2) * u - (a + 3)) * u * u + 1,
    ((a * (u + 1) - 5 * a) * (u + 1) + 8 * a) * (u + 1) - 4 * a,
  ];
}

export const tapsOf = (mode: ResizeMode) => (mode === 'nearest' ? 1 : mode === 'linear' ? 2 : 4);

/**
 * Tap table of one axis: for each output coordinate, T source indices (clamped into [0, inLen)) and weights.
 * Index −1 in the first tap marks a coordinate outside the crop region (tf_crop_and_resize: extrapolation value).
 */
export function resizeTaps(ax: ResizeAxis, o: ResizeOpts): { idx: Int32Array; w: Float32Array } {
  const T = tapsOf(o.mode);
  const idx = new Int32Array(ax.outLen * T);
  const w = new Float32Array(ax.outLen * T);
  const last = ax.inLen - 1;
  const clamp = (v: number) => Math.min(Math.max(v, 0), last);
  for (let k = 0; k < ax.outLen; k++) {
    let x = sourceCoord(k, ax, o.coord);
    if (o.coord === 'tf_crop_and_resize' && (x < 0 || x > last)) {
      idx.fill(-1, k * T, k * T + T);
      continue;
    }
    if (o.mode === 'nearest') {
      idx[k] = clamp(nearestIndex(x, o.nearest, ax.scale < 1));
      w[k] = 1;
    } else if (o.mode === 'linear') {
      x = clamp(x);
      const i0 = Math.min(Math.trunc(x), last);
      const i1 = Math.min(i0 + 1, last);
      const [d0, d1] = i0 === i1 ? [0.5, 0.5] : [Math.abs(x - i0), Math.abs(x - i1)];
      idx[2 * k] = i0;
      idx[2 * k + 1] = i1;
      w[2 * k] = d1;
      w[2 * k + 1] = d0;
    } else {
      const x0 = Math.floor(x);
      const cs = cubicCoeffs(x - x0, o.cubicA);
      let sum = 0;
      for (let j = 0; j < 4; j++) {
        const s = x0 - 1 + j;
        const outside = s < 0 || s > last;
        const cw = o.excludeOutside && outside ? 0 : cs[j];
        idx[4 * k + j] = clamp(s);
        w[4 * k + j] = cw;
        sum += cw;
      }
      if (o.excludeOutside && sum !== 0) for (let j = 0; j < 4; j++) w[4 * k + j] /= sum;
    }
  }
  return { idx, w };
}

function oneOf<T extends readonly string[]>(list: T, v: unknown, what: string): T[number] {
  check(
    typeof v === 'string' && (list as readonly string[]).includes(v),
    `resize ${what} must be one of ${list.join(', ')}, got ${JSON.stringify(v)}`,
  );
  return v as T[number];
}

export function resizeOpts(attrs: Attrs): ResizeOpts {
  return {
    mode: oneOf(RESIZE_MODES, attrs.mode ?? 'nearest', 'mode'),
    coord: oneOf(RESIZE_COORDS, attrs.coord ?? 'half_pixel', 'coord'),
    nearest: oneOf(RESIZE_NEAREST, attrs.nearest ?? 'round_prefer_floor', 'nearest'),
    cubicA: attrNum(attrs, 'cubic_a', -0.75),
    excludeOutside: !!attrs.exclude_outside,
  };
}

/** The two axes of a resize node, from its input shape [N,H,W,C] and attributes. */
export function resizeAxes(x: number[], attrs: Attrs): [ResizeAxis, ResizeAxis] {
  const [oh, ow] = attrInts(attrs, 'out_hw', 2);
  const sc = attrs.scales ?? [oh / x[1], ow / x[2]];
  check(
    Array.isArray(sc) && sc.length === 2 && sc.every((s) => s > 0 && Number.isFinite(s)),
    `resize scales must be 2 positive numbers, got ${JSON.stringify(sc)}`,
  );
  const roi = (attrs.roi as number[] | undefined) ?? [0, 0, 1, 1];
  return [
    { inLen: x[1], outLen: oh, scale: sc[0] as number, roiStart: roi[0], roiEnd: roi[2] },
    { inLen: x[2], outLen: ow, scale: sc[1] as number, roiStart: roi[1], roiEnd: roi[3] },
  ];
}

registerOp({
  name: 'resize',
  infer([x], attrs) {
    check(x.length === 4, `resize input must be NHWC 4-D, got ${shapeStr(x)}`);
    const [oh, ow] = attrInts(attrs, 'out_hw', 2);
    check(oh >= 1 && ow >= 1, `resize output ${oh}×${ow} is empty`);
    resizeOpts(attrs);
    resizeAxes(x, attrs);
    return [[x[0], oh, ow, x[3]]];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const [, oh, ow, c] = pc.outShapes[0];
    const o = resizeOpts(pc.attrs);
    const [ah, aw] = resizeAxes(x, pc.attrs);
    const th = resizeTaps(ah, o);
    const tw = resizeTaps(aw, o);
    return [
      await pc.rt.kernels.launch('resize/resize_forward', {
        overrides: { TAPS: tapsOf(o.mode) },
        uniforms: { c, in_hw: [x[1], x[2]], out_hw: [oh, ow], extrapolation: attrNum(pc.attrs, 'extrapolation', 0) },
        buffers: {
          x: pc.input(0),
          ih: pc.constant(th.idx, `${pc.name}.ih`),
          wh: pc.constant(th.w, `${pc.name}.wh`),
          iw: pc.constant(tw.idx, `${pc.name}.iw`),
          ww: pc.constant(tw.w, `${pc.name}.ww`),
          y: pc.output(0),
        },
        invocations: x[0] * oh * ow * c,
      }),
    ];
  },
});
