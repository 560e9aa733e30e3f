// The end-of-epoch logic of pruning during training (src/train/pruning.ts, class Pruning) on the CPU: the compiled
// step graph is a fake holding tensors in a Map, and the validation score (scoring.ts's evaluate) is scripted, so
// each row pins which epochs prune, to what ratio, which masks get written (magnitude or block masks), when the
// accuracy floor stops the schedule and which masks it puts back. The GPU tests (prune.test.ts, train tests) run
// the same class on real runs but cannot pin the floor's choices. StrykerJS (issue 17).
import { beforeEach, describe, expect, it, vi } from 'vitest';

const scores: number[] = [];
vi.mock('../../src/train/scoring.js', () => ({ evaluate: vi.fn(async () => scores.shift()!) }));

import { blockMask } from '../../src/compress/sparse.js';
import { filterMask, filterRatioForFlops, magnitudeMask, pruneSchedule, type PruneOptions } from '../../src/compress/masks.js';
import { applyFilterPruning, planFilterPruning } from '../../src/compress/prune.js';
import { buildModel } from '../../src/models/zoo.js';
import { Pruning, withFlopBudget, type PruneJudge } from '../../src/train/pruning.js';
import type { CompiledStep } from '../../src/train/step_graph.js';

const W_SHAPE = [1, 1, 8, 8];
const B_SHAPE = [8];

/** Model k has parameters w (8×8 pointwise conv) and b (a vector), masks for both; tensors 0..3 per model. */
function fakeRun(models = 1) {
  const store = new Map<number, Float32Array>();
  const writes: [number, Float32Array][] = [];
  const tensors: { shape: number[]; data?: Float32Array }[] = [];
  const ms = Array.from({ length: models }, (_, k) => {
    const base = 4 * k;
    const w = Float32Array.from({ length: 64 }, (_, i) => (((i * 37 + k * 11) % 64) - 31.5) / 8);
    const b = Float32Array.from({ length: 8 }, (_, i) => i - 3.5 + k);
    store
      .set(base, w)
      .set(base + 1, b)
      .set(base + 2, new Float32Array(64).fill(1))
      .set(base + 3, new Float32Array(8).fill(1));
    tensors.push(
      { shape: W_SHAPE },
      { shape: B_SHAPE },
      { shape: W_SHAPE, data: new Float32Array(64).fill(1) },
      { shape: B_SHAPE, data: new Float32Array(8).fill(1) },
    );
    return {
      params: new Map([
        ['w', base],
        ['b', base + 1],
      ]),
      masks: new Map([
        ['w', base + 2],
        ['b', base + 3],
      ]),
    };
  });
  const run = {
    models: ms,
    step: { graph: { tensors } },
    compiled: {
      readTensor: async (id: number) => Float32Array.from(store.get(id)!),
      writeTensor: (id: number, d: Float32Array) => {
        writes.push([id, Float32Array.from(d)]);
        store.set(id, Float32Array.from(d));
      },
    },
    weights: async (k: number) => new Map([...ms[k].params].map(([n, id]) => [n, store.get(id)!])),
    masks: async (k: number) => new Map([...ms[k].masks].map(([n, id]) => [n, Float32Array.from(store.get(id)!)])),
  };
  return { run: run as unknown as CompiledStep, store, writes };
}

const judge = { rt: null, spec: { model: 'cnn_small' }, qat: null, val: {} } as unknown as PruneJudge;
const zeros = (m: Float32Array) => m.filter((v) => v === 0).length;

beforeEach(() => {
  scores.length = 0;
});

describe('Pruning.endOfEpoch without a floor', () => {
  it.each([
    [{ sparsity: 0.5, start: 1, end: 3 }, [1, 2, 3, 4, 5]],
    [{ sparsity: 0.75, start: 2, end: 2 }, [1, 2, 3, 4]],
    [{ sparsity: 0.6, start: 3, end: 5 }, [2, 3, 4, 5, 6, 7]],
  ])('%o: epochs start..end prune to the schedule with magnitude masks, others do nothing', async (p, epochs) => {
    const { run, store, writes } = fakeRun();
    const pr = new Pruning(p as PruneOptions, run, judge);
    let ratio = 0;
    for (const e of epochs) {
      writes.length = 0;
      await pr.endOfEpoch(e);
      const target = pruneSchedule(p, e);
      if (target === null) {
        expect(writes, `epoch ${e}`).toEqual([]);
      } else {
        ratio = target;
        expect(writes.map(([id]) => id)).toEqual([2, 3]);
        expect(Array.from(store.get(2)!)).toEqual(Array.from(magnitudeMask(store.get(0)!, target)));
        expect(Array.from(store.get(3)!)).toEqual(Array.from(magnitudeMask(store.get(1)!, target)));
      }
      expect(pr.state).toEqual({ ratio, stopped: null });
    }
    expect(ratio).toBeCloseTo(p.sparsity, 12);
    expect(pr.report(new Map())).toEqual({ kind: 'weights', ratio, stopped: null, val_accuracy: [] });
  });

  it('block masks where the block fits the weights, magnitude masks elsewhere; every model gets its own', async () => {
    const { run, store } = fakeRun(2);
    const pr = new Pruning({ sparsity: 0.5, start: 1, end: 1, block: [1, 4] }, run, judge);
    await pr.endOfEpoch(1);
    for (const k of [0, 1]) {
      expect(Array.from(store.get(4 * k + 2)!)).toEqual(Array.from(blockMask(store.get(4 * k)!, W_SHAPE, [1, 4], 0.5)));
      expect(Array.from(store.get(4 * k + 3)!)).toEqual(Array.from(magnitudeMask(store.get(4 * k + 1)!, 0.5)));
    }
    expect(store.get(2)).not.toEqual(store.get(6)); // the second model's masks come from its own weights
    expect(zeros(store.get(2)!)).toBe(32);
  });

  it('restore continues from a checkpoint: a stopped run does nothing more', async () => {
    const { run, writes } = fakeRun();
    const pr = new Pruning({ sparsity: 0.5, start: 1, end: 3 }, run, judge);
    pr.restore({ ratio: 0.25, stopped: { epoch: 2, val_accuracy: 0.5 } });
    expect(pr.state).toEqual({ ratio: 0.25, stopped: { epoch: 2, val_accuracy: 0.5 } });
    await pr.endOfEpoch(3);
    expect(writes).toEqual([]);
    pr.restore({ ratio: 0.1, stopped: null });
    await pr.endOfEpoch(3);
    expect(pr.state.ratio).toBeCloseTo(0.5, 12);
  });
});

describe('Pruning.endOfEpoch with an accuracy floor', () => {
  it('scores every epoch from start to end + 1; a score under the floor puts back the last accepted masks and stops', async () => {
    const { run, store, writes } = fakeRun();
    const p: PruneOptions = { sparsity: 0.5, start: 1, end: 4, floor: 0.8 };
    const pr = new Pruning(p, run, judge);
    scores.push(0.9, 0.85, 0.8, 0.79);
    await pr.endOfEpoch(1); // 0.9 ≥ 0.8: accept the all-ones masks, prune to s(1)
    const m1 = Float32Array.from(store.get(2)!);
    await pr.endOfEpoch(2); // 0.85: accept s(1)'s masks, prune to s(2)
    const s2 = pruneSchedule(p, 2)!;
    await pr.endOfEpoch(3); // 0.8 = floor: accepted (not below), prune to s(3)
    const m3 = Float32Array.from(store.get(2)!);
    expect(zeros(m3)).toBeGreaterThan(zeros(m1));
    writes.length = 0;
    await pr.endOfEpoch(4); // 0.79 < 0.8: back to the masks accepted at epoch 3 (those of s(2)), stop
    expect(pr.state).toEqual({ ratio: s2, stopped: { epoch: 4, val_accuracy: 0.79 } });
    expect(writes.map(([id]) => id)).toEqual([2, 3]);
    expect(Array.from(store.get(2)!)).toEqual(Array.from(magnitudeMask(store.get(0)!, s2)));
    writes.length = 0;
    await pr.endOfEpoch(5);
    expect(writes).toEqual([]);
    expect(pr.report(new Map())).toEqual({
      kind: 'weights',
      ratio: s2,
      stopped: { epoch: 4, val_accuracy: 0.79 },
      val_accuracy: [0.9, 0.85, 0.8, 0.79],
    });
    expect(scores).toEqual([]);
  });

  it('under the floor at the first judged epoch: all-ones masks and ratio 0', async () => {
    const { run, store } = fakeRun();
    const pr = new Pruning({ sparsity: 0.5, start: 2, end: 3, floor: 0.5 }, run, judge);
    store.set(2, new Float32Array(64)); // whatever the masks hold now
    scores.push(0.4);
    await pr.endOfEpoch(1); // before start: not even scored
    expect(scores).toEqual([0.4]);
    await pr.endOfEpoch(2);
    expect(pr.state).toEqual({ ratio: 0, stopped: { epoch: 2, val_accuracy: 0.4 } });
    expect(Array.from(store.get(2)!)).toEqual(new Array(64).fill(1));
    expect(Array.from(store.get(3)!)).toEqual(new Array(8).fill(1));
  });

  it('end + 1 is judged (the last masks may fail the floor) but prunes no further', async () => {
    const { run, writes } = fakeRun();
    const pr = new Pruning({ sparsity: 0.5, start: 1, end: 1, floor: 0.5 }, run, judge);
    scores.push(0.9, 0.7, 0.1);
    await pr.endOfEpoch(1);
    writes.length = 0;
    await pr.endOfEpoch(2);
    expect(writes).toEqual([]);
    expect(pr.state).toEqual({ ratio: 0.5, stopped: null });
    await pr.endOfEpoch(3); // past end + 1: not scored
    expect(scores).toEqual([0.1]);
    expect(pr.report(new Map()).val_accuracy).toEqual([0.9, 0.7]);
  });
});

describe('Pruning with whole filters', () => {
  it('filter masks planned on the current weights of the batch-1 model; the report gives the thinned MACs', async () => {
    const model = buildModel({ model: 'cnn_small', batch: 1 } as never);
    const params = model.tensors.filter((t) => t.role === 'param');
    const weights = new Map(params.map((t) => [t.name, Float32Array.from(t.data!, (v, i) => v * (1 + (i % 7)))]));
    const pruned = params.filter((t) => t.shape.length === 4).map((t) => t.name);
    expect(pruned.length).toBeGreaterThan(1);
    const masks = new Map(pruned.map((n, k) => [n, 1000 + k]));
    const written = new Map<number, Float32Array>();
    const run = {
      models: [{ params: new Map(), masks }],
      step: { graph: { tensors: [] } },
      compiled: {
        readTensor: async () => new Float32Array(0),
        writeTensor: (id: number, d: Float32Array) => written.set(id, Float32Array.from(d)),
      },
      weights: async () => weights,
      masks: async () => new Map(),
    } as unknown as CompiledStep;
    const spec = { model: 'cnn_small', batch: 32 } as never;
    const p: PruneOptions = { sparsity: 0.5, start: 1, end: 1, filters: 'l2' };
    const pr = new Pruning(p, run, { ...judge, spec });
    await pr.endOfEpoch(1);
    const ref = buildModel({ model: 'cnn_small', batch: 1 } as never);
    for (const t of ref.tensors) if (t.role === 'param') t.data = weights.get(t.name)!;
    const plan = planFilterPruning(ref, { ratio: 0.5, norm: 'l2' });
    for (const [name, id] of masks) {
      expect(Array.from(written.get(id)!), name).toEqual(Array.from(filterMask(ref, plan, name)));
    }
    expect([...written.values()].some((m) => zeros(m) > 0)).toBe(true);
    const l1 = planFilterPruning(ref, { ratio: 0.5, norm: 'l1' });
    // the norm matters here
    expect([...masks.keys()].some((n) => filterMask(ref, l1, n).join() !== filterMask(ref, plan, n).join())).toBe(true);
    const rep = pr.report(weights);
    const before = buildModel({ model: 'cnn_small', batch: 1 } as never).macs();
    expect(rep).toEqual({
      kind: 'filters',
      ratio: 0.5,
      stopped: null,
      val_accuracy: [],
      macs: applyFilterPruning(ref, plan).macs(),
      macs_before: before,
    });
    expect(rep.macs!).toBeLessThan(before);
  });
});

describe('Pruning with whole filters: weights that do not fit the model', () => {
  it('an error that says pruning needed them', async () => {
    const run = {
      models: [{ params: new Map(), masks: new Map([['w', 1]]) }],
      step: { graph: { tensors: [] } },
      compiled: { readTensor: async () => new Float32Array(0), writeTensor: () => {} },
      weights: async () => new Map(),
      masks: async () => new Map(),
    } as unknown as CompiledStep;
    const pr = new Pruning({ sparsity: 0.5, start: 1, end: 1, filters: 'l1' }, run, judge);
    await expect(pr.endOfEpoch(1)).rejects.toThrow(/^pruning: no tensor '/);
    expect(() => pr.report(new Map())).toThrow(/^pruning: no tensor '/);
  });
});

describe('withFlopBudget', () => {
  it('without a FLOP budget: a copy of the options', () => {
    const p: PruneOptions = { sparsity: 0.3, start: 1, end: 2 };
    const q = withFlopBudget(p, { model: 'cnn_small' } as never);
    expect(q).toEqual(p);
    expect(q).not.toBe(p);
  });
  it('with one: the filter ratio that meets it on the batch-1 model', () => {
    const spec = { model: 'cnn_small', batch: 8 } as never;
    const q = withFlopBudget({ sparsity: 0, start: 1, end: 2, filters: 'l1', flops: 0.5 }, spec);
    const want = filterRatioForFlops(buildModel({ model: 'cnn_small', batch: 1 } as never), 0.5);
    expect(want).toBeGreaterThan(0);
    expect(q).toEqual({ sparsity: want, start: 1, end: 2, filters: 'l1', flops: 0.5 });
  });
});
