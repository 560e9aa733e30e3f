// Tuner 'measure' mode: screening, then interleaved rounds over the finalists (src/runtime/tuner.ts), on a fake
// runtime whose submissions advance a fake clock by a scripted cost.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Launch } from '../../src/runtime/kernels.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { FINAL_ROUNDS, FINALISTS, FINAL_SPREAD, finalists, Tuner, type Candidate } from '../../src/runtime/tuner.js';

/** A runtime whose run() costs cost(id, n) ms per launch of candidate id on its n-th submission (from 0). */
function fakeRuntime(cost: (id: string, n: number) => number) {
  let clock = 0;
  const calls: string[] = [];
  const count = new Map<string, number>();
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const rt = {
    ctx: { adapter: { vendor: 'fake', architecture: 'a', device: 'd', description: 'tuner test', runtime: 'r' } },
    async run(launches: Launch[]) {
      const id = (launches[0] as unknown as { id: string }).id;
      const n = count.get(id) ?? 0;
      count.set(id, n + 1);
      calls.push(id);
      clock += launches.length * cost(id, n);
    },
  } as unknown as Runtime;
  return { rt, calls };
}

const candidate = (id: string): Candidate => ({ id, build: async () => [{ id } as unknown as Launch] });

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tuner-test-'));
  vi.stubEnv('SLIMGPU_CACHE_DIR', dir);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('finalists', () => {
  test('the fastest and those within FINAL_SPREAD, fastest first, at most FINALISTS', () => {
    expect(finalists({ a: 10, b: 9, c: 9 * FINAL_SPREAD + 0.01, d: 9 * FINAL_SPREAD })).toEqual(['b', 'a', 'd']);
    expect(finalists({})).toEqual([]);
    const many = Object.fromEntries(Array.from({ length: FINALISTS + 3 }, (_, i) => [`k${i}`, 10 + i * 0.01]));
    expect(finalists(many)).toEqual(Array.from({ length: FINALISTS }, (_, i) => `k${i}`));
  });
});

describe('Tuner measure', () => {
  test('a burst of load during one candidate screening does not decide: the interleaved rounds pick the faster', async () => {
    // b is truly faster (9 vs 10 ms), but its 4 screening submissions (warm-up, first, 2 more) fall in a burst (12 ms)
    const { rt, calls } = fakeRuntime((id, n) => (id === 'a' ? 10 : n < 4 ? 12 : 9));
    const t = new Tuner(rt, 'measure');
    await t.choose('k', [candidate('a'), candidate('b'), { ...candidate('ref'), tuned: false }]);
    expect(t.chosen.get('k')).toBe('b');
    // interleaved: after screening (4 + 4 calls), alternate a b / b a …, FINAL_ROUNDS of each
    const rounds = calls.slice(8);
    expect(rounds).toHaveLength(2 * FINAL_ROUNDS);
    for (let r = 0; r < FINAL_ROUNDS; r++) expect(new Set(rounds.slice(2 * r, 2 * r + 2))).toEqual(new Set(['a', 'b']));
    expect(rounds[0]).not.toBe(rounds[2]); // the order rotates
    const store = JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8'));
    const entry = Object.values(store)[0] as Record<string, { id: string; ms: Record<string, number>; final: Record<string, number> }>;
    expect(entry.k.id).toBe('b');
    expect(entry.k.ms).toEqual({ a: 10, b: 12 });
    expect(entry.k.final).toEqual({ a: 10, b: 9 });
  });

  test('the median decides the rounds, not one outlier', async () => {
    // a is faster in every round but one very slow one; b is steady
    const { rt } = fakeRuntime((id, n) => (id === 'a' ? (n === 6 ? 100 : 10) : 11));
    const t = new Tuner(rt, 'measure');
    await t.choose('k', [candidate('b'), candidate('a')]);
    expect(t.chosen.get('k')).toBe('a');
  });

  test('a candidate screened past FINAL_SPREAD is not timed again; one finalist needs no rounds', async () => {
    const { rt, calls } = fakeRuntime((id) => (id === 'a' ? 10 : 10 * FINAL_SPREAD * 1.5));
    const t = new Tuner(rt, 'measure');
    await t.choose('k', [candidate('b'), candidate('a')]);
    expect(t.chosen.get('k')).toBe('a');
    expect(calls.filter((c) => c === 'b')).toHaveLength(4); // warm-up, first, 2 more: screening only
    expect(calls.filter((c) => c === 'a')).toHaveLength(4);
    // cached afterwards: nothing measured again
    const t2 = new Tuner(rt, 'measure');
    await t2.choose('k', [candidate('b'), candidate('a')]);
    expect(t2.chosen.get('k')).toBe('a');
    expect(calls).toHaveLength(8);
  });
});
