// Kernel-variant choice by measurement, once per (op, shape) per adapter, cached.
//
// Where one kernel shape is not best on every GPU (register tiles win on SwiftShader, workgroup tiles on real
// GPUs), an op offers candidates in its preferred default order and the tuner picks:
//   mode 'off'     → the first candidate (deterministic; used by tests that pin variants themselves),
//   mode 'cached'  → a previously measured choice for this adapter if there is one, else the first,
//   mode 'measure' → like 'cached', but measures every candidate (median of a few runs) when nothing is cached.
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

type Store = Record<string, Record<string, { id: string; ms: Record<string, number> }>>;

export class Tuner {
  private store: Store = {};
  private loaded = false;
  readonly adapterKey: string;
  /** What was chosen in this session, for reports: key → id. */
  readonly chosen = new Map<string, string>();
  /** Tests pin a variant: every choice must then have a candidate whose id starts with this. */
  force: string | null = null;

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

  /**
   * Milliseconds per execution of `launches`: the launches are encoded `reps` times into one pass, with `reps`
   * doubled until one submission takes at least 10 ms (a fast GPU finishes a single layer in microseconds, far
   * below the cost of a submit), then the minimum over `runs` submissions divided by `reps`.
   */
  private async time(launches: Launch[], runs: number): Promise<number> {
    const once = async (reps: number) => {
      const t0 = performance.now();
      await this.rt.run(Array.from({ length: reps }, () => launches).flat(), 'tune');
      return performance.now() - t0;
    };
    await once(1); // warm-up: pipeline first use
    let reps = 1;
    let ms = await once(reps);
    while (ms < 10 && reps < 1024) {
      reps *= 2;
      ms = await once(reps);
    }
    const all = [ms];
    for (let r = 1; r < runs; r++) all.push(await once(reps));
    // the minimum: other load on the machine only ever adds time
    return Math.min(...all) / reps;
  }

  async choose(key: string, candidates: Candidate[]): Promise<Launch[]> {
    if (candidates.length === 0) throw new Error(`no kernel candidates for ${key}`);
    if (this.force !== null) {
      const c = candidates.find((c) => c.id.startsWith(this.force!));
      if (!c) throw new Error(`variant '${this.force}' cannot run ${key} (candidates: ${candidates.map((c) => c.id).join(', ')})`);
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
    let best: { c: Candidate; ms: number; launches: Launch[] } | null = null;
    for (const c of candidates) {
      const launches = await c.build();
      const ms = await this.time(launches, 3);
      times[c.id] = ms;
      if (!best || ms < best.ms) {
        if (best) best.launches.forEach(destroyLaunch);
        best = { c, ms, launches };
      } else {
        launches.forEach(destroyLaunch);
      }
    }
    this.store[this.adapterKey] ??= {};
    this.store[this.adapterKey][key] = { id: best!.c.id, ms: times };
    await this.save();
    this.chosen.set(key, best!.c.id);
    return best!.launches;
  }

  private pick(key: string, c: Candidate): Promise<Launch[]> {
    this.chosen.set(key, c.id);
    return c.build();
  }
}
