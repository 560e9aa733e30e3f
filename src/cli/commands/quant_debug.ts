// slimgpu quant-debug: per-layer error of post-training int8 quantization (src/compress/quant_debug.ts) for a zoo
// model (seeded smooth images), an ONNX file (seeded smooth images of its input shape) or a checkpoint
// (Fashion-MNIST: calibration on training images, errors on test images).

import { readFileSync } from 'node:fs';
import { smoothImage } from '../../compress/agreement.js';
import { quantDebug, worstInt8Layers, type QuantDebugReport } from '../../compress/quant_debug.js';
import type { CalibrationMethod } from '../../compress/quantize.js';
import type { Graph } from '../../graph/ir.js';
import { limitSplit, loadSplit } from '../../io/fashion_mnist.js';
import { importOnnx } from '../../io/onnx/import.js';
import { seededRandom } from '../../models/builder.js';
import { buildModel } from '../../models/zoo.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import { readCheckpointHeader } from '../../train/checkpoint.js';
import { calibrationBatches } from '../../train/inference_graph.js';
import {
  checkCheckpointTensors,
  checkDeviceLimits,
  checkFashionMnistInput,
  checkModelSize,
  checkpointModel,
  checkpointSpec,
  INT8_CALIBRATION_FLAGS,
  MODEL_FLAGS,
  oneModelSource,
  specFromFlags,
} from '../checks.js';
import { parseOrHelp, UsageError, type CommandSpec } from '../flags.js';
import { checkDataset } from './train.js';

export const QUANT_DEBUG: CommandSpec = {
  name: 'quant-debug',
  summary: 'per-layer int8 error (SQNR, cosine, clipping, weight error) of a model, to find where int8 loses the signal',
  flags: {
    model: { ...MODEL_FLAGS.model, required: false, help: 'zoo model (seeded weights; smooth seeded images)' },
    alpha: MODEL_FLAGS.alpha,
    res: MODEL_FLAGS.res,
    groups: MODEL_FLAGS.groups,
    scale: MODEL_FLAGS.scale,
    phi: MODEL_FLAGS.phi,
    seed: MODEL_FLAGS.seed,
    onnx: { type: 'string', arg: 'FILE', file: 'in', help: 'an ONNX model (smooth seeded images of its input shape)' },
    ckpt: { type: 'string', arg: 'FILE', file: 'in', help: 'a checkpoint of slimgpu train (Fashion-MNIST images)' },
    'data-dir': { type: 'string', arg: 'DIR', file: 'dir', help: 'Fashion-MNIST folder for --ckpt' },
    calib: { type: 'int', min: 1, max: 60000, help: 'calibration images (default 4; 512 for --ckpt)' },
    images: { type: 'int', min: 1, max: 10000, help: 'evaluation images, disjoint from calibration (default 16; 1000 for --ckpt)' },
    method: {
      type: 'string',
      choices: ['percentile', 'minmax', 'mse'],
      default: 'minmax',
      help: 'activation range calibration',
    },
    'per-channel': { type: 'boolean', help: 'every output channel weight error [max, mean] in the JSON' },
    ...INT8_CALIBRATION_FLAGS,
    json: { type: 'boolean', help: 'print the report as JSON' },
  },
  notes: [
    "isolated: the int8 layer fed the fp32 model's input activations; chain: the int8 model's tensor (accumulated",
    'error); sqnr_centered_db: the image-dependent part only (per-element mean over the images removed).',
  ],
  examples: [
    'slimgpu quant-debug --model mobilenet_v1 --res 128 --json',
    'slimgpu quant-debug --ckpt models/teacher.safetensors --calib 256 --images 500',
  ],
};

/** Batches of seeded smooth images for a 4-D NHWC input (seeded uniform [-1, 1] otherwise). */
export function imageBatches(shape: number[], count: number, firstSeed: number): Float32Array[][] {
  const [n, h, w, c] = shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const out: Float32Array[][] = [];
  for (let i = 0; i < Math.ceil(count / (n || 1)); i++) {
    const batch = new Float32Array(size);
    for (let b = 0; b < n; b++) {
      const seed = firstSeed + i * n + b;
      if (shape.length === 4 && h === w) batch.set(smoothImage(h, c, seed), b * h * w * c);
      else {
        const r = seededRandom(seed);
        for (let k = b * (size / n); k < (b + 1) * (size / n); k++) batch[k] = r() * 2 - 1;
      }
    }
    out.push([batch]);
  }
  return out;
}

export async function quantDebugCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(QUANT_DEBUG, argv);
  if (!p) return 0;
  const { flags, given } = p;
  const source = oneModelSource('quant-debug', given);
  if (source !== 'ckpt' && given.has('data-dir')) throw new UsageError('quant-debug: --data-dir is for --ckpt');
  const method = flags.method as CalibrationMethod;
  if (flags['channel-scales'] && method !== 'minmax')
    throw new UsageError('quant-debug: --channel-scales calibrates per channel with --method minmax');
  let model: Graph;
  let calibration: Float32Array[][];
  let evaluation: Float32Array[][];
  let what: string;
  if (source === 'ckpt') {
    const file = flags.ckpt as string;
    const header = readCheckpointHeader(file);
    const spec = checkpointSpec(header, '--ckpt', file);
    checkFashionMnistInput(spec, `--ckpt ${file}: model`);
    checkCheckpointTensors(header, spec, 0, `--ckpt ${file}`);
    const dir = checkDataset({ 'data-dir': flags['data-dir'] });
    const batch = 100;
    checkModelSize({ ...spec, batch }, 'inference', `--ckpt ${file}: ${spec.model}`);
    model = checkpointModel(file, spec, batch, 'quantizing');
    calibration = calibrationBatches(loadSplit(dir, 'train'), (flags.calib as number | undefined) ?? 512, batch);
    const test = limitSplit(loadSplit(dir, 't10k'), (flags.images as number | undefined) ?? 1000);
    evaluation = calibrationBatches(test, test.n, batch).slice(0, Math.ceil(test.n / batch));
    what = `${file} (${spec.model}, Fashion-MNIST: ${calibration.length * batch} training images calibrate, ${evaluation.length * batch} test images)`;
  } else {
    if (source === 'model') {
      const spec = { ...specFromFlags(flags), batch: 1 };
      checkModelSize(spec, 'inference');
      model = buildModel(spec);
      what = `--model ${spec.model}`;
    } else {
      const file = flags.onnx as string;
      model = importOnnx(new Uint8Array(readFileSync(file))).graph;
      if (model.inputs.length !== 1)
        throw new SlimError(`--onnx ${file}: quant-debug takes a model with one input (it has ${model.inputs.length})`);
      what = `--onnx ${file}`;
    }
    const shape = model.shape(model.inputs[0]);
    const nCalib = (flags.calib as number | undefined) ?? 4;
    calibration = imageBatches(shape, nCalib, 1); // seeds 1.., evaluation 100001.. (held out)
    evaluation = imageBatches(shape, (flags.images as number | undefined) ?? 16, 100001);
  }
  const rt = await Runtime.create();
  let r: QuantDebugReport;
  try {
    if (source === 'model') checkDeviceLimits(checkModelSize({ ...specFromFlags(flags), batch: 1 }, 'inference'), rt.ctx.limits, what);
    const int8 = {
      method,
      perChannel: !!flags['channel-scales'],
      biasCorrection: flags['bias-correction'] === 'on',
      channelAffine: flags['channel-affine'] !== 'off',
      channelAffinePadded: flags['channel-affine'] === 'on',
      equalize: flags.equalize as number | undefined,
    };
    const keepFloat = await worstInt8Layers(rt, model, calibration, flags['keep-fp32'] as number, int8);
    r = await quantDebug(rt, model, { calibration, evaluation, ...int8, keepFloat, perChannelWeights: !!flags['per-channel'] });
    r.keptFp32 = keepFloat;
    r.biasCorrection = int8.biasCorrection;
  } finally {
    rt.destroy();
  }
  const eq = flags.equalize as number | undefined;
  const how = `${method}${flags['channel-scales'] ? ', per-channel activation scales' : ''}${eq !== undefined ? `, equalization alpha ${eq}` : ''}`;
  if (flags.json)
    console.log(JSON.stringify({ source: what, method, channel_scales: !!flags['channel-scales'], equalize: eq ?? null, ...r }, null, 2));
  else printTable(what, how, r);
  return 0;
}

function printTable(what: string, method: string, r: QuantDebugReport): void {
  console.log(`${what}: ${r.int8Layers} int8 layers, ${r.floatNodes} float nodes, calibration ${method}`);
  const head = ['layer', 'iso dB', 'iso cos', 'chain dB', 'chain cos', 'cent dB', 'clip', 'ch/range', 'w err max'];
  const rows = r.layers.map((l) => [
    l.layer,
    l.isolated.sqnr_db.toFixed(1),
    l.isolated.cosine.toFixed(4),
    l.chain.sqnr_db.toFixed(1),
    l.chain.cosine.toFixed(4),
    l.chain.sqnr_centered_db.toFixed(1),
    l.range.clip_fraction.toExponential(1),
    l.range.channel_range_ratio.toFixed(3),
    l.weights ? l.weights.err_max.toExponential(2) : '-',
  ]);
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k].length)));
  for (const row of [head, ...rows]) console.log(row.map((c, k) => (k === 0 ? c.padEnd(w[k]) : c.padStart(w[k]))).join('  '));
  const o = r.output;
  console.log(
    `output: SQNR ${o.sqnr_db} dB (centered ${o.sqnr_centered_db}), cosine ${o.cosine}, top-1 agreement ${o.top1_agreement} (centered ${o.top1_agreement_centered}) on ${o.images} images`,
  );
}
