// The training loop's own decisions (loop.ts), tested directly (issue 17: each describe was written for sampled
// mutants of loop.ts that the training tests let survive): when a kd run caches its teacher's logits, the NaN/Inf
// guard's message (which of loss and gradient norm, which step, epoch and peer), the resume check of batch, examples
// and seed, and the per-node profile of a trained step.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FASHION_MNIST_DIR, limitSplit, loadSplit, NO_AUGMENT, type Augment } from '../../src/io/fashion_mnist.js';
import { SlimError } from '../../src/runtime/errors.js';
import { buildModel } from '../../src/models/zoo.js';
import { readCheckpointHeader, saveCheckpoint, type CheckpointMeta, type PruneState } from '../../src/train/checkpoint.js';
import { cachesTeacher, resume, stepLosses, train, type EpochRecord, type Progress, type TrainOptions } from '../../src/train/loop.js';
import { evaluate } from '../../src/train/scoring.js';
import { pruneSchedule } from '../../src/compress/masks.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import { checkpointMeta } from '../checkpoint_meta.js';
import type { Pruning } from '../../src/train/pruning.js';
import type { CompiledStep, LossReadout } from '../../src/train/step_graph.js';
import { runtime } from '../helpers.js';

// saveCheckpoint as imported, recording the step of every checkpoint written (mid-epoch checkpoints are overwritten
// by the next, so the file alone cannot show how many there were)
const saved = vi.hoisted(() => ({ steps: [] as number[], metas: [] as { step: number; prune_state: unknown }[] }));
vi.mock('../../src/train/checkpoint.js', async (original) => {
  const m = await original<typeof import('../../src/train/checkpoint.js')>();
  return {
    ...m,
    saveCheckpoint: (...a: Parameters<typeof m.saveCheckpoint>) => {
      saved.steps.push(a[1].meta.step);
      saved.metas.push({ step: a[1].meta.step, prune_state: a[1].meta.prune_state });
      return m.saveCheckpoint(...a);
    },
  };
});

/** Options with only what the functions under test read (the splits are stand-ins of the right size). */
const opts = (o: Partial<TrainOptions>): TrainOptions =>
  ({
    model: { model: 'cnn_tiny' },
    mode: 'plain',
    epochs: 1,
    batch: 8,
    seed: 3,
    opt: { ...DEFAULT_OPTIM },
    augment: NO_AUGMENT,
    train: { n: 48 },
    test: { n: 8 },
    ...o,
  }) as TrainOptions;

describe('cachesTeacher: kd caches its teacher logits by default only without augmentation', () => {
  const crop: Augment = { cropPad: 2, flip: false };
  const flip: Augment = { cropPad: 0, flip: true };
  const cases: [string, Partial<TrainOptions>, boolean | RegExp][] = [
    ['kd, no augmentation, default', { mode: 'kd' }, true],
    ['kd, no augmentation, teacherCache true', { mode: 'kd', teacherCache: true }, true],
    ['kd, no augmentation, teacherCache false', { mode: 'kd', teacherCache: false }, false],
    ['kd, crop padding, default', { mode: 'kd', augment: crop }, false],
    ['kd, flips, default', { mode: 'kd', augment: flip }, false],
    ['kd, crop padding, teacherCache true', { mode: 'kd', augment: crop, teacherCache: true }, /cached only without augmentation/],
    ['kd, flips, teacherCache true', { mode: 'kd', augment: flip, teacherCache: true }, /cached only without augmentation/],
    ['kd, flips, teacherCache false', { mode: 'kd', augment: flip, teacherCache: false }, false],
    ['plain, no augmentation', { mode: 'plain' }, false],
    ['dml, no augmentation', { mode: 'dml' }, false],
  ];
  for (const [what, o, want] of cases)
    it(what, () => {
      if (want instanceof RegExp) expect(() => cachesTeacher(opts(o))).toThrow(want);
      else expect(cachesTeacher(opts(o))).toBe(want);
    });
});

describe('stepLosses: the reported loss, and the NaN/Inf guard naming what diverged', () => {
  const one: LossReadout[] = [{ ce: 0, norm: 1, alpha: 0.5, klWeight: 0 }];
  const kd: LossReadout[] = [{ ce: 0, kl: 2, norm: 1, alpha: 0.25, klWeight: 2 }];
  const peers: LossReadout[] = [
    { ce: 0, kl: 1, norm: 2, alpha: 1, klWeight: 1 },
    { ce: 3, kl: 4, norm: 5, alpha: 1, klWeight: 1 },
  ];
  const f = (...v: number[]) => Float32Array.from(v);
  it('α·mean(CE) + klWeight·mean(KL) per readout', () => {
    expect(stepLosses([f(1, 3), f(9)], one, 0, 4)).toEqual([1]);
    expect(stepLosses([f(2, 6), f(1), f(1, 2, 3)], kd, 0, 4)).toEqual([0.25 * 4 + 2 * 2]);
    expect(stepLosses([f(1), f(3), f(0), f(5), f(7), f(0)], peers, 0, 4)).toEqual([4, 12]);
  });
  const bad: [string, Float32Array[], LossReadout[], number, string][] = [
    ['a NaN loss', [f(NaN, 1), f(2)], one, 5, 'training diverged at step 5 (epoch 2): loss is NaN; lower --lr or set --clip'],
    ['an infinite loss', [f(Infinity), f(2)], one, 0, 'training diverged at step 0 (epoch 1): loss is Infinity; lower --lr or set --clip'],
    ['a NaN loss and norm', [f(NaN), f(NaN)], one, 3, 'training diverged at step 3 (epoch 1): loss is NaN; lower --lr or set --clip'],
    [
      'an infinite gradient norm',
      [f(1), f(Infinity)],
      one,
      8,
      'training diverged at step 8 (epoch 3): gradient norm is Infinity; lower --lr or set --clip',
    ],
    ['a NaN KL', [f(1), f(1), f(NaN)], kd, 1, 'training diverged at step 1 (epoch 1): loss is NaN; lower --lr or set --clip'],
    [
      "the second peer's gradient norm",
      [f(1), f(1), f(1), f(1), f(1), f(-Infinity)],
      peers,
      4,
      'training diverged at step 4 (epoch 2), peer 1: gradient norm is -Infinity; lower --lr or set --clip',
    ],
  ];
  for (const [what, outs, readouts, step, msg] of bad)
    it(`${what}: ${msg}`, () => {
      let err: unknown;
      try {
        stepLosses(outs, readouts, step, 4);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SlimError);
      expect((err as Error).message).toBe(msg);
    });
});

describe('resume: the checkpoint must match the run it continues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimgpu-resume-'));
  const meta = (m: Partial<CheckpointMeta>): CheckpointMeta => checkpointMeta({ augment: NO_AUGMENT, epochs: 1, step: 2, epoch: 0, ...m });
  const write = (name: string, m: Partial<CheckpointMeta>) => {
    const file = join(dir, name);
    saveCheckpoint(file, { meta: meta(m), tensors: new Map([['c1.w', { shape: [2], data: Float32Array.of(1, 2) }]]) });
    return file;
  };
  /** A compiled step and pruning that record what resume hands them. */
  const fakes = () => {
    const got: { restored: string[]; file?: string; prune?: PruneState } = { restored: [] };
    const run = {
      restore: (t: Map<string, unknown>, file: string) => {
        got.restored = [...t.keys()];
        got.file = file;
      },
    } as unknown as CompiledStep;
    const pruning = { restore: (s: PruneState) => (got.prune = s) } as unknown as Pruning;
    return { got, run, pruning };
  };
  it('a matching checkpoint: its tensors restored, its pruning state, its meta returned', () => {
    const state: PruneState = { ratio: 0.25, stopped: null };
    const file = write('ok.ckpt', { prune_state: state });
    const { got, run, pruning } = fakes();
    const m = resume(file, opts({}), run, pruning);
    expect(m.step).toBe(2);
    expect(got).toEqual({ restored: ['c1.w'], file, prune: state });
    // without a pruning state in the checkpoint, the run's pruning is left alone
    const { got: got2, run: run2, pruning: pruning2 } = fakes();
    resume(write('noprune.ckpt', {}), opts({}), run2, pruning2);
    expect(got2.prune).toBeUndefined();
  });
  const bad: [string, Partial<CheckpointMeta>, Partial<TrainOptions>, RegExp][] = [
    ['another batch', { batch: 16 }, {}, /was trained with batch 16, 48 examples, seed 3; .*\(got batch 8, 48 examples, seed 3\)/],
    ['another training split', { train_examples: 40 }, {}, /was trained with batch 8, 40 examples, seed 3; .*\(got batch 8, 48 examples/],
    ['another seed', { seed: 4, initSeed: 4 }, {}, /was trained with batch 8, 48 examples, seed 4; .*seed 3\)/],
    ['another mode', { mode: 'dml', peers: 2 }, {}, /is a dml run of cnn_tiny, not plain of cnn_tiny/],
    ['another model', { model: { model: 'cnn_small' } }, {}, /is a plain run of cnn_small, not plain of cnn_tiny/],
  ];
  for (const [what, m, o, want] of bad)
    it(`${what} is refused`, () => {
      const { run, pruning } = fakes();
      expect(() => resume(write(`${what.replace(/ /g, '_')}.ckpt`, m), opts(o), run, pruning)).toThrow(want);
    });
});

describe('train refuses --init for deep mutual learning', () => {
  it('dml peers start from their own seeds', async () => {
    const rt = await runtime();
    const init = new Map(
      buildModel({ model: 'cnn_tiny' })
        .tensors.filter((t) => t.role === 'param')
        .map((t) => [t.name, t.data!]),
    );
    await expect(train(rt, { ...opts({ mode: 'dml', peers: 2 }), init, maxSteps: 1 })).rejects.toThrow(
      'deep mutual learning starts its peers from different seeds, not from --init weights',
    );
  });
});

describe('train with profile: the last step timed per node', () => {
  it('without --profile the result has no profile', async () => {
    const rt = await runtime();
    const r = await train(rt, {
      ...opts({}),
      maxSteps: 1,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    expect(r.profile).toBeUndefined();
    // with --profile but no step trained (maxSteps 0): nothing to profile
    const none = await train(rt, {
      ...opts({}),
      maxSteps: 0,
      profile: true,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    expect(none.profile).toBeUndefined();
  });

  it('one step of cnn_tiny: every node named, slowest first, step_ms their sum', async () => {
    const rt = await runtime();
    const r = await train(rt, {
      ...opts({}),
      maxSteps: 1,
      profile: true,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 16),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    const p = r.profile!;
    expect(p).toBeDefined();
    expect(p.nodes.length).toBeGreaterThan(5);
    for (const n of p.nodes) {
      expect(typeof n.name).toBe('string');
      expect(typeof n.op).toBe('string');
      expect(n.ms).toBeGreaterThanOrEqual(0);
    }
    expect(p.nodes.some((n) => n.op === 'conv2d')).toBe(true);
    for (let i = 1; i < p.nodes.length; i++) expect(p.nodes[i].ms).toBeLessThanOrEqual(p.nodes[i - 1].ms);
    const sum = p.nodes.reduce((a, n) => a + n.ms, 0);
    expect(Math.abs(p.step_ms - sum)).toBeLessThan(1e-3 * p.nodes.length + 1e-3);
    // the trained weights come back: one map (one model), every parameter of cnn_tiny at its size, finite
    const params = buildModel({ model: 'cnn_tiny' }).tensors.filter((t) => t.role === 'param');
    expect(r.weights).toHaveLength(1);
    expect([...r.weights[0].keys()].sort()).toEqual(params.map((t) => t.name).sort());
    for (const t of params) {
      const w = r.weights[0].get(t.name)!;
      expect(w.length, t.name).toBe(t.data!.length);
      expect(w.every(Number.isFinite), t.name).toBe(true);
    }
  });
});

describe("train's tune option: the step's kernel variants measured once per adapter, then cached", () => {
  it("'measure' times every multi-candidate node of the step (forward and backward) into the cache; 'cached' reads it back", async () => {
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-train-tune-'));
    vi.stubEnv('SLIMGPU_CACHE_DIR', dir);
    try {
      const data = {
        train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
        test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
      };
      await train(rt, { ...opts({}), ...data, maxSteps: 1 });
      expect(existsSync(join(dir, 'tune.json'))).toBe(false); // the default never measures
      await train(rt, { ...opts({}), ...data, maxSteps: 1, tune: 'measure' });
      const store = JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8')) as Record<
        string,
        Record<string, { id: string; ms: Record<string, number> }>
      >;
      const keys = Object.values(store).flatMap((a) => Object.entries(a));
      // the forward conv, the input gradient (conv2d_gemm of dy) and the weight gradient of cnn_tiny's conv2, each
      // with its measured candidates and the fastest screened one among them
      for (const op of ['conv2d|', 'conv2d_gemm|', 'conv2d_backward_weight_partial|']) {
        const hits = keys.filter(([k]) => k.startsWith(op));
        expect(hits.length, op).toBeGreaterThan(0);
        for (const [k, e] of hits) {
          expect(Object.keys(e.ms).length, k).toBeGreaterThan(1);
          expect(Object.keys(e.ms), k).toContain(e.id);
        }
      }
      const r = await train(rt, { ...opts({}), ...data, maxSteps: 1, tune: 'cached' });
      expect(r.train_loss[0]).toBeGreaterThan(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

// Written for the loop.ts survivors of the sample of 30 Nov (issue 17): the steps per epoch (n / batch), the epoch a
// checkpoint records, --init honoured outside deep mutual learning, and where the batches are assembled (TrainResult.data).
describe('train: steps per epoch, the checkpoint at the end of an epoch, and where batches are assembled', () => {
  it('32 examples in batches of 8, 2 epochs stopped at step 6, a checkpoint every 2 steps: 4 steps per epoch', async () => {
    const rt = await runtime();
    const out = join(mkdtempSync(join(tmpdir(), 'slimgpu-epoch-')), 'run.ckpt');
    saved.steps = [];
    const t0 = performance.now();
    const r = await train(rt, {
      ...opts({}),
      epochs: 2,
      maxSteps: 6,
      out,
      checkpointEverySteps: 2,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 32),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    // floor(32 / 8) = 4 steps per epoch: epoch 1 whole, epoch 2 stopped after 2 of its steps
    expect(r.steps).toBe(6);
    expect(r.epochs).toBe(2);
    expect(r.stepLosses[0]).toHaveLength(6);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2]);
    // accuracy measured at the end of the run only (no evalEveryEpoch): one model, a fraction
    expect(r.history.map((h) => h.test_accuracy.length)).toEqual([0, 1]);
    expect(r.test_accuracy).toHaveLength(1);
    expect(r.test_accuracy[0]).toBeGreaterThanOrEqual(0);
    expect(r.test_accuracy[0]).toBeLessThanOrEqual(1);
    // the training time is measured inside the call, so the rate is at least images / the call's wall time
    expect(r.images_per_s).toBeGreaterThanOrEqual((6 * 8) / ((performance.now() - t0) / 1000));
    // checkpoints: 2 steps after the start (mid-epoch), the end of epoch 1 (step 4), the end of the run (step 6);
    // not at step 3 or 5 (1 step after the last one)
    expect(saved.steps).toEqual([2, 4, 6]);
    // the last one: step 6 in epoch index 1, 2 steps into it, with their loss sum (to resume the epoch's loss)
    const { meta } = readCheckpointHeader(out);
    expect([meta.step, meta.epoch]).toEqual([6, 1]);
    // the cosine schedule runs over every step asked for (2 epochs × 4), whatever the options' totalSteps
    expect([meta.opt.schedule, meta.opt.totalSteps]).toEqual(['cosine', 8]);
    expect(meta.epoch_progress).toEqual({ loss_sum: [r.stepLosses[0][4] + r.stepLosses[0][5]], steps: 2 });
    // no augmentation, no cached teacher, the default generator: the batches are gathered on the GPU
    expect(r.data).toEqual({ source: 'gpu' });
  });

  it('kd from --init weights: the student starts from them (maxSteps 0), batches on the CPU for the cached teacher logits', async () => {
    const rt = await runtime();
    const params = (seed: number) =>
      new Map(
        buildModel({ model: 'cnn_tiny', seed })
          .tensors.filter((t) => t.role === 'param')
          .map((t) => [t.name, t.data!]),
      );
    const init = params(11);
    const r = await train(rt, {
      ...opts({ mode: 'kd' }),
      teacher: { spec: { model: 'cnn_tiny' }, tensors: params(5) },
      init,
      maxSteps: 0,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    expect(r.steps).toBe(0);
    // nothing trained: one record with the accuracy of the initial weights and no loss
    expect(r.history).toHaveLength(1);
    expect(r.train_loss).toEqual([]);
    expect(r.test_accuracy).toHaveLength(1);
    expect([...r.weights[0].keys()].sort()).toEqual([...init.keys()].sort());
    for (const [name, w] of init) expect([...r.weights[0].get(name)!], name).toEqual([...w]);
    expect(r.data).toEqual({ source: 'host', note: 'cached teacher logits: batches assembled on the CPU' });
  });
});

// Survivors of the fresh mutation sample (seed 2026, docs/results/mutation/fresh/), each test checked to fail with
// its mutant planted and pass without.
describe('train: pruning at the end of an epoch, and the validation accuracy of the result', () => {
  it('one epoch of one step pruned to 50 % at its end, with a validation split: every model gets a val accuracy', async () => {
    // loop.ts:371 (pruning.endOfEpoch called at the end of each epoch) and loop.ts:420 (one val accuracy per model)
    const rt = await runtime();
    const r = await train(rt, {
      ...opts({}),
      maxSteps: 1,
      prune: { sparsity: 0.5, start: 1, end: 1 },
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
      val: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    expect(r.steps).toBe(1);
    // pruneSchedule at the last pruning epoch: the whole target
    expect(r.prune?.ratio).toBe(0.5);
    expect(r.sparsity).toBeGreaterThan(0.4);
    expect(r.val_accuracy).toHaveLength(1);
    expect(r.val_accuracy![0]).toBeGreaterThanOrEqual(0);
    expect(r.val_accuracy![0]).toBeLessThanOrEqual(1);
  });
  it('a pruning accuracy floor without validation images (none, or an empty split) is refused by name', async () => {
    // loop.ts:187 (val given AND not empty): checked before anything runs, so no runtime is needed
    const want = "an accuracy floor for pruning needs validation images (val; the CLI's --val N)";
    const prune = { sparsity: 0.5, start: 1, end: 1, floor: 0.5 };
    const rt = null as unknown as Parameters<typeof train>[0];
    await expect(train(rt, { ...opts({}), prune })).rejects.toThrow(want);
    await expect(train(rt, { ...opts({}), prune, val: { n: 0 } as TrainOptions['val'] })).rejects.toThrow(want);
  });
});

// The options train() refuses before it touches the GPU (loop.ts checkOptions and stepKind, optim.ts checkOptim,
// masks.ts checkPruneOptions, step_graph.ts's kd/dml arguments), one row per condition, each violated alone, and
// the boundary combinations that pass. With gpuData false every check runs before the runtime is first used, so
// the runtime here is null: a refused row rejects with its SlimError, an accepted row gets past every check and
// fails only where the null runtime is first read (a TypeError, not a SlimError).
describe('train option validation: every bad combination refused by name, the boundaries accepted', () => {
  const teacherTensors = new Map(
    buildModel({ model: 'cnn_tiny', seed: 5 })
      .tensors.filter((t) => t.role === 'param')
      .map((t) => [t.name, t.data!]),
  );
  const teacher = { spec: { model: 'cnn_tiny' as const }, tensors: teacherTensors };
  const val = (n: number) => ({ n }) as TrainOptions['val'];
  const flip: Augment = { ...NO_AUGMENT, flip: true };
  const crop: Augment = { ...NO_AUGMENT, cropPad: 2 };
  const p50 = { sparsity: 0.5, start: 1, end: 1 };
  const rows: [string, Partial<TrainOptions>, string | null][] = [
    ['learning rate 0', { opt: { ...DEFAULT_OPTIM, lr: 0 } }, 'learning rate must be > 0 (got 0)'],
    ['momentum 1', { opt: { ...DEFAULT_OPTIM, momentum: 1 } }, 'momentum must be in [0, 1) (got 1)'],
    ['batch 0', { batch: 0 }, 'batch must be a positive integer (got 0)'],
    ['batch 2.5', { batch: 2.5 }, 'batch must be a positive integer (got 2.5)'],
    ['batch 1 of one example', { batch: 1, train: { n: 1 } as TrainOptions['train'] }, null],
    ['7 examples, batch 8', { train: { n: 7 } as TrainOptions['train'] }, 'the training split has 7 examples, fewer than one batch of 8'],
    ['8 examples, batch 8', { train: { n: 8 } as TrainOptions['train'] }, null],
    ['pruning sparsity 1', { prune: { ...p50, sparsity: 1 } }, 'pruning sparsity must be in [0, 1) (got 1)'],
    ['pruning epochs 2:1', { prune: { ...p50, start: 2 } }, 'pruning epochs must be 1 ≤ start ≤ end (got 2:1)'],
    [
      'a floor without val',
      { prune: { ...p50, floor: 0.5 } },
      "an accuracy floor for pruning needs validation images (val; the CLI's --val N)",
    ],
    [
      'a floor with an empty val',
      { prune: { ...p50, floor: 0.5 }, val: val(0) },
      "an accuracy floor for pruning needs validation images (val; the CLI's --val N)",
    ],
    ['a floor with one val image', { prune: { ...p50, floor: 0.5 }, val: val(1) }, null],
    ['pruning without a floor or val', { prune: p50 }, null],
    [
      'a floor for dml',
      { mode: 'dml', prune: { ...p50, floor: 0.5 }, val: val(8) },
      'the pruning floor judges one model; deep mutual learning trains several',
    ],
    ['dml pruned without a floor', { mode: 'dml', prune: p50 }, null],
    [
      'dml from --init',
      { mode: 'dml', init: teacherTensors },
      'deep mutual learning starts its peers from different seeds, not from --init weights',
    ],
    ['plain from --init', { init: teacherTensors }, null],
    ['dml of 1 peer', { mode: 'dml', peers: 1 }, 'deep mutual learning needs at least 2 peers (got 1)'],
    ['dml of 3 peers', { mode: 'dml', peers: 3 }, null],
    ['kd without a teacher', { mode: 'kd' }, 'distillation needs a teacher checkpoint (--teacher CKPT)'],
    [
      'kd caching with crops',
      { mode: 'kd', teacher, teacherCache: true, augment: crop },
      'teacher logits can be cached only without augmentation (each augmented batch is new)',
    ],
    [
      'kd caching with flips',
      { mode: 'kd', teacher, teacherCache: true, augment: flip },
      'teacher logits can be cached only without augmentation (each augmented batch is new)',
    ],
    ['kd not caching, with flips', { mode: 'kd', teacher, teacherCache: false, augment: flip }, null],
    ['kd caching without augmentation', { mode: 'kd', teacher, teacherCache: true }, null],
    ['kd τ 0', { mode: 'kd', teacher, tau: 0 }, 'distillation needs τ > 0, α ≥ 0, β ≥ 0 (got 0, 0.5, 0.5)'],
    ['kd α < 0', { mode: 'kd', teacher, alpha: -0.25 }, 'distillation needs τ > 0, α ≥ 0, β ≥ 0 (got 4, -0.25, 1.25)'],
    ['kd β < 0', { mode: 'kd', teacher, beta: -1 }, 'distillation needs τ > 0, α ≥ 0, β ≥ 0 (got 4, 0.5, -1)'],
    ['kd α 0, β 0', { mode: 'kd', teacher, alpha: 0, beta: 0 }, null],
  ];
  const rt = null as unknown as Parameters<typeof train>[0];
  for (const [what, o, want] of rows)
    it(`${what}: ${want ?? 'accepted'}`, async () => {
      let err: unknown;
      try {
        await train(rt, { ...opts(o), gpuData: false });
      } catch (e) {
        err = e;
      }
      if (want === null) {
        expect(err, 'passes every check, stops at the null runtime').toBeInstanceOf(TypeError);
        expect(err).not.toBeInstanceOf(SlimError);
      } else {
        expect(err).toBeInstanceOf(SlimError);
        expect((err as Error).message).toBe(want);
      }
    });
});

// The per-epoch and per-peer bookkeeping of a small run: every recorded array has one entry per peer (or per step /
// epoch), and each value is the one its definition gives (a mean of that epoch's step losses, the accuracy of that
// peer's own returned weights), so a record filled from the wrong peer, epoch or step is seen.
describe('train bookkeeping: per epoch, per peer, per step', () => {
  it('dml, 2 peers, 2 epochs of 2 steps, evaluated every epoch, with validation images', async () => {
    const rt = await runtime();
    const epochs: EpochRecord[] = [];
    const progress: Progress[] = [];
    const split = (name: 'train' | 't10k', n: number, from = 0) => limitSplit(loadSplit(FASHION_MNIST_DIR, name), n + from);
    const test = split('t10k', 8);
    const val = split('t10k', 64);
    const r = await train(rt, {
      ...opts({ mode: 'dml', peers: 2 }),
      epochs: 2,
      evalEveryEpoch: true,
      readEvery: 3,
      train: split('train', 16),
      test,
      val,
      onEpoch: (e) => epochs.push(e),
      onProgress: (p) => progress.push(p),
    });
    expect([r.steps, r.epochs, r.mode]).toEqual([4, 2, 'dml']);
    // step losses: one row per peer, one entry per step, finite; the peers start from different seeds
    expect(r.stepLosses.map((l) => l.length)).toEqual([4, 4]);
    for (const l of r.stepLosses) expect(l.every(Number.isFinite)).toBe(true);
    expect(r.stepLosses[0]).not.toEqual(r.stepLosses[1]);
    // one record per epoch, each with one mean loss and one accuracy per peer
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(epochs).toEqual(r.history);
    r.history.forEach((h, e) => {
      expect(h.train_loss).toHaveLength(2);
      expect(h.test_accuracy).toHaveLength(2);
      for (let k = 0; k < 2; k++) {
        const mean = (r.stepLosses[k][2 * e] + r.stepLosses[k][2 * e + 1]) / 2;
        expect(h.train_loss[k], `epoch ${e + 1} peer ${k}`).toBeCloseTo(mean, 5);
      }
    });
    expect(r.train_loss).toEqual(r.history[1].train_loss);
    expect(r.test_accuracy).toEqual(r.history[1].test_accuracy);
    // one weight map per peer, different; the accuracies are those of each peer's own weights
    expect(r.weights).toHaveLength(2);
    const name = [...r.weights[0].keys()][0];
    expect([...r.weights[0].get(name)!]).not.toEqual([...r.weights[1].get(name)!]);
    expect(r.val_accuracy).toHaveLength(2);
    const acc = (k: number, split: typeof val) => evaluate(rt, { model: 'cnn_tiny' }, r.weights[k], split, 100, 'none');
    const [val0, val1] = [await acc(0, val), await acc(1, val)];
    // the peers' validation accuracies differ (so one peer's figure reported for both is seen)
    expect(val0).not.toBe(val1);
    expect(r.val_accuracy).toEqual([val0, val1]);
    for (let k = 0; k < 2; k++) expect(r.test_accuracy[k], `test, peer ${k}`).toBe(await acc(k, test));
    // progress after every step: epoch index, step within the epoch, peer 0's loss
    expect(progress.map((p) => [p.epoch, p.step, p.stepsPerEpoch, p.epochs])).toEqual([
      [0, 1, 2, 2],
      [0, 2, 2, 2],
      [1, 1, 2, 2],
      [1, 2, 2, 2],
    ]);
    expect(progress.map((p) => p.loss)).toEqual(r.stepLosses[0]);
    for (const p of progress) expect(p.imagesPerS).toBeGreaterThan(0);
  });

  it('pruning acts at the end of every epoch: the checkpoint of each epoch holds its scheduled ratio', async () => {
    const rt = await runtime();
    const out = join(mkdtempSync(join(tmpdir(), 'slimgpu-prune-')), 'run.ckpt');
    saved.metas = [];
    const prune = { sparsity: 0.5, start: 1, end: 3 };
    const r = await train(rt, {
      ...opts({}),
      epochs: 3,
      out,
      prune,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    expect(r.steps).toBe(3);
    const ratios = [1, 2, 3].map((e) => pruneSchedule(prune, e)!);
    expect(ratios[0]).toBeLessThan(ratios[1]); // three different ratios: 0.4815, 0.4907…, 0.5
    expect(saved.metas.map((m) => [m.step, (m.prune_state as { ratio: number }).ratio])).toEqual([
      [1, ratios[0]],
      [2, ratios[1]],
      [3, ratios[2]],
    ]);
    expect(r.prune?.ratio).toBe(0.5);
  });
});

// Survivors of the fresh mutation sample seed 2027 (docs/results/mutation/fresh/seed-2027.json), each test checked to
// fail with its mutant planted and pass without.
describe('train: checkpoints by the clock, and an empty validation split', () => {
  it('checkpointEveryMin counts minutes since the last checkpoint (a clock that jumps 11 minutes after step 1)', async () => {
    // loop.ts:326 (now − last, not now + last). The clock is performance.now() moved 10⁹ ms ahead (its origin is
    // arbitrary; a long-lived process reads such values) plus a jump of 11 minutes made after step 1's progress.
    const rt = await runtime();
    const out = join(mkdtempSync(join(tmpdir(), 'slimgpu-clock-')), 'run.ckpt');
    const real = performance.now.bind(performance);
    let offset = 1e9;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => real() + offset);
    saved.steps = [];
    try {
      const r = await train(rt, {
        ...opts({}),
        out,
        readEvery: 1,
        checkpointEveryMin: 10,
        train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 32),
        test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
        onProgress: (p) => {
          if (p.step === 1) offset += 11 * 60_000;
        },
      });
      expect(r.steps).toBe(4);
    } finally {
      clock.mockRestore();
    }
    // 4 steps in one epoch: due at step 2 (the first check after the jump), then the end of the epoch; none at
    // steps 1 and 3 (seconds after the start and after the last checkpoint)
    expect(saved.steps).toEqual([2, 4]);
  });

  it('an empty validation split gives no val_accuracy (nothing measured), not a figure', async () => {
    // loop.ts:418 (val given AND not empty)
    const rt = await runtime();
    const t10k = loadSplit(FASHION_MNIST_DIR, 't10k');
    const empty = { ...t10k, n: 0, images: t10k.images.subarray(0, 0), labels: t10k.labels.subarray(0, 0) };
    const r = await train(rt, {
      ...opts({}),
      maxSteps: 0,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(t10k, 8),
      val: empty,
    });
    expect(r.val_accuracy).toBeUndefined();
  });
});

// Survivors of the fresh mutation sample seed 2028 (docs/results/mutation/fresh/seed-2028.json), each test checked to
// fail with its mutant planted and pass without.
describe('train: resumed epochs record their whole loss, and a checkpoint due at exactly M minutes', () => {
  it("stopped mid-epoch, resumed to the epoch's end, resumed again: each record is the mean over all its epoch's steps", async () => {
    // loop.ts:311 (the epoch progress of a mid-epoch checkpoint restored) and :383 (none written at an epoch's end,
    // where the epoch's loss is complete: carried over, it would count in the next epoch's record)
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-resume-'));
    const base = {
      ...opts({}),
      epochs: 2,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 16), // 2 steps per epoch
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    };
    const r0 = await train(rt, { ...base, maxSteps: 1, out: join(dir, 'step1.ckpt') });
    const r1 = await train(rt, { ...base, maxSteps: 2, resume: join(dir, 'step1.ckpt'), out: join(dir, 'step2.ckpt') });
    const r2 = await train(rt, { ...base, resume: join(dir, 'step2.ckpt'), out: join(dir, 'step4.ckpt') });
    const l = [r0, r1, r2].flatMap((r) => r.stepLosses[0]);
    expect(l).toHaveLength(4);
    expect([r0, r1, r2].map((r) => r.history.map((h) => h.epoch))).toEqual([[1], [1], [2]]);
    expect(r1.history[0].train_loss[0], 'epoch 1: its step before the stop and its step after').toBeCloseTo((l[0] + l[1]) / 2, 6);
    expect(r2.history[0].train_loss[0], 'epoch 2: its own two steps').toBeCloseTo((l[2] + l[3]) / 2, 6);
  });

  it('batches assembled on the CPU: a run stopped after step 1 and resumed has the losses of the uninterrupted run', async () => {
    // loop.ts:342 (the next step's batch prepared while the GPU works: unprepared, step 2 of the uninterrupted run would
    // train on a stale buffer, while the resumed run prepares its first step itself). Seed 2029 survivor.
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-resume-'));
    const base = {
      ...opts({}),
      gpuData: false,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 16), // 2 steps
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    };
    const whole = (await train(rt, base)).stepLosses[0];
    const first = (await train(rt, { ...base, maxSteps: 1, out: join(dir, 'step1.ckpt') })).stepLosses[0];
    const rest = (await train(rt, { ...base, resume: join(dir, 'step1.ckpt') })).stepLosses[0];
    expect(whole).toHaveLength(2);
    expect([...first, ...rest]).toHaveLength(2);
    [...first, ...rest].forEach((l, k) => expect(whole[k], `step ${k + 1}`).toBeCloseTo(l, 5));
  });

  it("augmentation with the sequential generator ('legacy', a checkpoint from before the GPU gather): batches from the host, and the result says why", async () => {
    // loop.ts:171 (TrainResult.data, which the CLI's result JSON reports). Seed 2030 survivor.
    const rt = await runtime();
    const r = await train(rt, {
      ...opts({}),
      augment: { cropPad: 0, flip: true },
      augRng: 'legacy',
      maxSteps: 0,
      train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 8),
      test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
    });
    expect(r.data).toEqual({
      source: 'host',
      note: 'augmentation with the sequential generator (a checkpoint from before the GPU gather): batches assembled on the CPU',
    });
  });

  it('checkpointEveryMin M: due when exactly M minutes have passed (a coarse clock: it moves 5 minutes per step, stands still within one)', async () => {
    // loop.ts:326 (≥, not >). A coarse clock (a browser clamps performance.now to 0.1–100 ms; a fast step reads the
    // same value at its start and its end) can show exactly M minutes since the last checkpoint; that is M minutes.
    const rt = await runtime();
    const out = join(mkdtempSync(join(tmpdir(), 'slimgpu-coarse-')), 'run.ckpt');
    let now = 1e6;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    saved.steps = [];
    try {
      const r = await train(rt, {
        ...opts({}),
        out,
        readEvery: 1,
        checkpointEveryMin: 10,
        train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 32),
        test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
        onProgress: () => {
          now += 5 * 60_000;
        },
      });
      expect(r.steps).toBe(4);
    } finally {
      clock.mockRestore();
    }
    // checked before each step's losses are read: after step 3 the clock shows 10 minutes since the start (two
    // steps' ticks), so a checkpoint at step 3; then the end of the epoch
    expect(saved.steps).toEqual([3, 4]);
  });
});
