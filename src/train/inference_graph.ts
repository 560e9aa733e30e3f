// Trained weights → the inference kernels they were trained for, for `slimgpu eval`: compress() of the zoo model
// holding a checkpoint's weights.
//
//   as-trained  the training forward in inference form on the float kernels (emulationGraph: fake-quantized or
//               sign/α·sign layers), what `train` reports as test_accuracy.
//   fp32        the float model (batch-norm folded); with `sparse`, weights pruned in blocks during training run on
//               conv2d_bsr with exactly their zero blocks dropped.
//   int8        post-training quantization (compress int8) with calibration on training images. Weights trained with
//               --qat int8 quantize to the very integers they were trained with: fake_quant and the int8 converter
//               are both symmetric per output channel, and batch-norm folding scales a channel, not its grid.
//   thin        (with any of the above) filters removed during training (--prune-filters) are removed physically:
//               compress's filter pruning with the ratio training reached plans the same channels (a removed filter
//               has norm 0), and the thinned model computes what the masked one did.
//   binary      the XNOR converter: the layers binary training binarized (binaryConvNodes) on conv2d_xnor, sign(x)
//               and α·sign(W) with α = mean|W| per output channel, as trained (no activation scale K).

import type { Graph } from '../graph/ir.js';
import { compress, modelBytes, type CompressedModel, type CompressOptions } from '../compress/compress.js';
import type { FilterNorm } from '../compress/prune.js';
import { DEFAULT_CALIBRATION, type CalibrationMethod } from '../compress/quantize.js';
import { epochOrder, fillBatch, NO_AUGMENT, type Split } from '../io/fashion_mnist.js';
import { buildModel, type ModelSpec } from '../models/zoo.js';
import type { BlockShape } from '../ops/block_sparse.js';
import { check, SlimError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Qat } from './autodiff.js';
import { applyWeights } from './checkpoint.js';
import { emulationGraph } from './scoring.js';

export const INFERENCE_PRECISIONS = ['as-trained', 'fp32', 'int8', 'binary'] as const;
export type InferencePrecision = (typeof INFERENCE_PRECISIONS)[number];

export interface InferenceGraphOptions {
  precision: InferencePrecision;
  /** The block shape the weights were pruned with: run the pruned layers on conv2d_bsr (fp32 only). */
  sparse?: BlockShape;
  /** Filters pruned during training (ratio reached, norm): remove them physically (a thinned model). */
  thin?: { ratio: number; norm: FilterNorm };
  /** int8: calibration images (the first `count` of a seeded shuffle of `split`). */
  calibration?: { split: Split; count: number; method?: CalibrationMethod };
}

export interface InferenceGraph {
  graph: Graph;
  info: {
    precision: InferencePrecision;
    sparse: string | null;
    thinned?: number | null;
    macs?: number;
    fp32_macs?: number;
    model_bytes: number;
    fp32_model_bytes: number;
    compression_ratio: number;
    /** int8: images the calibration ran on (whole batches). */
    calibration_images?: number;
    report?: CompressedModel['report'];
  };
}

/** Calibration batches of the model's batch size: the first `count` images of a seeded shuffle of the split, the
 *  last batch filled up with the following ones (so ⌈count / batch⌉ whole batches). */
export function calibrationBatches(split: Split, count: number, batch: number): Float32Array[][] {
  check(Number.isInteger(count) && count >= 1, `calibration needs at least one image (got ${count})`);
  const order = epochOrder(split.n, 0, 0);
  const px = split.rows * split.cols;
  const out: Float32Array[][] = [];
  const labels = new Float32Array(batch);
  for (let start = 0; start < Math.min(count, split.n); start += batch) {
    const images = new Float32Array(batch * px);
    const idx = Array.from({ length: batch }, (_, b) => order[(start + b) % split.n]);
    fillBatch(split, idx, NO_AUGMENT, 0, images, labels);
    out.push([images]);
  }
  return out;
}

export async function inferenceGraph(
  rt: Runtime,
  spec: ModelSpec,
  weights: Map<string, Float32Array>,
  qat: Qat,
  batch: number,
  o: InferenceGraphOptions,
): Promise<InferenceGraph> {
  if (!(INFERENCE_PRECISIONS as readonly string[]).includes(o.precision))
    throw new SlimError(`precision must be one of ${INFERENCE_PRECISIONS.join(', ')} (got '${o.precision}')`);
  check(
    !o.sparse || o.precision === 'fp32',
    `block-sparse kernels run fp32 weights, not ${o.precision} (the int8 and XNOR kernels are dense)`,
  );
  const model = buildModel({ ...spec, batch });
  applyWeights(model, weights, 'inference graph');
  const fp32Bytes = modelBytes(model);
  const plain = (graph: Graph): InferenceGraph => ({
    graph,
    info: {
      precision: o.precision,
      sparse: null,
      thinned: null,
      model_bytes: fp32Bytes,
      fp32_model_bytes: fp32Bytes,
      compression_ratio: 1,
    },
  });
  if (o.precision === 'as-trained') return plain(emulationGraph(model, qat));
  if (o.precision === 'fp32' && !o.sparse && !o.thin) return plain(model);
  let calibrationImages: number | undefined;
  const opts: CompressOptions = o.thin ? { filterPrune: o.thin } : {};
  if (o.precision === 'fp32' && o.sparse) opts.sparse = { block: o.sparse };
  else if (o.precision === 'binary') opts.quantize = 'binary';
  else if (o.precision === 'int8') {
    check(!!o.calibration, 'int8 inference needs calibration images');
    const batches = calibrationBatches(o.calibration.split, o.calibration.count, batch);
    calibrationImages = batches.length * batch;
    Object.assign(opts, { quantize: 'int8', runtime: rt, calibration: { batches, method: o.calibration.method ?? DEFAULT_CALIBRATION } });
  }
  const c = await compress(model, opts);
  return {
    graph: c.graph,
    info: {
      precision: o.precision,
      sparse: o.sparse ? o.sparse.join('x') : null,
      thinned: o.thin ? o.thin.ratio : null,
      macs: c.graph.macs(),
      fp32_macs: model.macs(),
      model_bytes: c.bytes,
      fp32_model_bytes: c.fp32Bytes,
      compression_ratio: Number(c.ratio.toFixed(3)),
      ...(calibrationImages ? { calibration_images: calibrationImages } : {}),
      report: c.report,
    },
  };
}
