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
import { worstInt8Layers } from '../src/compress/quant_debug.js';
import { DEFAULT_CALIBRATION, type CalibrationMethod } from '../src/compress/quantize.js';
import { compile } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { buildModel, type ModelSpec } from '../src/models/zoo.js';
import { SlimError } from '../src/runtime/errors.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { median, modelLabel, round } from '../src/models/measure.js';
import { agreementMetrics, centeredAgreementMetrics, smoothImage } from '../src/compress/agreement.js';

export { agreementMetrics, centeredAgreementMetrics, smoothImage, type AgreementMetrics } from '../src/compress/agreement.js';

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
  /** Nagel et al. bias correction (default off). */
  biasCorrection?: boolean;
  /** Per-channel affine activations where only int8 1×1 / depthwise convs and float ops read them (default off). */
  channelAffine?: boolean;
  /** channelAffine also on tensors padded depthwise convs read (per-channel padding; default true). */
  channelAffinePadded?: boolean;
  /** Per-channel scales (zero point −128) on ReLU outputs only int8 convs read (minmax; default off). */
  channelScales?: boolean;
  /** Mixed precision: this many worst layers (isolated SQNR on the calibration images) stay fp32. */
  keepFp32?: number;
  /** Activation equalization before calibration with this α (src/compress/equalize.ts); default off. */
  equalize?: number;
  runs?: number;
  log?: (line: string) => void;
}

export async function int8Agreement(rt: Runtime, o: Int8AgreementOptions): Promise<Record<string, unknown>> {
  const spec: ModelSpec = { ...o.spec, batch: 1 };
  const method = o.method ?? DEFAULT_CALIBRATION;
  if (!['minmax', 'percentile', 'mse'].includes(method)) throw new SlimError(`--method must be minmax, percentile or mse, got '${method}'`);
  const nImages = o.images ?? 16;
  const nCalib = o.calib ?? 16;
  const log = o.log ?? (() => {});
  const fp32 = buildModel(spec);
  const [, res, , ch] = fp32.shape(fp32.inputs[0]);
  // calibration seeds 1..nCalib, evaluation seeds 1001.. (held out)
  const calib = Array.from({ length: nCalib }, (_, i) => [smoothImage(res, ch, 1 + i)]);
  const evalImages = Array.from({ length: nImages }, (_, i) => smoothImage(res, ch, 1001 + i));
  log(`int8_agreement: ${modelLabel(spec)}: calibrating (${nCalib} images, ${method})`);
  const t0 = performance.now();
  const biasCorrection = o.biasCorrection ?? false;
  const equalize = o.equalize;
  const channelAffine = o.channelAffine ?? false;
  const channelAffinePadded = o.channelAffinePadded ?? true;
  const perChannel = o.channelScales ?? false;
  if (perChannel && method !== 'minmax') throw new SlimError('--channel-scales calibrates per channel with --method minmax');
  const keepFloat = await worstInt8Layers(rt, fp32, calib.slice(0, 4), o.keepFp32 ?? 0, {
    method,
    biasCorrection,
    equalize,
    channelAffine,
    channelAffinePadded,
    perChannel,
  });
  if (keepFloat.length) log(`int8_agreement: kept in fp32: ${keepFloat.join(', ')}`);
  const c = await compress(fp32, {
    quantize: 'int8',
    calibration: { batches: calib, method, biasCorrection, keepFloat, equalize, channelAffine, channelAffinePadded, perChannel },
    runtime: rt,
  });
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
    calibration: `${nCalib} held-out images (seeds 1..${nCalib}), method ${method}, bias correction ${biasCorrection ? 'on' : 'off'}, per-channel affine activations ${channelAffine ? (channelAffinePadded ? 'on' : 'unpadded') : 'off'}, per-channel scales ${perChannel ? 'on' : 'off'}, equalization ${equalize === undefined ? 'off' : `alpha ${equalize} (${c.report.equalized} tensors)`}`,
    kept_fp32: keepFloat,
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
