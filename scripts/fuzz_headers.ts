// Fuzzing the checkpoint and safetensors readers: seeded mutations of real files — bytes (flips, random bytes,
// truncation, a bogus header length) and the JSON header's structure (a field removed, replaced by a value of
// another type, a negative, fractional or enormous shape, `meta`/`tensors` of the wrong kind). Every outcome must be
// a decoded file or a SlimError (a clear message): never another exception, a slow decode or a jump in memory.
//
//   FUZZ_CASES=5000 FUZZ_SEED=3 npx vitest run test/unit/header_fuzz.test.ts
//
// The same readers serve `slimgpu eval --ckpt`, `train --resume/--init/--teacher` (readCheckpointHeader, then
// decodeCheckpoint) and loadWeights (decodeSafetensors).

import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { SlimError } from '../src/runtime/errors.js';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointMeta } from '../src/train/checkpoint.js';
import { DEFAULT_OPTIM } from '../src/train/optim.js';

export const HANG_MS = 500;
export const HEAP_LIMIT_MB = 256;

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const meta = (): CheckpointMeta => ({
  format: 'slimgpu-checkpoint',
  mode: 'dml',
  model: { model: 'cnn_tiny', classes: 10 },
  peers: 2,
  seed: 1,
  initSeed: 1,
  batch: 8,
  train_examples: 48,
  opt: { ...DEFAULT_OPTIM },
  augment: { cropPad: 0, flip: false },
  epochs: 2,
  qat: 'int8',
  prune: { sparsity: 0.5, start: 1, end: 1, block: [4, 4] },
  teacher_cache: false,
  prune_state: { ratio: 0.5, stopped: { epoch: 1, val_accuracy: 0.8 } },
  step: 7,
  epoch: 1,
});

const tensors = () =>
  new Map([
    ['peer0/a.w', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ['peer0/a.w@mask', { shape: [2, 3], data: Float32Array.of(1, 0, 1, 0, 1, 1) }],
    ['peer1/a.w', { shape: [6], data: Float32Array.of(1, 2, 3, 4, 5, NaN) }],
    ['peer1/b', { shape: [], data: Float32Array.of(3) }],
  ]);

export const SEEDS = {
  checkpoint: () => encodeCheckpoint({ meta: meta(), tensors: tensors() }),
  safetensors: () =>
    encodeSafetensors(
      new Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint32Array }>([
        ['conv.w', { shape: [1, 1, 2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
        ['conv.q', { shape: [2], data: Int32Array.of(-1, 7) }],
        ['conv.bits', { shape: [1], data: Uint32Array.of(0xf0f0) }],
      ]),
      { format: 'slimgpu' },
    ),
};

/** Where each format keeps its JSON header: [start, end) of the bytes, and how to rebuild the file around new JSON. */
const LAYOUT = {
  checkpoint: {
    header: (b: Uint8Array) => {
      const n = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
      return [16, 16 + n] as const;
    },
    rebuild: (b: Uint8Array, json: string) => {
      const n = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
      const oldData = b.subarray(Math.ceil((16 + n) / 4) * 4);
      const h = new TextEncoder().encode(json);
      const start = Math.ceil((16 + h.length) / 4) * 4;
      const out = new Uint8Array(start + oldData.length);
      out.set(b.subarray(0, 16));
      new DataView(out.buffer).setUint32(12, h.length, true);
      out.set(h, 16);
      out.set(oldData, start);
      return out;
    },
  },
  safetensors: {
    header: (b: Uint8Array) => [8, 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true))] as const,
    rebuild: (b: Uint8Array, json: string) => {
      const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
      const h = new TextEncoder().encode(json);
      const out = new Uint8Array(8 + h.length + b.length - 8 - n);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      out.set(b.subarray(8 + n), 8 + h.length);
      return out;
    },
  },
};

type Format = keyof typeof SEEDS;

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  -0.5,
  1.5,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 32,
  'x',
  '',
  [],
  [-1],
  [1e9, 1e9],
  [2 ** 31, 2 ** 31, 2 ** 31],
  [0.5],
  ['1'],
  {},
  { a: 1 },
  [[1]],
];

/** Every path into a JSON value (objects and arrays), for structural mutations. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function setAt(root: any, path: (string | number)[], value: unknown, remove: boolean): any {
  if (path.length === 0) return value;
  let o = root;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return root;
}

type Mutation = (b: Uint8Array, r: () => number, f: Format) => Uint8Array;
const pick = <T>(xs: readonly T[], r: () => number) => xs[Math.floor(r() * xs.length)];

export const MUTATIONS: Record<string, Mutation> = {
  flipBytes: (b, r) => {
    const c = b.slice();
    for (let i = 0, k = 1 + Math.floor(r() * 8); i < k; i++) c[Math.floor(r() * c.length)] ^= 1 << Math.floor(r() * 8);
    return c;
  },
  randomBytes: (b, r) => {
    const c = b.slice();
    for (let i = 0, k = 1 + Math.floor(r() * 16); i < k; i++) c[Math.floor(r() * c.length)] = Math.floor(r() * 256);
    return c;
  },
  truncate: (b, r) => b.slice(0, Math.floor(r() * b.length)),
  appendBytes: (b, r) => {
    const c = new Uint8Array(b.length + 1 + Math.floor(r() * 64));
    c.set(b);
    return c;
  },
  headerLength: (b, r, f) => {
    const c = b.slice();
    const dv = new DataView(c.buffer);
    const v = pick([0, 1, 2 ** 31, 2 ** 32 - 1, c.length, c.length - 8, Math.floor(r() * 2 ** 32)], r);
    if (f === 'checkpoint') dv.setUint32(12, v >>> 0, true);
    else dv.setBigUint64(0, BigInt(v) * BigInt(pick([1, 1, 2 ** 20], r)), true);
    return c;
  },
  /** The JSON header with one value replaced by a value of another kind (or removed). */
  jsonField: (b, r, f) => {
    const [s, e] = LAYOUT[f].header(b);
    const json = JSON.parse(new TextDecoder().decode(b.subarray(s, e)));
    const all = paths(json);
    let out = json;
    for (let i = 0, k = 1 + Math.floor(r() * 3); i < k; i++) {
      const p = pick(paths(out).length ? paths(out) : all, r);
      out = setAt(out, p, structuredClone(pick(ODD_VALUES, r)), p.length > 0 && r() < 0.3);
    }
    return LAYOUT[f].rebuild(b, JSON.stringify(out));
  },
  /** A shape dimension made negative, fractional, huge or a string. */
  jsonShape: (b, r, f) => {
    const [s, e] = LAYOUT[f].header(b);
    const json = JSON.parse(new TextDecoder().decode(b.subarray(s, e)));
    const shapes = paths(json).filter((p) => p[p.length - 1] === 'shape');
    if (!shapes.length) return b;
    const p = pick(shapes, r);
    setAt(json, p, pick([[-1], [2, -3], [1.5], [2 ** 31, 2 ** 31], [1e300], ['2'], [null], 7, 'x', [2 ** 20, 2 ** 20, 2 ** 20]], r), false);
    return LAYOUT[f].rebuild(b, JSON.stringify(json));
  },
  /** The header replaced by other JSON or non-JSON text. */
  jsonReplace: (b, r, f) =>
    LAYOUT[f].rebuild(
      b,
      pick(
        [
          'null',
          '[]',
          '1',
          '"x"',
          '{}',
          '{"meta":null}',
          '{"tensors":{}}',
          '{"meta":{},"tensors":[]}',
          '{',
          '\u0000',
          '{"a":{"dtype":"F32"}}',
          '{"__metadata__":[1]}',
          '{"a":[1]}',
        ],
        r,
      ),
    ),
  /** Two mutations in a row. */
  twice: (b, r, f) => {
    const names = Object.keys(MUTATIONS).filter((n) => n !== 'twice');
    return MUTATIONS[pick(names, r)](MUTATIONS[pick(names, r)](b, r, f), r, f);
  },
};

export interface HeaderFuzzReport {
  cases: number;
  decoded: number;
  rejected: number;
  crashes: { format: Format; mutation: string; error: string }[];
  slowest: { ms: number; what: string };
  maxHeapGrowthMB: number;
  messages: Map<string, number>;
}

const DECODE: Record<Format, (b: Uint8Array) => unknown> = {
  checkpoint: (b) => decodeCheckpoint(b, 'fuzz.ckpt'),
  safetensors: (b) => decodeSafetensors(b),
};

/** `cases` mutants of each format, seeded. */
export function fuzzHeaders(cases: number, seed: number): HeaderFuzzReport {
  const rep: HeaderFuzzReport = {
    cases: 0,
    decoded: 0,
    rejected: 0,
    crashes: [],
    slowest: { ms: 0, what: '' },
    maxHeapGrowthMB: 0,
    messages: new Map(),
  };
  const heap0 = process.memoryUsage().heapUsed;
  for (const format of Object.keys(SEEDS) as Format[]) {
    const r = rng(seed * 7919 + (format === 'checkpoint' ? 1 : 2));
    const base = SEEDS[format]();
    const names = Object.keys(MUTATIONS);
    for (let i = 0, done = 0; done < cases && i < 3 * cases; i++) {
      const mutation = names[i % names.length];
      let bytes: Uint8Array;
      try {
        bytes = MUTATIONS[mutation](base, r, format);
      } catch {
        continue; // the mutation itself could not apply (e.g. unparsable after an earlier one): not a case
      }
      rep.cases++;
      done++;
      const t0 = performance.now();
      try {
        DECODE[format](bytes);
        rep.decoded++;
      } catch (e) {
        if (e instanceof SlimError) {
          rep.rejected++;
          const key = `${format}: ${e.message
            .replace(/\d+/g, 'N')
            .replace(/'[^']*'/g, "'…'")
            .slice(0, 90)}`;
          rep.messages.set(key, (rep.messages.get(key) ?? 0) + 1);
        } else
          rep.crashes.push({
            format,
            mutation,
            error: String((e as Error)?.stack ?? e)
              .split('\n')
              .slice(0, 3)
              .join(' | '),
          });
      }
      const ms = performance.now() - t0;
      if (ms > rep.slowest.ms) rep.slowest = { ms, what: `${format} ${mutation} #${i}` };
      rep.maxHeapGrowthMB = Math.max(rep.maxHeapGrowthMB, (process.memoryUsage().heapUsed - heap0) / 2 ** 20);
    }
  }
  return rep;
}
