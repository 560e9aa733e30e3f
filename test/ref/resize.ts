// CPU reference for resize (src/ops/resize.ts, shaders/resize/resize_forward.wgsl), written from the ONNX Resize
// definition with plain loops, float64 throughout: per output pixel, the source coordinate of each axis, then
// nearest / linear / cubic interpolation (cubic: 4×4 neighbourhood, edge values repeated, exclude_outside
// renormalises), extrapolation outside the crop region.

export interface ResizeRefOpts {
  mode: 'nearest' | 'linear' | 'cubic';
  coord: string;
  nearest: string;
  scales: [number, number];
  roi?: [number, number, number, number];
  cubicA?: number;
  excludeOutside?: boolean;
  extrapolation?: number;
}

function coordOf(o: number, inLen: number, outLen: number, scale: number, r0: number, r1: number, coord: string): number {
  switch (coord) {
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adj = outLen / (scale * inLen);
      return (inLen / 2) * (1 - adj) + (o + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
    case 'asymmetric':
      return o / scale;
    case 'tf_half_pixel_for_nn':
      return (o + 0.5) / scale;
    case 'tf_crop_and_resize':
      return outLen > 1 ? r0 * (inLen - 1) + (o * (r1 - r0) * (inLen - 1)) / (outLen - 1) : 0.5 * (r0 + r1) * (inLen - 1);
  }
  throw new Error(coord);
}

function roundNearest(v: number, mode: string, shrink: boolean): number {
  if (mode === 'round_prefer_floor') return v - Math.floor(v) === 0.5 ? Math.floor(v) : Math.round(v);
  if (mode === 'round_prefer_ceil') return v - Math.floor(v) === 0.5 ? Math.ceil(v) : Math.round(v);
  if (mode === 'floor') return Math.floor(v);
  if (mode === 'ceil') return Math.ceil(v);
  return shrink ? Math.ceil(v) : Math.floor(v); // 'simple' (Upsample, Resize-10)
}

/** Weights over source indices (index → weight) of one axis at source coordinate v. */
function axisWeights(v: number, len: number, o: ResizeRefOpts, shrink: boolean): Map<number, number> {
  const clamp = (i: number) => Math.min(Math.max(i, 0), len - 1);
  const m = new Map<number, number>();
  const add = (i: number, w: number) => m.set(clamp(i), (m.get(clamp(i)) ?? 0) + w);
  if (o.mode === 'nearest') add(roundNearest(v, o.nearest, shrink), 1);
  else if (o.mode === 'linear') {
    const c = Math.min(Math.max(v, 0), len - 1);
    const i0 = Math.floor(c);
    add(i0, 1 - (c - i0));
    add(i0 + 1, c - i0);
  } else {
    const a = o.cubicA ?? -0.75;
    const k = (t: number) => {
      const s = Math.abs(t);
      return s <= 1 ? (a + 2) * s ** 3 - (a + 3) * s ** 2 + 1 : s < 2 ? a * s ** 3 - 5 * a * s ** 2 + 8 * a * s - 4 * a : 0;
    };
    const i0 = Math.floor(v);
    const taps = [-1, 0, 1, 2].map((d) => ({ i: i0 + d, w: k(v - (i0 + d)) }));
    const inside = taps.filter((t) => !o.excludeOutside || (t.i >= 0 && t.i < len));
    const sum = inside.reduce((s, t) => s + t.w, 0);
    for (const t of inside) add(t.i, o.excludeOutside ? t.w / sum : t.w);
  }
  return m;
}

/** x [N,H,W,C] NHWC → y [N,OH,OW,C]. */
export function resizeRef(x: Float32Array, [n, h, w, c]: number[], oh: number, ow: number, o: ResizeRefOpts): Float32Array {
  const y = new Float32Array(n * oh * ow * c);
  const roi = o.roi ?? [0, 0, 1, 1];
  const crop = o.coord === 'tf_crop_and_resize';
  for (let oy = 0; oy < oh; oy++) {
    const vy = coordOf(oy, h, oh, o.scales[0], roi[0], roi[2], o.coord);
    const wy = axisWeights(vy, h, o, o.scales[0] < 1);
    for (let ox = 0; ox < ow; ox++) {
      const vx = coordOf(ox, w, ow, o.scales[1], roi[1], roi[3], o.coord);
      const wx = axisWeights(vx, w, o, o.scales[1] < 1);
      const outside = crop && (vy < 0 || vy > h - 1 || vx < 0 || vx > w - 1);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          if (outside) acc = o.extrapolation ?? 0;
          else for (const [iy, a] of wy) for (const [ix, e] of wx) acc += a * e * x[((b * h + iy) * w + ix) * c + ch];
          y[((b * oh + oy) * ow + ox) * c + ch] = acc;
        }
    }
  }
  return y;
}
