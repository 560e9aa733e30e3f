// The CLI's checkpoint format (src/train/checkpoint.ts, "SLIMCKPT") read and written in the browser, and the
// manifest of shipped models (models/manifest.json, schema slimgpu-models/1).
//
// Page-side copies: src/train/checkpoint.ts's codec sits in the same module as its node:fs file I/O, and
// checkpointWeights/applyWeights in src/train/loop.ts, which imports node-only data loading; a browser can import
// neither. The codec and these two helpers belong in a browser-safe library module.

import type { Graph } from '../../src/graph/ir.js';

export interface Checkpoint {
  meta: Record<string, any>;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

const MAGIC = 'SLIMCKPT';

export function decodeCheckpoint(buf: Uint8Array, file = 'checkpoint'): Checkpoint {
  if (buf.length < 16 || new TextDecoder().decode(buf.subarray(0, 8)) !== MAGIC)
    throw new Error(`${file}: not a slimgpu checkpoint (bad magic)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(8, true) !== 1) throw new Error(`${file}: checkpoint version ${dv.getUint32(8, true)} is not supported`);
  const hlen = dv.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(16, 16 + hlen))) as {
    meta: Record<string, any>;
    tensors: { name: string; shape: number[] }[];
  };
  let o = Math.ceil((16 + hlen) / 4) * 4;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (o + 4 * n > buf.length) throw new Error(`${file}: truncated at tensor '${t.name}'`);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(buf.subarray(o, o + 4 * n));
    tensors.set(t.name, { shape: t.shape, data });
    o += 4 * n;
  }
  if (o !== buf.length) throw new Error(`${file}: ${buf.length - o} unexpected bytes after the last tensor`);
  return { meta: header.meta, tensors };
}

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const entries = [...ck.tensors.entries()];
  const header = new TextEncoder().encode(
    JSON.stringify({ meta: ck.meta, tensors: entries.map(([name, t]) => ({ name, shape: t.shape })) }),
  );
  const dataStart = Math.ceil((16 + header.length) / 4) * 4;
  const out = new Uint8Array(dataStart + entries.reduce((a, [, t]) => a + t.data.byteLength, 0));
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, 1, true);
  dv.setUint32(12, header.length, true);
  out.set(header, 16);
  let o = dataStart;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    o += t.data.byteLength;
  }
  return out;
}

/** Model-local weights: peer k of a DML run, or the model of a plain/kd run (masks applied). */
export function checkpointWeights(ck: Checkpoint, peer = 0): Map<string, Float32Array> {
  const prefix = ck.meta.mode === 'dml' ? `peer${peer}/` : '';
  const m = new Map<string, Float32Array>();
  for (const [name, t] of ck.tensors) {
    if (name.includes('@') || (prefix && !name.startsWith(prefix))) continue;
    const mask = ck.tensors.get(`${name}@mask`);
    m.set(name.slice(prefix.length), mask ? t.data.map((v, i) => v * mask.data[i]) : t.data);
  }
  if (m.size === 0) throw new Error(`checkpoint has no weights for peer ${peer}`);
  return m;
}

export function applyWeights(g: Graph, tensors: Map<string, Float32Array>, what: string): void {
  for (const t of g.tensors) {
    if (t.role !== 'param') continue;
    const d = tensors.get(t.name);
    if (!d) throw new Error(`${what}: no tensor '${t.name}' for this model`);
    if (d.length !== t.data!.length)
      throw new Error(`${what}: tensor '${t.name}' has ${d.length} values, the model needs ${t.data!.length}`);
    t.data = d;
  }
}

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

export interface Manifest {
  schema: 'slimgpu-models/1';
  note?: string;
  models: ShippedModel[];
}

export async function loadManifest(): Promise<Manifest> {
  const r = await fetch('/models/manifest.json');
  // the dev server answers a missing file with the site's index.html (status 200): check the type too
  if (!r.ok || !(r.headers.get('content-type') ?? '').includes('json'))
    throw new Error(`no shipped models (/models/manifest.json is missing); train them with 'bash scripts/train_demo_models.sh'`);
  const doc = (await r.json()) as Manifest;
  if (doc.schema !== 'slimgpu-models/1') throw new Error(`models/manifest.json: schema '${doc.schema}', expected slimgpu-models/1`);
  return doc;
}

const ckCache = new Map<string, Promise<Checkpoint>>();

/** sessionStorage key under which the train page hands a checkpoint to the classify page. */
export const SENT_KEY = 'slimgpu-sent-model';

/** A checkpoint made in the page (not under /models/), fetchable by `file` from now on. */
export function registerCheckpoint(file: string, ck: Checkpoint): void {
  ckCache.set(file, Promise.resolve(ck));
}
export function fetchCheckpoint(file: string): Promise<Checkpoint> {
  let p = ckCache.get(file);
  if (!p) {
    p = fetch(`/models/${file}`).then(async (r) => {
      if (!r.ok || (r.headers.get('content-type') ?? '').includes('html'))
        throw new Error(`cannot fetch models/${file} (${r.ok ? 'missing' : r.status})`);
      return decodeCheckpoint(new Uint8Array(await r.arrayBuffer()), file);
    });
    ckCache.set(file, p);
  }
  return p;
}

export function download(bytes: Uint8Array | string, name: string, type = 'application/octet-stream'): void {
  const blob = new Blob([bytes as BlobPart], { type });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
