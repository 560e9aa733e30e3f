// Agreement of a compressed model with the float model it came from, and the seeded inputs that measure it
// (shared by `bench --suite int8_agreement` and `slimgpu quant-debug`).
//
// Zoo models have seeded random weights, so the inputs are seeded *smooth* images (white noise drives a random-weight
// network to nearly the same logits for every image). A deep random network still maps every image to nearly the
// same logit vector, so the metrics are also given on *centered* logits, z − mean over the images of z_fp32 (the
// same vector subtracted from both): agreement on the image-dependent part, the stricter figure.

import { seededRandom } from '../models/builder.js';
import { median, round } from '../models/measure.js';
import { SlimError } from '../runtime/errors.js';

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
