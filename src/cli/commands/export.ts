// slimgpu export: a model, compressed or not, as an ONNX file that onnxruntime loads: int8 → QDQ
// (QuantizeLinear/DequantizeLinear around Conv, per-channel int8 weights), block-sparse → the dense convs they
// compute, filter-pruned → the thinned dense model (io/onnx/export.ts exportCompressed).

import { readFileSync, writeFileSync } from 'node:fs';
import { checkBlockFor, compress, modelBytes, type CompressOptions } from '../../compress/compress.js';
import type { Graph } from '../../graph/ir.js';
import { loadSplit } from '../../io/fashion_mnist.js';
import { exportCompressed, exportOnnx } from '../../io/onnx/export.js';
import { importOnnx } from '../../io/onnx/import.js';
import { parseBlockShape } from '../../ops/block_sparse.js';
import { buildModel } from '../../models/zoo.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import { readCheckpointHeader } from '../../train/checkpoint.js';
import { calibrationBatches } from '../../train/inference_graph.js';
import {
  checkCheckpointTensors,
  checkModelSize,
  checkpointModel,
  checkpointSpec,
  MODEL_FLAGS,
  oneModelSource,
  specFromFlags,
} from '../checks.js';
import { parseOrHelp, UsageError, type CommandSpec } from '../flags.js';
import { imageBatches } from './quant_debug.js';
import { checkDataset } from './train.js';

export const EXPORT: CommandSpec = {
  name: 'export',
  summary: 'write a model (fp32, int8 as QDQ, block-sparse or filter-pruned as dense) as an ONNX file',
  flags: {
    model: { ...MODEL_FLAGS.model, required: false, help: 'zoo model (seeded weights)' },
    alpha: MODEL_FLAGS.alpha,
    res: MODEL_FLAGS.res,
    groups: MODEL_FLAGS.groups,
    scale: MODEL_FLAGS.scale,
    phi: MODEL_FLAGS.phi,
    seed: MODEL_FLAGS.seed,
    onnx: { type: 'string', arg: 'FILE', file: 'in', help: 'an ONNX model to compress' },
    ckpt: { type: 'string', arg: 'FILE', file: 'in', help: 'a checkpoint of slimgpu train (int8 calibrates on Fashion-MNIST)' },
    'data-dir': { type: 'string', arg: 'DIR', file: 'dir', help: 'Fashion-MNIST folder for --ckpt --precision int8' },
    precision: { type: 'string', choices: ['fp32', 'int8'], default: 'fp32', help: 'fp32, or int8 (written as QDQ)' },
    sparsity: { type: 'number', min: 0, max: 0.99, help: 'prune this fraction of weight blocks (written dense)' },
    block: { type: 'string', arg: 'RxC', default: '4x4', help: 'block shape for --sparsity' },
    filters: { type: 'number', min: 0, max: 0.95, help: 'remove this fraction of conv filters (structured pruning)' },
    calib: { type: 'int', min: 1, max: 60000, help: 'int8 calibration images (default 16; 64 for --ckpt)' },
    out: { type: 'string', arg: 'FILE', file: 'out', required: true, help: 'the ONNX file to write' },
    json: { type: 'boolean', help: 'print what was written as JSON' },
  },
  examples: [
    'slimgpu export --model mobilenet_v1 --precision int8 --out mnv1_int8.onnx',
    'slimgpu export --ckpt models/teacher.safetensors --precision int8 --out teacher_int8.onnx',
  ],
};

export async function exportCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(EXPORT, argv);
  if (!p) return 0;
  const { flags, given } = p;
  const source = oneModelSource('export', given);
  if (typeof flags.out !== 'string') throw new UsageError('export: --out FILE is required');
  if (given.has('block') && !given.has('sparsity')) throw new UsageError('export: --block sets the block shape of --sparsity S');
  const int8 = flags.precision === 'int8';
  if (given.has('calib') && !int8) throw new UsageError('export: --calib calibrates --precision int8');
  if (given.has('data-dir') && source !== 'ckpt') throw new UsageError('export: --data-dir is for --ckpt');
  const opts: CompressOptions = {};
  if (int8) opts.quantize = 'int8';
  if (flags.sparsity !== undefined) {
    const block = parseBlockShape(String(flags.block), '--block', '4x4 (rows x cols)');
    checkBlockFor(int8 ? 'int8' : 'fp32', block, '--block');
    opts.prune = { sparsity: flags.sparsity as number, block };
  }
  if (flags.filters !== undefined) opts.filterPrune = { ratio: flags.filters as number };

  let model: Graph;
  let calib: Float32Array[][] | undefined;
  if (source === 'ckpt') {
    const file = flags.ckpt as string;
    const header = readCheckpointHeader(file);
    const spec = checkpointSpec(header, '--ckpt', file);
    checkCheckpointTensors(header, spec, 0, `--ckpt ${file}`);
    const dir = checkDataset({ 'data-dir': flags['data-dir'] });
    model = checkpointModel(file, spec, 1, 'exporting');
    if (int8) calib = calibrationBatches(loadSplit(dir, 'train'), (flags.calib as number | undefined) ?? 64, 1);
  } else {
    if (source === 'model') {
      const spec = { ...specFromFlags(flags), batch: 1 };
      checkModelSize(spec, 'inference');
      model = buildModel(spec);
    } else model = importOnnx(new Uint8Array(readFileSync(flags.onnx as string))).graph;
    if (int8) calib = imageBatches(model.shape(model.inputs[0]), (flags.calib as number | undefined) ?? 16, 1);
  }
  let bytes: Uint8Array;
  let info: Record<string, unknown>;
  if (!opts.quantize && !opts.prune && !opts.filterPrune) {
    bytes = exportOnnx(model);
    info = { precision: 'fp32', model_bytes: modelBytes(model) };
  } else {
    const rt = opts.quantize || opts.prune ? await Runtime.create() : undefined;
    try {
      const c = await compress(model, { ...opts, runtime: rt, ...(calib ? { calibration: { batches: calib } } : {}) });
      bytes = exportCompressed(c);
      info = {
        precision: flags.precision,
        ...(opts.prune ? { sparsity: opts.prune.sparsity, block: flags.block } : {}),
        ...(opts.filterPrune ? { filters: opts.filterPrune.ratio } : {}),
        model_bytes: c.bytes,
        fp32_model_bytes: c.fp32Bytes,
        compression_ratio: Number(c.ratio.toFixed(3)),
        ...(c.report.calibration ? { calibration: c.report.calibration } : {}),
      };
    } finally {
      rt?.destroy();
    }
  }
  try {
    writeFileSync(flags.out, bytes);
  } catch (e) {
    throw new SlimError(`cannot write --out ${flags.out}: ${(e as Error).message}`);
  }
  const out = { out: flags.out, onnx_bytes: bytes.length, ...info };
  if (flags.json) console.log(JSON.stringify(out, null, 2));
  else
    console.log(
      `wrote ${flags.out}: ${bytes.length} bytes (${flags.precision}${opts.prune ? `, block-sparse ${opts.prune.sparsity} as dense` : ''})`,
    );
  return 0;
}
