// Kernel-variant choice by measurement, once per (op, shape) per adapter, cached.
//
// Where one kernel shape is not best on every GPU (register tiles win on SwiftShader, workgroup tiles on real
// GPUs), an op offers candidates in its preferred default order and the tuner picks:
//   mode 'off'     → the first candidate (deterministic; used by tests that pin variants themselves),
//   mode 'cached'  → a previously measured choice for this adapter if there is one, else the first,
//   mode 'measure' → like 'cached', but measures the candidates when nothing is cached: every one screened (the
//                    fastest of 3 submissions), then the finalists (within FINAL_SPREAD of the fastest, at most
//                    FINALISTS) timed again in FINAL_ROUNDS interleaved rounds (one submission of each per round, the
//                    order rotated each round); the lowest median wins. Screening alone, candidate after candidate,
//                    let a burst of load on a shared machine decide between kernels a few percent apart: the
//                    compressed suite picked a different instance in each of three quiet runs (docs/results/int8-r5/).
// The cache lives in localStorage in browsers and in .cache/slimgpu/tune.json (or $SLIMGPU_CACHE_DIR) in Node.

import { adapterKey, readAdapterCache, writeAdapterCache } from './adapter_cache.js';
import type { Launch } from './kernels.js';
import { destroyLaunch } from './kernels.js';
import type { Runtime } from './runtime.js';

export type TuneMode = 'off' | 'cached' | 'measure';

export interface Candidate {
  id: string;
  build(): Promise<Launch[]>;
  /** false: never chosen automatically (reference kernels), only when pinned with `force`. Default true. */
  tuned?: boolean;
}

/** Screened candidates within this factor of the fastest are finalists. */
export const FINAL_SPREAD = 1.3;
/** At most this many finalists. */
export const FINALISTS = 4;
/** Interleaved rounds over the finalists. */
export const FINAL_ROUNDS = 7;

/** ms: screening time per candidate; final: median of the interleaved rounds per finalist. */
type Store = Record<string, Record<string, { id: string; ms: Record<string, number>; final?: Record<string, number> }>>;

/**
 * Which screened candidates go on to the interleaved rounds: the fastest and every other within FINAL_SPREAD of it,
 * fastest first, at most FINALISTS.
 */
export function finalists(ms: Record<string, number>): string[] {
  const ids = Object.keys(ms).sort((a, b) => ms[a] - ms[b]);
  if (ids.length === 0) return [];
  const best = ms[ids[0]];
  return ids.filter((id) => ms[id] <= best * FINAL_SPREAD).slice(0, FINALISTS);
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export class Tuner {
  private store: Store = {};
  private loaded = false;
  readonly adapterKey: string;
  /** What was chosen in this session, for reports: key → id. */
  readonly chosen = new Map<string, string>();
  /** Tests pin a variant: every choice must then have a candidate whose id starts with this. */
  force: string | null = null;
  /** Pins for some choices only: [tuner-key prefix, variant id prefix] (one node of a training graph); before `force`. */
  forceByKey: [string, string][] = [];

  constructor(
    private rt: Runtime,
    readonly mode: TuneMode = 'cached',
  ) {
    this.adapterKey = adapterKey(rt);
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    this.store = await readAdapterCache('tune');
  }

  private save(): Promise<void> {
    return writeAdapterCache('tune', this.store, 1);
  }

  /** Milliseconds of one submission of `launches` encoded `reps` times into one pass. */
  private async once(launches: Launch[], reps: number): Promise<number> {
    const t0 = performance.now();
    await this.rt.run(Array.from({ length: reps }, () => launches).flat(), 'tune');
    return performance.now() - t0;
  }

  /**
   * Screening: milliseconds per execution of `launches` and the repetition count used. The launches are encoded
   * `reps` times into one pass, with `reps` doubled until one submission takes at least 10 ms (a fast GPU finishes a
   * single layer in microseconds, far below the cost of a submit), then the minimum over `runs` submissions divided
   * by `reps` (other load on the machine only ever adds time).
   */
  private async time(launches: Launch[], runs: number): Promise<{ ms: number; reps: number }> {
    await this.once(launches, 1); // warm-up: pipeline first use
    let reps = 1;
    let ms = await this.once(launches, reps);
    while (ms < 10 && reps < 1024) {
      reps *= 2;
      ms = await this.once(launches, reps);
    }
    const all = [ms];
    for (let r = 1; r < runs; r++) all.push(await this.once(launches, reps));
    return { ms: Math.min(...all) / reps, reps };
  }

  async choose(key: string, candidates: Candidate[]): Promise<Launch[]> {
    if (candidates.length === 0) throw new Error(`no kernel candidates for ${key}`);
    const force = this.forceByKey.find(([prefix]) => key.startsWith(prefix))?.[1] ?? this.force;
    if (force !== null) {
      const c = candidates.find((c) => c.id.startsWith(force));
      if (!c) throw new Error(`variant '${force}' cannot run ${key} (candidates: ${candidates.map((c) => c.id).join(', ')})`);
      return this.pick(key, c);
    }
    candidates = candidates.filter((c) => c.tuned !== false);
    if (candidates.length === 1 || this.mode === 'off') return this.pick(key, candidates[0]);
    await this.load();
    const cached = this.store[this.adapterKey]?.[key];
    const hit = cached && candidates.find((c) => c.id === cached.id);
    if (hit) return this.pick(key, hit);
    if (this.mode === 'cached') return this.pick(key, candidates[0]);
    const times: Record<string, number> = {};
    const built = new Map<string, { c: Candidate; launches: Launch[]; reps: number }>();
    for (const c of candidates) {
      const launches = await c.build();
      const { ms, reps } = await this.time(launches, 3);
      times[c.id] = ms;
      built.set(c.id, { c, launches, reps });
    }
    const finals = finalists(times);
    for (const [id, b] of built) if (!finals.includes(id)) b.launches.forEach(destroyLaunch);
    let winner = finals[0];
    let final: Record<string, number> | undefined;
    if (finals.length > 1) {
      const rounds = new Map<string, number[]>(finals.map((id) => [id, []]));
      for (let r = 0; r < FINAL_ROUNDS; r++) {
        for (let k = 0; k < finals.length; k++) {
          const id = finals[(r + k) % finals.length];
          const b = built.get(id)!;
          rounds.get(id)!.push((await this.once(b.launches, b.reps)) / b.reps);
        }
      }
      final = Object.fromEntries(finals.map((id) => [id, medianOf(rounds.get(id)!)]));
      winner = finals.reduce((a, b) => (final![b] < final![a] ? b : a));
      for (const id of finals) if (id !== winner) built.get(id)!.launches.forEach(destroyLaunch);
    }
    this.store[this.adapterKey] ??= {};
    this.store[this.adapterKey][key] = { id: winner, ms: times, ...(final ? { final } : {}) };
    await this.save();
    this.chosen.set(key, winner);
    return built.get(winner)!.launches;
  }

  private pick(key: string, c: Candidate): Promise<Launch[]> {
    this.chosen.set(key, c.id);
    return c.build();
  }
}
