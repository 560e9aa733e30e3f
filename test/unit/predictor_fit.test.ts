// The whole-model latency predictor's overhead fit (src/scale/predictor.ts) on synthetic samples — CPU only —
// and scripts/predictor_eval.ts: its report on a synthetic file of rounds, and (GPU) its measurement on two tiny
// models. Latencies are never asserted: the figures are the report's.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fitOverhead,
  mape,
  predictMs,
  predictRatio,
  ratioSamples,
  type ModelFeatures,
  type PairedSample,
} from '../../src/scale/predictor.js';
import { main, report, type EvalFile } from '../../scripts/predictor_eval.js';

const f = (layer_ms: number, dispatches: number): ModelFeatures => ({ layer_ms, layers: dispatches, dispatches });

describe('fitOverhead', () => {
  const truth = { a: 1.5, b: 0.8, c: 0.05, n: 0 };
  const xs = [f(1, 6), f(2, 7), f(4, 15), f(8, 30), f(20, 80), f(60, 90), f(3, 9)];

  it('recovers a + b·Σ + c·dispatches from exact samples, relative or absolute', () => {
    const samples = xs.map((x) => ({ f: x, ms: predictMs(x, truth) }));
    for (const opts of [{}, { relative: false, robust: false }]) {
      const o = fitOverhead(samples, opts);
      expect(o.a).toBeCloseTo(1.5, 6);
      expect(o.b).toBeCloseTo(0.8, 6);
      expect(o.c).toBeCloseTo(0.05, 6);
      expect(o.outliers).toBeUndefined();
    }
  });

  it('relative error: small models are not sacrificed to the large ones', () => {
    // the largest model measured 25% slow: the absolute fit bends to its milliseconds and misses the small models,
    // the relative one weighs every model's percentage alike (what MAPE scores)
    const samples = xs.map((x) => ({ f: x, ms: predictMs(x, truth) * (x.layer_ms === 60 ? 1.25 : 1) }));
    const small = samples.filter((s) => s.f.layer_ms < 60);
    const err = (o: ReturnType<typeof fitOverhead>) => mape(small.map((s) => ({ predicted: predictMs(s.f, o), measured: s.ms })));
    expect(err(fitOverhead(samples, { robust: false }))).toBeLessThan(err(fitOverhead(samples, { relative: false, robust: false })));
  });

  it('refits without a sample spoiled by a burst of load', () => {
    const samples = xs.map((x) => ({ f: x, ms: predictMs(x, truth) }));
    samples[1].ms *= 3; // one run measured during a burst
    const plain = fitOverhead(samples, { robust: false });
    const o = fitOverhead(samples);
    expect(o.outliers).toBe(1);
    expect(o.n).toBe(samples.length);
    expect(o.a).toBeCloseTo(1.5, 6);
    expect(o.b).toBeCloseTo(0.8, 6);
    expect(Math.abs(plain.a - 1.5) + Math.abs(plain.b - 0.8)).toBeGreaterThan(0.01);
    // too few samples to tell an outlier: no refit
    expect(fitOverhead(samples.slice(0, 4)).outliers).toBeUndefined();
  });
});

describe('predictRatio (the search: samples timed against cnn_small in the same rounds)', () => {
  const truth = { a: 1.5, b: 0.8, c: 0.4, n: 0 };
  const base = f(17, 6); // cnn_small: large layers, few dispatches
  const xs = [f(4, 6), f(5, 7), f(9, 9), f(6, 8), f(11, 14), f(14, 15), f(8, 11), f(12, 7)];
  // each model recorded at a different hour: the machine `load` times slower for it and for the cnn_small run
  // interleaved with it. As in the search's cache, the deeper models happened to be measured under heavy load and
  // cnn_small's own lone sample last, when the machine was quiet.
  const load = (x: ModelFeatures) => 1 + (x.dispatches! - 6) * 1.5;
  const recorded: PairedSample[] = [
    ...xs.map((x) => ({ f: x, ms: load(x) * predictMs(x, truth), base_ms: load(x) * predictMs(base, truth), base: 'cnn_small' })),
    { f: base, ms: predictMs(base, truth), base_ms: predictMs(base, truth), base: 'cnn_small' },
  ];
  const want = (x: ModelFeatures) => predictMs(x, truth) / predictMs(base, truth);
  const probes = [f(5, 10), f(7, 12), f(3, 8), f(13, 9)];

  it('predicts the ratio to cnn_small exactly whatever load each pair was measured under', () => {
    for (const x of probes) expect(predictRatio(recorded, 'cnn_small', x, base)).toBeCloseTo(want(x), 6);
  });

  it('the fit on lone absolute times (the search before) learns the load of the hour, not the model', () => {
    // what the search did: fitOverhead on the absolute milliseconds, ignoring what they were timed against
    const o = fitOverhead(recorded);
    const err = mape(probes.map((x) => ({ predicted: predictMs(x, o) / predictMs(base, o), measured: want(x) })));
    expect(err).toBeGreaterThan(30);
  });

  it("is in units of cnn_small: not divided by cnn_small's own prediction (its layers alone read 2× its run)", () => {
    // on SwiftShader cnn_small's layers timed alone sum to ~2× its whole run (the search's models: ~1×); its
    // sample is one of nine, so the fit's ratios stay right, but dividing by its own prediction would halve them all
    const inflated = f(2 * base.layer_ms, base.dispatches!);
    // as in the search: cnn_small is one sample of many (36 candidates and cnn_tiny there)
    const more = [f(3, 6), f(7, 7), f(10, 9), f(5, 8), f(13, 11), f(4, 9), f(9, 14), f(6, 15), f(15, 8), f(2, 6)];
    const samples = [
      ...recorded.map((s) => (s.f === base ? { ...s, f: inflated } : s)),
      ...more.map((x) => ({ f: x, ms: 3 * predictMs(x, truth), base_ms: 3 * predictMs(base, truth), base: 'cnn_small' })),
    ];
    const err = mape(probes.map((x) => ({ predicted: predictRatio(samples, 'cnn_small', x, inflated), measured: want(x) })));
    expect(err).toBeLessThan(5);
  });

  it('leaves out lone absolute times (older records) and samples timed against another model', () => {
    const stale: PairedSample[] = [
      { f: f(4, 11), ms: 250 }, // a lone time recorded during a burst of load
      { f: f(9, 9), ms: 3, base_ms: 1, base: 'cnn_tiny' },
      { f: f(9, 9), ms: 3, base_ms: 0, base: 'cnn_small' }, // no usable reference time
    ];
    expect(ratioSamples([...recorded, ...stale], 'cnn_small')).toHaveLength(recorded.length);
    for (const x of probes) expect(predictRatio([...recorded, ...stale], 'cnn_small', x, base)).toBeCloseTo(want(x), 6);
    // nothing paired: the ratio of the table sums
    expect(predictRatio(stale.slice(0, 1), 'cnn_small', f(4, 6), f(16, 6))).toBeCloseTo(0.25, 9);
  });
});

/** A synthetic file of rounds: every model's time = 1 + Σ layers + 0.1·dispatches, round r slower by (1 + r/10). */
function synthetic(): EvalFile {
  const layers: EvalFile['layers'] = { glue: {}, noglue: {} };
  const rounds = 6;
  const slow = (ms: number) => Array.from({ length: rounds }, (_, r) => ms * (1 + r / 10));
  const models: EvalFile['models'] = [];
  const add = (name: string, group: string, sizes: number[], search_ratio?: number) => {
    const sigs = sizes.map((ms, i) => {
      const sig = `${name}|${i}`;
      layers.glue[sig] = { times: slow(ms), cpu: slow(ms), dispatches: 1 };
      return sig;
    });
    const total = 1 + sizes.reduce((s, x) => s + x, 0) + 0.1 * sizes.length;
    models.push({
      name,
      group,
      spec: { model: 'cnn_tiny' },
      search_ratio,
      dispatches: sizes.length,
      layers_glue: sigs,
      layers_noglue: sigs,
      wall: slow(total),
      cpu: slow(total),
      ingraph: slow(total - 1),
    });
  };
  for (let k = 1; k <= 7; k++)
    add(
      `mnv1 ${k}`,
      'mobilenet_v1',
      Array.from({ length: 4 + k }, (_, i) => 0.2 * k + 0.05 * i),
    );
  for (let k = 1; k <= 7; k++)
    add(
      `shuffle ${k}`,
      'shufflenet',
      Array.from({ length: 10 + 3 * k }, () => 0.1 * k),
    );
  add('cnn_small', 'search', [3, 2, 1], 1);
  for (let k = 1; k <= 6; k++)
    add(
      `cand ${k}`,
      'search',
      Array.from({ length: 2 + k }, () => 0.3 * k),
      0.5,
    );
  return { rounds, load: { start: [0, 0, 0], end: [0, 0, 0] }, layers, models };
}

describe('predictor_eval report', () => {
  it('exact synthetic rounds: the new fit predicts held-out models and ratios exactly', () => {
    const r = report(synthetic(), 2);
    const nw = r.all_rounds.new as { per_family: Record<string, number>; mape_held_out: number; search: Record<string, number> };
    expect(nw.per_family.mobilenet_v1).toBeCloseTo(0, 6);
    expect(nw.per_family.shufflenet).toBeCloseTo(0, 6);
    expect(nw.search.mape_vs_measured_here).toBeCloseTo(0, 6);
    // the ratios the search recorded (0.5 for all) are not these: the report says how far apart the two are
    expect(nw.search.search_vs_measured_here).toBeGreaterThan(1);
    expect(r.blocks).toHaveLength(2);
    expect(r.rows).toHaveLength(21);
    expect(r.all_rounds.noise_floor).toBeGreaterThan(0); // even rounds are faster than odd ones here
  });
});

describe('predictor_eval measurement (GPU)', () => {
  it('times two small models, their layers alone and in the graph, in interleaved rounds', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'slimgpu-peval-')), 'eval.json');
    expect(await main(['--models', 'cnn_tiny,cnn_search:d2-w4-k3-dw-se', '--rounds', '2', '--out', out])).toBe(0);
    const d = JSON.parse(readFileSync(out, 'utf8')) as EvalFile;
    expect(d.models.map((m) => m.name)).toEqual(['cnn_tiny', 'cnn_search:d2-w4-k3-dw-se']);
    for (const m of d.models) {
      expect(m.wall).toHaveLength(2);
      expect(m.ingraph).toHaveLength(2);
      expect(m.dispatches).toBeGreaterThanOrEqual(m.layers_glue.length);
      for (const sig of m.layers_glue) expect(d.layers.glue[sig].times).toHaveLength(2);
      expect(m.wall.every((t) => t > 0)).toBe(true);
    }
    expect(report(d, 1).rows).toHaveLength(2);
    await expect(main(['--rounds', '2'])).rejects.toThrow(/nothing to measure/);
  }, 300_000);
});
