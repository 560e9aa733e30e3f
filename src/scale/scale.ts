// "Which network is most accurate within T ms here?" For one family: enumerate its published configurations,
// fill the adapter's per-layer latency table, predict every model's latency, measure the candidates near the
// budget end to end, refit the overhead on them, and report the accuracy–latency Pareto front, the choice for
// the budget and MnasNet's objective. `validatePredictor` is the held-out check of the predictor.

import type { Graph } from '../graph/ir.js';
import { compressForRun, type Precision } from '../compress/compress.js';
import { buildModel } from '../models/zoo.js';
import { median, round, sampleInput } from '../models/measure.js';
import { compile, type CompiledGraph } from '../graph/executor.js';
import type { Runtime } from '../runtime/runtime.js';
import { SlimError } from '../runtime/errors.js';
import type { TuneMode } from '../runtime/tuner.js';
import { familyConfigs, type ScaleConfig } from './configs.js';
import { LatencyTable } from './latency_table.js';
import { chooseForBudget, mnasObjective, MNAS_W, paretoFront } from './pareto.js';
import { fitOverhead, LayerCostModel, mape, predictMs, type ModelFeatures, type Overhead } from './predictor.js';

export const PRECISIONS: Precision[] = ['fp32', 'int8', 'binary'];

export interface ScaleOptions {
  budgetMs?: number;
  precision?: Precision;
  batch?: number;
  /** shrink every input resolution (slow adapters); accuracies stay the published ones */
  resScale?: number;
  /** keep only the N configurations with the fewest multiply-adds */
  limit?: number;
  /** configurations measured end to end (those predicted nearest the budget) */
  measure?: number;
  runs?: number;
  /** profiling rounds per layer for the table (the fastest is kept) */
  layerRounds?: number;
  tune?: TuneMode;
  table?: LatencyTable;
  log?: (line: string) => void;
}

export interface ScalePoint {
  label: string;
  family: string;
  precision: Precision;
  spec: ScaleConfig['spec'];
  macs: number;
  params: number;
  top1: number;
  /** 'fp32 published': int8/binary points carry the fp32 model's published figure (their own is unknown) */
  accuracy_basis: string;
  accuracy_source: string;
  layer_ms: number;
  layers: number;
  predicted_ms: number;
  measured_ms: number | null;
  /** measured when measured, else predicted */
  latency_ms: number;
  mnas_objective: number;
}

export interface ScaleResult {
  schema: 'slimgpu-scale/1';
  adapter: Runtime['ctx']['adapter'];
  family: string;
  precision: Precision;
  batch: number;
  budget_ms: number;
  res_scale: number;
  overhead: Overhead;
  points: ScalePoint[];
  pareto: string[];
  chosen: ScalePoint | null;
  mnas: { w: number; target_ms: number; best: ScalePoint | null };
  table_layers: number;
  new_layers: number;
}

export function modelKey(c: ScaleConfig, precision: Precision): string {
  return `${c.label}|${precision}|b${c.spec.batch ?? 1}`;
}

export async function prepareGraph(rt: Runtime, c: ScaleConfig, precision: Precision): Promise<Graph> {
  const g = buildModel(c.spec);
  return precision === 'fp32' ? g : (await compressForRun(rt, g, precision)).graph;
}

interface Prepared {
  config: ScaleConfig;
  graph: Graph;
  f: ModelFeatures;
}

async function fillTable(
  rt: Runtime,
  configs: ScaleConfig[],
  precision: Precision,
  table: LatencyTable,
  log: (l: string) => void,
): Promise<{ prepared: Prepared[]; added: number }> {
  const graphs: Graph[] = [];
  for (const c of configs) graphs.push(await prepareGraph(rt, c, precision));
  const added = await table.measureAll(graphs);
  const prepared = configs.map((config, i) => {
    const f = table.features(graphs[i]);
    log(`table: ${config.label} (${precision}) Σ ${f.layer_ms.toFixed(2)} ms over ${f.layers} layers`);
    return { config, graph: graphs[i], f };
  });
  log(`table: ${added} new layers (${Object.keys(table.layers).length} in the table)`);
  return { prepared, added };
}

/**
 * End-to-end latency (wall clock of run(): submit, GPU work, readback of the output) of each model: all are
 * compiled first, then timed in `runs` interleaved rounds, so load from elsewhere is spread over all of them.
 */
async function measureEndToEnd(rt: Runtime, ps: Prepared[], runs: number, tune: TuneMode): Promise<{ median: number; min: number }[]> {
  const models: { model: CompiledGraph; inputs: Float32Array[]; times: number[] }[] = [];
  try {
    for (const p of ps) {
      const model = await compile(rt, p.graph, { tune });
      const inputs = sampleInput(p.graph);
      models.push({ model, inputs, times: [] });
      await model.run(inputs); // cold start: pipelines
      await model.run(inputs); // warm-up
    }
    for (let r = 0; r < runs; r++) {
      for (const m of models) {
        const t0 = performance.now();
        await m.model.run(m.inputs);
        m.times.push(performance.now() - t0);
      }
    }
  } finally {
    models.forEach((m) => m.model.destroy());
  }
  return models.map((m) => ({ median: round(median(m.times)), min: round(Math.min(...m.times)) }));
}

export async function runScale(rt: Runtime, family: string, opts: ScaleOptions = {}): Promise<ScaleResult> {
  const log = opts.log ?? (() => {});
  const precision = opts.precision ?? 'fp32';
  if (!PRECISIONS.includes(precision)) throw new SlimError(`precision must be one of ${PRECISIONS.join(', ')} (got '${precision}')`);
  const budget = opts.budgetMs ?? 20;
  if (!(budget > 0)) throw new SlimError(`budget must be a positive number of ms (got ${budget})`);
  const batch = opts.batch ?? 1;
  const tune = opts.tune ?? 'cached';
  const table = opts.table ?? (await new LatencyTable(rt, { tune, repeats: opts.layerRounds }).load());
  let configs = familyConfigs(family, { batch, resScale: opts.resScale });
  const macsOf = new Map(configs.map((c) => [c, buildModel(c.spec).macs()]));
  configs.sort((a, b) => macsOf.get(a)! - macsOf.get(b)!);
  if (opts.limit) configs = configs.slice(0, opts.limit);

  const { prepared, added } = await fillTable(rt, configs, precision, table, log);

  // the overhead: fitted on every end-to-end measurement this adapter has of this precision and batch
  const samples = () => Object.values(table.models).filter((s) => s.key.endsWith(`|${precision}|b${batch}`));
  let overhead = fitOverhead(samples());
  const byPrediction = [...prepared].sort(
    (a, b) => Math.abs(predictMs(a.f, overhead) - budget) - Math.abs(predictMs(b.f, overhead) - budget),
  );
  const toMeasure = byPrediction.slice(0, Math.max(0, opts.measure ?? 3));
  const measured = new Map<Prepared, number>();
  const times = await measureEndToEnd(rt, toMeasure, opts.runs ?? 5, tune);
  toMeasure.forEach((p, i) => {
    measured.set(p, times[i].median);
    table.recordModel({ key: modelKey(p.config, precision), label: p.config.label, f: p.f, ms: times[i].median });
    log(`measured: ${p.config.label} ${times[i].median} ms (predicted ${predictMs(p.f, overhead).toFixed(2)})`);
  });
  await table.save();
  overhead = fitOverhead(samples());

  const points: ScalePoint[] = prepared.map((p) => {
    const predicted = predictMs(p.f, overhead);
    const m = measured.get(p) ?? null;
    const latency = m ?? predicted;
    return {
      label: p.config.label,
      family: p.config.family,
      precision,
      spec: p.config.spec,
      macs: macsOf.get(p.config)!,
      params: p.graph.paramCount(),
      top1: p.config.accuracy.top1,
      accuracy_basis: precision === 'fp32' ? 'published' : 'fp32 published (this precision unmeasured)',
      accuracy_source: p.config.accuracy.citation,
      layer_ms: round(p.f.layer_ms),
      layers: p.f.layers,
      predicted_ms: round(predicted),
      measured_ms: m,
      latency_ms: round(latency),
      mnas_objective: round(mnasObjective(p.config.accuracy.top1, latency, budget), 4),
    };
  });
  const best = points.reduce<ScalePoint | null>((b, p) => (!b || p.mnas_objective > b.mnas_objective ? p : b), null);
  return {
    schema: 'slimgpu-scale/1',
    adapter: rt.ctx.adapter,
    family,
    precision,
    batch,
    budget_ms: budget,
    res_scale: opts.resScale ?? 1,
    overhead,
    points,
    pareto: paretoFront(points).map((p) => p.label),
    chosen: chooseForBudget(points, budget),
    mnas: { w: MNAS_W, target_ms: budget, best },
    table_layers: Object.keys(table.layers).length,
    new_layers: added,
  };
}

export interface ValidationResult {
  schema: 'slimgpu-predictor-mape/1';
  adapter: Runtime['ctx']['adapter'];
  families: string[];
  precision: Precision;
  batch: number;
  res_scale: number;
  overhead: Overhead;
  train: number;
  held_out: number;
  /** MAPE (%) on the held-out configurations */
  mape_held_out: number;
  mape_train: number;
  /** MAPE (%) of Σ table alone (no overhead term), held out */
  mape_held_out_no_overhead: number;
  /** the same protocol against the fastest run instead of the median (less sensitive to other load) */
  min_ms: { overhead: Overhead; mape_held_out: number; mape_train: number };
  /** the same protocol with Σ of the per-op cost model fitted on the table (LayerCostModel) instead of Σ table */
  smoothed: { overhead: Overhead; mape_held_out: number; mape_train: number };
  rows: {
    label: string;
    held_out: boolean;
    layer_ms: number;
    layers: number;
    predicted_ms: number;
    measured_ms: number;
    error_pct: number;
    min_ms: number;
  }[];
}

/**
 * Held-out check: every configuration's layers go in the table (each layer timed alone), every configuration is
 * measured end to end; the overhead is fitted on the training ones only (every `holdEvery`-th configuration by
 * multiply-adds, starting at the second, is held out) and the MAPE is reported on the held-out ones.
 */
export async function validatePredictor(
  rt: Runtime,
  families: string[],
  opts: Omit<ScaleOptions, 'budgetMs' | 'measure'> & { holdEvery?: number } = {},
): Promise<ValidationResult> {
  const log = opts.log ?? (() => {});
  const precision = opts.precision ?? 'fp32';
  const tune = opts.tune ?? 'cached';
  const batch = opts.batch ?? 1;
  const table = opts.table ?? (await new LatencyTable(rt, { tune, repeats: opts.layerRounds }).load());
  const holdEvery = opts.holdEvery ?? 3;
  const all: Prepared[] = [];
  for (const fam of families) {
    let configs = familyConfigs(fam, { batch, resScale: opts.resScale });
    const macs = new Map(configs.map((c) => [c, buildModel(c.spec).macs()]));
    configs.sort((a, b) => macs.get(a)! - macs.get(b)!);
    if (opts.limit) configs = configs.slice(0, opts.limit);
    all.push(...(await fillTable(rt, configs, precision, table, log)).prepared);
  }
  const rows: { p: Prepared; held: boolean; ms: number; min: number }[] = [];
  const CHUNK = 24; // compiled models alive at once
  for (let start = 0; start < all.length; start += CHUNK) {
    const part = all.slice(start, start + CHUNK);
    const times = await measureEndToEnd(rt, part, opts.runs ?? 5, tune);
    part.forEach((p, k) => {
      rows.push({ p, held: (start + k) % holdEvery === 1, ms: times[k].median, min: times[k].min });
      log(`measured: ${p.config.label} ${times[k].median} ms (min ${times[k].min}; Σ layers ${p.f.layer_ms.toFixed(2)} ms)`);
    });
  }
  const train = rows.filter((r) => !r.held);
  const overhead = fitOverhead(train.map((r) => ({ f: r.p.f, ms: r.ms })));
  const out = rows.map((r) => {
    const predicted = predictMs(r.p.f, overhead);
    return {
      label: r.p.config.label,
      held_out: r.held,
      layer_ms: round(r.p.f.layer_ms),
      layers: r.p.f.layers,
      predicted_ms: round(predicted),
      measured_ms: r.ms,
      error_pct: round((100 * (predicted - r.ms)) / r.ms, 1),
      min_ms: r.min,
    };
  });
  const cost = new LayerCostModel(Object.values(table.layers));
  const smooth = new Map(rows.map((r) => [r, { layer_ms: table.features(r.p.graph, cost).smoothed_ms, layers: r.p.f.layers }]));
  const overheadSmooth = fitOverhead(train.map((r) => ({ f: smooth.get(r)!, ms: r.ms })));
  const errSmooth = (held: boolean) =>
    mape(rows.filter((r) => r.held === held).map((r) => ({ predicted: predictMs(smooth.get(r)!, overheadSmooth), measured: r.ms })));
  const overheadMin = fitOverhead(train.map((r) => ({ f: r.p.f, ms: r.min })));
  const errMin = (held: boolean) =>
    mape(rows.filter((r) => r.held === held).map((r) => ({ predicted: predictMs(r.p.f, overheadMin), measured: r.min })));
  const err = (held: boolean) =>
    mape(out.filter((r) => r.held_out === held).map((r) => ({ predicted: r.predicted_ms, measured: r.measured_ms })));
  return {
    schema: 'slimgpu-predictor-mape/1',
    adapter: rt.ctx.adapter,
    families,
    precision,
    batch,
    res_scale: opts.resScale ?? 1,
    overhead,
    train: train.length,
    held_out: rows.length - train.length,
    mape_held_out: round(err(true), 2),
    mape_train: round(err(false), 2),
    mape_held_out_no_overhead: round(mape(rows.filter((r) => r.held).map((r) => ({ predicted: r.p.f.layer_ms, measured: r.ms }))), 2),
    smoothed: { overhead: overheadSmooth, mape_held_out: round(errSmooth(true), 2), mape_train: round(errSmooth(false), 2) },
    min_ms: { overhead: overheadMin, mape_held_out: round(errMin(true), 2), mape_train: round(errMin(false), 2) },
    rows: out,
  };
}
