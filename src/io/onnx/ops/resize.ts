// ONNX Resize (opsets 10–19+) and Upsample (1–9): nearest, linear and cubic over the spatial axes of an NCHW
// tensor ([N, C, L] as [N, C, 1, L]), run as the NHWC `resize` op (src/ops/resize.ts), which takes every
// coordinate_transformation_mode and nearest_mode. Scales or sizes must be known at import; N and C are not
// resized.

import { shapeStr } from '../../../runtime/errors.js';
import { RESIZE_COORDS, RESIZE_MODES, RESIZE_NEAREST } from '../../../ops/resize.js';
import { normAxis } from '../../../ops/tensor.js';
import { numelOf } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';

export const RESIZE_OPS: Record<string, OnnxOpHandler> = {
  Resize: (c) => [resize(c)],
  Upsample: (c) => [upsample(c)],
};

const f = Math.fround;

interface Plan {
  mode: string;
  coord: string;
  nearest: string;
  /** per axis of x (ONNX order) */
  scales: number[];
  out: number[];
  roi?: number[];
  cubicA?: number;
  excludeOutside?: boolean;
  extrapolation?: number;
}

function resize(c: OnnxOpContext): OnnxValue {
  const x = c.in(0);
  const r = x.shape.length;
  const old = c.opset < 11;
  const mode = c.str('mode', 'nearest');
  const coord = old ? 'asymmetric' : c.str('coordinate_transformation_mode', 'half_pixel');
  const nearest = old ? 'simple' : c.str('nearest_mode', 'round_prefer_floor');
  const cubicA = c.float('cubic_coeff_a', -0.75);
  const excludeOutside = c.int('exclude_outside', 0) === 1;
  const extrapolation = c.float('extrapolation_value', 0);
  const policy = c.str('keep_aspect_ratio_policy', 'stretch');
  const antialias = c.int('antialias', 0) === 1;
  const axes = (c.ints('axes') ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, r));
  const known = (i: number, what: string) => {
    const v = c.opt(i);
    if (!v || numelOf(v.shape) === 0) return undefined;
    return [...c.konst(i, what).data];
  };
  const scalesIn = old ? known(1, 'scales') : known(2, 'scales');
  const sizesIn = old ? undefined : known(3, 'sizes');
  const roiIn = old || coord !== 'tf_crop_and_resize' ? undefined : known(1, 'roi'); // roi matters only when cropping
  if (!scalesIn && !sizesIn) c.fail('needs scales or sizes');
  if (scalesIn && sizesIn) c.fail('takes scales or sizes, not both');
  const given = (scalesIn ?? sizesIn)!;
  if (given.length !== axes.length) c.fail(`${scalesIn ? 'scales' : 'sizes'} has ${given.length} values for ${axes.length} axes`);
  const scales = x.shape.map(() => 1);
  const out = [...x.shape];
  const roi = [...x.shape.map(() => 0), ...x.shape.map(() => 1)];
  if (roiIn) {
    if (roiIn.length !== 2 * axes.length) c.fail(`roi has ${roiIn.length} values for ${axes.length} axes`);
    axes.forEach((a, k) => {
      roi[a] = roiIn[k];
      roi[a + r] = roiIn[k + axes.length];
    });
  }
  if (sizesIn) {
    if (policy === 'stretch') {
      axes.forEach((a, k) => {
        out[a] = sizesIn[k];
        scales[a] = f(sizesIn[k] / x.shape[a]);
      });
    } else {
      if (policy !== 'not_larger' && policy !== 'not_smaller') c.fail(`keep_aspect_ratio_policy '${policy}' is not supported`);
      const ratios = axes.map((a, k) => f(sizesIn[k] / x.shape[a]));
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => {
        scales[a] = s;
        out[a] = Math.round(f(s * x.shape[a]));
      });
    }
  } else {
    axes.forEach((a, k) => {
      const s = scalesIn![k];
      if (!(s > 0)) c.fail(`scale ${s} must be positive`);
      scales[a] = f(s);
      const len = coord === 'tf_crop_and_resize' ? f(f(x.shape[a] * f(roi[a + r] - roi[a])) * f(s)) : f(x.shape[a] * f(s));
      out[a] = Math.floor(len);
    });
  }
  if (antialias && scales.some((s) => s < 1) && mode !== 'nearest') c.fail('antialias when shrinking is not supported');
  return build(c, x, { mode, coord, nearest, scales, out, roi, cubicA, excludeOutside, extrapolation });
}

function upsample(c: OnnxOpContext): OnnxValue {
  const x = c.in(0);
  let mode = c.str('mode', 'nearest');
  let scales: number[];
  if (c.opset < 7) {
    // Upsample-1 (experimental): height_scale, width_scale, modes NN / BILINEAR
    mode = mode === 'NN' ? 'nearest' : mode === 'BILINEAR' ? 'linear' : mode;
    scales = [1, 1, c.float('height_scale', NaN), c.float('width_scale', NaN)];
  } else if (c.opset < 9) scales = c.floats('scales') ?? c.fail('scales is required');
  else scales = [...c.konst(1, 'scales').data];
  if (mode === 'bilinear') mode = 'linear';
  if (scales.length !== x.shape.length || scales.some((s) => !(s > 0)))
    c.fail(`scales [${scales.join(',')}] do not fit X ${shapeStr(x.shape)}`);
  const out = x.shape.map((d, i) => Math.floor(f(d * f(scales[i]))));
  return build(c, x, { mode, coord: 'asymmetric', nearest: 'simple', scales: scales.map(f), out });
}

function build(c: OnnxOpContext, x0: OnnxValue, p: Plan): OnnxValue {
  if (!(RESIZE_MODES as readonly string[]).includes(p.mode)) c.fail(`mode '${p.mode}' is not supported`);
  if (!(RESIZE_COORDS as readonly string[]).includes(p.coord)) c.fail(`coordinate_transformation_mode '${p.coord}' is not supported`);
  if (!(RESIZE_NEAREST as readonly string[]).includes(p.nearest)) c.fail(`nearest_mode '${p.nearest}' is not supported`);
  const r = x0.shape.length;
  if (r !== 3 && r !== 4) c.fail(`X must be 3-D [N, C, L] or 4-D [N, C, H, W], got ${shapeStr(x0.shape)}`);
  if (p.out.some((d) => !(Number.isInteger(d) && d >= 1))) c.fail(`the output ${shapeStr(p.out)} is empty or invalid`);
  for (const a of [0, 1])
    if (p.out[a] !== x0.shape[a] || (p.scales[a] !== 1 && p.coord !== 'tf_crop_and_resize'))
      c.fail(`resizing axis ${a} (N or C) is not supported (scales [${p.scales.join(',')}], output ${shapeStr(p.out)})`);
  if (p.coord === 'tf_crop_and_resize' && p.roi && [0, 1].some((a) => p.roi![a] !== 0 || p.roi![a + r] !== 1))
    c.fail('cropping axis 0 or 1 (N or C) is not supported');
  const oneD = r === 3;
  const x = oneD ? c.imp.reshape(`${x0.name}.2d`, x0, [x0.shape[0], x0.shape[1], 1, x0.shape[2]]) : x0;
  const sp = (v: number[], one: number) => (oneD ? [one, v[2]] : [v[2], v[3]]);
  const roi = p.roi ? (oneD ? [0, p.roi[2], 1, p.roi[5]] : [p.roi[2], p.roi[3], p.roi[6], p.roi[7]]) : [0, 0, 1, 1];
  const [oh, ow] = sp(p.out, 1);
  const name = c.node.output![0];
  const yName = oneD ? `${name}.2d` : name;
  const attrs = {
    out_hw: [oh, ow],
    mode: p.mode,
    coord: p.coord,
    nearest: p.nearest,
    scales: sp(p.scales, 1),
    roi,
    cubic_a: p.cubicA ?? -0.75,
    exclude_outside: p.excludeOutside ? 1 : 0,
    extrapolation: p.extrapolation ?? 0,
  };
  const id = c.imp.add('resize', [c.imp.nhwc(x)], attrs, yName);
  const y = c.imp.fromGpu(yName, x0.dtype, [x.shape[0], x.shape[1], oh, ow], id, 'nhwc');
  return oneD ? c.imp.reshape(name, y, [x.shape[0], x.shape[1], ow]) : y;
}
