// What every command checks before it does work, in this order: its flags (flags.ts), then files and checkpoint
// headers, then sizes from the model's shapes against host memory, and — once the device exists, but before any
// weight or buffer is made — against the adapter's limits. Plus the shared model flags and the NaN/Inf scan.

import { totalmem } from 'node:os';
import type { Graph } from '../graph/ir.js';
import { buildModel, MODEL_NAMES, modelSize, type ModelSpec } from '../models/zoo.js';
import { SlimError } from '../runtime/errors.js';
import { applyWeights, checkpointWeights, loadCheckpoint, type CheckpointHeader } from '../train/checkpoint.js';
import { UsageError, type Flag, type Flags, type FlagTable } from './flags.js';

/** The zoo model's flags (run, train, bench). */
export const MODEL_FLAGS = {
  model: { type: 'string', arg: 'NAME', choices: MODEL_NAMES, required: true, help: 'zoo model' },
  alpha: { type: 'number', min: 0.05, max: 2, help: 'width multiplier (mobilenet_v1: 0.25, 0.5, 0.75 or 1; mobilenet_v2: (0, 2])' },
  res: {
    type: 'int',
    min: 8,
    max: 4096,
    help: 'input resolution (default 28 for cnn_*, 224 for mobilenets and shufflenet, 224·1.15^phi for efficientnet)',
  },
  batch: { type: 'int', min: 1, max: 4096, default: 1, help: 'batch size' },
  groups: { type: 'int', min: 1, max: 8, help: 'shufflenet groups g: 1, 2, 3, 4 or 8 (default 3)' },
  scale: { type: 'number', min: 0.25, max: 4, help: 'shufflenet channel scale (default 1)' },
  phi: { type: 'int', min: 0, max: 7, help: 'efficientnet compound coefficient (default 0: B0)' },
  classes: { type: 'int', min: 1, max: 1_000_000, help: 'classifier outputs (default 10 for cnn_*, 1000 otherwise)' },
  seed: { type: 'int', min: 0, max: 2 ** 31 - 1, help: 'seed of the generated weights' },
} satisfies FlagTable;

/** The int8 calibration choices that quant-debug and bench --suite int8_agreement both take. */
export const INT8_CALIBRATION_FLAGS = {
  'bias-correction': {
    type: 'string',
    choices: ['on', 'off'],
    default: 'off',
    help: 'Nagel et al. bias correction of the int8 convs (expected weight-rounding error on the calibration means)',
  },
  'keep-fp32': {
    type: 'int',
    min: 0,
    max: 10000,
    default: 0,
    help: 'mixed precision: keep the N conv layers with the lowest isolated SQNR on the calibration images in fp32',
  },
  'channel-scales': {
    type: 'boolean',
    help: 'per-channel activation scales where a ReLU conv feeds only int8 convs (minmax; default one per tensor)',
  },
  'channel-affine': {
    type: 'string',
    choices: ['on', 'off', 'unpadded'],
    default: 'off',
    help: 'a scale and zero point per channel on activations that only int8 1x1 or depthwise convs and float ops read (unpadded: not those read by a padded depthwise conv)',
  },
  equalize: {
    type: 'number',
    arg: 'A',
    min: 0,
    max: 1,
    help: 'activation equalization before calibration, A = migration exponent for dense consumers (e.g. 0.5; default off)',
  },
} satisfies FlagTable;

/** A flag of `table` with another default (e.g. a command's own batch size). */
export function withDefault(f: Flag, d: Flag['default']): Flag {
  return { ...f, default: d };
}

export function specFromFlags(flags: Flags): ModelSpec {
  const model = flags.model;
  if (typeof model !== 'string') throw new SlimError(`--model is required (one of ${MODEL_NAMES.join(', ')})`);
  const spec: ModelSpec = { model, batch: (flags.batch as number | undefined) ?? 1 };
  for (const k of ['alpha', 'res', 'groups', 'scale', 'phi', 'classes', 'seed'] as const) {
    if (flags[k] !== undefined) (spec as unknown as Record<string, unknown>)[k] = flags[k];
  }
  return spec;
}

const GB = 2 ** 30;
const fmtBytes = (b: number) => (b >= GB ? `${(b / GB).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);

/** The host memory a command may plan to use: half of this machine's (SwiftShader keeps "GPU" buffers there too). */
export function hostBudget(): number {
  const env = Number(process.env.SLIMGPU_MEMORY_BUDGET_MB);
  return Number.isFinite(env) && env > 0 ? env * 2 ** 20 : totalmem() / 2;
}

/**
 * Checks a model against the host-memory budget from its shapes alone (nothing is allocated) and returns its
 * sizes. `use`: what the command makes of it — inference keeps weights (plus a compressed or folded copy) and the
 * activations; training also keeps gradients and optimizer state, and the activations for the backward pass.
 * The zoo's own checks (an --alpha or --groups it does not take) throw here too, before the device exists.
 */
export function checkModelSize(spec: ModelSpec, use: 'inference' | 'training', what = `--model ${spec.model}`) {
  const size = modelSize(spec);
  const weights = 4 * size.params;
  const need = use === 'training' ? 5 * weights + 3 * size.activationBytes : 3 * weights + size.activationBytes;
  const budget = hostBudget();
  if (need > budget) {
    throw new SlimError(
      `${what} (batch ${spec.batch ?? 1}, res ${spec.res ?? 'default'}, classes ${spec.classes ?? 'default'}) needs about ${fmtBytes(need)} for ${use} ` +
        `(${(size.params / 1e6).toFixed(1)}M parameters, ${fmtBytes(size.activationBytes)} of activations; largest tensor '${size.largest.name}' [${size.largest.shape}]), ` +
        `over the host-memory budget of ${fmtBytes(budget)}; lower --batch, --res or --classes (or set SLIMGPU_MEMORY_BUDGET_MB)`,
    );
  }
  return size;
}

/** The largest tensor must fit one storage binding and one buffer of the adapter (checked before any is made). */
export function checkDeviceLimits(size: ReturnType<typeof modelSize>, limits: GPUSupportedLimits, what: string): void {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (size.largest.bytes > cap) {
    throw new SlimError(
      `${what}: tensor '${size.largest.name}' [${size.largest.shape}] takes ${fmtBytes(size.largest.bytes)}, over the adapter's limit of ${fmtBytes(cap)} ` +
        'per buffer (maxStorageBufferBindingSize); lower --batch, --res or --classes',
    );
  }
}

/** The model a checkpoint header describes, checked like a --model (it may claim any size). */
export function checkpointSpec(h: CheckpointHeader, flag: string, file: string): ModelSpec {
  const spec = h.meta.model;
  if (!(MODEL_NAMES as readonly string[]).includes(spec.model))
    throw new SlimError(`${flag} ${file}: checkpoint of an unknown model '${spec.model}'`);
  return spec;
}

/** The header's tensors must hold every parameter of the model its meta names, with the same sizes (a checkpoint of
 *  another model, or a header whose claims do not match its tensors, is named before anything is loaded). */
export function checkCheckpointTensors(h: CheckpointHeader, spec: ModelSpec, peer: number, what: string): void {
  const prefix = h.meta.mode === 'dml' ? `peer${peer}/` : '';
  const have = new Map(h.tensors.map((t) => [t.name, t.shape]));
  for (const [name, shape] of modelSize({ ...spec, batch: 1 }).paramShapes) {
    const s = have.get(prefix + name);
    const n = (x: number[]) => x.reduce((a, b) => a * b, 1);
    if (!s) throw new SlimError(`${what}: no tensor '${prefix}${name}' for its model ${spec.model} (a checkpoint of another model?)`);
    if (n(s) !== n(shape))
      throw new SlimError(
        `${what}: tensor '${prefix}${name}' is [${s}], the model its header names (${spec.model}${spec.classes ? `, classes ${spec.classes}` : ''}) needs [${shape}]`,
      );
  }
}

/** Names of tensors holding NaN or ±Inf. */
export function nonFinite(tensors: Map<string, Float32Array>): string[] {
  const bad: string[] = [];
  for (const [name, a] of tensors) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) {
        bad.push(name);
        break;
      }
    }
  }
  return bad;
}

export function describeNonFinite(bad: string[], file: string): string {
  return `${file}: ${bad.length} weight tensor(s) hold NaN or Inf (${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', …' : ''})`;
}

/** Fashion-MNIST's images: 28×28, one channel. Models built for other inputs are named before any work. */
export function checkFashionMnistInput(spec: ModelSpec, flag = '--model'): void {
  const res = spec.res ?? (spec.model.startsWith('cnn_') ? 28 : undefined);
  if (!spec.model.startsWith('cnn_')) {
    throw new SlimError(
      `${flag} ${spec.model} takes ${res ?? 224}×${res ?? 224}×3 input; Fashion-MNIST is 28×28×1 (use cnn_tiny, cnn_small or cnn_binary)`,
    );
  }
  if (res !== 28) throw new SlimError(`${flag} ${spec.model} with --res ${res}: Fashion-MNIST is 28×28×1 (leave --res at 28)`);
}

const ZOO_SHAPE_FLAGS = ['alpha', 'res', 'groups', 'scale', 'phi', 'seed'];

/** The model source of a command that takes exactly one of --model, --onnx, --ckpt (export, quant-debug); the zoo
 *  model's shape flags only go with --model. */
export function oneModelSource(cmd: string, given: Set<string>): 'model' | 'onnx' | 'ckpt' {
  const sources = (['model', 'onnx', 'ckpt'] as const).filter((k) => given.has(k));
  if (sources.length !== 1)
    throw new UsageError(
      `${cmd}: give exactly one of --model, --onnx, --ckpt (got ${sources.length ? sources.map((s) => `--${s}`).join(', ') : 'none'})`,
    );
  const zooFlags = ZOO_SHAPE_FLAGS.filter((k) => given.has(k));
  if (sources[0] !== 'model' && zooFlags.length) throw new UsageError(`${cmd}: --${zooFlags[0]} shapes a --model zoo model`);
  return sources[0];
}

/** The model of a checkpoint whose header was checked (checkpointSpec, checkCheckpointTensors), built at `batch` with
 *  peer 0's weights; NaN/Inf weights are refused, `use` saying what for ("exporting", "quantizing"). */
export function checkpointModel(file: string, spec: ModelSpec, batch: number, use: string): Graph {
  const weights = checkpointWeights(loadCheckpoint(file), 0);
  const bad = nonFinite(weights);
  if (bad.length) throw new SlimError(`${describeNonFinite(bad, file)}: ${use} them would be meaningless`);
  const model = buildModel({ ...spec, batch });
  applyWeights(model, weights, `--ckpt ${file}`);
  return model;
}
