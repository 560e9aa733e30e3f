// Checkpoint files on the CPU (src/train/checkpoint.ts; the format itself is checkpoint_codec.test.ts): the header
// read alone agrees with the whole file (training checkpoints and shipped safetensors models), every read of a short,
// missing or truncated file is a SlimError naming the file, and saveCheckpoint writes atomically (a temp file in the
// same directory, renamed; nothing left behind on failure). Written for issue 17 (a full StrykerJS run of
// checkpoint.ts needs tests that do not train on the GPU).

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SlimError } from '../../src/runtime/errors.js';
import {
  encodeCheckpoint,
  encodeShippedModel,
  loadCheckpoint,
  readCheckpointHeader,
  saveCheckpoint,
  type Checkpoint,
} from '../../src/train/checkpoint.js';
import { checkpointMeta } from '../checkpoint_meta.js';

// node:fs with a switch that makes writeSync fail like a full disk (the only way to reach saveCheckpoint's cleanup
// after the temp file is open)
const fail = vi.hoisted(() => ({ writes: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    writeSync: (...a: Parameters<typeof fs.writeSync>) => {
      if (fail.writes) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return (fs.writeSync as (...b: unknown[]) => number)(...a);
    },
  };
});
/** Open file descriptors of this process (Linux), to see that every path closes what it opened. */
const openFds = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);

const meta = checkpointMeta;
const ck = (tensors: [string, number[], number[]][]): Checkpoint => ({
  meta: meta(),
  tensors: new Map(tensors.map(([name, shape, data]) => [name, { shape, data: Float32Array.from(data) }])),
});
const dir = mkdtempSync(join(tmpdir(), 'slimgpu-ckfile-'));
/** The SlimError a call throws (fails the test if it throws something else or nothing). */
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SlimError);
    return (e as Error).message;
  }
  throw new Error('expected a SlimError');
};

describe('readCheckpointHeader = the header of loadCheckpoint, without reading the tensors', () => {
  const cases: [string, Checkpoint][] = [
    ['no tensors', ck([])],
    ['one tensor', ck([['c1.w', [2, 3], [1, 2, 3, 4, 5, 6]]])],
    [
      'two tensors, header length not a multiple of 4',
      ck([
        ['fc.b', [3], [1, -1, 0.5]],
        ['a', [1], [9]],
      ]),
    ],
  ];
  for (const [what, c] of cases)
    it(`training checkpoint, ${what}`, () => {
      const file = join(dir, `h_${what.replace(/\W+/g, '_')}.ckpt`);
      saveCheckpoint(file, c);
      const h = readCheckpointHeader(file);
      const whole = loadCheckpoint(file);
      expect(h.meta).toEqual(c.meta);
      expect(h.meta).toEqual(whole.meta);
      expect(h.tensors).toEqual([...c.tensors].map(([name, t]) => ({ name, shape: t.shape })));
      for (const [name, t] of c.tensors) expect([...whole.tensors.get(name)!.data]).toEqual([...t.data]);
    });
  it('a shipped model (safetensors with the meta) reads the same header and tensors', () => {
    const c = ck([
      ['c1.w', [2, 2], [1, 2, 3, 4]],
      ['c1.b', [2], [0.5, -0.5]],
    ]);
    const file = join(dir, 'm.safetensors');
    writeFileSync(file, encodeShippedModel(c));
    const h = readCheckpointHeader(file);
    expect(h.meta.model).toEqual(c.meta.model);
    expect(h.meta.format).toBe('slimgpu-checkpoint');
    expect([...h.tensors].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'c1.b', shape: [2] },
      { name: 'c1.w', shape: [2, 2] },
    ]);
    expect([...loadCheckpoint(file).tensors.get('c1.w')!.data]).toEqual([1, 2, 3, 4]);
  });
});

describe('reading bad files: a SlimError naming the file', () => {
  const good = encodeCheckpoint(ck([['w', [4], [1, 2, 3, 4]]]));
  const files: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /not a slimgpu checkpoint \(bad magic\)/],
    ['ten bytes of the magic', good.subarray(0, 10), /not a slimgpu checkpoint \(bad magic\)/],
    ['the first 16 bytes only', good.subarray(0, 16), /truncated checkpoint header/],
    ['cut inside the tensors', good.subarray(0, good.length - 4), /truncated at tensor 'w'/],
    ['4 bytes too many', Uint8Array.from([...good, 0, 0, 0, 0]), /4 unexpected bytes after the last tensor/],
    ['not a checkpoint', new TextEncoder().encode('hello, this is a text file\n'), /bad magic/],
    // shorter than 16 bytes with a '{' where a safetensors header starts: not taken for a shipped model
    ['10 bytes, a brace at 8', new TextEncoder().encode('ABCDEFGH{}'), /not a slimgpu checkpoint \(bad magic\)/],
  ];
  for (const [what, bytes, want] of files)
    it(`${what}: ${want.source}`, () => {
      const file = join(dir, `bad_${what.replace(/\W+/g, '_')}.ckpt`);
      writeFileSync(file, bytes);
      for (const read of [readCheckpointHeader, loadCheckpoint]) {
        const msg = errorOf(() => read(file));
        expect(msg).toMatch(want);
        expect(msg.startsWith(`${file}: `)).toBe(true);
      }
    });
  it('every read closes its file, good or bad', () => {
    const good = join(dir, 'fds.ckpt');
    saveCheckpoint(good, ck([['w', [2], [1, 2]]]));
    const badFile = join(dir, 'fds_bad.ckpt');
    writeFileSync(badFile, new Uint8Array(20));
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      readCheckpointHeader(good);
      expect(() => readCheckpointHeader(badFile)).toThrow(SlimError);
    }
    expect(openFds()).toBe(before);
  });
  it('a missing file or a directory: cannot read checkpoint <path>: <code>', () => {
    const missing = join(dir, 'nope.ckpt');
    expect(errorOf(() => readCheckpointHeader(missing))).toBe(`cannot read checkpoint ${missing}: ENOENT`);
    expect(errorOf(() => loadCheckpoint(missing))).toBe(`cannot read checkpoint ${missing}: ENOENT`);
    expect(errorOf(() => loadCheckpoint(dir))).toBe(`cannot read checkpoint ${dir}: EISDIR`);
  });
});

describe('saveCheckpoint: atomic', () => {
  it('replaces the old file whole, and leaves no temporary file', () => {
    const d = mkdtempSync(join(tmpdir(), 'slimgpu-ckatomic-'));
    const file = join(d, 'run.ckpt');
    saveCheckpoint(file, ck([['w', [2], [1, 2]]]));
    const big = ck([['w', [4096], Array.from({ length: 4096 }, (_, i) => i)]]);
    saveCheckpoint(file, big);
    expect(readdirSync(d)).toEqual(['run.ckpt']);
    expect(readFileSync(file).equals(encodeCheckpoint(big))).toBe(true);
  });
  it('a failed write: a SlimError naming the path, no temporary file, the old file untouched', () => {
    const d = mkdtempSync(join(tmpdir(), 'slimgpu-ckfail-'));
    // the target is a non-empty directory: the rename fails after the temp file was written
    const target = join(d, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'x'), 'x');
    expect(errorOf(() => saveCheckpoint(target, ck([['w', [1], [1]]])))).toMatch(new RegExp(`^cannot write checkpoint ${target}: `));
    expect(readdirSync(d)).toEqual(['taken']);
    // a directory that does not exist: the temp file cannot be opened
    const nowhere = join(d, 'no', 'such', 'dir', 'a.ckpt');
    expect(errorOf(() => saveCheckpoint(nowhere, ck([])))).toMatch(/^cannot write checkpoint .*a\.ckpt: ENOENT/);
    expect(existsSync(join(d, 'no'))).toBe(false);
    // a tensor whose data does not fit its shape is refused before any file is made
    const file = join(d, 'bad.ckpt');
    expect(() => saveCheckpoint(file, ck([['w', [3], [1, 2]]]))).toThrow(/has 2 values for shape \[3\]/);
    expect(readdirSync(d)).toEqual(['taken']);
  });
  it('a write that fails (disk full): a SlimError naming the path, the temp file closed and removed', () => {
    const d = mkdtempSync(join(tmpdir(), 'slimgpu-ckfull-'));
    const file = join(d, 'full.ckpt');
    saveCheckpoint(file, ck([['w', [1], [7]]]));
    const before = openFds();
    fail.writes = true;
    try {
      for (let i = 0; i < 10; i++)
        expect(errorOf(() => saveCheckpoint(file, ck([['w', [2], [1, 2]]])))).toBe(
          `cannot write checkpoint ${file}: ENOSPC: no space left on device, write`,
        );
    } finally {
      fail.writes = false;
    }
    expect(openFds()).toBe(before);
    expect(readdirSync(d)).toEqual(['full.ckpt']);
    expect([...loadCheckpoint(file).tensors.get('w')!.data]).toEqual([7]);
  });
});
