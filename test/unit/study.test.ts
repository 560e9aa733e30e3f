// The study runner (scripts/study.ts) without the long runs: its statistics against hand-computed examples, and its
// bookkeeping with a fake CLI — every run once, in dependency order, choices made on validation accuracy, finished
// runs skipped on restart, an interrupted run resumed from its checkpoint (and one of other arguments discarded),
// a failed run leaving no result, and --ship writing loadable safetensors with a valid manifest.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWeights } from '../../src/io/safetensors.js';
import { buildModel } from '../../src/models/zoo.js';
import { applyWeights, checkpointWeights, loadCheckpoint, saveCheckpoint, type CheckpointMeta } from '../../src/train/checkpoint.js';
import { MANIFEST_SCHEMA } from '../../src/train/checkpoint_codec.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import {
  ARMS,
  CHECKPOINT_EVERY_MIN,
  chosenKd,
  chosenLr,
  park,
  PLANS,
  planRuns,
  readResult,
  restoreParked,
  runStudy,
  ship,
  summaryMarkdown,
  type Exec,
  type StudyContext,
} from '../../scripts/study.js';
import { agreement, mean, pairedDifference, std, tQuantile975 } from '../../scripts/study_stats.js';

describe('study statistics', () => {
  it('mean, sample std and t quantiles', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.13809, 5); // Σ(x−5)² = 32, /7
    expect(std([0.9])).toBe(0);
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(40)).toBeCloseTo(2.0211, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
  });
  it('paired difference with a 95% CI (hand-computed)', () => {
    // d = 0.01, 0.01, 0, 0.02, 0.01: mean 0.01, Σ(d − 0.01)² = 2e-4, sd = √(2e-4/4) = 0.0070711,
    // half-width = 2.776 · 0.0070711 / √5 = 0.0087785
    const d = pairedDifference([0.85, 0.86, 0.84, 0.87, 0.85], [0.84, 0.85, 0.84, 0.85, 0.84]);
    expect(d.n).toBe(5);
    expect(d.mean).toBeCloseTo(0.01, 12);
    expect(d.std).toBeCloseTo(0.0070711, 6);
    expect(d.ci![0]).toBeCloseTo(0.0012215, 6);
    expect(d.ci![1]).toBeCloseTo(0.0187785, 6);
    expect(pairedDifference([0.5], [0.4]).ci).toBeNull();
    expect(() => pairedDifference([0.5], [0.4, 0.3])).toThrow(/equally long/);
  });
  it('top-1 agreement', () => {
    expect(agreement([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
  });
});

/** A fresh cnn_tiny / cnn_small written as a checkpoint (what a real train --out leaves), no training. */
function fakeCheckpoint(file: string, args: string[]): void {
  const model = args[args.indexOf('--model') + 1];
  const peers = args.includes('--mutual') ? 2 : 1;
  const meta: CheckpointMeta = {
    format: 'slimgpu-checkpoint',
    mode: peers > 1 ? 'dml' : args.includes('--kd') ? 'kd' : 'plain',
    model: { model },
    peers,
    seed: 1,
    initSeed: 1,
    batch: 32,
    train_examples: 2000,
    opt: { ...DEFAULT_OPTIM },
    augment: { cropPad: 0, flip: false },
    epochs: 3,
    qat: args.includes('--binary') ? 'binary' : 'none',
    prune: null,
    teacher_cache: false,
    prune_state: null,
    step: 10,
    epoch: 3,
  };
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (let k = 0; k < peers; k++) {
    for (const t of buildModel({ model, seed: k + 1 }).tensors.filter((t) => t.role === 'param')) {
      tensors.set(peers > 1 ? `peer${k}/${t.name}` : t.name, { shape: t.shape, data: t.data! });
      tensors.set(`${peers > 1 ? `peer${k}/` : ''}${t.name}@v`, { shape: t.shape, data: new Float32Array(t.data!.length) });
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  saveCheckpoint(file, { meta, tensors });
}

/** The fake CLI: train leaves a checkpoint and reports a validation accuracy that prefers lr 0.05 and T = 4;
 *  eval writes 10 predictions. `fail`: ids (by their --out path fragment) that exit 1. */
function fakeCli(calls: string[][], fail: string[] = []): Exec {
  return async (args) => {
    calls.push(args);
    const at = (f: string) => args[args.indexOf(f) + 1];
    if (fail.some((f) => args.join(' ').includes(f))) return { code: 1, stdout: '' };
    if (args[0] === 'train') {
      const out = at('--out');
      if (!args.includes('--resume')) fakeCheckpoint(out, args);
      const lr = Number(at('--lr'));
      const tau = args.includes('--temperature') ? Number(at('--temperature')) : 0;
      const val = 0.8 + (lr === 0.05 ? 0.01 : 0) + (tau === 4 ? 0.02 : 0);
      const peers = args.includes('--mutual');
      return {
        code: 0,
        stdout: JSON.stringify({ epochs: 3, steps: 186, val_accuracy: peers ? [val, val] : val, test_accuracy: 0.1, params: 1 }),
      };
    }
    const peer = args.includes('--peer') ? Number(at('--peer')) : 0;
    const seed = Number(/\/(\d+)\.ckpt$/.exec(at('--ckpt'))?.[1] ?? 1);
    const acc = 0.8 + (at('--ckpt').includes('/kd/') ? 0.006 : 0) + seed * 0.001 + peer * 0.002;
    const preds = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ i, label: i, pred: i < 9 || args.join(' ').includes('teacher') ? i : 0, logits: [] }),
    );
    writeFileSync(at('--predictions'), preds.join('\n') + '\n');
    return { code: 0, stdout: JSON.stringify({ test_accuracy: acc, precision: 'fp32', model_bytes: 100, report: {} }) };
  };
}

function context(exec: Exec): StudyContext {
  const dir = mkdtempSync(join(tmpdir(), 'study-'));
  return { plan: { ...PLANS.quick, seeds: [1, 2] }, results: join(dir, 'results'), work: join(dir, 'work'), exec };
}

describe('study runner', () => {
  it('runs every arm once in dependency order, chooses on validation, skips finished runs on restart', async () => {
    const calls: string[][] = [];
    const c = context(fakeCli(calls));
    const ran = await runStudy(c);
    expect(ran[0]).toBe('teacher/1');
    expect(ran.indexOf('sweep/lr0.05')).toBeLessThan(ran.indexOf('student/1'));
    expect(ran.indexOf('sweep/kd-T8-a0.5')).toBeLessThan(ran.indexOf('kd/1'));
    expect(ran).toEqual(
      expect.arrayContaining(['student/2', 'kd/2', 'twin/1', 'dml/2', 'ptq/1', 'qat/1', 'binary/1', 'sparse/1', 'thin/1']),
    );
    expect(new Set(ran).size).toBe(ran.length);
    expect(chosenLr(c)).toBe(0.05);
    expect(chosenKd(c)).toEqual({ tau: 4, alpha: 0.5 });
    // sweep runs are never scored on the test set
    expect(readResult(c, 'sweep/lr0.02')!.test_accuracy).toBeNull();
    expect(calls.filter((a) => a[0] === 'eval').every((a) => !a.join(' ').includes('sweep'))).toBe(true);
    expect(readResult(c, 'kd/1')!.commands[0]).toContain('--temperature 4 --alpha 0.5');
    expect(readResult(c, 'dml/1')!.agreement.peers).toBe(1);
    expect(readResult(c, 'student/1')!.agreement['teacher/1']).toBe(0.9);
    const md = summaryMarkdown(c);
    expect(md).toMatch(/\| KD student − student alone \| 2 \| \+0\.60 \| 0\.00 \| \[\+0\.60, \+0\.60\] \|/);
    expect(existsSync(join(c.results, 'SUMMARY.md'))).toBe(true);
    const n = calls.length;
    expect(await runStudy(c)).toEqual([]);
    expect(calls.length).toBe(n);
  });
  it('--jobs N: at most N runs at once, none before what it needs has finished, the same runs and choices', async () => {
    const calls: string[][] = [];
    const inner = fakeCli(calls);
    let most = 0;
    const live = new Set<string>();
    const order: string[] = [];
    const slow: Exec = async (args, log) => {
      if (args[0] !== 'train') return inner(args, log);
      const out = args[args.indexOf('--out') + 1];
      // a run may start only once every checkpoint it reads exists and its producer has finished
      if (args.includes('--teacher')) expect(order).toContain(args[args.indexOf('--teacher') + 1]);
      live.add(out);
      most = Math.max(most, live.size);
      // the teacher is the slowest run, so a run that ignores what it needs would start before it ends
      await new Promise((r) => setTimeout(r, out.includes('teacher') ? 40 : 5));
      const r = await inner(args, log);
      live.delete(out);
      order.push(out);
      return r;
    };
    const c = context(slow);
    const ran = await runStudy(c, ARMS, undefined, false, 3);
    expect(most).toBe(3);
    expect(live.size).toBe(0);
    const seq = context(fakeCli([]));
    const ranSeq = await runStudy(seq);
    expect([...ran].sort()).toEqual([...ranSeq].sort());
    expect(chosenLr(c)).toBe(0.05);
    expect(chosenKd(c)).toEqual({ tau: 4, alpha: 0.5 });
    // the teacher runs alone with the learning-rate sweep; everything that needs it starts after it
    const teacherDone = order.findIndex((o) => o.includes('teacher'));
    expect(teacherDone).toBeGreaterThanOrEqual(0);
    for (const id of ['student/1', 'kd/1', 'twin/1', 'dml/1', 'qat/1', 'binary/1'])
      expect(order.findIndex((o) => o.includes(id))).toBeGreaterThan(teacherDone);
    expect(summaryMarkdown(c)).toBe(summaryMarkdown(seq).replaceAll(seq.results, c.results).replaceAll(seq.work, c.work));
  });
  it('resumes an interrupted run from its checkpoint; discards a checkpoint of other arguments', async () => {
    const calls: string[][] = [];
    const c = context(fakeCli(calls));
    await runStudy(c, ['teacher', 'qat']);
    rmSync(join(c.results, 'qat/1.json')); // as if killed after the checkpoint, before the result
    calls.length = 0;
    expect(await runStudy(c, ['teacher', 'qat'])).toEqual(['qat/1']);
    const train = calls.find((a) => a[0] === 'train')!;
    expect(train).toContain('--resume');
    expect(train).not.toContain('--init'); // --resume replaces --init
    // mid-epoch checkpoints are asked for at launch, but kept out of the recorded arguments (old records still match)
    expect(train.slice(train.indexOf('--checkpoint-every-min'), train.indexOf('--checkpoint-every-min') + 2)).toEqual([
      '--checkpoint-every-min',
      String(CHECKPOINT_EVERY_MIN),
    ]);
    expect(readFileSync(join(c.work, 'qat/1.cmd'), 'utf8')).not.toContain('checkpoint-every-min');
    rmSync(join(c.results, 'qat/1.json'));
    writeFileSync(join(c.work, 'qat/1.cmd'), '["other"]');
    calls.length = 0;
    await runStudy(c, ['teacher', 'qat']);
    expect(calls.find((a) => a[0] === 'train')).not.toContain('--resume');
  });
  it('--park keeps the run in progress and the needed teacher for a fresh machine; a new WORK gets them back', async () => {
    const calls: string[][] = [];
    const c = context(fakeCli(calls));
    await runStudy(c, ['teacher', 'qat', 'ptq']);
    rmSync(join(c.results, 'qat/1.json')); // qat/1 in progress: a checkpoint, no result
    expect(park(c).sort()).toEqual(['qat/1', 'teacher/1']); // ptq/1 finished and needed by nobody: not parked
    const parked = join(c.results, 'parked');
    expect(readFileSync(join(parked, 'teacher/1.ckpt'))).toEqual(readFileSync(join(c.work, 'teacher/1.ckpt')));
    expect(readFileSync(join(parked, 'qat/1.cmd'), 'utf8')).toBe(readFileSync(join(c.work, 'qat/1.cmd'), 'utf8'));
    expect(existsSync(join(parked, 'ptq/1.ckpt'))).toBe(false);

    // a fresh machine: WORK is gone; the study restores both and resumes qat/1 instead of restarting it
    rmSync(c.work, { recursive: true });
    const fresh = c;
    expect(restoreParked(fresh).sort()).toEqual(['qat/1', 'teacher/1']);
    expect(readFileSync(join(fresh.work, 'qat/1.ckpt'))).toEqual(readFileSync(join(parked, 'qat/1.ckpt')));
    calls.length = 0;
    expect(await runStudy(fresh, ['teacher', 'qat', 'ptq'])).toEqual(['qat/1']);
    expect(calls.find((a) => a[0] === 'train')).toContain('--resume');
    // the teacher's predictions (not parked) are made again from its checkpoint for qat/1's agreement
    expect(calls.filter((a) => a[0] === 'eval').map((a) => a[a.indexOf('--ckpt') + 1])).toEqual([
      join(c.work, 'qat/1.ckpt'),
      join(c.work, 'teacher/1.ckpt'),
    ]);
    expect(readResult(fresh, 'qat/1')!.agreement['teacher/1']).toBe(0.9);
    // a WORK checkpoint that exists is newer than the parked copy: restore leaves it
    writeFileSync(join(fresh.work, 'teacher/1.ckpt'), 'newer');
    expect(restoreParked(fresh)).toEqual([]);
    expect(readFileSync(join(fresh.work, 'teacher/1.ckpt'), 'utf8')).toBe('newer');
    // once qat/1 has finished, parking drops its copy (nobody needs it); the teacher's stays
    expect(park(fresh)).toEqual(['teacher/1']);
    expect(existsSync(join(parked, 'qat/1.ckpt'))).toBe(false);
    expect(existsSync(join(parked, 'qat/1.cmd'))).toBe(false);
  });
  it('a failed run leaves no result and blocks nothing else', async () => {
    const calls: string[][] = [];
    const c = context(fakeCli(calls, ['work/binary/1.ckpt']));
    const ran = await runStudy(c, ['teacher', 'binary', 'ptq']);
    expect(ran).toEqual(['teacher/1', 'ptq/1', 'binary/1']);
    expect(readResult(c, 'binary/1')).toBeUndefined();
    expect(readResult(c, 'ptq/1')).toBeDefined();
  });
  it('--ship writes safetensors that load as checkpoints and into the library, and a valid manifest', async () => {
    const c = context(fakeCli([]));
    await runStudy(c, ['teacher', 'student', 'dml']);
    const dir = join(c.work, '..', 'models');
    const entries = ship(c, dir);
    expect(entries.map((e) => e.name)).toEqual(['teacher', 'student', 'student-dml-peer0', 'student-dml-peer1']);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.schema).toBe(MANIFEST_SCHEMA);
    for (const e of manifest.models) {
      expect(Object.keys(e).sort()).toEqual([
        'data',
        'date',
        'file',
        'model',
        'name',
        'precision',
        'provisional',
        'recipe',
        'role',
        'seed',
        'size_bytes',
        'sparse',
        'test_accuracy',
      ]);
      expect(e.provisional).toBe(true);
      const bytes = readFileSync(join(dir, e.file));
      expect(bytes.length).toBe(e.size_bytes);
      const ck = loadCheckpoint(join(dir, e.file)); // what eval --ckpt reads
      expect(ck.meta.peers).toBe(1);
      applyWeights(buildModel({ ...ck.meta.model, batch: 1 }), checkpointWeights(ck), e.file);
      loadWeights(buildModel({ model: e.model, batch: 1 }), new Uint8Array(bytes)); // the library, as the demos load it
    }
    // peer 1 of the DML run is its own model
    const peer1 = checkpointWeights(loadCheckpoint(join(dir, 'student-dml-peer1.safetensors')));
    const fromRun = checkpointWeights(loadCheckpoint(join(c.work, 'dml/1.ckpt')), 1);
    expect([...peer1.get('conv1.w')!]).toEqual([...fromRun.get('conv1.w')!]);
    expect(planRuns(c).length).toBeGreaterThan(0);
  });
  it('--ship keeps the entries of unfinished runs from the old manifest, by name or else by role', async () => {
    const c = context(fakeCli([]));
    await runStudy(c, ['teacher']);
    const dir = join(c.work, '..', 'models');
    mkdirSync(dir, { recursive: true });
    const standIn = (name: string, role: string) => ({ name, role, file: `${name}.ckpt`, test_accuracy: 0.5 });
    const old = [standIn('teacher', 'teacher'), standIn('kd', 'kd'), standIn('dml', 'dml'), standIn('binary-xnor', 'binary')];
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ schema: MANIFEST_SCHEMA, models: old }));
    const entries = ship(c, dir);
    // the finished teacher replaces its stand-in; kd and dml are kept by role (one dml entry for the two peers' slots)
    expect(entries.map((e) => [e.name, e.file])).toEqual([
      ['teacher', 'teacher.safetensors'],
      ['kd', 'kd.ckpt'],
      ['dml', 'dml.ckpt'],
      ['binary-xnor', 'binary-xnor.ckpt'],
    ]);
  });
});

describe.skipIf(!existsSync('models/manifest.json'))('models/manifest.json (the shipped models)', () => {
  it('every entry has the contract fields, its file at its size, and loads (eval --ckpt and the library)', () => {
    const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
    expect(manifest.schema).toBe(MANIFEST_SCHEMA);
    let total = 0;
    for (const e of manifest.models) {
      expect(typeof e.name === 'string' && typeof e.recipe === 'string' && typeof e.data === 'string' && typeof e.date === 'string').toBe(
        true,
      );
      expect(['fp32', 'int8', 'binary']).toContain(e.precision);
      expect(['teacher', 'student', 'kd', 'dml', 'int8', 'binary', 'sparse', 'thinned']).toContain(e.role);
      expect(typeof e.sparse === 'boolean' && typeof e.provisional === 'boolean' && Number.isInteger(e.seed)).toBe(true);
      expect(e.test_accuracy).toBeGreaterThan(0);
      expect(e.test_accuracy).toBeLessThanOrEqual(1);
      const bytes = readFileSync(join('models', e.file));
      expect(bytes.length, e.file).toBe(e.size_bytes);
      total += bytes.length;
      const ck = loadCheckpoint(join('models', e.file));
      expect(ck.meta.model.model).toBe(e.model);
      // a shipped model (safetensors) loads with loadWeights; a training checkpoint (the demos' provisional
      // stand-ins, SLIMCKPT) through its weights for the entry's peer
      if (e.file.endsWith('.safetensors')) loadWeights(buildModel({ model: e.model, batch: 1 }), new Uint8Array(bytes));
      else applyWeights(buildModel({ model: e.model, batch: 1 }), checkpointWeights(ck, e.peer ?? 0), e.file);
    }
    expect(total).toBeLessThan(16 << 20); // a few MB
  });
});
