// `slimgpu bench --suite int8_agreement`: a whole model, int8 vs the fp32 model it was made from.
//
// Our zoo models have seeded random weights, so "agreement" is int8 vs fp32 of the same weights on a fixed,
// seeded input set, not ImageNet accuracy. White noise drives a random-weight network to nearly the same logits
// for every image (argmax agreement then says little), so the inputs are seeded *smooth* images: per channel a sum
// of a few random low-frequency 2-D sinusoids plus a random offset, in [-1, 1]. The record reports the spread of
// the fp32 logits (std, top-1 − top-2 margin, distinct argmaxes) so that the agreement figures can be judged.
// Even so a deep random ReLU network maps every image to nearly the same logit vector (a large image-independent
// part), which makes raw top-1 agreement easy and ‖z_int8 − z_fp32‖ / ‖z_fp32‖ small. So the same metrics are also
// reported on *centered* logits, z − mean over the evaluation images of z_fp32 (the same vector subtracted from
// both): agreement on the image-dependent part, the stricter figure.
//
// Calibration uses images with seeds disjoint from the evaluation images (held out). Latency: median of timed
// batch-1 runs of each compiled model on one image.

import { compress } from '../src/compress/compress.js';
import type { CalibrationMethod } from '../src/compress/quantize.js';
import { compile } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { seededRandom } from '../src/models/builder.js';
import { buildModel, type ModelSpec } from '../src/models/zoo.js';
import { SlimError } from '../src/runtime/errors.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { median, modelLabel, round } from '../src/models/measure.js';

/** Extra flags of `bench --suite int8_agreement` (merged into bench's flag table). */
export const INT8_AGREEMENT_FLAGS = {
  model: 'string',
  alpha: 'number',
  res: 'int',
  images: 'int',
  calib: 'int',
  method: 'string',
  seed: 'int',
} as const;

const INPUT_DESCRIPTION = 'seeded smooth images: per channel 4 random 2-D sinusoids (0-8 cycles per image) + offset, scaled to [-1, 1]';

/** One seeded smooth NHWC image [1, res, res, channels] in [-1, 1]. */
export function smoothImage(res: number, channels: number, seed: number): Float32Array {
  const r = seededRandom(seed * 7919 + 17);
  const a = new Float32Array(res * res * channels);
  for (let c = 0; c < channels; c++) {
    const waves = Array.from({ length: 4 }, () => ({ fx: r() * 8, fy: r() * 8, ph: r() * 2 * Math.PI, amp: 0.3 + r() }));
    const offset = r() * 2 - 1;
    const plane = new Float32Array(res * res);
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < res; y++) {
      for (let x = 0; x < res; x++) {
        let v = offset;
        for (const w of waves) v += w.amp * Math.sin((2 * Math.PI * (w.fx * x + w.fy * y)) / res + w.ph);
        plane[y * res + x] = v;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    // keep some of the offset: scale into [-1, 1] by the plane's own range, shifted by a random amount
    const shift = (r() * 2 - 1) * 0.3;
    for (let i = 0; i < plane.length; i++)
      a[i * channels + c] = Math.max(-1, Math.min(1, ((plane[i] - lo) / (hi - lo || 1)) * 1.4 - 0.7 + shift));
  }
  return a;
}

/** Logits of a batch-1 graph for each image. */
export async function logitsOf(rt: Runtime, g: Graph, images: Float32Array[]): Promise<Float32Array[]> {
  const m = await compile(rt, g, { tune: 'cached' });
  try {
    const out: Float32Array[] = [];
    for (const im of images) out.push(Float32Array.from((await m.run([im]))[0]));
    return out;
  } finally {
    m.destroy();
  }
}

function topk(z: Float32Array, k: number): number[] {
  return Array.from(z.keys())
    .sort((a, b) => z[b] - z[a] || a - b)
    .slice(0, k);
}

export interface AgreementMetrics {
  images: number;
  top1_agreement: number;
  top5_overlap: number;
  rel_logit_error_median: number;
  rel_logit_error_max: number;
  /** spread of the fp32 logits: is top-1 agreement meaningful? */
  fp32_logit_std_median: number;
  fp32_top1_margin_over_std_median: number;
  fp32_distinct_top1: number;
}

/** int8 vs fp32 logits, image by image. */
export function agreementMetrics(fp: Float32Array[], q: Float32Array[]): AgreementMetrics {
  if (fp.length !== q.length || fp.length === 0)
    throw new SlimError('agreementMetrics: need the same, non-zero number of fp32 and int8 outputs');
  let top1 = 0;
  let top5 = 0;
  const rel: number[] = [];
  const std: number[] = [];
  const margin: number[] = [];
  const distinct = new Set<number>();
  for (let i = 0; i < fp.length; i++) {
    const a = fp[i];
    const b = q[i];
    const k = Math.min(5, a.length);
    const ta = topk(a, k);
    const tb = topk(b, k);
    if (ta[0] === tb[0]) top1++;
    top5 += ta.filter((c) => tb.includes(c)).length / k;
    distinct.add(ta[0]);
    let num = 0;
    let den = 0;
    let mean = 0;
    for (let j = 0; j < a.length; j++) {
      num += (b[j] - a[j]) ** 2;
      den += a[j] ** 2;
      mean += a[j];
    }
    mean /= a.length;
    let v = 0;
    for (let j = 0; j < a.length; j++) v += (a[j] - mean) ** 2;
    const s = Math.sqrt(v / a.length);
    rel.push(den > 0 ? Math.sqrt(num / den) : num > 0 ? Infinity : 0);
    std.push(s);
    margin.push(a.length > 1 && s > 0 ? (a[ta[0]] - a[ta[1]]) / s : 0);
  }
  const n = fp.length;
  return {
    images: n,
    top1_agreement: top1 / n,
    top5_overlap: round(top5 / n, 4),
    rel_logit_error_median: round(median(rel), 5),
    rel_logit_error_max: round(Math.max(...rel), 5),
    fp32_logit_std_median: round(median(std), 5),
    fp32_top1_margin_over_std_median: round(median(margin), 4),
    fp32_distinct_top1: distinct.size,
  };
}

/** agreementMetrics on logits centered by the fp32 mean over the images (the image-dependent part). */
export function centeredAgreementMetrics(fp: Float32Array[], q: Float32Array[]): AgreementMetrics {
  const mean = new Float64Array(fp[0].length);
  for (const z of fp) z.forEach((v, j) => (mean[j] += v / fp.length));
  const center = (z: Float32Array) => Float32Array.from(z, (v, j) => v - mean[j]);
  return agreementMetrics(fp.map(center), q.map(center));
}

async function latency(rt: Runtime, g: Graph, image: Float32Array, runs: number): Promise<number> {
  const m = await compile(rt, g, { tune: 'cached' });
  try {
    await m.run([image]);
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await m.run([image]);
      t.push(performance.now() - s);
    }
    return median(t);
  } finally {
    m.destroy();
  }
}

export interface Int8AgreementOptions {
  spec: ModelSpec;
  images?: number;
  calib?: number;
  method?: CalibrationMethod;
  runs?: number;
  log?: (line: string) => void;
}

export async function int8Agreement(rt: Runtime, o: Int8AgreementOptions): Promise<Record<string, unknown>> {
  const spec: ModelSpec = { ...o.spec, batch: 1 };
  const method = o.method ?? 'percentile';
  if (!['minmax', 'percentile', 'mse'].includes(method)) throw new SlimError(`--method must be minmax, percentile or mse, got '${method}'`);
  const nImages = o.images ?? 16;
  const nCalib = o.calib ?? 4;
  const log = o.log ?? (() => {});
  const fp32 = buildModel(spec);
  const [, res, , ch] = fp32.shape(fp32.inputs[0]);
  // calibration seeds 1..nCalib, evaluation seeds 1001.. (held out)
  const calib = Array.from({ length: nCalib }, (_, i) => [smoothImage(res, ch, 1 + i)]);
  const evalImages = Array.from({ length: nImages }, (_, i) => smoothImage(res, ch, 1001 + i));
  log(`int8_agreement: ${modelLabel(spec)}: calibrating (${nCalib} images, ${method})`);
  const t0 = performance.now();
  const c = await compress(fp32, { quantize: 'int8', calibration: { batches: calib, method }, runtime: rt });
  const compressMs = performance.now() - t0;
  log(`int8_agreement: fp32 logits on ${nImages} images`);
  const zf = await logitsOf(rt, fp32, evalImages);
  log(`int8_agreement: int8 logits on ${nImages} images`);
  const zq = await logitsOf(rt, c.graph, evalImages);
  const metrics = agreementMetrics(zf, zq);
  const cm = centeredAgreementMetrics(zf, zq);
  const centered = {
    top1_agreement_centered: cm.top1_agreement,
    top5_overlap_centered: cm.top5_overlap,
    rel_logit_error_centered_median: cm.rel_logit_error_median,
    rel_logit_error_centered_max: cm.rel_logit_error_max,
    fp32_distinct_top1_centered: cm.fp32_distinct_top1,
    fp32_centered_margin_over_std_median: cm.fp32_top1_margin_over_std_median,
  };
  const runs = o.runs ?? 5;
  log(`int8_agreement: latency, ${runs} runs each`);
  const fpMs = await latency(rt, fp32, evalImages[0], runs);
  const qMs = await latency(rt, c.graph, evalImages[0], runs);
  return {
    suite: 'int8_agreement',
    adapter: rt.ctx.adapter.description || rt.ctx.adapter.architecture,
    model: modelLabel(spec),
    res,
    inputs: INPUT_DESCRIPTION,
    calibration: `${nCalib} held-out images (seeds 1..${nCalib}), method ${method}`,
    eval_seeds: `1001..${1000 + nImages}`,
    ...metrics,
    ...centered,
    fp32_median_ms: round(fpMs),
    int8_median_ms: round(qMs),
    speedup: round(fpMs / qMs),
    latency_runs: runs,
    fp32_model_bytes: c.fp32Bytes,
    int8_model_bytes: c.bytes,
    compression_ratio: round(c.ratio),
    int8_convs: c.report.int8?.int8Convs,
    float_nodes: c.report.int8?.floatNodes,
    compress_ms: round(compressMs, 1),
  };
}
