// slimgpu eval --ckpt FILE --dataset fashion-mnist [--peer K] [--test-limit N] [--batch B]
//              [--precision as-trained|fp32|int8|binary] [--sparse | --dense] [--calib N] [--calib-method M]
//              [--predictions FILE] [--json]
// FILE may be a training checkpoint or a shipped model (models/*.safetensors, see train/checkpoint.ts).
// --predictions FILE writes one JSON line per test image, in test-set order: {"i": index, "label": true class,
// "pred": predicted class, "logits": [10 numbers]} (what the study compares for agreement with a teacher or peer).
// Test accuracy of a checkpoint written by `slimgpu train --out`, on the inference graph of the kernels it was trained for (train/inference_graph.ts).
// Defaults follow how it was trained: --qat int8 → int8 kernels, --qat binary → XNOR kernels, otherwise fp32
// (batch-norm folded), on the block-sparse kernels when it was pruned with --prune-block, thinned (the removed filters
// gone) when it was pruned with --prune-filters; --dense keeps the pruned layers dense. `--precision int8` on a
// float checkpoint is post-training quantization, calibrated on --calib training images (default 512,
// rounded up to whole batches).

import { limitSplit, loadSplit } from '../../io/fashion_mnist.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import { checkpointWeights, loadCheckpoint } from '../../train/checkpoint.js';
import { argmax, scoreGraph } from '../../train/scoring.js';
import { INFERENCE_PRECISIONS, inferenceGraph, type InferencePrecision } from '../../train/inference_graph.js';
import { buildModel } from '../../models/zoo.js';
import type { CalibrationMethod } from '../../compress/quantize.js';
import { parseArgs, positiveInt } from '../args.js';
import { writeFileSync } from 'node:fs';
import { checkDataset, DATA_FLAGS } from './train.js';

export async function evalCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, {
    ...DATA_FLAGS, ckpt: 'string', peer: 'int', batch: 'int', precision: 'string', sparse: 'boolean', dense: 'boolean', calib: 'int', 'calib-method': 'string', predictions: 'string', json: 'boolean',
  });
  if (positional.length) throw new SlimError(`unexpected argument '${positional[0]}'`);
  if (typeof flags.ckpt !== 'string') throw new SlimError('--ckpt FILE is required');
  if (flags.sparse && flags.dense) throw new SlimError('--sparse and --dense are alternatives');
  const dir = checkDataset(flags);
  const ck = loadCheckpoint(flags.ckpt);
  const { model: spec, qat, prune, prune_state: pruneState } = ck.meta;
  const pruneBlock = prune?.block ?? null;
  const thin = !flags.dense && prune?.filters && pruneState && pruneState.ratio > 0 ? { ratio: pruneState.ratio, norm: prune.filters } : undefined;
  const precision = (flags.precision ?? (qat === 'int8' ? 'int8' : qat === 'binary' ? 'binary' : 'fp32')) as InferencePrecision;
  if (!(INFERENCE_PRECISIONS as readonly string[]).includes(precision)) throw new SlimError(`--precision must be one of ${INFERENCE_PRECISIONS.join(', ')} (got '${precision}')`);
  if (flags.sparse && !pruneBlock) throw new SlimError(`--sparse: checkpoint ${flags.ckpt} was not pruned in blocks (train with --prune S --prune-block RxC)`);
  const sparse = !flags.dense && precision === 'fp32' && pruneBlock ? pruneBlock : undefined;
  if (flags.sparse && !sparse) throw new SlimError(`--sparse runs fp32 block-sparse kernels, not --precision ${precision}`);
  const method = (flags['calib-method'] ?? 'percentile') as CalibrationMethod;
  if (!['percentile', 'minmax', 'mse'].includes(method)) throw new SlimError(`--calib-method must be percentile, minmax or mse (got '${method}')`);
  const peer = (flags.peer as number | undefined) ?? 0;
  const weights = checkpointWeights(ck, peer);
  const test = limitSplit(loadSplit(dir, 't10k'), flags['test-limit'] as number | undefined);
  const batch = positiveInt(flags, 'batch', 100, 4096);
  const calib = positiveInt(flags, 'calib', 512, 60000);
  const rt = await Runtime.create();
  try {
    const t0 = performance.now();
    const calibration = precision === 'int8' ? { split: loadSplit(dir, 'train'), count: calib, method } : undefined;
    const inference = await inferenceGraph(rt, spec, weights, qat, batch, { precision, sparse, thin, calibration });
    const { accuracy: acc, seconds: scoring, logits } = await scoreGraph(rt, inference.graph, test, { keepLogits: typeof flags.predictions === 'string' });
    if (logits) writePredictions(flags.predictions as string, logits, test.labels);
    const s = (performance.now() - t0) / 1000;
    const out = {
      ckpt: flags.ckpt, model: spec.model, mode: ck.meta.mode, qat, peer, step: ck.meta.step, test_examples: test.n, test_accuracy: acc,
      ...inference.info, ...(precision === 'int8' ? { calibration_method: method } : {}),
      params: buildModel({ ...spec, batch: 1 }).paramCount(), images_per_s: Number((test.n / scoring).toFixed(1)), seconds: Number(s.toFixed(1)), // images_per_s: the scoring batches (data, upload, graph, read-back); seconds: all
    };
    if (flags.json) console.log(JSON.stringify(out, null, 2));
    else console.log(`${spec.model} (${precision}${sparse ? `, block-sparse ${sparse.join('x')}` : ''}) test_accuracy ${acc.toFixed(4)} on ${test.n} images`);
  } finally {
    rt.destroy();
  }
  return 0;
}

/** One JSON line per image: index, true label, predicted class, logits (rounded to 6 significant digits). */
function writePredictions(file: string, logits: Float32Array, labels: Uint8Array): void {
  const c = logits.length / labels.length;
  const lines: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from(logits.subarray(i * c, (i + 1) * c), (v) => Number(v.toPrecision(6)));
    lines.push(JSON.stringify({ i, label: labels[i], pred: argmax(logits, i * c, c), logits: row }));
  }
  try {
    writeFileSync(file, lines.join('\n') + '\n');
  } catch (e) {
    throw new SlimError(`cannot write --predictions ${file}: ${(e as Error).message}`);
  }
}
