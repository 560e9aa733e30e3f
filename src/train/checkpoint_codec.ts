// The checkpoint format without file I/O: browser-safe (no node: imports), shared by the library and the demo pages.
// Checkpoints: named f32 tensors (parameters, batch-norm running statistics, optimizer state, pruning masks) and a
// JSON header (model spec, training mode, step, configuration). Reading and writing files (atomically) is
// src/train/checkpoint.ts (Node), which re-exports this module.
//
// File layout: "SLIMCKPT" | u32 LE version (1) | u32 LE header bytes | header JSON (UTF-8) | zero padding to a
// multiple of 4 | tensor data (f32 LE, in header order). Header: { meta: CheckpointMeta, tensors: [{ name, shape }] }.
// Reading checks the header against its schema (parseCheckpointHeader, parseCheckpointMeta): a bad field is named
// in a one-line SlimError. Fields added after the first version (train_examples, qat, prune, prune_state,
// teacher_cache) may be absent and read as their defaults, so every checkpoint written so far still loads.
// Shipped models (encodeShippedModel: one model's weights as safetensors, the meta in its __metadata__) decode
// through the same decodeCheckpoint.

import type { PruneOptions } from '../compress/masks.js';
import type { Graph } from '../graph/ir.js';
import type { Augment, AugRng } from '../io/fashion_mnist_codec.js';
import type { ModelSpec } from '../models/zoo.js';
import { SlimError } from '../runtime/errors.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../io/safetensors.js';
import type { Qat } from './autodiff.js';
import type { OptimConfig } from './optim.js';
import type { TrainMode } from './step_graph.js';

const MAGIC = 'SLIMCKPT';
const VERSION = 1;

/** Where pruning stands: the ratio the masks hold, and the epoch where an accuracy floor stopped it. */
export interface PruneState {
  ratio: number;
  stopped: { epoch: number; val_accuracy: number } | null;
}

/** The header's `meta`: how the run was configured and how far it got (what resuming and `eval` need). */
export interface CheckpointMeta {
  format: 'slimgpu-checkpoint';
  mode: TrainMode;
  /** The model's spec without its batch size. */
  model: ModelSpec;
  /** Trained models: 1, or the number of DML peers (tensors prefixed peer0/, peer1/, …). */
  peers: number;
  seed: number;
  initSeed: number;
  batch: number;
  /** Size of the training split (absent in the first checkpoints). */
  train_examples?: number;
  opt: OptimConfig;
  augment: Augment;
  epochs: number;
  qat: Qat;
  prune: PruneOptions | null;
  /** kd: the teacher's logits were cached for the training set. */
  teacher_cache: boolean;
  prune_state: PruneState | null;
  /** Steps done; epoch = ⌊step / steps per epoch⌋. */
  step: number;
  epoch: number;
  /** A checkpoint written mid-epoch (train --checkpoint-every-min/-steps, or a run stopped by --max-steps): the
   *  epoch's loss sum per trained model and its steps so far, so a resumed run reports the same epoch loss.
   *  Absent at an epoch's end and in checkpoints from before mid-epoch checkpoints. */
  epoch_progress?: { loss_sum: number[]; steps: number };
  /** The augmentation's random numbers (AugRng); absent in checkpoints from before the GPU gather: 'legacy'. */
  aug_rng?: AugRng;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

// A small schema language for the header: each Field reads one value and throws a SlimError naming it.
type Field<T> = (v: unknown, name: string) => T;
const bad = (name: string, want: string, v: unknown): never => {
  throw new SlimError(`${name} must be ${want} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num: Field<number> = (v, n) => (typeof v === 'number' && Number.isFinite(v) ? v : bad(n, 'a number', v));
const int =
  (min: number): Field<number> =>
  (v, n) =>
    Number.isInteger(v) && (v as number) >= min ? (v as number) : bad(n, `an integer ≥ ${min}`, v);
const bool: Field<boolean> = (v, n) => (typeof v === 'boolean' ? v : bad(n, 'true or false', v));
const str: Field<string> = (v, n) => (typeof v === 'string' && v.length > 0 ? v : bad(n, 'a non-empty string', v));
const oneOf =
  <T extends string>(...values: T[]): Field<T> =>
  (v, n) =>
    values.includes(v as T) ? (v as T) : bad(n, `one of ${values.join(', ')}`, v);
const optional =
  <T>(f: Field<T>): Field<T | undefined> =>
  (v, n) =>
    v === undefined ? undefined : f(v, n);
const orDefault =
  <T>(f: Field<T>, d: T): Field<T> =>
  (v, n) =>
    v === undefined ? d : f(v, n);
const nullable =
  <T>(f: Field<T>): Field<T | null> =>
  (v, n) =>
    v === null ? null : f(v, n);
const arrayOf =
  <T>(f: Field<T>, length?: number): Field<T[]> =>
  (v, n) =>
    Array.isArray(v) && (length === undefined || v.length === length)
      ? v.map((x, i) => f(x, `${n}[${i}]`))
      : bad(n, length === undefined ? 'an array' : `an array of ${length}`, v);
/** An object with exactly the listed fields (others are dropped; an optional one that is absent stays absent). */
const object =
  <T>(fields: { [K in keyof T]-?: Field<T[K]> }): Field<T> =>
  (v, n) => {
    if (!isObject(v)) return bad(n, 'an object', v);
    const out: Partial<T> = {};
    for (const k in fields) {
      const x = fields[k](v[k], `${n}.${k}`);
      if (x !== undefined) out[k] = x;
    }
    return out as T;
  };

const modelSpec = object<ModelSpec>({
  model: str,
  batch: optional(int(1)),
  res: optional(int(1)),
  classes: optional(int(1)),
  alpha: optional(num),
  groups: optional(int(1)),
  scale: optional(num),
  phi: optional(num),
  seed: optional(num),
  width: optional(num),
  depth: optional(num),
});
const optimConfig = object<OptimConfig>({
  kind: oneOf('sgd', 'adam', 'adamw'),
  lr: num,
  momentum: num,
  nesterov: bool,
  weightDecay: num,
  l1: num,
  beta1: num,
  beta2: num,
  eps: num,
  maxNorm: num,
  schedule: oneOf('constant', 'step', 'cosine'),
  warmupSteps: num,
  stepSize: num,
  gamma: num,
  totalSteps: num,
  minLr: num,
});
const pruneOptions = object<PruneOptions>({
  sparsity: num,
  start: int(1),
  end: int(1),
  block: optional(arrayOf(int(1), 2) as Field<[number, number]>),
  filters: optional(oneOf('l1', 'l2')),
  flops: optional(num),
  floor: optional(num),
});
const pruneState = object<PruneState>({ ratio: num, stopped: nullable(object({ epoch: int(1), val_accuracy: num })) });
const checkpointMeta = object<CheckpointMeta>({
  format: oneOf('slimgpu-checkpoint'),
  mode: oneOf('plain', 'kd', 'dml'),
  model: modelSpec,
  peers: int(1),
  seed: num,
  initSeed: num,
  batch: int(1),
  train_examples: optional(int(1)),
  opt: optimConfig,
  augment: object<Augment>({ cropPad: int(0), flip: bool }),
  epochs: int(1),
  qat: orDefault(oneOf('none', 'int8', 'binary'), 'none'),
  prune: orDefault(nullable(pruneOptions), null),
  teacher_cache: orDefault(bool, false),
  prune_state: orDefault(nullable(pruneState), null),
  step: int(0),
  epoch: int(0),
  epoch_progress: optional(object({ loss_sum: arrayOf(num), steps: int(0) })),
  aug_rng: optional(oneOf('legacy', 'counter')),
});
const checkpointHeader = object<{ meta: unknown; tensors: { name: string; shape: number[] }[] }>({
  meta: (v) => v,
  tensors: arrayOf(object({ name: str, shape: arrayOf(int(0)) })),
});

/** The typed `meta` of a checkpoint header (parsed JSON); a missing or malformed field throws a SlimError naming it. */
export function parseCheckpointMeta(json: unknown, file?: string): CheckpointMeta {
  return withFile(file, () => checkpointMeta(json, 'meta'));
}

/** The header's tensor list and typed meta; a missing or malformed field throws a SlimError naming it. */
export function parseCheckpointHeader(
  json: unknown,
  file?: string,
): { meta: CheckpointMeta; tensors: { name: string; shape: number[] }[] } {
  const header = withFile(file, () => checkpointHeader(json, 'header'));
  return { meta: parseCheckpointMeta(header.meta, file), tensors: header.tensors };
}

function withFile<T>(file: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof SlimError) throw new SlimError(`${file ? `${file}: ` : ''}checkpoint ${e.message}`);
    throw e;
  }
}

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const entries = [...ck.tensors.entries()];
  const header = new TextEncoder().encode(
    JSON.stringify({ meta: ck.meta, tensors: entries.map(([name, t]) => ({ name, shape: t.shape })) }),
  );
  const headEnd = 16 + header.length;
  const dataStart = Math.ceil(headEnd / 4) * 4;
  const total = dataStart + entries.reduce((a, [, t]) => a + t.data.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, header.length, true);
  out.set(header, 16);
  let o = dataStart;
  for (const [name, t] of entries) {
    const want = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== want) throw new SlimError(`checkpoint tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    o += t.data.byteLength;
  }
  return out;
}

/** The header length from the first 16 bytes (magic, version); `size`: the whole file's length. */
export function headerLength(head: Uint8Array, size: number, file: string): number {
  if (head.length < 16 || new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC)
    throw new SlimError(`${file}: not a slimgpu checkpoint (bad magic)`);
  const dv = new DataView(head.buffer, head.byteOffset, 16);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw new SlimError(`${file}: checkpoint version ${version} is not supported (expected ${VERSION})`);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > size) throw new SlimError(`${file}: truncated checkpoint header`);
  return hlen;
}

/** The validated header from its JSON bytes; the tensors' sizes must add up to the file's length. */
export function headerOf(bytes: Uint8Array, hlen: number, size: number, file: string): CheckpointHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new SlimError(`${file}: checkpoint header is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const header = parseCheckpointHeader(json, file);
  let o = Math.ceil((16 + hlen) / 4) * 4;
  const names = new Set<string>();
  for (const t of header.tensors) {
    if (names.has(t.name)) throw new SlimError(`${file}: checkpoint tensor '${t.name}' appears twice`);
    names.add(t.name);
    o += 4 * t.shape.reduce((a, b) => a * b, 1);
    if (o > size) throw new SlimError(`${file}: truncated at tensor '${t.name}'`);
  }
  if (o !== size) throw new SlimError(`${file}: ${size - o} unexpected bytes after the last tensor`);
  return header;
}

export type CheckpointHeader = ReturnType<typeof parseCheckpointHeader>;

/** models/manifest.json: the shipped models, each with how it was made (scripts/study.ts --ship writes it). */
export const MANIFEST_SCHEMA = 'slimgpu-models/1';

export interface ShippedModel {
  name: string;
  file: string;
  model: string;
  precision: 'fp32' | 'int8' | 'binary';
  sparse: boolean;
  role: 'teacher' | 'student' | 'kd' | 'dml' | 'int8' | 'binary' | 'sparse' | 'thinned';
  recipe: string;
  seed: number;
  data: string;
  test_accuracy: number;
  /** How many test images test_accuracy was measured on (absent: all 10,000). */
  test_examples?: number;
  size_bytes: number;
  date: string;
  provisional?: boolean;
  /** dml: which peer of the checkpoint (default 0). */
  peer?: number;
}

export interface ModelsManifest {
  schema: typeof MANIFEST_SCHEMA;
  note?: string;
  models: ShippedModel[];
}

/** A shipped model (models/*.safetensors: an 8-byte header length, then its JSON) rather than a training checkpoint. */
export function isShippedModel(head: Uint8Array): boolean {
  return head.length >= 16 && new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC && head[8] === 0x7b; // '{'
}

export function decodeCheckpoint(buf: Uint8Array, file = 'checkpoint'): Checkpoint {
  if (isShippedModel(buf)) return decodeShippedModel(buf, file);
  const hlen = headerLength(buf, buf.length, file);
  const header = headerOf(buf.subarray(16, 16 + hlen), hlen, buf.length, file);
  let o = Math.ceil((16 + hlen) / 4) * 4;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (o + 4 * n > buf.length) throw new SlimError(`${file}: truncated at tensor '${t.name}'`);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(buf.subarray(o, o + 4 * n));
    tensors.set(t.name, { shape: t.shape, data });
    o += 4 * n;
  }
  if (o !== buf.length) throw new SlimError(`${file}: ${buf.length - o} unexpected bytes after the last tensor`);
  return { meta: header.meta, tensors };
}

/** Model-local weights of a checkpoint: peer k of a DML run, or the model of a plain/kd run. Pruned weights come
 *  multiplied by their masks; optimizer state and masks (names with '@') are left out. */
export function checkpointWeights(ck: Checkpoint, peer = 0): Map<string, Float32Array> {
  if (!Number.isInteger(peer) || peer < 0 || peer >= ck.meta.peers)
    throw new SlimError(`checkpoint holds ${ck.meta.peers} model${ck.meta.peers > 1 ? 's' : ''}; there is no peer ${peer}`);
  const prefix = ck.meta.peers > 1 ? `peer${peer}/` : ''; // a shipped DML peer is one model
  const m = new Map<string, Float32Array>();
  for (const [name, t] of ck.tensors) {
    if (name.includes('@')) continue; // optimizer state, pruning masks
    if (prefix && !name.startsWith(prefix)) continue;
    const mask = ck.tensors.get(`${name}@mask`);
    m.set(name.slice(prefix.length), mask ? t.data.map((v, i) => v * mask.data[i]) : t.data);
  }
  if (m.size === 0) throw new SlimError(`checkpoint has no weights for peer ${peer}`);
  return m;
}

/** The safetensors metadata key holding a shipped model's checkpoint meta (JSON). */
export const SHIPPED_META_KEY = 'slimgpu_checkpoint_meta';

/**
 * One trained model of a checkpoint (peer `peer` of a DML run) as a small safetensors file — what models/ ships: its
 * weights (pruned ones multiplied by their masks; no optimizer state, so it cannot be resumed) and the checkpoint's
 * meta with peers 1 under __metadata__.slimgpu_checkpoint_meta. loadCheckpoint reads it back, so `eval --ckpt`
 * scores it on the kernels it was trained for; any safetensors reader gets the weights by name.
 */
export function encodeShippedModel(ck: Checkpoint, peer = 0, metadata: Record<string, string> = {}): Uint8Array {
  const weights = checkpointWeights(ck, peer);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, data] of weights)
    tensors.set(name, { shape: ck.tensors.get(ck.meta.peers > 1 ? `peer${peer}/${name}` : name)!.shape, data });
  return encodeSafetensors(tensors, {
    format: 'slimgpu',
    layout: 'NHWC activations, HWIO conv weights',
    ...metadata,
    [SHIPPED_META_KEY]: JSON.stringify({ ...ck.meta, peers: 1 }),
  });
}

export function decodeShippedModel(buf: Uint8Array, file: string): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(buf);
  const json = metadata[SHIPPED_META_KEY];
  if (typeof json !== 'string')
    throw new SlimError(`${file}: a safetensors file without ${SHIPPED_META_KEY} metadata (not a model shipped by slimgpu)`);
  let meta: unknown;
  try {
    meta = JSON.parse(json);
  } catch (e) {
    throw new SlimError(`${file}: ${SHIPPED_META_KEY} is not valid JSON (${(e as Error).message})`);
  }
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of tensors) {
    if (!(t.data instanceof Float32Array)) throw new SlimError(`${file}: tensor '${name}' is not F32`);
    out.set(name, { shape: t.shape, data: t.data });
  }
  return { meta: parseCheckpointMeta(meta, file), tensors: out };
}

/** Set a model graph's parameters from named tensors (a checkpoint's); every parameter must be present. */
export function applyWeights(g: Graph, tensors: Map<string, Float32Array>, what: string): void {
  for (const t of g.tensors) {
    if (t.role !== 'param') continue;
    const d = tensors.get(t.name);
    if (!d) throw new SlimError(`${what}: no tensor '${t.name}' for this model (is it a checkpoint of the same --model?)`);
    if (d.length !== t.data!.length)
      throw new SlimError(`${what}: tensor '${t.name}' has ${d.length} values, the model needs ${t.data!.length}`);
    t.data = d;
  }
}
