// Checkpoints: named f32 tensors (parameters, batch-norm running statistics, optimizer state) and a JSON header
// (model spec, training mode, step, configuration), written atomically: a temporary file in the same directory,
// fsync, then rename, so a crash never leaves a partial checkpoint under the final name.
//
// File layout: "SLIMCKPT" | u32 LE version (1) | u32 LE header bytes | header JSON (UTF-8) | zero padding to a
// multiple of 4 | tensor data (f32 LE, in header order). Header: { meta, tensors: [{ name, shape }] }.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SlimError } from '../runtime/errors.js';

const MAGIC = 'SLIMCKPT';
const VERSION = 1;

export interface Checkpoint {
  meta: Record<string, unknown>;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const entries = [...ck.tensors.entries()];
  const header = new TextEncoder().encode(JSON.stringify({ meta: ck.meta, tensors: entries.map(([name, t]) => ({ name, shape: t.shape })) }));
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

export function decodeCheckpoint(buf: Uint8Array, file = 'checkpoint'): Checkpoint {
  if (buf.length < 16 || new TextDecoder().decode(buf.subarray(0, 8)) !== MAGIC) throw new SlimError(`${file}: not a slimgpu checkpoint (bad magic)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw new SlimError(`${file}: checkpoint version ${version} is not supported (expected ${VERSION})`);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > buf.length) throw new SlimError(`${file}: truncated checkpoint header`);
  let header: { meta: Record<string, unknown>; tensors: { name: string; shape: number[] }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(16, 16 + hlen)));
  } catch (e) {
    throw new SlimError(`${file}: checkpoint header is not valid JSON (${(e as Error).message})`);
  }
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

/** Write atomically: temp file in the same directory + fsync + rename (the temp file is removed on failure). */
export function saveCheckpoint(path: string, ck: Checkpoint): void {
  const bytes = encodeCheckpoint(ck);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new SlimError(`cannot write checkpoint ${path}: ${(e as Error).message}`);
  }
}

export function loadCheckpoint(path: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new SlimError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
