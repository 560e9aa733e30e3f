// Model scaling on the adapter (src/scale): the published-accuracy data, the Pareto/budget/MnasNet arithmetic,
// the overhead fit, and — on a tiny grid (MobileNetV1 at 32×32) — the per-layer latency table, its cache and
// the `scale` pipeline end to end. Latency figures are recorded by the CLI (docs/results/), never asserted here.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtime } from '../helpers.js';
import { buildModel } from '../../src/models/zoo.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { compile } from '../../src/graph/executor.js';
import published from '../../src/scale/published_accuracy.json';
import { familyConfigs, SCALE_FAMILIES } from '../../src/scale/configs.js';
import { chooseForBudget, mnasObjective, paretoFront } from '../../src/scale/pareto.js';
import { fitOverhead, mape, predictMs } from '../../src/scale/predictor.js';
import { LatencyTable, layerSignature, timedNodes } from '../../src/scale/latency_table.js';
import { runScale, validatePredictor } from '../../src/scale/scale.js';

describe('published accuracy', () => {
  it('every figure names a source that exists, one figure per configuration', () => {
    const seen = new Set<string>();
    for (const e of published.entries as any[]) {
      expect(published.sources, e.source).toHaveProperty(e.source);
      expect(e.top1).toBeGreaterThan(40);
      expect(e.top1).toBeLessThan(90);
      const key = JSON.stringify({ ...e, top1: 0, source: 0, also: 0 });
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    const count = (f: string) => familyConfigs(f).length;
    expect(count('mobilenet_v1')).toBe(16); // α ∈ {1, .75, .5, .25} × ρ ∈ {224, 192, 160, 128}
    expect(count('mobilenet_v2')).toBe(22);
    expect(count('efficientnet')).toBe(8); // B0…B7
    expect(count('shufflenet')).toBe(15); // g ∈ {1, 2, 3, 4, 8} × {1, 0.5, 0.25}
    expect(familyConfigs('mobilenet_v1').find((c) => c.label === 'mobilenet_v1 1-224')!.accuracy.top1).toBe(70.6);
    expect(familyConfigs('shufflenet').find((c) => c.label === 'shufflenet 1x g=3')!.accuracy.top1).toBe(67.4);
    expect(() => familyConfigs('resnet')).toThrow(/unknown family/);
  });

  it('resolution scaling keeps multiples of 8 and the published figure', () => {
    const c = familyConfigs('mobilenet_v2', { resScale: 0.25 });
    for (const x of c) {
      expect(x.spec.res! % 8).toBe(0);
      expect(x.spec.res).toBeGreaterThanOrEqual(32);
    }
    expect(c[0].publishedRes).toBe(224);
  });

  it("EfficientNet-B1 built with the released width/depth has the paper's 7.8M parameters", () => {
    const b1 = familyConfigs('efficientnet').find((c) => c.label === 'efficientnet-b1')!;
    expect(b1.spec).toMatchObject({ width: 1, depth: 1.1, res: 240 });
    const params = optimizeForInference(buildModel(b1.spec)).graph.paramCount();
    expect(Math.abs(params / 7.8e6 - 1)).toBeLessThan(0.03);
    // B0 with explicit multipliers is the zoo's default B0
    expect(buildModel({ model: 'efficientnet', width: 1, depth: 1, res: 64 }).macs()).toBe(
      buildModel({ model: 'efficientnet', res: 64 }).macs(),
    );
    expect(SCALE_FAMILIES).toContain('efficientnet');
  });
});

describe('pareto, budget, MnasNet objective, overhead fit', () => {
  const pts = [
    { label: 'a', latency_ms: 10, top1: 60 },
    { label: 'b', latency_ms: 12, top1: 58 }, // dominated by a
    { label: 'c', latency_ms: 18, top1: 65 },
    { label: 'd', latency_ms: 25, top1: 70 },
  ];
  it('front, choice within budget, objective', () => {
    expect(paretoFront(pts).map((p) => p.label)).toEqual(['a', 'c', 'd']);
    expect(chooseForBudget(pts, 20)!.label).toBe('c');
    expect(chooseForBudget(pts, 5)).toBeNull();
    expect(mnasObjective(70, 20, 20)).toBe(70);
    expect(mnasObjective(70, 40, 20)).toBeCloseTo(70 * Math.pow(2, -0.07), 10);
    expect(mnasObjective(70, 10, 20)).toBeGreaterThan(70);
  });
  it('recovers a + b·Σ + c·dispatches from exact samples', () => {
    const truth = { a: 3, b: 0.6, c: 0.2, n: 0 };
    const samples = [
      [10, 20],
      [30, 25],
      [50, 60],
      [80, 40],
      [20, 90],
    ].map(([s, l]) => ({ f: { layer_ms: s, layers: 7, dispatches: l }, ms: 0 }));
    samples.forEach((x) => (x.ms = predictMs(x.f, truth)));
    const o = fitOverhead(samples);
    expect(o.a).toBeCloseTo(3, 6);
    expect(o.b).toBeCloseTo(0.6, 6);
    expect(o.c).toBeCloseTo(0.2, 6);
    expect(fitOverhead(samples.slice(0, 1)).b).toBeCloseTo(samples[0].ms / 10, 10);
    // equal dispatch counts (MobileNetV1's grid): c cannot be told from a, the fit is a + b·Σ
    const flat = samples.map((x) => ({ f: { ...x.f, dispatches: 29 }, ms: 3 + 0.6 * x.f.layer_ms }));
    const of = fitOverhead(flat);
    expect(of.c).toBe(0);
    expect(of.a).toBeCloseTo(3, 6);
    expect(of.b).toBeCloseTo(0.6, 6);
    // records without a dispatch count use the layer count
    expect(predictMs({ layer_ms: 1, layers: 5 }, { a: 0, b: 1, c: 1, n: 0 })).toBe(6);
    expect(
      mape([
        { predicted: 11, measured: 10 },
        { predicted: 9, measured: 10 },
      ]),
    ).toBeCloseTo(10, 10);
  });
});

describe('latency table and scale on the adapter (tiny grid)', () => {
  it('signatures tell stride, groups and shape apart', () => {
    const g = optimizeForInference(buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32 })).graph;
    const sigs = timedNodes(g).map((n) => layerSignature(g, n));
    // dw layers repeat at 2×2×128 (α 0.25: dw7…dw11 share one shape), everything else is distinct
    expect(new Set(sigs).size).toBeLessThan(sigs.length);
    expect(new Set(sigs).size).toBeGreaterThan(15);
    expect(sigs.every((s) => /^[a-z0-9_]+\|/.test(s))).toBe(true);
  });

  it("the table's layers are the ones compile runs (batch-norm folded, activations and shuffles fused)", async () => {
    const rt = await runtime();
    const g = buildModel({ model: 'shufflenet', groups: 3, scale: 0.25, res: 32 });
    const opt = optimizeForInference(g).graph;
    const sigs = timedNodes(opt).map((n) => layerSignature(opt, n));
    // what the passes fold away is not timed as a layer of its own; a fused shuffle is part of its conv's key
    const count = (graph: typeof g, op: string) => graph.nodes.filter((n) => n.op === op).length;
    expect(sigs.filter((s) => s.startsWith('batchnorm|'))).toHaveLength(count(opt, 'batchnorm'));
    expect(count(opt, 'batchnorm')).toBe(0);
    expect(count(opt, 'activation')).toBeLessThan(count(g, 'activation'));
    expect(count(opt, 'channel_shuffle')).toBeLessThan(count(g, 'channel_shuffle'));
    expect(sigs.some((s) => s.startsWith('conv2d|') && /shuffle=3/.test(s))).toBe(true);
    const m = await compile(rt, g);
    try {
      expect(timedNodes(m.graph).map((n) => layerSignature(m.graph, n))).toEqual(sigs);
    } finally {
      m.destroy();
    }
  }, 120_000);

  it("a table timed with the tuner's kernels is cached apart from the static-choice table", async () => {
    process.env.SLIMGPU_CACHE_DIR = mkdtempSync(join(tmpdir(), 'slimgpu-scale-'));
    try {
      const rt = await runtime();
      const tuned = await new LatencyTable(rt, { tune: 'measure' }).load();
      tuned.recordModel({ key: 'm|fp32|b1', label: 'm', f: { sum: 1, dispatches: 1 } as never, ms: 1 });
      await tuned.save();
      expect(existsSync(join(process.env.SLIMGPU_CACHE_DIR!, 'latency-measure.json'))).toBe(true);
      expect(existsSync(join(process.env.SLIMGPU_CACHE_DIR!, 'latency.json'))).toBe(false);
      expect(Object.keys((await new LatencyTable(rt).load()).models)).toEqual([]);
      expect(Object.keys((await new LatencyTable(rt, { tune: 'measure' }).load()).models)).toEqual(['m|fp32|b1']);
    } finally {
      delete process.env.SLIMGPU_CACHE_DIR;
    }
  });

  it('fills and caches the table, predicts, measures near the budget and picks a model', async () => {
    process.env.SLIMGPU_CACHE_DIR = mkdtempSync(join(tmpdir(), 'slimgpu-scale-'));
    const rt = await runtime();
    try {
      const log: string[] = [];
      const r = await runScale(rt, 'mobilenet_v1', {
        resScale: 0.15,
        limit: 3,
        measure: 2,
        runs: 1,
        budgetMs: 1e6,
        log: (l) => log.push(l),
      });
      expect(r.schema).toBe('slimgpu-scale/1');
      expect(r.points).toHaveLength(3);
      expect(r.new_layers).toBeGreaterThan(10);
      expect(r.points.filter((p) => p.measured_ms !== null)).toHaveLength(2);
      for (const p of r.points) {
        expect(p.layer_ms).toBeGreaterThan(0);
        expect(p.predicted_ms).toBeGreaterThan(0);
        expect(p.accuracy_source).toMatch(/MobileNets|mobilenet_v1/);
      }
      // a huge budget: the most accurate model is chosen; the front starts at the fastest point
      expect(r.chosen!.top1).toBe(Math.max(...r.points.map((p) => p.top1)));
      const fastest = r.points.reduce((a, b) => (a.latency_ms <= b.latency_ms ? a : b));
      expect(r.pareto[0]).toBe(fastest.label);
      const file = join(process.env.SLIMGPU_CACHE_DIR!, 'latency.json');
      expect(existsSync(file)).toBe(true);
      const store = JSON.parse(readFileSync(file, 'utf8'));
      const mine = Object.values<any>(store)[0];
      expect(Object.keys(mine.layers).length).toBe(r.table_layers);
      expect(Object.keys(mine.models)).toHaveLength(2);
      // a second run finds every layer in the cache
      const again = await runScale(rt, 'mobilenet_v1', { resScale: 0.15, limit: 3, measure: 0, runs: 1 });
      expect(again.new_layers).toBe(0);
      expect(again.overhead.n).toBe(2);
      // int8 layers have packed edges: those are timed inside their model
      const t = await new LatencyTable(rt, { persist: false }).load();
      const n = await t.measure(
        await (await import('../../src/scale/scale.js')).prepareGraph(rt, familyConfigs('mobilenet_v1', { resScale: 0.15 })[15], 'int8'),
      );
      expect(n).toBeGreaterThan(5);
      expect(Object.values(t.layers).some((e) => e.op.includes('int8'))).toBe(true);
      // the held-out protocol runs (its figure is recorded by the CLI, not asserted)
      const v = await validatePredictor(rt, ['mobilenet_v1', 'shufflenet'], { resScale: 0.15, limit: 4, runs: 2, holdEvery: 2 });
      expect(v.held_out).toBe(4);
      expect(v.per_family.map((f) => [f.family, f.train, f.held_out])).toEqual([
        ['mobilenet_v1', 2, 2],
        ['shufflenet', 2, 2],
      ]);
      expect(Number.isFinite(v.mape_held_out)).toBe(true);
      for (const f of v.per_family) {
        expect(f.noise_floor.min).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(f.cpu_time!.mape_held_out)).toBe(true);
      }
      // the interleaved layer times replace the table's, with their dispatch counts
      const after = JSON.parse(readFileSync(file, 'utf8'));
      const entries = Object.values<any>(Object.values<any>(after)[0].layers);
      expect(entries.length).toBeGreaterThanOrEqual(v.layers);
      expect(entries.every((e) => e.dispatches >= 1)).toBe(true);
      for (const row of v.rows) expect(row.measured_ms).toBeLessThanOrEqual(row.median_ms);
    } finally {
      delete process.env.SLIMGPU_CACHE_DIR; // the shared runtime stays for the rest of the file
    }
  }, 600_000);
});

describe('slimgpu scale (CLI)', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('./bin/slimgpu', args, { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });

  it('prints the front, the choice and the MnasNet objective as JSON; --validate prints the MAPE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-scale-cli-'));
    const r = cli(
      [
        'scale',
        '--family',
        'shufflenet',
        '--res-scale',
        '0.143',
        '--limit',
        '2',
        '--measure',
        '1',
        '--runs',
        '1',
        '--budget-ms',
        '1e6',
        '--json',
      ],
      { SLIMGPU_CACHE_DIR: dir },
    );
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe('slimgpu-scale/1');
    expect(doc.points).toHaveLength(2);
    expect(doc.chosen.label).toMatch(/^shufflenet/);
    expect(doc.mnas.w).toBe(-0.07);
    const v = cli(['scale', '--validate', '--family', 'shufflenet', '--res-scale', '0.143', '--limit', '3', '--runs', '1', '--json'], {
      SLIMGPU_CACHE_DIR: dir,
    });
    expect(v.status, v.stderr).toBe(0);
    const vd = JSON.parse(v.stdout);
    expect(vd.schema).toBe('slimgpu-predictor-mape/3');
    expect(vd.repeats.blocks).toBe(1); // one round: one block, judged like the whole run
    expect(vd.repeats.mape_held_out).toHaveLength(1);
  }, 600_000);

  it.each([
    [['scale'], /--family is required/],
    [['scale', '--family', 'resnet'], /--family must be one of/],
    [['scale', '--family', 'mobilenet_v1', '--budget-ms', 'soon'], /--budget-ms needs a number/],
    [['scale', '--family', 'mobilenet_v1', '--precision', 'fp8'], /precision must be one of/],
    [['scale', '--family', 'mobilenet_v1', '--bogus'], /unknown option --bogus/],
  ])('%j fails with a one-line error', (args, message) => {
    const r = cli(args as string[]);
    expect(r.status).not.toBe(0);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('slimgpu:')),
    ).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
