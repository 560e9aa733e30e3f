// Checkpoint files (Node only: node:fs): written atomically — a temporary file in the same directory, fsync, then
// rename, so a crash never leaves a partial checkpoint under the final name — and read whole or header only. The
// format itself (encode/decode, header schema, shipped models, weights of a peer) is the browser-safe
// src/train/checkpoint_codec.ts, re-exported here so one import serves Node code.

import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SlimError } from '../runtime/errors.js';
import {
  decodeCheckpoint,
  decodeShippedModel,
  encodeCheckpoint,
  headerLength,
  headerOf,
  isShippedModel,
  type Checkpoint,
  type CheckpointHeader,
} from './checkpoint_codec.js';

export * from './checkpoint_codec.js';

/** A checkpoint's header alone, validated (schema, tensor sizes against the file's length), without reading its
 *  tensors: what a command checks (model, compatibility, sizes) before any work. */
export function readCheckpointHeader(path: string): CheckpointHeader {
  let fd = -1;
  try {
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new SlimError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const size = fstatSync(fd).size;
    const head = new Uint8Array(16);
    readSync(fd, head, 0, 16, 0);
    if (isShippedModel(head.subarray(0, Math.min(16, size)))) {
      // a shipped model is small (one model's weights): decode it whole for its header
      const ck = decodeShippedModel(readFileSync(path), path);
      return { meta: ck.meta, tensors: [...ck.tensors].map(([name, t]) => ({ name, shape: t.shape })) };
    }
    const hlen = headerLength(head.subarray(0, Math.min(16, size)), size, path);
    const json = new Uint8Array(hlen);
    readSync(fd, json, 0, hlen, 16);
    return headerOf(json, hlen, size, path);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
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
