// Post-training int8 quantization of an inference graph.
//
// 1. Calibration: the float graph runs on sample batches with every activation kept as an output; per tensor
//    (inputs included) we
//    keep min, max, mean |x| and a strided sample of values (at most SAMPLE per batch).
// 2. Activation ranges, per tensor (asymmetric: real = s·(q − z), q ∈ [−128, 127], 0 always representable):
//      'minmax'      [min, max];
//      'percentile'  [p_lo, p_hi] quantiles of the sample (default 99.99 %);
//      'mse'         the clip range c·[min, max], c ∈ {0.30, 0.31, … 1}, minimizing Σ(x − deq(q(x)))² on the sample.
// 3. Weights: int8 symmetric per output channel, s_w[co] = max|W[·,co]| / 127.
// 4. Conversion: every conv2d the int8 kernels can run (see `int8Eligible`) becomes conv2d_int8 and every add of
//    two int8 tensors add_int8, with ReLU/ReLU6 folded into the clamp; `quantize` / `dequantize` are inserted only
//    where a float op meets an int8 one, so int8 tensors flow layer to layer and float stays at the edges.
//    Channel shuffle (fused into a conv's store, or a node of its own) on an int8 tensor is channel_shuffle_int8, a
//    byte permutation. A channel concat with an int8 input is concat_int8 (a ReLU/ReLU6 after it folds into its
//    clamp). The concat rule: the output has the (scale, zero point) calibrated for it (the union of the inputs'
//    ranges); an input whose only reader is the concat is made at those same parameters by its producer (int8 conv
//    or add requantizing to them, or the `quantize` at a float edge), so its bytes pass unchanged; any other input
//    is requantized in the concat with the int8 add's arithmetic, k = round(2^14·s_in/s_out).

import { compile } from '../graph/executor.js';
import { Graph, type Node } from '../graph/ir.js';
import { fromBsr, type BlockShape } from '../ops/block_sparse.js';
import { convGeom, isDepthwise, type ConvGeom } from '../ops/conv.js';
import { INT8_BLOCK_SHAPES, INT8_CHANNEL_ZERO_LIMIT, int8AddFactor, int8ConvTables, packInt8ConvWeights, toBsrInt8 } from '../ops/int8.js';
import { attrInts, attrNum, type Attrs } from '../ops/registry.js';
import { check, SlimError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'mse';

/**
 * minmax: `slimgpu quant-debug` showed percentile (99.99 %) and mse clipping the long tails of ReLU outputs in
 * MobileNetV1, which costs ~15 dB of SQNR per layer; trained Fashion-MNIST models agree ≥ 0.99 either way.
 */
export const DEFAULT_CALIBRATION: CalibrationMethod = 'minmax';

export interface TensorStats {
  min: number;
  max: number;
  meanAbs: number;
  sample: Float32Array;
  /** Per channel (last axis) min and max. */
  cmin?: Float64Array;
  cmax?: Float64Array;
  /** Per channel (last axis) mean, for bias correction. */
  cmean?: Float64Array;
  /** Values seen per channel (images × positions). */
  channelCount?: number;
}

const SAMPLE = 1 << 14;

/** Run the float graph on the calibration batches; statistics of every activation tensor by tensor id. */
export async function calibrate(rt: Runtime, g: Graph, batches: Float32Array[][]): Promise<Map<number, TensorStats>> {
  check(batches.length > 0, 'int8 calibration needs at least one batch of inputs');
  const cg = g.clone();
  const watched = cg.tensors.filter((t) => t.role === 'activation' && t.dtype === 'f32' && cg.isUsed(t.id)).map((t) => t.id);
  for (const t of watched) if (!cg.outputs.includes(t)) cg.outputs.push(t);
  const m = await compile(rt, cg, { fuse: false, tune: 'cached' });
  const acc = new Map<
    number,
    {
      min: number;
      max: number;
      sumAbs: number;
      n: number;
      samples: Float32Array[];
      cmin: Float64Array;
      cmax: Float64Array;
      csum: Float64Array;
    }
  >();
  try {
    for (const batch of batches) {
      const outs = await m.run(batch);
      const values: [number, Float32Array][] = [
        ...cg.inputs.map((t, k) => [t, batch[k]] as [number, Float32Array]),
        ...cg.outputs.map((t, k) => [t, outs[k]] as [number, Float32Array]),
      ];
      for (const [t, v] of values) {
        const c = cg.shape(t).at(-1) ?? 1;
        const a = acc.get(t) ?? {
          min: Infinity,
          max: -Infinity,
          sumAbs: 0,
          n: 0,
          samples: [],
          cmin: new Float64Array(c).fill(Infinity),
          cmax: new Float64Array(c).fill(-Infinity),
          csum: new Float64Array(c),
        };
        const stride = Math.max(1, Math.floor(v.length / SAMPLE));
        const s = new Float32Array(Math.ceil(v.length / stride));
        for (let i = 0, j = 0; i < v.length; i++) {
          const x = v[i];
          const ch = i % c;
          if (x < a.cmin[ch]) a.cmin[ch] = x;
          if (x > a.cmax[ch]) a.cmax[ch] = x;
          a.csum[ch] += x;
          if (x < a.min) a.min = x;
          if (x > a.max) a.max = x;
          a.sumAbs += Math.abs(x);
          if (i % stride === 0) s[j++] = x;
        }
        a.n += v.length;
        a.samples.push(s);
        acc.set(t, a);
      }
    }
  } finally {
    m.destroy();
  }
  const stats = new Map<number, TensorStats>();
  for (const [t, a] of acc) {
    const sample = new Float32Array(a.samples.reduce((n, s) => n + s.length, 0));
    let o = 0;
    for (const s of a.samples) {
      sample.set(s, o);
      o += s.length;
    }
    const perChannelCount = a.n / a.csum.length;
    const cmean = a.csum.map((v) => v / perChannelCount);
    stats.set(t, {
      min: a.min,
      max: a.max,
      meanAbs: a.sumAbs / a.n,
      sample,
      cmin: a.cmin,
      cmax: a.cmax,
      cmean,
      channelCount: perChannelCount,
    });
  }
  return stats;
}

export interface QParams {
  scale: number;
  zero: number;
  /**
   * Per-channel activation scales (last axis; `scale` is then 1): real = channelScales[c]·(q − zero). Only on the
   * output of a ReLU/ReLU6 conv (zero −128 for every channel) whose consumers are all int8 convs, which fold the
   * scales into their weights (see quantizeGraph).
   */
  channelScales?: Float64Array;
  /**
   * With channelScales (Int8Options.channelAffine): a zero point per channel (integers, possibly outside the int8
   * range; `zero` is then 0): real = channelScales[c]·(q − channelZeros[c]). Each channel's own [lo, hi] gets all
   * 256 levels (see quantizeGraph).
   */
  channelZeros?: Float64Array;
}

/** A tensor's zero point in channel c. */
export function channelZero(p: QParams, c: number): number {
  return p.channelZeros ? p.channelZeros[c] : p.zero;
}

/**
 * Largest |zero point| a per-channel affine channel may have (keeps Σ w·z and the folded bias far inside i32, and the
 * depthwise '_zc' kernels' f32 sums exact).
 */
export const CHANNEL_ZERO_LIMIT = INT8_CHANNEL_ZERO_LIMIT;

/**
 * Per-channel affine parameters (Int8Options.channelAffine): channel c's calibrated [cmin, cmax], widened by
 * h·(cmax − cmin) on each side but kept inside the tensor's [min, max] (so a ReLU tensor stays ≥ 0 and a ReLU6 one
 * ≤ 6), mapped onto [−128, 127]: s_c = (hi − lo)/255, z_c = round(−128 − lo/s_c), with s_c raised where needed so
 * that |z_c| ≤ CHANNEL_ZERO_LIMIT and no channel's step is below the tensor's range / 2^16. h = headroom + 2/√n
 * for n values seen per channel (s.channelCount): the extremes of a few samples (a pooled vector or the logits: one
 * per calibration image) underestimate the range more (MobileNetV1's logits, 16 images: 2.4 % clipped at h = 0.25).
 */
export function channelAffineParams(s: TensorStats, headroom: number): QParams {
  if (s.channelCount) headroom += 2 / Math.sqrt(s.channelCount);
  const cmin = s.cmin!;
  const cmax = s.cmax!;
  const gmin = Math.min(0, s.min);
  const gmax = Math.max(0, s.max);
  const floor = (gmax - gmin) / 255 / 256;
  const c = cmin.length;
  const channelScales = new Float64Array(c);
  const channelZeros = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const r = Math.max(0, cmax[ch] - cmin[ch]);
    let lo = Math.max(gmin, cmin[ch] - headroom * r);
    const hi = Math.min(gmax, cmax[ch] + headroom * r);
    let sc = Math.max((hi - lo) / 255, floor, Math.abs(lo) / (CHANNEL_ZERO_LIMIT - 128), Math.abs(hi) / (CHANNEL_ZERO_LIMIT - 128));
    if (!(sc > 0)) sc = 1;
    // a non-negative tensor keeps real 0 ≥ the lowest level, so a ReLU folded into the clamp stays exact
    if (s.min >= 0 && lo < sc) {
      lo = 0;
      sc = Math.max(sc, hi / 255);
    }
    // 256 levels from lo, moved down where they would pass the tensor's max (the clamp at 127 must not let a
    // ReLU6 output past 6); the zero point rounded, then kept so that the levels stay inside [gmin, gmax]
    if (lo + 255 * sc > gmax) lo = Math.max(gmin, gmax - 255 * sc);
    let z = Math.round(-128 - lo / sc);
    z = Math.max(z, Math.ceil(127 - gmax / sc));
    z = Math.min(z, Math.floor(-128 - gmin / sc));
    channelScales[ch] = sc;
    channelZeros[ch] = z;
  }
  return { scale: 1, zero: 0, channelScales, channelZeros };
}

/** Asymmetric int8 parameters for a real range (widened to contain 0). */
export function qparamsFor(lo: number, hi: number): QParams {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (!(hi - lo > 1e-12)) return { scale: 1, zero: 0 };
  const scale = (hi - lo) / 255;
  const zero = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zero };
}

function quantError(sample: Float32Array, q: QParams): number {
  let e = 0;
  for (let i = 0; i < sample.length; i++) {
    const v = Math.max(-128, Math.min(127, Math.round(sample[i] / q.scale) + q.zero));
    e += (sample[i] - (v - q.zero) * q.scale) ** 2;
  }
  return e;
}

export function chooseRange(s: TensorStats, method: CalibrationMethod, percentile = 99.99): QParams {
  if (method === 'minmax') return qparamsFor(s.min, s.max);
  if (method === 'percentile') {
    const sorted = Float32Array.from(s.sample).sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
    return qparamsFor(at(100 - percentile), at(percentile));
  }
  let best = qparamsFor(s.min, s.max);
  let bestErr = quantError(s.sample, best);
  for (let c = 30; c < 100; c++) {
    const q = qparamsFor((s.min * c) / 100, (s.max * c) / 100);
    const e = quantError(s.sample, q);
    if (e < bestErr) {
      best = q;
      bestErr = e;
    }
  }
  return best;
}

/** Per-output-channel symmetric int8 weights of HWIO [KH,KW,Cg,Cout]. */
export function quantizeWeights(w: Float32Array, cout: number): { wq: Int8Array; scale: Float64Array } {
  const scale = new Float64Array(cout);
  for (let i = 0; i < w.length; i++) scale[i % cout] = Math.max(scale[i % cout], Math.abs(w[i]));
  for (let c = 0; c < cout; c++) scale[c] = scale[c] > 0 ? scale[c] / 127 : 1;
  const wq = Int8Array.from(w, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scale[i % cout]))));
  return { wq, scale };
}

/** HWIO weights [KH,KW,Cg,Cout] times the scale of each one's input channel (group g reads channels g·Cg…). */
export function foldInputScales(w: Float32Array, shape: number[], groups: number, sx: ArrayLike<number>): Float32Array {
  const [, , cg, cout] = shape;
  const perGroup = cout / groups;
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const co = i % cout;
    const ci = Math.floor(i / cout) % cg;
    out[i] = w[i] * sx[Math.floor(co / perGroup) * cg + ci];
  }
  return out;
}

/**
 * A conv node's float weights (HWIO), bias and geometry; for a block-sparse one (conv2d_bsr) the dense weights
 * with its zero blocks, and its block shape.
 */
function convWeightsOf(
  g: Graph,
  n: Node,
): { w: { shape: number[]; data: Float32Array }; bias?: Float32Array; geo: ConvGeom; block?: BlockShape } {
  if (n.op === 'conv2d_bsr') {
    const [kh, kw] = attrInts(n.attrs, 'kernel', 2);
    const shape = [kh, kw, g.shape(n.inputs[0])[3], attrNum(n.attrs, 'cout')];
    const block = attrInts(n.attrs, 'block', 2) as BlockShape;
    const idx = g.tensors[n.inputs[1]].raw as Uint32Array;
    const data = fromBsr({ block, idx, val: g.tensors[n.inputs[2]].data!, nnzb: 0, totalBlocks: 0 }, shape);
    const geo = convGeom([g.shape(n.inputs[0]), shape], n.attrs);
    return { w: { shape, data }, bias: n.inputs[3] !== undefined ? g.tensors[n.inputs[3]].data : undefined, geo, block };
  }
  const w = g.tensors[n.inputs[1]];
  const geo = convGeom(
    n.inputs.map((t) => g.shape(t)),
    n.attrs,
  );
  return { w: { shape: w.shape, data: w.data! }, bias: n.inputs[2] !== undefined ? g.tensors[n.inputs[2]].data : undefined, geo };
}

/**
 * Can the int8 kernels run this fused conv2d (or block-sparse conv2d_bsr) node? (A fused shuffle runs after it as
 * channel_shuffle_int8.)
 */
export function int8Eligible(g: Graph, n: Node): boolean {
  if (n.op === 'conv2d_bsr') {
    const block = attrInts(n.attrs, 'block', 2);
    const ok = INT8_BLOCK_SHAPES.some(([a, b]) => a === block[0] && b === block[1]);
    const tensorsOk =
      g.tensors[n.inputs[1]].raw && g.tensors[n.inputs[2]].data && (n.inputs[3] === undefined || g.tensors[n.inputs[3]].data);
    return ok && !!tensorsOk && [0, 1, 2].includes(attrNum(n.attrs, 'act', 0));
  }
  if (n.op !== 'conv2d') return false;
  const w = g.tensors[n.inputs[1]];
  if (!w.data || (n.inputs[2] !== undefined && !g.tensors[n.inputs[2]].data)) return false;
  if (![0, 1, 2].includes(attrNum(n.attrs, 'act', 0))) return false;
  const geo = convGeom(
    n.inputs.map((t) => g.shape(t)),
    n.attrs,
  );
  const depthwise = geo.groups > 1 && geo.groups === geo.cin && geo.cin === geo.cout;
  if (depthwise) return geo.cout % 4 === 0;
  if ((geo.cout / geo.groups) % 4 !== 0) return false;
  return geo.groups === 1 || (geo.cin / geo.groups) % 4 === 0;
}

/**
 * Bias correction (Int8Options.biasCorrection): b'[co] = b[co] + Σ_{tap, ci} (W'[tap,ci,co] − s_w[co]·W_q[tap,ci,co])·μ[g·Cg + ci],
 * μ the input's per-channel calibration mean (divided by the channel's scale when per-channel scales are folded into
 * W'), so that the int8 layer's expected output equals the float one's (padding taps, zero in both, ignored).
 */
export function correctedBias(
  b: Float32Array,
  wf: Float32Array,
  wq: Int8Array,
  sw: Float64Array,
  geo: ConvGeom,
  mean: Float64Array,
  channelScales?: Float64Array,
): Float32Array {
  const cg = geo.cin / geo.groups;
  const perGroup = geo.cout / geo.groups;
  const out = Float32Array.from(b);
  const eps = new Float64Array(geo.cout);
  for (let i = 0; i < wf.length; i++) {
    const co = i % geo.cout;
    const c = Math.floor(co / perGroup) * cg + (Math.floor(i / geo.cout) % cg);
    const mu = channelScales ? mean[c] / channelScales[c] : mean[c];
    eps[co] += (wf[i] - sw[co] * wq[i]) * mu;
  }
  for (let co = 0; co < geo.cout; co++) out[co] += eps[co];
  return out;
}

export interface Int8Options {
  method?: CalibrationMethod;
  percentile?: number;
  /**
   * Per-channel scales (minmax only) on ReLU conv outputs feeding only int8 convs. Default off: on MobileNetV1 it
   * measured no better than per-tensor (quant-debug; README).
   */
  perChannel?: boolean;
  /**
   * Bias correction (Nagel et al. 2019, "Data-Free Quantization", §4.2): a conv's weight rounding shifts its output
   * by E[(W − s_w·W_q)·x] per output channel; with E[x] the input's per-channel mean on the calibration data, that
   * expected error is added to the bias (convs with a bias; the QDQ export carries the corrected bias). Default off:
   * on MobileNetV1 1.0-224 it lowered the centered logit error a little but not the agreement (README).
   */
  biasCorrection?: boolean;
  /** Layers (float graph node names) kept in fp32: mixed precision. */
  keepFloat?: string[];
  /**
   * Activation equalization before calibration (equalize.ts, calibrateForInt8), with this α for dense consumers;
   * undefined: off. quantizeGraph itself takes the graph as given.
   */
  equalize?: number;
  /**
   * Per-channel affine activations: a scale and a zero point per channel (channelAffineParams) on every tensor that
   * only unpadded int8 convs (pointwise, the classifier) and float ops read, made by an int8 conv (per-channel
   * requantization; the zero point folded into its bias) or at a float edge (a per-channel affine batchnorm node
   * before `quantize`, after `dequantize`). The consumers fold the scales into their weights and Σ w·z into their
   * bias, exactly as for one zero point. MobileNetV1's depthwise outputs and logits span 5–15 % of their tensor's
   * range per channel (quant-debug). With channelAffinePadded (the default) also on tensors read by padded
   * depthwise int8 convs: their '_zc' kernels pad channel c with its own zero point z_c (a 4th input of
   * conv2d_int8), so a padded tap still adds 0 to the real sum and Σ w·z_c over the whole window folds into the bias.
   */
  channelAffine?: boolean;
  /**
   * channelAffine on tensors that padded depthwise int8 convs read too (default true); false: only tensors whose
   * int8 readers are unpadded (round 6). A dense padded conv (groups < C) keeps one zero point per tensor.
   */
  channelAffinePadded?: boolean;
  /** channelAffine: each channel's calibrated range widened by this fraction on each side (default 0.25). */
  channelHeadroom?: number;
}

/** One int8 layer of a quantized graph, for the debugger (quant_debug.ts): where it came from and its parameters. */
export interface QuantLayer {
  name: string;
  op: 'conv2d_int8' | 'conv2d_bsr_int8' | 'add_int8' | 'concat_int8';
  /** The float graph's input activations (conv: [x], add: [a, b]) and output, by tensor id. */
  inputs: number[];
  output: number;
  /** The int8 node in the quantized graph (its inputs past the activations are its parameters). */
  node: Node;
  /** The q8 tensor of the quantized graph that holds `output` (the node's output, or the shuffle after it). */
  qOutput: number;
  /** conv with a fused channel shuffle: its groups (channel_shuffle_int8 follows the node). */
  shuffle?: number;
  inQ: QParams[];
  outQ: QParams;
  /** conv: the fp32 HWIO weights and their int8 form; the bias the int8 layer uses (bias-corrected). */
  weights?: { w: Float32Array; wq: Int8Array; scale: Float64Array; cout: number; bias?: Float32Array };
}

export interface Int8Report {
  int8Convs: number;
  /** of int8Convs, block-sparse (conv2d_bsr_int8) */
  int8SparseConvs: number;
  int8Adds: number;
  int8Concats: number;
  int8Shuffles: number;
  floatNodes: number;
  quantizeNodes: number;
  dequantizeNodes: number;
}

const CONV_ATTRS = ['stride', 'pads', 'dilation', 'groups'] as const;

/** Float ops quantizeGraph may turn into int8 ones (or fold: an activation after a concat). */
const INT8_CAPABLE = ['add', 'concat', 'channel_shuffle', 'activation'];

/** y[·,c] = γ_c·(x[·,c] − mean_c) + β_c as an inference batchnorm node (var 1, ε 0). */
function channelAffineNode(
  out: Graph,
  x: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  mean: ArrayLike<number>,
  name: string,
): number {
  const c = gamma.length;
  const p = (suffix: string, v: ArrayLike<number>) => out.addParam(`${name}.${suffix}`, [c], Float32Array.from(v));
  return out.add1(
    'batchnorm',
    [x, p('gamma', gamma), p('beta', beta), p('mean', mean), p('var', new Float32Array(c).fill(1))],
    { eps: 0 },
    name,
  );
}

/** The int8 graph for a fused float graph, given calibration statistics of its activations. */
export function quantizeGraph(
  g: Graph,
  stats: Map<number, TensorStats>,
  opts: Int8Options = {},
): { graph: Graph; report: Int8Report; layers: QuantLayer[] } {
  const method = opts.method ?? DEFAULT_CALIBRATION;
  const perChannel = opts.perChannel ?? false;
  const consumers = g.consumers();
  const keepFloat = new Set(opts.keepFloat ?? []);
  for (const name of keepFloat)
    if (!g.nodes.some((n) => n.name === name && int8Eligible(g, n)))
      throw new SlimError(`keep in fp32: '${name}' is not an int8 layer of this graph`);
  const isInt8 = (n: Node) => !keepFloat.has(n.name) && int8Eligible(g, n);
  const biasCorrection = opts.biasCorrection ?? false;
  const eligible = new Set(g.nodes.filter(isInt8).map((n) => n.id));
  const producer = g.producers();
  // per-channel activation scales: a ReLU/ReLU6 int8 conv's output that only int8 convs read (as their input x)
  const perChannelOk = (t: number): boolean => {
    const p = producer.get(t);
    const s = stats.get(t);
    if (!perChannel || !p || !eligible.has(p.id) || ![1, 2].includes(attrNum(p.attrs, 'act', 0))) return false;
    if (attrNum(p.attrs, 'shuffle', 1) !== 1) return false;
    if (g.outputs.includes(t) || !s?.cmax || method !== 'minmax') return false;
    const cs = consumers.get(t) ?? [];
    return cs.length > 0 && cs.every((n) => eligible.has(n.id) && n.inputs[0] === t && !n.inputs.slice(1).includes(t));
  };
  // per-channel affine activations (opts.channelAffine): every reader an unpadded int8 conv reading it as x, or a
  // float op (never one that could run in int8: add, concat, shuffle, activation); made by an int8 conv without a
  // fused shuffle, or by a float op (quantized at the edge)
  const channelAffine = opts.channelAffine ?? false;
  const headroom = opts.channelHeadroom ?? 0.25;
  check(headroom >= 0 && Number.isFinite(headroom), `int8 channel headroom must be a finite number ≥ 0, got ${headroom}`);
  const affinePadded = opts.channelAffinePadded ?? true;
  const unpadded = (n: Node) => {
    const geo = convWeightsOf(g, n).geo;
    return geo.pt === 0 && geo.pl === 0 && geo.pb === 0 && geo.pr === 0;
  };
  // a padded reader that can pad per channel: a (dense-weight) depthwise conv, whose '_zc' kernels take z_c
  const padsPerChannel = (n: Node) => {
    const geo = convWeightsOf(g, n).geo;
    return affinePadded && n.op === 'conv2d' && isDepthwise(geo);
  };
  const affineOk = (t: number): boolean => {
    if (!channelAffine || g.tensors[t].role === 'param') return false;
    const s = stats.get(t);
    if (!s?.cmin || !s.cmax || g.shape(t).length !== 4) return false;
    const p = producer.get(t);
    const int8Producer = !!p && eligible.has(p.id);
    if (int8Producer && attrNum(p.attrs, 'shuffle', 1) !== 1) return false;
    if (p && !int8Producer && INT8_CAPABLE.includes(p.op)) return false;
    let int8Reader = false;
    for (const n of consumers.get(t) ?? []) {
      if (eligible.has(n.id)) {
        if (n.inputs[0] !== t || n.inputs.slice(1).includes(t) || !(unpadded(n) || padsPerChannel(n))) return false;
        int8Reader = true;
      } else if (INT8_CAPABLE.includes(n.op)) return false;
    }
    return int8Producer || int8Reader;
  };
  const out = new Graph();
  const report: Int8Report = {
    int8Convs: 0,
    int8SparseConvs: 0,
    int8Adds: 0,
    int8Concats: 0,
    int8Shuffles: 0,
    floatNodes: 0,
    quantizeNodes: 0,
    dequantizeNodes: 0,
  };
  const layers: QuantLayer[] = [];
  const fId = new Map<number, number>(); // old tensor → f32 tensor in the new graph
  const qId = new Map<number, number>(); // old tensor → q8 tensor in the new graph
  const qp = new Map<number, QParams>();
  const paramId = new Map<number, number>();
  const qparamsOf = (t: number): QParams => {
    let p = qp.get(t);
    if (!p) {
      const s = stats.get(t);
      if (!s) throw new SlimError(`no calibration statistics for tensor '${g.tensors[t].name}'`);
      p = chooseRange(s, method, opts.percentile);
      if (affineOk(t)) p = channelAffineParams(s, headroom);
      else if (perChannelOk(t)) {
        const cmax = s.cmax!;
        // 2× headroom over the channel's calibrated max (capped at the tensor's): a channel's max over a few
        // calibration images is a poor estimate, and clipping costs more than a coarser step
        const channelScales = Float64Array.from(cmax, (m) => (m > 1e-6 * s.max ? Math.min(s.max, 2 * m) / 255 : p!.scale));
        p = { scale: 1, zero: -128, channelScales };
      }
      qp.set(t, p);
    }
    return p;
  };
  // concats that run in int8 (channels of every input a multiple of 4), each with the ReLU/ReLU6 that follows it
  // when it is the concat's only reader: the node, and the tensor it makes (the activation's output)
  const concats = new Map<number, { act: number; y: number; skip?: Node }>();
  const skipped = new Set<Node>();
  for (const n of g.nodes) {
    if (n.op !== 'concat' || !n.inputs.every((t) => g.tensors[t].role !== 'param' && g.shape(t).at(-1)! % 4 === 0)) continue;
    const cs = consumers.get(n.outputs[0]) ?? [];
    const a = cs.length === 1 && !g.outputs.includes(n.outputs[0]) ? cs[0] : null;
    const fold = a && a.op === 'activation' && [1, 2].includes(attrNum(a.attrs, 'act', 0));
    concats.set(n.id, fold ? { act: attrNum(a.attrs, 'act', 0), y: a.outputs[0], skip: a } : { act: 0, y: n.outputs[0] });
  }
  const producerOf = (t: number) => producer.get(t);
  for (const [id, c] of concats) {
    const n = g.nodes.find((m) => m.id === id)!;
    if (!stats.has(c.y)) continue;
    for (const t of n.inputs) {
      const p = producerOf(t);
      const only = (consumers.get(t) ?? []).length === 1 && new Set(n.inputs).size === n.inputs.length && !g.outputs.includes(t);
      // a shuffle keeps its input's parameters; everything else can produce the concat's directly
      if (only && p?.op !== 'channel_shuffle' && !qp.has(t)) qp.set(t, qparamsOf(c.y));
    }
  }
  for (const t of g.inputs) fId.set(t, out.addInput(g.tensors[t].name, g.shape(t)));
  const param = (t: number): number => {
    let id = paramId.get(t);
    if (id === undefined) {
      const d = g.tensors[t];
      id = d.data ? out.addParam(d.name, d.shape, d.data) : out.addRawParam(d.name, d.shape, d.raw!);
      paramId.set(t, id);
    }
    return id;
  };
  const asFloat = (t: number): number => {
    if (g.tensors[t].role === 'param') return param(t);
    let id = fId.get(t);
    if (id === undefined) {
      const q = qId.get(t)!;
      const p = qparamsOf(t);
      const name = g.tensors[t].name;
      id = out.add1('dequantize', [q], { scale: p.scale, zero: p.zero }, `${name}.dequant`);
      // per-channel affine: real = s_c·(q − z_c), a batchnorm with mean z_c, γ = s_c, β = 0, var 1, ε 0
      if (p.channelZeros)
        id = channelAffineNode(
          out,
          id,
          p.channelScales!,
          new Float64Array(p.channelZeros.length),
          p.channelZeros,
          `${name}.dequant_affine`,
        );
      report.dequantizeNodes++;
      fId.set(t, id);
    }
    return id;
  };
  const asInt8 = (t: number): number => {
    let id = qId.get(t);
    if (id === undefined) {
      const p = qparamsOf(t);
      let x = fId.get(t)!;
      // per-channel affine: q = round(x/s_c + z_c), a batchnorm with γ = 1/s_c, β = z_c, mean 0, var 1, ε 0
      if (p.channelZeros)
        x = channelAffineNode(
          out,
          x,
          p.channelScales!.map((v) => 1 / v),
          p.channelZeros,
          new Float64Array(p.channelZeros.length),
          `${g.tensors[t].name}.quant_affine`,
        );
      id = out.add1('quantize', [x], { scale: p.scale, zero: p.zero }, `${g.tensors[t].name}.quant`);
      report.quantizeNodes++;
      qId.set(t, id);
    }
    return id;
  };
  // ReLU6 with per-channel scales: every channel's calibrated max is ≤ 6, so 127 is ≤ 6 in every channel
  // per-channel affine: every channel's range lies inside the tensor's, so [0, 6] already holds every level
  const clampFor = (act: number, p: QParams) => ({
    qmin: (act === 1 || act === 2) && !p.channelZeros ? Math.max(-128, p.zero) : -128,
    qmax: act === 2 && !p.channelScales ? Math.min(127, p.zero + Math.round(6 / p.scale)) : 127,
  });

  for (const n of g.nodes) {
    if (isInt8(n)) {
      const x = n.inputs[0];
      const y = n.outputs[0];
      const { w, bias: bIn, geo, block } = convWeightsOf(g, n);
      const px = qparamsOf(x);
      const py = qparamsOf(y);
      // per-channel input scales fold into the weights: W'[·,ci,co] = W[·,ci,co]·sx[ci] (the input's scale is then 1)
      const wf = px.channelScales ? foldInputScales(w.data!, w.shape, geo.groups, px.channelScales) : w.data!;
      const { wq, scale: sw } = quantizeWeights(wf, geo.cout);
      const mean = stats.get(x)?.cmean;
      const b =
        bIn && biasCorrection && mean ? correctedBias(bIn, wf, wq, sw, geo, mean, px.channelScales) : (bIn ?? new Float32Array(geo.cout));
      const bias = new Int32Array(geo.cout);
      const mult = new Float64Array(geo.cout);
      // Σ_taps,ci w_q·z_x[ci] per output channel (one zero point: z_x·Σ w_q)
      const zsum = new Float64Array(geo.cout);
      const cg = geo.cin / geo.groups;
      const perGroup = geo.cout / geo.groups;
      for (let i = 0; i < wq.length; i++) {
        const co = i % geo.cout;
        zsum[co] += wq[i] * channelZero(px, Math.floor(co / perGroup) * cg + (Math.floor(i / geo.cout) % cg));
      }
      for (let co = 0; co < geo.cout; co++) {
        const bq = Math.round(b[co] / (px.scale * sw[co]));
        mult[co] = (px.scale * sw[co]) / (py.channelScales ? py.channelScales[co] : py.scale);
        // a per-channel output zero point rides in the bias: round(M·(acc + round(z/M))) = round(M·acc) + z ± M/2
        const zy = py.channelZeros && mult[co] > 0 ? Math.round(py.channelZeros[co] / mult[co]) : 0;
        bias[co] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, bq - zsum[co] + zy));
      }
      const tables = int8ConvTables(bias, mult);
      const attrs: Attrs = {
        kernel: [geo.kh, geo.kw],
        cout: geo.cout,
        xZero: px.zero,
        yZero: py.zero,
        ...clampFor(attrNum(n.attrs, 'act', 0), py),
      };
      for (const a of CONV_ATTRS) if (n.attrs[a] !== undefined) attrs[a] = n.attrs[a];
      let qy: number;
      if (block) {
        // pruned and quantized: the int8 weights keep the float layer's zero blocks (conv2d_bsr_int8)
        const bsr = toBsrInt8(wq, w.shape, block);
        const idx = out.addRawParam(`${n.name}.bsr_idx`, [bsr.idx.length], bsr.idx);
        const val = out.addRawParam(`${n.name}.bsr_int8`, [bsr.val.length], bsr.val);
        const tId = out.addRawParam(`${n.name}.requant`, [tables.length], tables);
        qy = out.add1('conv2d_bsr_int8', [asInt8(x), idx, val, tId], { ...attrs, block: [...block] }, n.name);
        report.int8SparseConvs++;
      } else {
        const packed = packInt8ConvWeights(wq, w.shape, geo.groups);
        const wId = out.addRawParam(`${n.name}.w_int8`, [packed.length], packed);
        const tId = out.addRawParam(`${n.name}.requant`, [tables.length], tables);
        // a padded depthwise conv on a per-channel affine input pads channel c with z_c (the '_zc' kernels)
        const zc =
          px.channelZeros && isDepthwise(geo) && !(geo.pt === 0 && geo.pl === 0 && geo.pb === 0 && geo.pr === 0)
            ? [out.addRawParam(`${n.name}.x_zeros`, [geo.cin], Int32Array.from(px.channelZeros))]
            : [];
        qy = out.add1('conv2d_int8', [asInt8(x), wId, tId, ...zc], attrs, n.name);
      }
      const node = out.nodes.at(-1)!;
      const shuffle = attrNum(n.attrs, 'shuffle', 1);
      if (shuffle !== 1) {
        qy = out.add1('channel_shuffle_int8', [qy], { groups: shuffle, zero: py.zero }, `${n.name}.shuffle`);
        report.int8Shuffles++;
      }
      qId.set(y, qy);
      const weights = { w: wf, wq, scale: sw, cout: geo.cout, bias: b };
      layers.push({
        name: n.name,
        op: block ? 'conv2d_bsr_int8' : 'conv2d_int8',
        inputs: [x],
        output: y,
        node,
        qOutput: qy,
        ...(shuffle !== 1 ? { shuffle } : {}),
        inQ: [px],
        outQ: py,
        weights,
      });
      report.int8Convs++;
      continue;
    }
    if (
      n.op === 'add' &&
      [0, 1, 2].includes(attrNum(n.attrs, 'act', 0)) &&
      n.inputs.every((t) => qId.has(t)) &&
      g.shape(n.inputs[0]).at(-1)! % 4 === 0
    ) {
      const [a, b] = n.inputs;
      const y = n.outputs[0];
      const pa = qparamsOf(a);
      const pb = qparamsOf(b);
      const py = qparamsOf(y);
      const attrs = {
        aZero: pa.zero,
        bZero: pb.zero,
        ka: int8AddFactor(pa.scale, py.scale),
        kb: int8AddFactor(pb.scale, py.scale),
        yZero: py.zero,
        ...clampFor(attrNum(n.attrs, 'act', 0), py),
      };
      const qy = out.add1('add_int8', [qId.get(a)!, qId.get(b)!], attrs, n.name);
      qId.set(y, qy);
      layers.push({
        name: n.name,
        op: 'add_int8',
        inputs: [a, b],
        output: y,
        node: out.nodes.at(-1)!,
        qOutput: qy,
        inQ: [pa, pb],
        outQ: py,
      });
      report.int8Adds++;
      continue;
    }
    const cc = concats.get(n.id);
    if (cc && n.inputs.some((t) => qId.has(t)) && n.inputs.every((t) => !qparamsOf(t).channelScales)) {
      const py = qparamsOf(cc.y);
      const pin = n.inputs.map(qparamsOf);
      const attrs = {
        xZeros: pin.map((p) => p.zero),
        ks: pin.map((p) => (p.scale === py.scale ? 1 << 14 : int8AddFactor(p.scale, py.scale))),
        yZero: py.zero,
        ...clampFor(cc.act, py),
      };
      const qy = out.add1('concat_int8', n.inputs.map(asInt8), attrs, n.name);
      qId.set(cc.y, qy);
      if (cc.skip) skipped.add(cc.skip);
      layers.push({
        name: n.name,
        op: 'concat_int8',
        inputs: [...n.inputs],
        output: cc.y,
        node: out.nodes.at(-1)!,
        qOutput: qy,
        inQ: pin,
        outQ: py,
      });
      report.int8Concats++;
      continue;
    }
    if (skipped.has(n)) continue;
    if (n.op === 'channel_shuffle' && qId.has(n.inputs[0]) && !qparamsOf(n.inputs[0]).channelScales) {
      const p = qparamsOf(n.inputs[0]);
      qp.set(n.outputs[0], p);
      qId.set(
        n.outputs[0],
        out.add1('channel_shuffle_int8', [qId.get(n.inputs[0])!], { groups: attrNum(n.attrs, 'groups'), zero: p.zero }, n.name),
      );
      report.int8Shuffles++;
      continue;
    }
    const ids = out.add(n.op, n.inputs.map(asFloat), n.attrs, n.name);
    n.outputs.forEach((t, k) => fId.set(t, ids[k]));
    report.floatNodes++;
  }
  for (const t of g.outputs) out.markOutput(asFloat(t));
  return { graph: out, report, layers };
}
