// Quantization debugger: where does an int8 model lose the float model's signal? Per int8 layer (conv2d_int8,
// add_int8) of the graph compress() makes, on evaluation inputs disjoint from the calibration inputs:
//
//   isolated   the layer fed the fp32 model's own input activations (quantized with the layer's input scale), its
//              output dequantized and compared with the fp32 output: the error this layer adds by itself
//              (TFLite's quantization debugger "per-layer" mode; ORT's qdq_loss_debug compares the same pairs).
//   chain      the int8 model's tensor at that point (fed by the int8 layers before it) vs the fp32 tensor: the
//              accumulated error (TFLite's "whole model" mode, ORT's compute_activation_error).
//   both as    SQNR = 10·log10(Σy² / Σ(y − ŷ)²) dB and cosine(y, ŷ), over every element of every evaluation image;
//              chain also as centered SQNR: y and the error with their per-element mean over the images removed,
//              i.e. the image-dependent signal against the image-dependent error (random-weight networks carry a
//              large image-independent part that plain SQNR rewards).
//   range      the fp32 output's min / max, the calibrated representable range s·([−128, 127] − z), the fraction of
//              fp32 values clipped by it (beyond half a step), and the median over channels of (channel range /
//              tensor range): small means a per-tensor scale spends most of its 256 levels on a few channels.
//   weights    conv only: per output channel max |W − s·q| and mean |W − s·q| (symmetric per-channel int8);
//              reported as the worst channel's max, the mean of the channel means, and max error / max |W| of the
//              worst channel; all channels with perChannel.
//
// The model output is compared too (SQNR, and top-1 agreement raw and centered, as bench --suite int8_agreement).

import { compile } from '../graph/executor.js';
import type { Graph } from '../graph/ir.js';
import { optimizeForInference } from '../graph/passes.js';
import { check } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { agreementMetrics, centeredAgreementMetrics } from './agreement.js';
import { calibrateForInt8 } from './equalize.js';
import { channelZero, quantizeGraph, type Int8Options, type QParams, type QuantLayer } from './quantize.js';

export interface QuantDebugOptions extends Int8Options {
  /** Input batches that calibrate the activation ranges. */
  calibration: Float32Array[][];
  /** Input batches the errors are measured on (disjoint from calibration). */
  evaluation: Float32Array[][];
  /** Give every output channel's weight error. */
  perChannelWeights?: boolean;
}

export interface ErrorFigures {
  sqnr_db: number;
  cosine: number;
}

export interface LayerDebug {
  layer: string;
  op: string;
  shape: number[];
  isolated: ErrorFigures;
  chain: ErrorFigures & { sqnr_centered_db: number };
  range: {
    min: number;
    max: number;
    q_lo: number;
    q_hi: number;
    scale: number;
    per_channel_scales: boolean;
    zero: number;
    clip_fraction: number;
    channel_range_ratio: number;
  };
  weights?: { channels: number; err_max: number; err_mean: number; worst_channel: number; rel_err_worst: number; per_channel?: number[][] };
}

export interface QuantDebugReport {
  layers: LayerDebug[];
  output: ErrorFigures & {
    sqnr_centered_db: number;
    images: number;
    top1_agreement: number;
    top1_agreement_centered: number;
    rel_logit_error_median: number;
    rel_logit_error_centered_median: number;
  };
  int8Layers: number;
  /** Set by the CLI: the layers kept in fp32 (mixed precision), and whether bias correction was on. */
  keptFp32?: string[];
  biasCorrection?: boolean;
  floatNodes: number;
}

const r4 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : x);
const db = (signal: number, noise: number) => (noise > 0 ? 10 * Math.log10(signal / noise) : signal > 0 ? Infinity : 0);

/** Sums for SQNR / cosine of ŷ against y. */
class ErrAcc {
  yy = 0;
  ee = 0;
  yq = 0;
  qq = 0;
  add(y: Float32Array, q: Float32Array): void {
    for (let i = 0; i < y.length; i++) {
      const a = y[i];
      const b = q[i];
      this.yy += a * a;
      this.qq += b * b;
      this.yq += a * b;
      this.ee += (a - b) * (a - b);
    }
  }
  figures(): ErrorFigures {
    const den = Math.sqrt(this.yy * this.qq);
    return { sqnr_db: r4(db(this.yy, this.ee)), cosine: r4(den > 0 ? this.yq / den : this.yy === this.qq ? 1 : 0) };
  }
}

/** Centered SQNR: per element position (of one image), the mean over images of y and of the error removed. */
class CenteredAcc {
  sy: Float64Array;
  se: Float64Array;
  yy = 0;
  ee = 0;
  images = 0;
  constructor(private per: number) {
    this.sy = new Float64Array(per);
    this.se = new Float64Array(per);
  }
  add(y: Float32Array, q: Float32Array): void {
    for (let i = 0; i < y.length; i++) {
      const j = i % this.per;
      const e = y[i] - q[i];
      this.sy[j] += y[i];
      this.se[j] += e;
      this.yy += y[i] * y[i];
      this.ee += e * e;
    }
    this.images += y.length / this.per;
  }
  sqnr(): number {
    let yy = this.yy;
    let ee = this.ee;
    for (let j = 0; j < this.per; j++) {
      yy -= (this.sy[j] * this.sy[j]) / this.images;
      ee -= (this.se[j] * this.se[j]) / this.images;
    }
    return r4(db(Math.max(yy, 0), Math.max(ee, 0)));
  }
}

/** Range, clipping and per-channel spread of the fp32 values of a tensor against its quantization parameters. */
class RangeAcc {
  min = Infinity;
  max = -Infinity;
  clipped = 0;
  n = 0;
  cmin: Float64Array;
  cmax: Float64Array;
  constructor(
    private c: number,
    private q: QParams,
  ) {
    this.cmin = new Float64Array(c).fill(Infinity);
    this.cmax = new Float64Array(c).fill(-Infinity);
  }
  add(y: Float32Array): void {
    const cs = this.q.channelScales;
    const s = Float64Array.from({ length: this.c }, (_, ch) => (cs ? cs[ch] : this.q.scale));
    const lo = Float64Array.from(s, (sc, ch) => sc * (-128 - channelZero(this.q, ch)) - sc / 2);
    const hi = Float64Array.from(s, (sc, ch) => sc * (127 - channelZero(this.q, ch)) + sc / 2);
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      const ch = i % this.c;
      if (v < this.cmin[ch]) this.cmin[ch] = v;
      if (v > this.cmax[ch]) this.cmax[ch] = v;
      if (v < lo[ch] || v > hi[ch]) this.clipped++;
    }
    this.n += y.length;
  }
  figures(): LayerDebug['range'] {
    for (let ch = 0; ch < this.c; ch++) {
      this.min = Math.min(this.min, this.cmin[ch]);
      this.max = Math.max(this.max, this.cmax[ch]);
    }
    const range = this.max - this.min;
    const ratios = Array.from(this.cmin, (lo, ch) => (range > 0 ? (this.cmax[ch] - lo) / range : 1)).sort((a, b) => a - b);
    const cs = this.q.channelScales;
    const scale = cs ? Math.max(...cs) : this.q.scale; // per-channel: the widest channel's
    // per-channel: the lowest and highest level of any channel
    const level = (q: number) => (cs ? Array.from(cs, (sc, ch) => sc * (q - channelZero(this.q, ch))) : [scale * (q - this.q.zero)]);
    return {
      min: r4(this.min),
      max: r4(this.max),
      q_lo: r4(Math.min(...level(-128))),
      q_hi: r4(Math.max(...level(127))),
      scale: Number(scale.toPrecision(4)),
      per_channel_scales: !!cs,
      zero: this.q.zero,
      clip_fraction: Number((this.clipped / Math.max(1, this.n)).toPrecision(3)),
      channel_range_ratio: r4(ratios[Math.floor(ratios.length / 2)]),
    };
  }
}

/** Per output channel error of symmetric int8 weights (HWIO, output channel fastest). */
export function weightErrors(l: NonNullable<QuantLayer['weights']>, perChannel = false): NonNullable<LayerDebug['weights']> {
  const { w, wq, scale, cout } = l;
  const emax = new Float64Array(cout);
  const esum = new Float64Array(cout);
  const wmax = new Float64Array(cout);
  for (let i = 0; i < w.length; i++) {
    const c = i % cout;
    const e = Math.abs(w[i] - scale[c] * wq[i]);
    emax[c] = Math.max(emax[c], e);
    esum[c] += e;
    wmax[c] = Math.max(wmax[c], Math.abs(w[i]));
  }
  const taps = w.length / cout;
  let worst = 0;
  for (let c = 1; c < cout; c++) if (emax[c] > emax[worst]) worst = c;
  const mean = esum.reduce((a, b) => a + b, 0) / w.length;
  return {
    channels: cout,
    err_max: Number(emax[worst].toPrecision(4)),
    err_mean: Number(mean.toPrecision(4)),
    worst_channel: worst,
    rel_err_worst: r4(wmax[worst] > 0 ? emax[worst] / wmax[worst] : 0),
    ...(perChannel ? { per_channel: Array.from(emax, (m, c) => [Number(m.toPrecision(4)), Number((esum[c] / taps).toPrecision(4))]) } : {}),
  };
}

/** Per-channel scales applied on the host (the debug graph's quantize/dequantize then use scale 1). */
function perChannel(x: Float32Array, q: QParams, how: 'divide' | 'multiply'): Float32Array {
  const cs = q.channelScales;
  if (!cs) return x;
  const c = cs.length;
  const z = q.channelZeros ?? new Float64Array(c); // affine: quantize/dequantize run with zero point 0
  return Float32Array.from(x, (v, i) => (how === 'divide' ? v / cs[i % c] + z[i % c] : (v - z[i % c]) * cs[i % c]));
}

/** Every activation of a float graph (and its inputs) by tensor id, one batch at a time. */
async function activationRunner(rt: Runtime, g: Graph) {
  const cg = g.clone();
  const watched = cg.tensors.filter((t) => t.role === 'activation' && t.dtype === 'f32' && cg.isUsed(t.id)).map((t) => t.id);
  for (const t of watched) if (!cg.outputs.includes(t)) cg.outputs.push(t);
  const m = await compile(rt, cg, { fuse: false, tune: 'cached' });
  return {
    async run(batch: Float32Array[]): Promise<Map<number, Float32Array>> {
      const outs = await m.run(batch);
      const v = new Map<number, Float32Array>();
      cg.inputs.forEach((t, k) => v.set(t, batch[k]));
      cg.outputs.forEach((t, k) => v.set(t, outs[k]));
      return v;
    },
    destroy: () => m.destroy(),
  };
}

/**
 * The int8 graph compress() makes of `model` (fused for inference, calibrated on o.calibration), and where it
 * departs from the float graph, layer by layer, on o.evaluation.
 */
export async function quantDebug(rt: Runtime, model: Graph, o: QuantDebugOptions): Promise<QuantDebugReport> {
  check(o.evaluation.length > 0, 'quant-debug needs at least one evaluation batch');
  const { graph: g, stats } = await calibrateForInt8(rt, optimizeForInference(model).graph, o.calibration, o);
  const { graph: q, report, layers } = quantizeGraph(g, stats, o);

  // the debug graph: the int8 model, every int8 layer's output dequantized (chain), and every int8 layer again on
  // extra fp32 inputs (isolated)
  const d = q.clone();
  const nOut = d.outputs.length;
  const extraInputs: { t: number; q: QParams }[] = []; // float-graph tensors fed as inputs, in input order
  for (const l of layers) {
    const deq = (t: number) => d.add1('dequantize', [t], { scale: l.outQ.scale, zero: l.outQ.zero }, `${l.name}.debug_deq`);
    d.markOutput(deq(l.qOutput));
    const qx = l.inputs.map((t, k) => {
      const x = d.addInput(`${l.name}.fp32_in${k}`, g.shape(t));
      extraInputs.push({ t, q: l.inQ[k] });
      return d.add1('quantize', [x], { scale: l.inQ[k].scale, zero: l.inQ[k].zero }, `${l.name}.debug_q${k}`);
    });
    let y = d.add1(l.op, [...qx, ...l.node.inputs.slice(l.inputs.length)], l.node.attrs, `${l.name}.isolated`);
    if (l.shuffle) y = d.add1('channel_shuffle_int8', [y], { groups: l.shuffle, zero: l.outQ.zero }, `${l.name}.isolated_shuffle`);
    d.markOutput(deq(y));
  }
  const acc = layers.map((l) => {
    const shape = g.shape(l.output);
    return {
      iso: new ErrAcc(),
      chain: new ErrAcc(),
      centered: new CenteredAcc(shape.slice(1).reduce((a, b) => a * b, 1)),
      range: new RangeAcc(shape[shape.length - 1], l.outQ),
    };
  });
  const outShape = g.shape(g.outputs[0]);
  const perImage = outShape.slice(1).reduce((a, b) => a * b, 1);
  const outAcc = new ErrAcc();
  const outCentered = new CenteredAcc(perImage);
  const zf: Float32Array[] = [];
  const zq: Float32Array[] = [];

  const fp = await activationRunner(rt, g);
  try {
    const dm = await compile(rt, d, { tune: 'cached' });
    try {
      for (const batch of o.evaluation) {
        const v = await fp.run(batch);
        const outs = await dm.run([...batch, ...extraInputs.map(({ t, q }) => perChannel(v.get(t)!, q, 'divide'))]);
        const yf = v.get(g.outputs[0])!;
        outAcc.add(yf, outs[0]);
        outCentered.add(yf, outs[0]);
        for (let i = 0; i < yf.length / perImage; i++) {
          zf.push(yf.slice(i * perImage, (i + 1) * perImage));
          zq.push(outs[0].slice(i * perImage, (i + 1) * perImage));
        }
        layers.forEach((l, k) => {
          const y = v.get(l.output)!;
          const chain = perChannel(outs[nOut + 2 * k], l.outQ, 'multiply');
          const iso = perChannel(outs[nOut + 2 * k + 1], l.outQ, 'multiply');
          acc[k].chain.add(y, chain);
          acc[k].centered.add(y, chain);
          acc[k].iso.add(y, iso);
          acc[k].range.add(y);
        });
      }
    } finally {
      dm.destroy();
    }
  } finally {
    fp.destroy();
  }
  const raw = agreementMetrics(zf, zq);
  const cen = centeredAgreementMetrics(zf, zq);
  return {
    layers: layers.map((l, k) => ({
      layer: l.name,
      op: l.op,
      shape: g.shape(l.output),
      isolated: acc[k].iso.figures(),
      chain: { ...acc[k].chain.figures(), sqnr_centered_db: acc[k].centered.sqnr() },
      range: acc[k].range.figures(),
      ...(l.weights ? { weights: weightErrors(l.weights, o.perChannelWeights) } : {}),
    })),
    output: {
      ...outAcc.figures(),
      sqnr_centered_db: outCentered.sqnr(),
      images: zf.length,
      top1_agreement: raw.top1_agreement,
      top1_agreement_centered: cen.top1_agreement,
      rel_logit_error_median: raw.rel_logit_error_median,
      rel_logit_error_centered_median: cen.rel_logit_error_median,
    },
    int8Layers: layers.length,
    floatNodes: report.floatNodes,
  };
}

/**
 * Mixed precision: the `n` int8 conv layers with the lowest isolated SQNR (the error each adds by itself), measured
 * on the calibration batches only (the evaluation images stay unseen). Their names go to Int8Options.keepFloat.
 */
export async function worstInt8Layers(
  rt: Runtime,
  model: Graph,
  calibration: Float32Array[][],
  n: number,
  o: Int8Options = {},
): Promise<string[]> {
  check(Number.isInteger(n) && n >= 0, `keep-fp32 must be an integer ≥ 0, got ${n}`);
  if (n === 0) return [];
  const r = await quantDebug(rt, model, { ...o, keepFloat: undefined, calibration, evaluation: calibration });
  const convs = r.layers.filter((l) => l.op === 'conv2d_int8' || l.op === 'conv2d_bsr_int8');
  check(n < convs.length, `keep-fp32 ${n}: the model has only ${convs.length} int8 conv layers (keep fewer than all)`);
  return [...convs]
    .sort((a, b) => a.isolated.sqnr_db - b.isolated.sqnr_db)
    .slice(0, n)
    .map((l) => l.layer);
}
