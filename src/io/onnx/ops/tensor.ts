// ONNX tensor and shape ops: constants and shape arithmetic (folded on the host when every input is known),
// Cast, Gather, Slice, Reshape/Flatten/Squeeze/Unsqueeze, Transpose, Concat, Split, Pad, DepthToSpace, and the
// pass-through Identity and Dropout.

import { shapeStr } from '../../../runtime/errors.js';
import { broadcastShapes, normAxis } from '../../../ops/tensor.js';
import { ATTR, checkDims, DT, dtypeName, isIntegerType, MAX_FOLD_ELEMENTS } from '../proto.js';
import {
  castHost,
  concatHost,
  expandHost,
  gatherHost,
  host,
  numelOf,
  scalarOf,
  sliceHost,
  tileHost,
  topkHost,
  whereHost,
} from '../fold.js';
import type { OnnxOpContext, OnnxOpHandler, OnnxValue } from '../node.js';
import { axesArg, need4d, reshapeTarget } from './common.js';

/** [lo, hi) of each ONNX integer element type (bool included); 64-bit types are left out (no finite f32 range). */
const INT_RANGE: Record<number, [number, number]> = {
  [DT.BOOL]: [0, 2],
  [DT.UINT8]: [0, 2 ** 8],
  [DT.INT8]: [-(2 ** 7), 2 ** 7],
  [DT.UINT16]: [0, 2 ** 16],
  [DT.INT16]: [-(2 ** 15), 2 ** 15],
  [DT.UINT32]: [0, 2 ** 32],
  [DT.INT32]: [-(2 ** 31), 2 ** 31],
};

export const TENSOR_OPS: Record<string, OnnxOpHandler> = {
  Identity: (c) => [c.in(0)],
  Dropout: (c) => {
    if (c.opset < 7) c.ignore('is_test');
    if (c.opset < 12) c.ignore('ratio');
    else c.ignore('seed');
    if (c.opset >= 12 && c.opt(2)) {
      const t = c.konst(2, 'training_mode');
      if (scalarOf(t, 'training_mode')) c.fail('training_mode = true is not supported (inference only)');
    }
    c.onlyOutputs(1);
    return [c.in(0)];
  },
  Constant: (c) => {
    const t = c.tensor('value');
    if (t) return [c.imp.konst(t)];
    const f = c.float('value_float', NaN);
    if (!Number.isNaN(f)) return [c.imp.scalar(f)];
    const fs = c.floats('value_floats');
    if (fs) return [c.imp.konst(host(DT.FLOAT, [fs.length], fs))];
    const i = c.ints('value_ints');
    if (i) return [c.imp.konst(host(DT.INT64, [i.length], i))];
    if (c.attrs.has('value_int')) return [c.imp.konst(host(DT.INT64, [], [c.int('value_int', 0)]))];
    return c.fail('needs a value attribute (value, value_float(s), value_int(s); sparse and string values are not supported)');
  },
  Shape: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    const s = normClamp(c.int('start', 0), r);
    let e = c.attrs.has('end') ? normClamp(c.int('end', r), r) : r;
    if (e < s) e = s;
    return [c.imp.konst(host(DT.INT64, [e - s], x.shape.slice(s, e)))];
  },
  Size: (c) => [c.imp.konst(host(DT.INT64, [], [numelOf(c.in(0).shape)]))],
  Cast: (c) => {
    // opsets 1–5 name the type as a string ('FLOAT', 'INT64', …)
    const to =
      c.attrs.get('to')?.type === ATTR.STRING
        ? (castTypeByName(c.str('to', '')) ?? c.fail(`unknown type '${c.str('to', '')}'`))
        : c.int('to', 0);
    c.ignore('saturate');
    const x = c.in(0);
    if (x.konst) return [c.imp.konst(castHost(x.konst, to))];
    if (to === DT.FLOAT || to === DT.DOUBLE) return [{ ...x, dtype: to }];
    const name = c.node.output![0];
    // float or integer → bool: x ≠ 0
    if (to === DT.BOOL) return [{ ...c.imp.unary(name, 'sign', c.imp.unary(`${name}.abs`, 'abs', x)), dtype: to }];
    if (isIntegerType(to) && isIntegerType(x.dtype)) {
      // integer → a type that may not hold every value of the source: two's-complement wrap-around, as the folded
      // path (fold.ts castValue): y = x − m·floor((x − lo)/m) for the target's range [lo, lo + m). Values run as f32,
      // exact while |x| < 2^24, so only the 8- and 16-bit targets are wrapped; 32/64-bit targets hold every such value.
      const [lo, hi] = INT_RANGE[to] ?? [-Infinity, Infinity];
      const [slo, shi] = INT_RANGE[x.dtype] ?? [-Infinity, Infinity];
      if (hi - lo > 65536 || (slo >= lo && shi <= hi)) return [{ ...x, dtype: to }];
      const k = (v: number, n: string) => c.imp.konst(host(DT.FLOAT, [], [v]), `${name}.${n}`);
      const m = hi - lo;
      const q = c.imp.unary(
        `${name}.floor`,
        'floor',
        c.imp.binary(`${name}.q`, 'mul', c.imp.binary(`${name}.lo`, 'sub', x, k(lo, 'lo_c')), k(1 / m, 'inv_m')),
      );
      return [{ ...c.imp.binary(name, 'sub', x, c.imp.binary(`${name}.wrap`, 'mul', q, k(m, 'm'))), dtype: to }];
    }
    // float → integer: truncation toward zero, sign(x)·floor(|x|) (out of range is undefined in ONNX: no wrap-around)
    if (isIntegerType(to))
      return [
        {
          ...c.imp.binary(
            name,
            'mul',
            c.imp.unary(`${name}.sign`, 'sign', x),
            c.imp.unary(`${name}.floor`, 'floor', c.imp.unary(`${name}.abs`, 'abs', x)),
          ),
          dtype: to,
        },
      ];
    return c.fail(`a run-time cast from ${dtypeName(x.dtype)} to ${dtypeName(to)} is not supported`);
  },
  Gather: (c) => {
    const x = c.in(0);
    const axis = normAxis(c.int('axis', 0), x.shape.length);
    const idx = c.konst(1, 'indices (run-time indices are not supported)');
    if (x.konst) return [c.imp.konst(gatherHost(x.konst, idx, axis))];
    return [gatherGpu(c, x, idx, axis)];
  },
  Expand: (c) => {
    const x = c.in(0);
    const dims = [...c.konst(1, 'shape').data];
    const out = broadcastShapes(x.shape, dims);
    checkDims(out, 'Expand output');
    if (x.konst) return [c.imp.konst(expandHost(x.konst, out))];
    return [expandGpu(c, x, out, c.node.output![0])];
  },
  Tile: (c) => {
    const x = c.in(0);
    // opset 1: inputs (x, tiles, axis), one axis repeated `tiles` times
    const reps =
      c.opset < 6
        ? x.shape.map((_, i) =>
            i === normAxis(scalarOf(c.konst(2, 'axis'), 'axis'), x.shape.length) ? scalarOf(c.konst(1, 'tiles'), 'tiles') : 1,
          )
        : [...c.konst(1, 'repeats').data];
    if (reps.length !== x.shape.length || reps.some((r) => !(Number.isInteger(r) && r >= 0)))
      c.fail(`repeats [${reps.join(',')}] do not fit ${shapeStr(x.shape)}`);
    if (x.konst) return [c.imp.konst(tileHost(x.konst, reps))];
    return [tileGpu(c, x, reps)];
  },
  Where: (c) => {
    const [cond, a, b] = [c.in(0, 'condition'), c.in(1, 'X'), c.in(2, 'Y')];
    const name = c.node.output![0];
    const out = broadcastShapes(broadcastShapes(cond.shape, a.shape), b.shape);
    if (cond.konst && a.konst && b.konst) return [c.imp.konst(whereHost(cond.konst, a.konst, b.konst), name)];
    const same = (v: OnnxValue) => v.shape.length === out.length && v.shape.every((d, i) => d === out[i]);
    if (cond.konst && cond.konst.data.every((v) => v) && same(a)) return [a];
    if (cond.konst && cond.konst.data.every((v) => !v) && same(b)) return [b];
    // on the GPU: X·c + Y·(1 − c) (so a non-finite value in the branch not taken gives NaN)
    const cf = { ...cond, dtype: DT.FLOAT };
    const inv = c.imp.binary(`${name}.inv`, 'sub', c.imp.scalar(1), cf);
    return [c.imp.binary(name, 'add', c.imp.binary(`${name}.x`, 'mul', a, cf), c.imp.binary(`${name}.y`, 'mul', b, inv))];
  },
  TopK: (c) => {
    const x = c.in(0);
    const axis = normAxis(c.int('axis', -1), x.shape.length);
    const k = c.opset < 10 ? c.int('k', 0) : scalarOf(c.konst(1, 'K'), 'K');
    if (!(Number.isInteger(k) && k >= 0 && k <= x.shape[axis])) c.fail(`K = ${k} is outside [0, ${x.shape[axis]}]`);
    const largest = c.int('largest', 1) === 1;
    const sorted = c.int('sorted', 1) === 1;
    const xk = x.konst ?? c.fail('TopK is supported on constants only (folded at import)');
    const { values, indices } = topkHost(xk, axis, k, largest, sorted);
    return [c.imp.konst(values), c.imp.konst(indices)];
  },
  ConstantOfShape: (c) => {
    const dims = [...c.konst(0, 'shape').data];
    const v = c.tensor('value') ?? host(DT.FLOAT, [1], [0]);
    checkDims(dims, 'ConstantOfShape', MAX_FOLD_ELEMENTS);
    return [c.imp.konst({ dtype: v.dtype, dims, data: new Float64Array(numelOf(dims)).fill(v.data[0] ?? 0) })];
  },
  Range: (c) => {
    const [s, l, d] = [0, 1, 2].map((i) => scalarOf(c.konst(i), 'Range input'));
    if (d === 0) c.fail('delta must not be 0');
    const n = Math.max(Math.ceil((l - s) / d), 0);
    checkDims([n], 'Range', MAX_FOLD_ELEMENTS);
    return [
      c.imp.konst(
        host(
          c.in(0).dtype,
          [n],
          Array.from({ length: n }, (_, i) => s + i * d),
        ),
      ),
    ];
  },
  Slice: (c) => {
    const x = c.in(0);
    let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
    if (c.opset < 10) {
      starts = c.ints('starts') ?? c.fail('starts is required');
      ends = c.ints('ends') ?? c.fail('ends is required');
      axes = c.ints('axes');
    } else {
      starts = [...c.konst(1, 'starts').data];
      ends = [...c.konst(2, 'ends').data];
      axes = c.opt(3) ? [...c.konst(3, 'axes').data] : undefined;
      steps = c.opt(4) ? [...c.konst(4, 'steps').data] : undefined;
    }
    const r = x.shape.length;
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, r));
    const st = steps ?? ax.map(() => 1);
    const big = (v: number) => Math.max(Math.min(v, 2 ** 31), -(2 ** 31));
    if (x.konst) return [c.imp.konst(sliceHost(x.konst, starts.map(big), ends.map(big), ax, st))];
    if (st.some((s) => s === 0)) c.fail('step 0');
    // resolve ONNX clamping on the host (negative steps: start in [0, d − 1], end in [−1, d − 1]), then a slice op
    // with explicit ranges
    const s0 = new Array(r).fill(0);
    const e0 = [...x.shape];
    const sp = new Array(r).fill(1);
    ax.forEach((a, i) => {
      const d = x.shape[a];
      const [lo, hi] = st[i] > 0 ? [0, d] : [-1, d - 1];
      const cl = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
      s0[a] = cl(big(starts[i]));
      e0[a] = cl(big(ends[i]));
      sp[a] = st[i];
    });
    const out = x.shape.map((_, i) => Math.max(0, Math.ceil((e0[i] - s0[i]) / sp[i])));
    if (out.some((d) => d === 0)) return [c.imp.konst({ dtype: x.dtype, dims: out, data: new Float64Array(0) })];
    const id = c.imp.add('slice', [c.imp.onnx(x)], { starts: s0, ends: e0, steps: sp }, c.node.output![0]);
    return [c.imp.fromGpu(c.node.output![0], x.dtype, out, id, 'nchw')];
  },
  Reshape: (c) => {
    const x = c.in(0);
    const to = c.opset < 5 ? (c.ints('shape') ?? c.fail('shape is required')) : [...c.konst(1, 'shape').data];
    const allowzero = c.int('allowzero', 0) === 1;
    return [c.imp.reshape(c.node.output![0], x, reshapeTarget(c, x.shape, to, allowzero))];
  },
  Flatten: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    const a0 = c.int('axis', 1);
    if (a0 < -r || a0 > r) c.fail(`axis ${a0} is out of range for rank ${r}`);
    const axis = a0 < 0 ? a0 + r : a0;
    return [c.imp.reshape(c.node.output![0], x, [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))])];
  },
  Squeeze: (c) => {
    const x = c.in(0);
    const axes = axesArg(c, 1, 13);
    const r = x.shape.length;
    const ax = axes ? axes.map((a) => normAxis(a, r)) : x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    for (const a of ax) if (x.shape[a] !== 1) c.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    return [
      c.imp.reshape(
        c.node.output![0],
        x,
        x.shape.filter((_, i) => !ax.includes(i)),
      ),
    ];
  },
  Unsqueeze: (c) => {
    const x = c.in(0);
    const axes = axesArg(c, 1, 13) ?? c.fail('axes are required');
    const r = x.shape.length + axes.length;
    const ax = axes.map((a) => normAxis(a, r));
    if (new Set(ax).size !== ax.length) c.fail('repeated axes');
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x.shape[k++]);
    return [c.imp.reshape(c.node.output![0], x, out)];
  },
  Transpose: (c) => {
    const x = c.in(0);
    const perm = c.ints('perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
      c.fail(`perm [${perm.join(',')}] is not a permutation of ${x.shape.length} axes`);
    return [c.imp.transpose(c.node.output![0], x, perm)];
  },
  Concat: (c) => {
    const ins = c.ins.filter((v): v is OnnxValue => !!v && numelOf(v.shape) > 0);
    if (!ins.length) c.fail('needs at least one non-empty input');
    const r = ins[0].shape.length;
    const axis = normAxis(c.int('axis', c.opset < 4 ? 1 : NaN), r);
    const name = c.node.output![0];
    if (ins.every((v) => v.konst))
      return [
        c.imp.konst(
          concatHost(
            ins.map((v) => v.konst!),
            axis,
          ),
          name,
        ),
      ];
    const shape = [...ins[0].shape];
    shape[axis] = ins.reduce((a, v) => a + v.shape[axis], 0);
    for (const v of ins)
      if (v.shape.length !== r || v.shape.some((d, i) => i !== axis && d !== ins[0].shape[i]))
        c.fail(`inputs disagree: ${ins.map((v) => shapeStr(v.shape)).join(' ')}`);
    if (r === 4 && axis === 1 && ins.some((v) => c.imp.isNhwc(v))) {
      const id = c.imp.add(
        'concat',
        ins.map((v) => c.imp.nhwc(v)),
        {},
        name,
      );
      return [c.imp.fromGpu(name, ins[0].dtype, shape, id, 'nhwc')];
    }
    if (ins.length === 1) return [ins[0]];
    const id = c.imp.add(
      'concat_axis',
      ins.map((v) => c.imp.onnx(v)),
      { axis },
      name,
    );
    return [c.imp.fromGpu(name, ins[0].dtype, shape, id, 'nchw')];
  },
  Split: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    const axis = normAxis(c.int('axis', 0), r);
    const n = c.outCount();
    // opset 1: `split` as an attribute or a second input; 2–12 an attribute; 13 on an input
    let split: number[] | undefined =
      c.opset < 13 && !(c.opset < 2 && c.opt(1)) ? c.ints('split') : c.opt(1) ? [...c.konst(1, 'split').data] : undefined;
    const len = x.shape[axis];
    if (!split) {
      const parts = c.opset >= 18 ? c.int('num_outputs', n) : n;
      if (c.opset >= 18 && !c.attrs.has('num_outputs')) c.fail('needs the split input or num_outputs');
      if (parts !== n) c.fail(`num_outputs ${parts} disagrees with the node's ${n} outputs`);
      const size = Math.ceil(len / parts);
      split = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, len - i * size)));
    } else if (c.opset >= 18 && c.attrs.has('num_outputs')) c.fail('takes the split input or num_outputs, not both');
    if (split.length !== n || split.some((s) => s < 0) || split.reduce((a, b) => a + b, 0) !== len)
      c.fail(`split [${split.join(',')}] does not divide axis ${axis} of ${shapeStr(x.shape)} into ${n} outputs`);
    let off = 0;
    return split.map((s, k) => {
      const name = c.node.output![k];
      const starts = x.shape.map(() => 0);
      const ends = [...x.shape];
      starts[axis] = off;
      ends[axis] = off + s;
      off += s;
      const shape = x.shape.map((d, i) => (i === axis ? s : d));
      if (x.konst) return c.imp.konst(sliceHost(x.konst, [starts[axis]], [ends[axis]], [axis], [1]), name);
      if (s === 0) return c.imp.konst({ dtype: x.dtype, dims: shape, data: new Float64Array(0) }, name);
      if (s === len) return x;
      return c.imp.fromGpu(name, x.dtype, shape, c.imp.add('slice', [c.imp.onnx(x)], { starts, ends }, name), 'nchw');
    });
  },
  Pad: (c) => {
    const x = c.in(0);
    const mode = c.str('mode', 'constant');
    if (!['constant', 'reflect', 'edge'].includes(mode)) c.fail(`mode '${mode}' is not supported`);
    const r = x.shape.length;
    let pads: number[];
    let value = 0;
    let valueT: OnnxValue | undefined;
    if (c.opset < 11) {
      pads = c.ints(c.opset < 2 ? 'paddings' : 'pads') ?? c.fail('pads is required');
      value = c.float('value', 0);
    } else {
      const p = [...c.konst(1, 'pads').data];
      const cv = c.opt(2);
      if (cv?.konst) value = scalarOf(cv.konst, 'constant_value');
      else if (cv) {
        if (numelOf(cv.shape) !== 1) c.fail(`constant_value must be a scalar, got ${shapeStr(cv.shape)}`);
        valueT = cv;
      }
      const axes = c.opt(3) ? [...c.konst(3, 'axes').data].map((a) => normAxis(a, r)) : x.shape.map((_, i) => i);
      if (p.length !== 2 * axes.length) c.fail(`pads has ${p.length} values for ${axes.length} axes`);
      pads = new Array(2 * r).fill(0);
      axes.forEach((a, i) => {
        pads[a] = p[i];
        pads[a + r] = p[i + axes.length];
      });
    }
    if (pads.length !== 2 * r) c.fail(`pads needs ${2 * r} values, got ${pads.length}`);
    const name = c.node.output![0];
    const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
    const id = c.imp.add('pad', valueT ? [c.imp.onnx(x), c.imp.onnx(valueT)] : [c.imp.onnx(x)], { pads, mode, value }, name);
    return [c.imp.fromGpu(name, x.dtype, shape, id, 'nchw')];
  },
  DepthToSpace: (c) => {
    const x = c.in(0);
    need4d(c, x, 'input');
    const b = c.int('blocksize', 0);
    const mode = c.str('mode', 'DCR');
    const [n, ch, h, w] = x.shape;
    if (b < 1 || ch % (b * b) !== 0) c.fail(`blocksize ${b} does not divide ${ch} channels into blocks`);
    const name = c.node.output![0];
    const cc = ch / (b * b);
    let t: OnnxValue;
    if (mode === 'DCR') t = c.imp.transpose(`${name}.t`, c.imp.reshape(`${name}.r`, x, [n, b, b, cc, h, w]), [0, 3, 4, 1, 5, 2]);
    else if (mode === 'CRD') t = c.imp.transpose(`${name}.t`, c.imp.reshape(`${name}.r`, x, [n, cc, b, b, h, w]), [0, 1, 4, 2, 5, 3]);
    else return c.fail(`mode '${mode}' is not supported`);
    return [c.imp.reshape(name, t, [n, cc, h * b, w * b])];
  },
  SpaceToDepth: (c) => {
    // [N, C, H, W] → [N, C·b², H/b, W/b]: channel index (bh·b + bw)·C + c, the inverse of DepthToSpace DCR
    const x = c.in(0);
    need4d(c, x, 'input');
    const b = c.int('blocksize', 0);
    const [n, ch, h, w] = x.shape;
    if (b < 1 || h % b !== 0 || w % b !== 0) c.fail(`blocksize ${b} does not divide ${h}×${w}`);
    const name = c.node.output![0];
    const t = c.imp.transpose(`${name}.t`, c.imp.reshape(`${name}.r`, x, [n, ch, h / b, b, w / b, b]), [0, 3, 5, 1, 2, 4]);
    return [c.imp.reshape(name, t, [n, ch * b * b, h / b, w / b])];
  },
};

function normClamp(v: number, r: number): number {
  return Math.min(Math.max(v < 0 ? v + r : v, 0), r);
}

function castTypeByName(name: string): number | undefined {
  const t = (DT as Record<string, number>)[name.toUpperCase()];
  return t;
}

/** Run-time broadcast to `out`: a reshape to the full rank, then an edge pad of every size-1 axis (no new kernel). */
function expandGpu(c: OnnxOpContext, x: OnnxValue, out: number[], name: string): OnnxValue {
  const r = out.length;
  const v = x.shape.length < r ? c.imp.reshape(`${name}.r`, x, [...new Array(r - x.shape.length).fill(1), ...x.shape]) : x;
  const pads = new Array(2 * r).fill(0);
  v.shape.forEach((d, i) => {
    if (d !== out[i]) pads[r + i] = out[i] - 1;
  });
  if (pads.every((p) => p === 0)) return v;
  if (out.some((d) => d === 0)) return c.imp.konst({ dtype: x.dtype, dims: out, data: new Float64Array(0) }, name);
  return c.imp.fromGpu(name, x.dtype, out, c.imp.add('pad', [c.imp.onnx(v)], { pads, mode: 'edge', value: 0 }, name), 'nchw');
}

/** Run-time Tile: a size-1 axis before each repeated axis, broadcast to the repeat count, merged back. */
function tileGpu(c: OnnxOpContext, x: OnnxValue, reps: number[]): OnnxValue {
  const name = c.node.output![0];
  const out = x.shape.map((d, i) => d * reps[i]);
  if (out.some((d) => d === 0)) return c.imp.konst({ dtype: x.dtype, dims: out, data: new Float64Array(0) }, name);
  if (reps.every((r) => r === 1)) return x;
  const split: number[] = [];
  const big: number[] = [];
  x.shape.forEach((d, i) => {
    if (reps[i] > 1) {
      split.push(1, d);
      big.push(reps[i], d);
    } else {
      split.push(d);
      big.push(d);
    }
  });
  if (split.length > 8)
    c.fail(`tiling ${reps.filter((r) => r > 1).length} axes of a rank-${x.shape.length} tensor needs rank ${split.length} (at most 8)`);
  const e = expandGpu(c, c.imp.reshape(`${name}.split`, x, split), big, `${name}.e`);
  return c.imp.reshape(name, e, out);
}

/**
 * Gather with constant indices from a run-time tensor: one strided slice when the indices step evenly forward
 * (a single index, a range, every other channel), else a concat of one slice per index (at most 64).
 */
function gatherGpu(c: OnnxOpContext, x: OnnxValue, idx: { dims: number[]; data: ArrayLike<number> }, axis: number): OnnxValue {
  const name = c.node.output![0];
  const len = x.shape[axis];
  const ks = Array.from(idx.data, (raw) => {
    const k = raw < 0 ? raw + len : raw;
    if (!(Number.isInteger(k) && k >= 0 && k < len)) c.fail(`index ${raw} is out of range for axis ${axis} of size ${len}`);
    return k;
  });
  const outShape = [...x.shape.slice(0, axis), ...idx.dims, ...x.shape.slice(axis + 1)];
  if (ks.length === 0) return c.imp.konst({ dtype: x.dtype, dims: outShape, data: new Float64Array(0) }, name);
  const slice = (start: number, count: number, step: number, nm: string): OnnxValue => {
    const starts = x.shape.map(() => 0);
    const ends = [...x.shape];
    const steps = x.shape.map(() => 1);
    starts[axis] = start;
    ends[axis] = start + (count - 1) * step + 1;
    steps[axis] = step;
    const shape = x.shape.map((d, i) => (i === axis ? count : d));
    if (count === len && step === 1) return x;
    return c.imp.fromGpu(nm, x.dtype, shape, c.imp.add('slice', [c.imp.onnx(x)], { starts, ends, steps }, nm), 'nchw');
  };
  const step = ks.length > 1 ? ks[1] - ks[0] : 1;
  let y: OnnxValue;
  if (step > 0 && ks.every((k, i) => k === ks[0] + i * step)) y = slice(ks[0], ks.length, step, `${name}.s`);
  else {
    if (ks.length > 64) c.fail(`${ks.length} scattered indices on a run-time tensor (at most 64 are supported)`);
    const parts = ks.map((k, i) => slice(k, 1, 1, `${name}.s${i}`));
    const shape = x.shape.map((d, i) => (i === axis ? ks.length : d));
    y = c.imp.fromGpu(
      `${name}.cat`,
      x.dtype,
      shape,
      c.imp.add(
        'concat_axis',
        parts.map((p) => c.imp.onnx(p)),
        { axis },
        `${name}.cat`,
      ),
      'nchw',
    );
  }
  return c.imp.reshape(name, y, outShape);
}
