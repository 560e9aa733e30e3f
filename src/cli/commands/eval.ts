// slimgpu eval: test accuracy of a checkpoint written by `slimgpu train --out`, on the inference graph of the
// kernels it was trained for (train/inference_graph.ts). Defaults follow how it was trained: --qat int8 → int8
// kernels, --qat binary → XNOR kernels, otherwise fp32 (batch-norm folded), on the block-sparse kernels when it was
// pruned with --prune-block, thinned (the removed filters gone) when it was pruned with --prune-filters; --dense keeps
// the pruned layers dense. `--precision int8` on a float checkpoint is post-training quantization, calibrated on
// --calib training images (rounded up to whole batches). The checkpoint's header is read and checked (schema, size,
// --peer) before its tensors; weights holding NaN or Inf are refused.
// ckpt may also be a shipped model (models/*.safetensors, see train/checkpoint.ts). --predictions FILE writes one
// JSON line per test image, in test-set order: {"i": index, "label": true class, "pred": predicted class, "logits":
// [10 numbers]} (what the study compares for agreement with a teacher or peer).

import { limitSplit, loadSplit } from '../../io/fashion_mnist.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import { writeFileSync } from 'node:fs';
import { checkpointWeights, loadCheckpoint, readCheckpointHeader } from '../../train/checkpoint.js';
import { argmax, scoreGraph } from '../../train/scoring.js';
import { INFERENCE_PRECISIONS, inferenceGraph, type InferencePrecision } from '../../train/inference_graph.js';
import { buildModel } from '../../models/zoo.js';
import type { CalibrationMethod } from '../../compress/quantize.js';
import {
  checkCheckpointTensors,
  checkDeviceLimits,
  checkFashionMnistInput,
  checkModelSize,
  checkpointSpec,
  describeNonFinite,
  MODEL_FLAGS,
  nonFinite,
  withDefault,
} from '../checks.js';
import { parseOrHelp, type CommandSpec } from '../flags.js';
import { progressReporter } from '../progress.js';
import { checkDataset, DATA_FLAGS, QUIET_FLAG } from './train.js';

export const EVAL: CommandSpec = {
  name: 'eval',
  summary: 'test accuracy of a checkpoint on the kernels it exports to (fp32, int8, XNOR, block-sparse)',
  flags: {
    ckpt: {
      type: 'string',
      arg: 'FILE',
      file: 'in',
      required: true,
      help: 'checkpoint written by slimgpu train --out, or a shipped model (models/*.safetensors)',
    },
    ...DATA_FLAGS,
    peer: { type: 'int', min: 0, max: 7, default: 0, help: 'which model of a --mutual checkpoint' },
    batch: withDefault(MODEL_FLAGS.batch, 100),
    precision: {
      type: 'string',
      choices: INFERENCE_PRECISIONS,
      help: 'kernels to score on (default as-trained: int8 after --qat int8, binary after --qat binary, else fp32)',
    },
    sparse: { type: 'boolean', help: 'block-sparse kernels (the default for a checkpoint pruned with --prune-block)' },
    dense: { type: 'boolean', help: 'dense kernels for a pruned checkpoint' },
    calib: { type: 'int', min: 1, max: 60000, default: 512, help: 'training images that calibrate --precision int8' },
    'calib-method': {
      type: 'string',
      choices: ['percentile', 'minmax', 'mse'],
      default: 'minmax',
      help: 'int8 calibration of activation ranges (slimgpu quant-debug compares them)',
    },
    predictions: {
      type: 'string',
      arg: 'FILE',
      file: 'out',
      help: 'write one JSON line per test image: index, label, predicted class, logits',
    },
    quiet: QUIET_FLAG,
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  examples: ['slimgpu eval --ckpt small.ckpt', 'slimgpu eval --ckpt small.ckpt --precision int8 --calib 1024 --json'],
};

export async function evalCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(EVAL, argv);
  if (!p) return 0;
  const { flags, given } = p;
  const file = flags.ckpt as string | undefined;
  if (file === undefined) throw new SlimError('eval: --ckpt FILE is required (see slimgpu eval --help)');
  if (flags.sparse && flags.dense) throw new SlimError('--sparse and --dense are alternatives');
  const dir = checkDataset(flags);
  const header = readCheckpointHeader(file);
  const spec = checkpointSpec(header, '--ckpt', file);
  const { qat, prune, prune_state: pruneState } = header.meta;
  const peer = flags.peer as number;
  // --peer 0 names the only model of a plain/KD run (what a caller iterating over peers passes); K ≥ 1 is an error
  if (given.has('peer') && peer > 0 && header.meta.mode !== 'dml')
    throw new SlimError(`--peer: ${file} holds one model (a ${header.meta.mode} run); --peer picks one of a --mutual run's`);
  if (peer >= header.meta.peers)
    throw new SlimError(`--peer ${peer}: ${file} holds ${header.meta.peers} models (0 to ${header.meta.peers - 1})`);
  const pruneBlock = prune?.block ?? null;
  const thin =
    !flags.dense && prune?.filters && pruneState && pruneState.ratio > 0 ? { ratio: pruneState.ratio, norm: prune.filters } : undefined;
  const asTrained: InferencePrecision = qat === 'int8' ? 'int8' : qat === 'binary' ? 'binary' : 'fp32';
  const precision = (flags.precision === undefined || flags.precision === 'as-trained' ? asTrained : flags.precision) as InferencePrecision;
  if (flags.sparse && !pruneBlock)
    throw new SlimError(`--sparse: checkpoint ${file} was not pruned in blocks (train with --prune S --prune-block RxC)`);
  if (flags.dense && !prune) throw new SlimError(`--dense: checkpoint ${file} was not pruned (it is dense already)`);
  const sparse = !flags.dense && precision === 'fp32' && pruneBlock ? pruneBlock : undefined;
  if (flags.sparse && !sparse) throw new SlimError(`--sparse runs fp32 block-sparse kernels, not --precision ${precision}`);
  if (given.has('calib') || given.has('calib-method')) {
    if (precision !== 'int8') throw new SlimError(`--calib and --calib-method calibrate --precision int8 (this run is ${precision})`);
  }
  const method = flags['calib-method'] as CalibrationMethod;
  const batch = flags.batch as number;
  checkFashionMnistInput(spec, `--ckpt ${file}: model`);
  const size = checkModelSize({ ...spec, batch }, 'inference', `--ckpt ${file}: ${spec.model}`);
  checkCheckpointTensors(header, spec, peer, `--ckpt ${file}`);

  const ck = loadCheckpoint(file);
  const weights = checkpointWeights(ck, peer);
  const bad = nonFinite(weights);
  if (bad.length) throw new SlimError(`${describeNonFinite(bad, file)}: scoring them would be meaningless`);
  const test = limitSplit(loadSplit(dir, 't10k'), flags['test-limit'] as number | undefined);
  const calib = flags.calib as number;
  const rt = await Runtime.create();
  try {
    checkDeviceLimits(size, rt.ctx.limits, `--ckpt ${file}: ${spec.model}`);
    const t0 = performance.now();
    const calibration = precision === 'int8' ? { split: loadSplit(dir, 'train'), count: calib, method } : undefined;
    const inference = await inferenceGraph(rt, spec, weights, qat, batch, { precision, sparse, thin, calibration });
    const progress = progressReporter('eval', { quiet: !!flags.quiet });
    progress.line(
      `eval: scoring ${test.n} test images (${precision}${sparse ? `, block-sparse ${sparse.join('x')}` : ''}, batch ${batch})`,
    );
    const {
      accuracy: acc,
      seconds: scoring,
      logits,
    } = await scoreGraph(rt, inference.graph, test, {
      keepLogits: typeof flags.predictions === 'string',
      onBatch: (done, total) => progress.update(done, total, 'images'),
    });
    progress.end();
    if (logits) writePredictions(flags.predictions as string, logits, test.labels);
    const s = (performance.now() - t0) / 1000;
    const out = {
      ckpt: file,
      model: spec.model,
      mode: ck.meta.mode,
      qat,
      peer,
      step: ck.meta.step,
      test_examples: test.n,
      test_accuracy: acc,
      ...inference.info,
      ...(precision === 'int8' ? { calibration_method: method } : {}),
      params: buildModel({ ...spec, batch: 1 }).paramCount(),
      images_per_s: Number((test.n / scoring).toFixed(1)),
      seconds: Number(s.toFixed(1)), // images_per_s: the scoring batches (data, upload, graph, read-back); seconds: all
    };
    if (flags.json) console.log(JSON.stringify(out, null, 2));
    else
      console.log(
        `${spec.model} (${precision}${sparse ? `, block-sparse ${sparse.join('x')}` : ''}) test_accuracy ${acc.toFixed(4)} on ${test.n} images`,
      );
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
