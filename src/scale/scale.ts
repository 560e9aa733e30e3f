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
import { cpuNow, inferenceGraph, LatencyTable, LayerTimer, layerSignature, timedNodes } from './latency_table.js';
import { chooseForBudget, mnasObjective, MNAS_W, paretoFront } from './pareto.js';
import { fitOverhead, mape, predictMs, type ModelFeatures, type Overhead } from './predictor.js';

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

/** One family's held-out check (its own overhead fit). All MAPEs are in percent. */
export interface FamilyValidation {
  family: string;
  /** fitted on this family's training configurations: min end-to-end ms against Σ fastest layer times */
  overhead: Overhead;
  train: number;
  held_out: number;
  mape_held_out: number;
  mape_train: number;
  /** Σ table alone (no overhead term), held out */
  mape_held_out_no_overhead: number;
  /** the same protocol against each model's median run instead of its fastest (more sensitive to other load) */
  median: { overhead: Overhead; mape_held_out: number; mape_train: number };
  /**
   * Noise floor: the rounds split into halves (even, odd); each model's fastest run in one half against the other
   * (mean |a − b| / b), and the same for the median. A predictor cannot be judged below this on this machine now.
   */
  noise_floor: { min: number; median: number };
  /**
   * The same protocol on process CPU time instead of wall time (Node: process.cpuUsage around each run and each
   * layer's profile, fastest round): on SwiftShader the "GPU" is this process's threads, and their CPU time hardly
   * depends on how many other processes share the cores — it shows the predictor's own error with little noise.
   * Absent outside Node.
   */
  cpu_time?: { overhead: Overhead; mape_held_out: number; mape_train: number; noise_floor: number };
}

export interface ValidationResult {
  schema: 'slimgpu-predictor-mape/3';
  adapter: Runtime['ctx']['adapter'];
  families: string[];
  precision: Precision;
  batch: number;
  res_scale: number;
  /** interleaved rounds: every model run once, then every distinct layer profiled once */
  rounds: number;
  /** distinct layers timed */
  layers: number;
  /** os.loadavg() (1, 5, 15 min) at the start and end, where the platform has it */
  load: { start: number[] | null; end: number[] | null };
  per_family: FamilyValidation[];
  /** over every family (each with its own overhead) */
  mape_held_out: number;
  held_out: number;
  /**
   * The spread across repeats: the rounds cut into `blocks` consecutive blocks, each judged alone (its own fastest
   * layer and model times, its own overhead fit): the held-out MAPE over every family per block, its median and
   * range. One figure from one run can be luck; these are several from the same run.
   */
  repeats: { blocks: number; rounds_per_block: number; mape_held_out: number[]; median: number; min: number; max: number };
  rows: {
    family: string;
    label: string;
    held_out: boolean;
    layer_ms: number;
    layers: number;
    dispatches: number;
    predicted_ms: number;
    /** fastest end-to-end run */
    measured_ms: number;
    error_pct: number;
    median_ms: number;
  }[];
}

async function loadAverage(): Promise<number[] | null> {
  try {
    const m = 'node:os';
    const os: typeof import('node:os') = await import(/* @vite-ignore */ m);
    return os.loadavg().map((x) => round(x, 2));
  } catch {
    return null;
  }
}

/**
 * Held-out check of the predictor, separating its error from the machine's noise. Every configuration of each
 * family is compiled whole, and every distinct layer of them compiled alone; then `runs` rounds each run every
 * model once (wall clock of run(): upload, submit, readback) and profile every layer once (GPU timestamps), so
 * layer and model times see the same load. A model's latency is its fastest round, a layer's time its fastest
 * round (other load only ever adds time). Per family, the overhead a + b·Σ + c·dispatches is fitted on the
 * training configurations (every `holdEvery`-th by multiply-adds, from the second, is held out) and the MAPE is
 * reported on the held-out ones, beside the noise floor (the same model's fastest run in two halves of the rounds).
 * The layer times found go into the table (its cache), replacing older ones.
 */
export async function validatePredictor(
  rt: Runtime,
  families: string[],
  opts: Omit<ScaleOptions, 'budgetMs' | 'measure'> & { holdEvery?: number; blocks?: number } = {},
): Promise<ValidationResult> {
  const log = opts.log ?? (() => {});
  const precision = opts.precision ?? 'fp32';
  const tune = opts.tune ?? 'cached';
  const batch = opts.batch ?? 1;
  const rounds = opts.runs ?? 9;
  const table = opts.table ?? (await new LatencyTable(rt, { tune, repeats: opts.layerRounds }).load());
  const holdEvery = opts.holdEvery ?? 3;
  const loadStart = await loadAverage();
  const all: { family: string; config: ScaleConfig; graph: Graph; held: boolean }[] = [];
  for (const fam of families) {
    let configs = familyConfigs(fam, { batch, resScale: opts.resScale });
    const macs = new Map(configs.map((c) => [c, buildModel(c.spec).macs()]));
    configs.sort((a, b) => macs.get(a)! - macs.get(b)!);
    if (opts.limit) configs = configs.slice(0, opts.limit);
    for (const [i, config] of configs.entries())
      all.push({ family: fam, config, graph: await prepareGraph(rt, config, precision), held: i % holdEvery === 1 });
  }
  const timer = await LayerTimer.create(
    rt,
    all.map((m) => m.graph),
    tune,
  );
  log(`validate: ${all.length} models, ${timer.size} distinct layers compiled alone (${timer.skipped} with packed edges)`);
  const models: { model: CompiledGraph; inputs: Float32Array[]; times: number[]; cpu: number[] }[] = [];
  try {
    for (const m of all) {
      const model = await compile(rt, m.graph, { tune });
      const inputs = sampleInput(m.graph);
      models.push({ model, inputs, times: [], cpu: [] });
      await model.run(inputs); // cold start: pipelines
      await model.run(inputs);
    }
    for (let r = 0; r < rounds; r++) {
      for (const m of models) {
        const c0 = cpuNow();
        const t0 = performance.now();
        await m.model.run(m.inputs);
        m.times.push(performance.now() - t0);
        m.cpu.push(cpuNow() - c0);
      }
      await timer.round();
      log(`validate: round ${r + 1}/${rounds}`);
    }
  } finally {
    models.forEach((m) => m.model.destroy());
    timer.destroy();
  }
  const cpuLayers = all.map((m) => {
    const g = inferenceGraph(m.graph);
    return timer.cpuSum(timedNodes(g).map((n) => layerSignature(g, n)));
  });
  table.setLayers(timer.entries());
  if (timer.skipped) await table.measureAll(all.map((m) => m.graph)); // packed edges: timed inside their model
  await table.save();

  // the spread across repeats: each block of rounds judged alone
  const blocks = opts.blocks ?? (rounds >= 9 ? 3 : 1);
  const blockOf = (r: number) => Math.floor((r * blocks) / rounds);
  const blockMape: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const part = new LatencyTable(rt, { persist: false, tune });
    part.setLayers(new Map(Object.entries(table.layers)));
    part.setLayers(timer.entries((r) => blockOf(r) === b));
    const pairs: { predicted: number; measured: number }[] = [];
    for (const fam of families) {
      const xs = all
        .map((m, i) => ({ m, f: part.features(m.graph), ms: Math.min(...models[i].times.filter((_, r) => blockOf(r) === b)) }))
        .filter((x) => x.m.family === fam);
      const o = fitOverhead(xs.filter((x) => !x.m.held));
      for (const x of xs.filter((x) => x.m.held)) pairs.push({ predicted: predictMs(x.f, o), measured: x.ms });
    }
    blockMape.push(round(mape(pairs), 2));
  }

  const rows: ValidationResult['rows'] = [];
  const per_family: FamilyValidation[] = [];
  for (const fam of families) {
    const ms = all
      .map((m, i) => ({ m, times: models[i].times, cpu: models[i].cpu, cpuLayers: cpuLayers[i], f: table.features(m.graph) }))
      .filter((x) => x.m.family === fam);
    const min = (ts: number[]) => Math.min(...ts);
    const train = ms.filter((x) => !x.m.held);
    const held = ms.filter((x) => x.m.held);
    const fitErr = (stat: (ts: number[]) => number) => {
      const overhead = fitOverhead(train.map((x) => ({ f: x.f, ms: stat(x.times) })));
      const err = (xs: typeof ms) => round(mape(xs.map((x) => ({ predicted: predictMs(x.f, overhead), measured: stat(x.times) }))), 2);
      return { overhead, mape_held_out: err(held), mape_train: err(train) };
    };
    const best = fitErr(min);
    const byMedian = fitErr(median);
    const split = (stat: (ts: number[]) => number) =>
      round(
        mape(
          ms.map((x) => ({
            predicted: stat(x.times.filter((_, r) => r % 2 === 0)),
            measured: stat(x.times.filter((_, r) => r % 2 === 1)),
          })),
        ),
        2,
      );
    let cpu_time: FamilyValidation['cpu_time'];
    if (ms.every((x) => Number.isFinite(x.cpuLayers))) {
      const fc = (x: (typeof ms)[number]) => ({ layer_ms: x.cpuLayers, layers: x.f.layers, dispatches: x.f.dispatches });
      const overhead = fitOverhead(train.map((x) => ({ f: fc(x), ms: min(x.cpu) })));
      const err = (xs: typeof ms) => round(mape(xs.map((x) => ({ predicted: predictMs(fc(x), overhead), measured: min(x.cpu) }))), 2);
      const floor = mape(
        ms.map((x) => ({ predicted: min(x.cpu.filter((_, r) => r % 2 === 0)), measured: min(x.cpu.filter((_, r) => r % 2 === 1)) })),
      );
      cpu_time = { overhead, mape_held_out: err(held), mape_train: err(train), noise_floor: round(floor, 2) };
    }
    per_family.push({
      family: fam,
      overhead: best.overhead,
      train: train.length,
      held_out: held.length,
      mape_held_out: best.mape_held_out,
      mape_train: best.mape_train,
      mape_held_out_no_overhead: round(mape(held.map((x) => ({ predicted: x.f.layer_ms, measured: min(x.times) }))), 2),
      median: byMedian,
      noise_floor: rounds >= 2 ? { min: split(min), median: split(median) } : { min: NaN, median: NaN },
      cpu_time,
    });
    for (const x of ms) {
      const predicted = predictMs(x.f, best.overhead);
      const measured = min(x.times);
      rows.push({
        family: fam,
        label: x.m.config.label,
        held_out: x.m.held,
        layer_ms: round(x.f.layer_ms),
        layers: x.f.layers,
        dispatches: x.f.dispatches ?? x.f.layers,
        predicted_ms: round(predicted),
        measured_ms: round(measured),
        error_pct: round((100 * (predicted - measured)) / measured, 1),
        median_ms: round(median(x.times)),
      });
      table.recordModel({ key: modelKey(x.m.config, precision), label: x.m.config.label, f: x.f, ms: round(measured) });
    }
  }
  await table.save();
  const heldRows = rows.filter((r) => r.held_out);
  return {
    schema: 'slimgpu-predictor-mape/3',
    adapter: rt.ctx.adapter,
    families,
    precision,
    batch,
    res_scale: opts.resScale ?? 1,
    rounds,
    layers: timer.size,
    load: { start: loadStart, end: await loadAverage() },
    per_family,
    mape_held_out: round(mape(heldRows.map((r) => ({ predicted: r.predicted_ms, measured: r.measured_ms }))), 2),
    held_out: heldRows.length,
    repeats: {
      blocks,
      rounds_per_block: Math.floor(rounds / blocks),
      mape_held_out: blockMape,
      median: round(median(blockMape), 2),
      min: Math.min(...blockMape),
      max: Math.max(...blockMape),
    },
    rows,
  };
}
