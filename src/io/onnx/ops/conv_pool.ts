// ONNX convolution and pooling: Conv, ConvTranspose, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool. All
// take and produce NHWC on the GPU (the importer inserts the transposes); weights arrive OIHW and become HWIO
// params. 1-D variants ([N, C, L]) run as 2-D ones on the view [N, C, 1, L]: each per-axis attribute gets a leading
// H entry (kernel 1, stride 1, dilation 1, no padding).

import type { Attrs } from '../../../ops/registry.js';
import { shapeStr } from '../../../runtime/errors.js';
import { transposeHost } from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';

export const CONV_POOL_OPS: Record<string, OnnxOpHandler> = {
  Conv: (c) => [convCore(c, c.in(0, 'X'), c.in(1, 'W'), c.opt(2))],
  ConvTranspose: (c) => [convTranspose(c)],
  MaxPool: (c) => pool(c, 'max'),
  AveragePool: (c) => pool(c, 'avg'),
  GlobalAveragePool: (c) => globalPool(c, 'avg'),
  GlobalMaxPool: (c) => globalPool(c, 'max'),
};

/** A 3-D [N, C, L] value as the 4-D [N, C, 1, L]; 4-D values unchanged. */
function view2d(c: OnnxOpContext, v: OnnxValue, what: string): OnnxValue {
  if (v.shape.length === 3) return c.imp.reshape(`${v.name}.2d`, v, [v.shape[0], v.shape[1], 1, v.shape[2]]);
  if (v.shape.length !== 4)
    c.fail(`${what} must be 3-D [N, C, L] or 4-D [N, C, H, W] (3-D convolution is not supported), got ${shapeStr(v.shape)}`);
  return v;
}

/** A per-axis attribute in 2-D form: one value (1-D op) gets `lead` in front; absent: `dflt` per axis. */
function axisInts(c: OnnxOpContext, name: string, oneD: boolean, dflt: number, lead = dflt): number[] {
  const v = c.ints(name);
  const want = oneD ? 1 : 2;
  if (!v) return [dflt, dflt];
  if (v.length !== want) c.fail(`${name} must have ${want} value${want > 1 ? 's' : ''}, got [${v.join(',')}]`);
  return oneD ? [lead, v[0]] : v;
}

/** The result of a 2-D op on a 1-D input back in 3-D form. */
function back1d(c: OnnxOpContext, y: OnnxValue, oneD: boolean): OnnxValue {
  return oneD ? c.imp.reshape(c.node.output![0], y, [y.shape[0], y.shape[1], y.shape[3]]) : y;
}

function autoPads(c: OnnxOpContext, spatial: number[], kernel: number[], strides: number[], dilations: number[], oneD = false): number[] {
  const mode = c.str('auto_pad', 'NOTSET');
  const n = spatial.length;
  if (mode === 'NOTSET') {
    let p = c.ints('pads') ?? new Array(2 * n).fill(0);
    if (oneD && p.length === 2) p = [0, p[0], 0, p[1]];
    if (p.length !== 2 * n) c.fail(`pads must have ${oneD ? 2 : 2 * n} values, got ${p.length}`);
    if (p.some((v) => v < 0)) c.fail(`negative pads [${p.join(',')}] are not supported`);
    return p;
  }
  if (mode === 'VALID') return new Array(2 * n).fill(0);
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') c.fail(`auto_pad '${mode}' is not supported`);
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((len, i) => {
    const out = Math.ceil(len / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - len);
    const small = Math.floor(total / 2);
    begin.push(mode === 'SAME_UPPER' ? small : total - small);
    end.push(mode === 'SAME_UPPER' ? total - small : small);
  });
  c.ints('pads'); // ignored with auto_pad
  return [...begin, ...end];
}

/** Conv over NHWC with weights given in ONNX OIHW (constant or computed), optional bias. */
export function convCore(c: OnnxOpContext, x0: OnnxValue, w0: OnnxValue, b: OnnxValue | undefined): OnnxValue {
  const imp = c.imp;
  const oneD = x0.shape.length === 3;
  const x = view2d(c, x0, 'X');
  if (w0.shape.length !== x0.shape.length)
    c.fail(`W must be ${oneD ? '3-D [M, C/group, k]' : '4-D [M, C/group, kH, kW]'}, got ${shapeStr(w0.shape)}`);
  const w = view2d(c, w0, 'W');
  const [, cin, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  const group = c.int('group', 1);
  const kernel = axisInts(c, 'kernel_shape', oneD, NaN, 1);
  if (c.attrs.has('kernel_shape') && (kernel[0] !== kh || kernel[1] !== kw))
    c.fail(`kernel_shape [${c.ints('kernel_shape')!.join(',')}] disagrees with W ${shapeStr(w0.shape)}`);
  if (cg * group !== cin)
    c.fail(`W ${shapeStr(w0.shape)} with group ${group} expects ${cg * group} input channels, X ${shapeStr(x0.shape)} has ${cin}`);
  const strides = axisInts(c, 'strides', oneD, 1);
  const dil = axisInts(c, 'dilations', oneD, 1);
  const pads = autoPads(c, [h, wd], [kh, kw], strides, dil, oneD);
  const wid = w.konst
    ? (() => {
        const t = transposeHost(w.konst!, [2, 3, 1, 0]);
        return imp.g.addParam(`${w.name}.hwio`, t.dims, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));
      })()
    : imp.add('transpose', [imp.onnx(w)], { perm: [2, 3, 1, 0] }, `${w.name}.hwio`);
  const inputs = [imp.nhwc(x), wid];
  if (b) {
    if (b.shape.length !== 1 || b.shape[0] !== m) c.fail(`B must be [${m}], got ${shapeStr(b.shape)}`);
    inputs.push(imp.onnx(b));
  }
  const name = c.node.name || c.node.output![0];
  const id = imp.add(
    'conv2d',
    inputs,
    { stride: strides, pads: [pads[0], pads[1], pads[2], pads[3]], dilation: dil, groups: group },
    oneD ? `${name}.2d` : name,
  );
  const [, oh, ow] = imp.g.shape(id);
  return back1d(c, imp.fromGpu(oneD ? `${name}.2d` : name, x.dtype, [x.shape[0], m, oh, ow], id, 'nhwc'), oneD);
}

/**
 * ConvTranspose: the input gradient of the convolution whose weights are W (ONNX [Cin, Cout/group, kH, kW] read as
 * HWIO [kH, kW, Cout/group, Cin] of a forward conv from Cout to Cin channels), so it runs as conv2d_backward_input;
 * a bias is a broadcast add. Output size s·(in − 1) + output_padding + (k − 1)·d + 1 − pads, where output_shape or
 * auto_pad SAME (output = in·s) set the pads: the total split with an odd one at the end for SAME_UPPER, at the
 * start for SAME_LOWER and for output_shape (as onnxruntime does; tests check each).
 */
function convTranspose(c: OnnxOpContext): OnnxValue {
  const imp = c.imp;
  const x0 = c.in(0, 'X');
  const w0 = c.in(1, 'W');
  const b = c.opt(2);
  const oneD = x0.shape.length === 3;
  const x = view2d(c, x0, 'X');
  if (w0.shape.length !== x0.shape.length)
    c.fail(`W must be ${oneD ? '3-D [C, M/group, k]' : '4-D [C, M/group, kH, kW]'}, got ${shapeStr(w0.shape)}`);
  const w = view2d(c, w0, 'W');
  const [n, cin, h, wd] = x.shape;
  const [wc, cog, kh, kw] = w.shape;
  const group = c.int('group', 1);
  if (wc !== cin || cin % group !== 0) c.fail(`W ${shapeStr(w0.shape)} does not fit X ${shapeStr(x0.shape)} with group ${group}`);
  const cout = cog * group;
  const kernel = axisInts(c, 'kernel_shape', oneD, NaN, 1);
  if (c.attrs.has('kernel_shape') && (kernel[0] !== kh || kernel[1] !== kw))
    c.fail(`kernel_shape [${c.ints('kernel_shape')!.join(',')}] disagrees with W ${shapeStr(w0.shape)}`);
  const strides = axisInts(c, 'strides', oneD, 1);
  const dil = axisInts(c, 'dilations', oneD, 1);
  const outPad = axisInts(c, 'output_padding', oneD, 0);
  const mode = c.str('auto_pad', 'NOTSET');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(mode)) c.fail(`auto_pad '${mode}' is not supported`);
  let outShape = c.ints('output_shape');
  if (outShape && outShape.length === x0.shape.length) outShape = outShape.slice(2); // some exporters write N and C too
  if (outShape)
    outShape = oneD
      ? outShape.length === 1
        ? [1, outShape[0]]
        : c.fail(`output_shape must have 1 value, got [${outShape.join(',')}]`)
      : outShape.length === 2
        ? outShape
        : c.fail(`output_shape must have 2 values, got [${outShape.join(',')}]`);
  const full = [h, wd].map((len, i) => strides[i] * (len - 1) + outPad[i] + ([kh, kw][i] - 1) * dil[i] + 1);
  let pads: number[];
  if (outShape || mode === 'SAME_UPPER' || mode === 'SAME_LOWER') {
    c.ints('pads');
    const target = outShape ?? [h * strides[0], wd * strides[1]];
    const total = full.map((f, i) => f - target[i]);
    if (total.some((t) => t < 0))
      c.fail(`output_shape [${target.join(',')}] is larger than the transposed convolution gives (${full.join('×')}); not supported`);
    const headExtra = mode !== 'SAME_UPPER';
    const begin = total.map((t) => (headExtra ? t - Math.floor(t / 2) : Math.floor(t / 2)));
    pads = [begin[0], begin[1], total[0] - begin[0], total[1] - begin[1]];
  } else if (mode === 'VALID') {
    c.ints('pads');
    pads = [0, 0, 0, 0];
  } else pads = autoPads(c, [h, wd], [kh, kw], strides, dil, oneD);
  const oh = full[0] - pads[0] - pads[2];
  const ow = full[1] - pads[1] - pads[3];
  if (oh < 1 || ow < 1) c.fail(`the output would be empty (${oh}×${ow})`);
  if (outPad.some((p, i) => p < 0 || p >= strides[i]))
    c.fail(`output_padding [${outPad.join(',')}] must be ≥ 0 and less than the strides [${strides.join(',')}]`);
  const wid = w.konst
    ? (() => {
        const t = transposeHost(w.konst!, [2, 3, 1, 0]);
        return imp.g.addParam(`${w.name}.hwio`, t.dims, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));
      })()
    : imp.add('transpose', [imp.onnx(w)], { perm: [2, 3, 1, 0] }, `${w.name}.hwio`);
  const name = c.node.name || c.node.output![0];
  const yName = b || oneD ? `${name}.t` : name;
  const attrs = { stride: strides, pads, dilation: dil, groups: group, in_shape: [n, oh, ow, cout] };
  let y = imp.fromGpu(yName, x.dtype, [n, cout, oh, ow], imp.add('conv2d_backward_input', [imp.nhwc(x), wid], attrs, yName), 'nhwc');
  if (b) {
    if (b.shape.length !== 1 || b.shape[0] !== cout) c.fail(`B must be [${cout}], got ${shapeStr(b.shape)}`);
    y = imp.binary(oneD ? `${name}.b` : c.node.output![0], 'add', y, imp.reshape(`${b.name}.c11`, b, [cout, 1, 1]));
  }
  return back1d(c, y, oneD);
}

function pool(c: OnnxOpContext, mode: 'max' | 'avg'): OnnxValue[] {
  const imp = c.imp;
  const x0 = c.in(0);
  const oneD = x0.shape.length === 3;
  const x = view2d(c, x0, 'X');
  if (!c.attrs.has('kernel_shape')) c.fail('kernel_shape is required');
  const kernel = axisInts(c, 'kernel_shape', oneD, 1);
  const strides = axisInts(c, 'strides', oneD, 1);
  const dil = axisInts(c, 'dilations', oneD, 1);
  const pads = autoPads(c, x.shape.slice(2), kernel, strides, dil, oneD);
  const ceil = c.int('ceil_mode', 0) === 1;
  const attrs: Attrs = { mode, kernel, stride: strides, pads, dilation: dil, ceil };
  if (mode === 'avg') attrs.countIncludePad = c.int('count_include_pad', 0) === 1;
  else {
    if (c.int('storage_order', 0) !== 0) c.fail('storage_order 1 is not supported');
    c.onlyOutputs(1);
  }
  const name = c.node.name || c.node.output![0];
  const id = imp.add('pool2d', [imp.nhwc(x)], attrs, oneD ? `${name}.2d` : name);
  const [n, oh, ow, ch] = imp.g.shape(id);
  return [back1d(c, imp.fromGpu(oneD ? `${name}.2d` : name, x.dtype, [n, ch, oh, ow], id, 'nhwc'), oneD)];
}

function globalPool(c: OnnxOpContext, mode: 'avg' | 'max'): OnnxValue[] {
  const x0 = c.in(0);
  const oneD = x0.shape.length === 3;
  const x = view2d(c, x0, 'X');
  const name = c.node.output![0];
  const id = c.imp.add('global_pool', [c.imp.nhwc(x)], { mode }, oneD ? `${name}.2d` : name);
  return [back1d(c, c.imp.fromGpu(oneD ? `${name}.2d` : name, x.dtype, [x.shape[0], x.shape[1], 1, 1], id, 'nhwc'), oneD)];
}
