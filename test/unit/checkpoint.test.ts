// Checkpoints: format round trip and errors, atomic writes (temp file + rename, nothing partial left behind),
// exact resume (weights and optimizer state bit for bit equal to an uninterrupted run), and the NaN/Inf guard.

import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, limitSplit, loadSplit } from '../../src/io/fashion_mnist.js';
import {
  checkpointWeights,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  parseCheckpointMeta,
  saveCheckpoint,
  type CheckpointMeta,
} from '../../src/train/checkpoint.js';
import { train, type TrainOptions } from '../../src/train/loop.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import { SlimError } from '../../src/runtime/errors.js';
import { runtime } from '../helpers.js';

/** The meta of the first checkpoint format (before train_examples, qat, prune, prune_state, teacher_cache). */
const firstMeta = () => ({
  format: 'slimgpu-checkpoint' as const,
  mode: 'plain' as const,
  model: { model: 'cnn_tiny' },
  peers: 1,
  seed: 1,
  initSeed: 1,
  batch: 8,
  opt: { ...DEFAULT_OPTIM },
  augment: { cropPad: 0, flip: false },
  epochs: 2,
  step: 7,
  epoch: 1,
});
const sampleMeta = (): CheckpointMeta => ({
  ...firstMeta(),
  train_examples: 48,
  qat: 'none',
  prune: null,
  teacher_cache: false,
  prune_state: null,
});

const sample = () => ({
  meta: sampleMeta(),
  tensors: new Map([
    ['a.w', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ['a.w@v', { shape: [1], data: Float32Array.of(-0.5) }],
  ]),
});

describe('checkpoint format', () => {
  it('round-trips meta and tensors exactly', () => {
    const ck = decodeCheckpoint(encodeCheckpoint(sample()));
    expect(ck.meta).toEqual(sample().meta);
    expect([...ck.tensors.get('a.w')!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ck.tensors.get('a.w@v')!.shape).toEqual([1]);
  });
  it('rejects bad magic, truncation and trailing bytes', () => {
    const b = encodeCheckpoint(sample());
    expect(() => decodeCheckpoint(new Uint8Array(20), 'x.ckpt')).toThrow(/x\.ckpt: not a slimgpu checkpoint/);
    expect(() => decodeCheckpoint(b.subarray(0, b.length - 4), 'x.ckpt')).toThrow(/truncated at tensor 'a.w@v'/);
    const longer = new Uint8Array(b.length + 4);
    longer.set(b);
    expect(() => decodeCheckpoint(longer, 'x.ckpt')).toThrow(/4 unexpected bytes/);
  });
  it('writes atomically: the old file stays whole until the rename, no temp file is left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const f = join(dir, 'model.ckpt');
    writeFileSync(f, 'old');
    saveCheckpoint(f, sample());
    expect(readdirSync(dir)).toEqual(['model.ckpt']);
    expect(loadCheckpoint(f).meta.step).toBe(7);
    expect(() => saveCheckpoint(join(dir, 'missing', 'm.ckpt'), sample())).toThrow(/cannot write checkpoint/);
    expect(readdirSync(dir)).toEqual(['model.ckpt']);
    expect(() => loadCheckpoint(join(dir, 'nope.ckpt'))).toThrow(/cannot read checkpoint .*ENOENT/);
  });
});

/** A checkpoint file holding this header text and no tensor data. */
function withHeader(text: string): Uint8Array {
  const header = new TextEncoder().encode(text);
  const out = new Uint8Array(Math.ceil((16 + header.length) / 4) * 4);
  out.set(new TextEncoder().encode('SLIMCKPT'));
  new DataView(out.buffer).setUint32(8, 1, true);
  new DataView(out.buffer).setUint32(12, header.length, true);
  out.set(header, 16);
  return out;
}

describe('checkpoint header schema', () => {
  const decodeHeader = (h: unknown) => () => decodeCheckpoint(withHeader(JSON.stringify(h)), 'x.ckpt');
  const meta = (patch: Record<string, unknown>) => ({ ...sampleMeta(), ...patch });

  it('reads the first format (later fields absent) with their defaults', () => {
    const ck = decodeCheckpoint(withHeader(JSON.stringify({ meta: firstMeta(), tensors: [] })), 'x.ckpt');
    expect(ck.meta).toEqual({ ...firstMeta(), qat: 'none', prune: null, teacher_cache: false, prune_state: null });
    expect(ck.meta.train_examples).toBeUndefined();
  });

  it('names the bad field of a malformed header in a one-line SlimError', () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /^x\.ckpt: checkpoint header must be an object \(got \[1,2\]\)$/],
      [{ tensors: [] }, /^x\.ckpt: checkpoint meta must be an object \(got nothing\)$/],
      [{ meta: sampleMeta(), tensors: { a: [1] } }, /^x\.ckpt: checkpoint header\.tensors must be an array \(got \{"a":\[1\]\}\)$/],
      [
        { meta: sampleMeta(), tensors: [{ name: 'w', shape: [2, -1] }] },
        /header\.tensors\[0\]\.shape\[1\] must be an integer ≥ 0 \(got -1\)$/,
      ],
      [{ meta: sampleMeta(), tensors: [{ shape: [2] }] }, /header\.tensors\[0\]\.name must be a non-empty string \(got nothing\)$/],
      [{ meta: meta({ mode: 'teacher' }), tensors: [] }, /meta\.mode must be one of plain, kd, dml \(got "teacher"\)$/],
      [{ meta: meta({ step: -3 }), tensors: [] }, /meta\.step must be an integer ≥ 0 \(got -3\)$/],
      [{ meta: meta({ model: {} }), tensors: [] }, /meta\.model\.model must be a non-empty string \(got nothing\)$/],
      [
        { meta: meta({ opt: { ...DEFAULT_OPTIM, kind: 'rmsprop' } }), tensors: [] },
        /meta\.opt\.kind must be one of sgd, adam, adamw \(got "rmsprop"\)$/,
      ],
      [
        { meta: meta({ prune_state: { ratio: '0.5', stopped: null } }), tensors: [] },
        /meta\.prune_state\.ratio must be a number \(got "0\.5"\)$/,
      ],
    ];
    for (const [header, message] of cases) {
      expect(decodeHeader(header)).toThrow(SlimError);
      expect(decodeHeader(header)).toThrow(message);
    }
    expect(() => decodeCheckpoint(withHeader('{"meta": '), 'x.ckpt')).toThrow(/^x\.ckpt: checkpoint header is not valid JSON/);
  });

  it('parseCheckpointMeta returns the typed meta and rejects a bad one by name', () => {
    expect(parseCheckpointMeta(sampleMeta())).toEqual(sampleMeta());
    expect(() => parseCheckpointMeta(meta({ batch: 0 }), 'run.ckpt')).toThrow(
      /^run\.ckpt: checkpoint meta\.batch must be an integer ≥ 1 \(got 0\)$/,
    );
    expect(() => parseCheckpointMeta(null)).toThrow(/^checkpoint meta must be an object \(got null\)$/);
  });
});

describe('training with checkpoints', () => {
  const trainSplit = limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 48);
  const testSplit = limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 20);
  const base = (): TrainOptions => ({
    model: { model: 'cnn_tiny' },
    mode: 'plain',
    epochs: 2,
    batch: 8,
    seed: 3,
    opt: { ...DEFAULT_OPTIM, kind: 'adamw', lr: 1e-3 },
    augment: { cropPad: 2, flip: true },
    train: trainSplit,
    test: testSplit,
  });

  it('a resumed run (mid-epoch) ends with exactly the weights and optimizer state of an uninterrupted one', async () => {
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'resume-'));
    const full = await train(rt, { ...base(), maxSteps: 8, out: join(dir, 'full.ckpt') });
    await train(rt, { ...base(), maxSteps: 4, out: join(dir, 'half.ckpt') });
    expect(loadCheckpoint(join(dir, 'half.ckpt')).meta.step).toBe(4);
    const resumed = await train(rt, { ...base(), maxSteps: 8, resume: join(dir, 'half.ckpt'), out: join(dir, 'resumed.ckpt') });
    expect(resumed.stepLosses[0]).toEqual(full.stepLosses[0].slice(4));
    const a = loadCheckpoint(join(dir, 'full.ckpt'));
    const b = loadCheckpoint(join(dir, 'resumed.ckpt'));
    expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
    for (const [name, t] of a.tensors)
      expect(Buffer.from(b.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    expect(existsSync(join(dir, 'resumed.ckpt'))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // the eval path reads the same weights
    expect(checkpointWeights(b).get('conv1.w')!.length).toBe(3 * 3 * 1 * 8);
  });

  it('a run killed mid-epoch resumes from its mid-epoch checkpoint exactly (weights, state, losses, epoch loss)', async () => {
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'resume-mid-'));
    // 48 examples / batch 8 = 6 steps per epoch; the straight run reads its losses back once per 4 steps
    const full = await train(rt, { ...base(), maxSteps: 9, readEvery: 4, out: join(dir, 'full.ckpt') });
    const ck = join(dir, 'killed.ckpt');
    const seen: number[] = [];
    const killed = train(rt, {
      ...base(),
      maxSteps: 9,
      readEvery: 2,
      out: ck,
      checkpointEverySteps: 2,
      onProgress: (p) => {
        seen.push(p.step);
        if (p.epoch === 0 && p.step === 5) throw new Error('killed');
      },
    });
    await expect(killed).rejects.toThrow('killed');
    // checkpoints at steps 2 and 4 (mid-epoch); the kill at step 5 came before the next
    const mid = loadCheckpoint(ck);
    expect(mid.meta.step).toBe(4);
    expect(mid.meta.epoch_progress?.steps).toBe(4);
    expect(mid.meta.epoch_progress?.loss_sum[0]).toBe(full.stepLosses[0].slice(0, 4).reduce((a, b) => a + b, 0));
    const resumed = await train(rt, { ...base(), maxSteps: 9, resume: ck, out: ck });
    expect(resumed.stepLosses[0]).toEqual(full.stepLosses[0].slice(4));
    // the epoch that was interrupted reports the loss of the whole epoch, as the straight run does
    expect(resumed.history[0].train_loss).toEqual(full.history[0].train_loss);
    const a = loadCheckpoint(join(dir, 'full.ckpt'));
    const b = loadCheckpoint(ck);
    expect(b.meta.step).toBe(9);
    expect(b.meta.epoch_progress).toEqual(a.meta.epoch_progress);
    for (const [name, t] of a.tensors)
      expect(Buffer.from(b.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reading the losses back every step or every 5 steps trains identically', async () => {
    const rt = await runtime();
    const one = await train(rt, { ...base(), maxSteps: 7, readEvery: 1 });
    const five = await train(rt, { ...base(), maxSteps: 7, readEvery: 5 });
    expect(five.stepLosses).toEqual(one.stepLosses);
    expect(one.stepLosses[0]).toHaveLength(7);
    for (const [name, w] of one.weights[0])
      expect(Buffer.from(five.weights[0].get(name)!.buffer).equals(Buffer.from(w.buffer)), name).toBe(true);
  });

  it('stops with an error naming the step when the loss or gradients become NaN/Inf', async () => {
    const rt = await runtime();
    await expect(train(rt, { ...base(), opt: { ...DEFAULT_OPTIM, lr: 1e30, momentum: 0 }, maxSteps: 6 })).rejects.toThrow(
      /training diverged at step \d+ \(epoch 1\): (loss|gradient norm) is (NaN|-?Infinity)/,
    );
  });

  it('refuses to resume from a checkpoint of another model', async () => {
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'resume-'));
    await train(rt, { ...base(), maxSteps: 1, out: join(dir, 'a.ckpt') });
    await expect(train(rt, { ...base(), model: { model: 'cnn_small' }, resume: join(dir, 'a.ckpt') })).rejects.toThrow(
      /is a plain run of cnn_tiny, not plain of cnn_small/,
    );
    expect(readFileSync(join(dir, 'a.ckpt')).subarray(0, 8).toString()).toBe('SLIMCKPT');
  });
});
