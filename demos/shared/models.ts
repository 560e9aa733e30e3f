// A shipped checkpoint on the kernels it was trained for — what `slimgpu eval` runs (src/train/export.ts):
// int8 (a --qat int8 checkpoint) → conv2d_int8 with activations calibrated on 512 training images (the CLI's
// seeded choice, minmax as slimgpu eval), binary → conv2d_xnor, block-pruned → conv2d_bsr, filter-pruned → the thinned model,
// otherwise fp32 with batch-norm folded. Page-side copy of exportTrained (that module imports node-only code).

import { compress, modelBytes, type CompressOptions } from '../../src/compress/compress.js';
import type { Graph } from '../../src/graph/ir.js';
import { buildModel, type ModelSpec } from '../../src/models/zoo.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { epochOrder, fillBatch, NO_AUGMENT } from '../../src/io/fashion_mnist_codec.js';
import { applyWeights, checkpointWeights, type Checkpoint } from '../../src/train/checkpoint_codec.js';
import { loadSplit } from './data.js';

export interface Exported {
  graph: Graph;
  precision: 'fp32' | 'int8' | 'binary';
  sparse: string | null;
  thinned: number | null;
  modelBytes: number;
  fp32Bytes: number;
}

/** Calibration batches as the CLI picks them: the first `count` of epochOrder(train.n, 0, 0), whole batches. */
export async function calibrationBatches(count: number, batch: number): Promise<Float32Array[][]> {
  const train = await loadSplit('train');
  const order = epochOrder(train.n, 0, 0);
  const out: Float32Array[][] = [];
  const labels = new Float32Array(batch);
  for (let start = 0; start < Math.min(count, train.n); start += batch) {
    const images = new Float32Array(batch * 784);
    fillBatch(
      train,
      Array.from({ length: batch }, (_, b) => order[(start + b) % train.n]),
      NO_AUGMENT,
      0,
      images,
      labels,
    );
    out.push([images]);
  }
  return out;
}

export async function exportCheckpoint(rt: Runtime, ck: Checkpoint, batch: number, peer = 0, calib = 512): Promise<Exported> {
  const spec = { ...(ck.meta.model as ModelSpec), batch };
  const qat = (ck.meta.qat ?? 'none') as 'none' | 'int8' | 'binary';
  const prune = ck.meta.prune as { block?: [number, number]; filters?: 'l1' | 'l2' } | null;
  const ratio = (ck.meta.prune_state as { ratio: number } | null)?.ratio ?? 0;
  const model = buildModel(spec);
  applyWeights(model, checkpointWeights(ck, peer), 'checkpoint');
  const fp32Bytes = modelBytes(model);
  const precision = qat === 'int8' ? 'int8' : qat === 'binary' ? 'binary' : 'fp32';
  const thin = prune?.filters && ratio > 0 ? { ratio, norm: prune.filters } : undefined;
  const sparse = precision === 'fp32' && prune?.block ? prune.block : undefined;
  if (precision === 'fp32' && !sparse && !thin)
    return { graph: model, precision, sparse: null, thinned: null, modelBytes: fp32Bytes, fp32Bytes };
  const opts: CompressOptions = thin ? { filterPrune: thin } : {};
  if (sparse) opts.sparse = { block: sparse };
  else if (precision === 'binary') opts.quantize = 'binary';
  else if (precision === 'int8')
    Object.assign(opts, {
      quantize: 'int8',
      runtime: rt,
      calibration: { batches: await calibrationBatches(calib, batch), method: 'minmax' },
    });
  const c = await compress(model, opts);
  return {
    graph: c.graph,
    precision,
    sparse: sparse ? sparse.join('x') : null,
    thinned: thin ? ratio : null,
    modelBytes: c.bytes,
    fp32Bytes: c.fp32Bytes,
  };
}
