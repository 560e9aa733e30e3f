// The latency-constrained architecture search of issue 15 on Fashion-MNIST, resumable like the study:
//
//   npm run search -- [--plan full|stage2|stage3|stage4|smoke] [--stop-after N] [--summary] [--tuned-ratios [--passes P]]
//
// Space: src/models/search_space.ts (depth, width, kernel 3/5, depthwise-separable, SE, head). Search: aging
// evolution (Real et al. 2019) after a random start — each new candidate is a random architecture (the first
// `population`) or a one-gene mutation of the best of `tournament` sampled from the last `population` finished.
// Latency constraint: before any training, the candidate's latency ratio to cnn_small is predicted from the
// adapter's per-layer table (src/scale) with the overhead fitted on the ratios of the small CNNs measured so far,
// each against cnn_small in the same rounds (predictor.ts predictRatio); one predicted slower than cnn_small ×
// `maxRatio` is rejected untrained. Each session starts with a calibration pass (RESULTS/calibration.json): the
// table's layers of cnn_small, cnn_tiny and every finished candidate (with `calibrateWith`, an earlier plan's too;
// with `calibrateSpace`, every layer of every architecture in the plan's space) re-timed in rounds interleaved with
// runs of those models, so the table and the ratios the overhead is fitted on were measured under the same load. A trained
// candidate's latency is then measured (fastest of interleaved rounds against cnn_small in the same process: the
// ratio is what is compared, on a loaded machine the absolute figure drifts) and scored by MnasNet's soft
// objective ACC·(LAT/T)^w, T = cnn_small's latency, w = −0.07.
// Accuracy: every candidate is trained briefly (the plan's `search` recipe) by train() and scored on a validation
// split — the last `val` training images, never trained on; the test set is not read by the search. When
// `candidates` are done, every candidate's latency ratio is measured again in one pass, and the `finalists` best by
// objective on those ratios, and cnn_small, are trained with the `final` recipe and scored on the 10,000 test
// images once.
//
// Where things go (RESULTS = docs/results/search/<plan>, WORK = bench-results/search/<plan>, ignored by git):
//   RESULTS/baseline.json            cnn_small with the search recipe (validation accuracy, latency)
//   RESULTS/candidates/<k>.json      candidate k: architecture, predicted and measured latency, val accuracy,
//                                    objective, seconds, load; a rerun skips finished candidates (and replays the
//                                    same choices: every choice is seeded by the plan and k)
//   RESULTS/rejected.json            architectures the predictor rejected untrained (with the prediction)
//   RESULTS/calibration.json         the last calibration pass: each model's measured ratio to cnn_small, its
//                                    ratio predicted from the others (leave one out), and the prediction of the
//                                    older fit on lone absolute times (where the table still held those)
//   RESULTS/remeasured.json          the candidates' latency ratios measured again before the finals
//   RESULTS/tuned-ratios.json        `--tuned-ratios`: every candidate's and cnn_small's latency with the tuner's
//                                    measured kernels (tune 'measure'), not the static first choice the search
//                                    measured with (see measureTunedRatios)
//   RESULTS/final/<name>.json        the final trainings (val and test accuracy, latency ratio)
//   RESULTS/SUMMARY.md, pareto.svg   regenerated after every candidate: the trace and the accuracy–latency plot
//   WORK/final-<name>.ckpt           the final trainings' checkpoints (resumed after a kill), like the baseline's
//   WORK/baseline.ckpt, WORK/candidate-<k>-<name>.ckpt   and the candidates' (every epoch and every 10 minutes)

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { compile, type CompiledGraph } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { limitSplit, loadFashionMnist, tailSplit, type Split } from '../src/io/fashion_mnist.js';
import { median, sampleInput } from '../src/models/measure.js';
import { seededRandom } from '../src/models/builder.js';
import { archName, parseArch, SEARCH_SPACE, type SearchArch } from '../src/models/search_space.js';
import { buildModel } from '../src/models/zoo.js';
import { Runtime } from '../src/runtime/runtime.js';
import type { TuneMode } from '../src/runtime/tuner.js';
import { LatencyTable, LayerTimer, type EndToEndSample } from '../src/scale/latency_table.js';
import { paretoFront } from '../src/scale/pareto.js';
import { fitOverhead, mape, predictMs, predictRatio } from '../src/scale/predictor.js';
import { DEFAULT_OPTIM } from '../src/train/optim.js';
import { train } from '../src/train/loop.js';
import { mean, pairedDifference, std } from './study_stats.js';

interface Recipe {
  train: number;
  epochs: number;
  batch: number;
  lr: number;
}

export interface SearchPlan {
  name: string;
  seed: number;
  /** validation images: the last `val` of the 60,000 training images */
  val: number;
  search: Recipe;
  final: Recipe;
  candidates: number;
  /** how many candidates (best by objective on re-measured latency) get a final training, besides cnn_small */
  finalists: number;
  /** then this many more: the best by validation accuracy among those at a re-measured ratio ≤ accuracyMaxRatio
   *  (issue 15's "as accurate at ≤ 0.5× its latency"), for when the objective's finalists trade accuracy for speed */
  accuracyFinalists: number;
  accuracyMaxRatio: number;
  population: number;
  tournament: number;
  /** predicted latency / cnn_small's above this: rejected untrained */
  maxRatio: number;
  w: number;
  /** interleaved latency rounds per measurement */
  rounds: number;
  /** final trainings are scored on the first `testImages` test images (10,000: all) */
  testImages: number;
  /** the choices proposals draw from (a second stage narrows SEARCH_SPACE) */
  space: SearchSpace;
  /** other plans whose finished candidates join each calibration pass (more models for the overhead fit) */
  calibrateWith: string[];
  /** time every layer of every architecture in `space` in the calibration pass: no proposal's layer is then timed
   *  alone later, under whatever load there is at that moment (which inflated stage 2's first predictions 2–5×) */
  calibrateSpace: boolean;
  /** an earlier stage's finalists trained again with this plan's final seeds (named before its finals were seen) */
  carried: string[];
  /** each final (cnn_small's too) is trained once per seed; with more than one, the verdict is on the paired
   *  differences to cnn_small's same-seed final (mean, 95% CI) */
  finalSeeds: number[];
  /** earlier plans whose finals (cnn_small's, or a finalist's trained there too) of the same model, seed and recipe
   *  are copied instead of retrained (the final recipe is deterministic: stage 1's d2-w12-k3-fc final was reproduced
   *  to the image in stage 2); searched in this order */
  reuseFinals?: string[];
  /** kernel choice for every latency measurement (table, calibration, candidates, finals): 'cached' (default: each op's
   *  static first candidate where nothing is cached, as stages 1–4 measured) or 'measure' (the tuner's measured choice,
   *  cached per adapter; the table then lives in its own cache file) */
  tune?: TuneMode;
}

type SearchSpace = { [K in keyof typeof SEARCH_SPACE]: (typeof SEARCH_SPACE)[K] };

export const SEARCH_PLANS: Record<string, SearchPlan> = {
  // a few hours on this 2-core machine when it is quiet (cnn_small trains at ~50 images/s here)
  full: {
    name: 'full',
    seed: 15,
    val: 2000,
    search: { train: 3000, epochs: 2, batch: 32, lr: 0.05 },
    final: { train: 10000, epochs: 5, batch: 32, lr: 0.05 },
    candidates: 40,
    finalists: 3,
    accuracyFinalists: 3,
    accuracyMaxRatio: 0.5,
    population: 10,
    tournament: 4,
    maxRatio: 1,
    w: -0.07,
    rounds: 15,
    testImages: 10000,
    space: SEARCH_SPACE,
    calibrateWith: [],
    calibrateSpace: false,
    carried: [],
    finalSeeds: [1],
  },
  // Stage 2 (after `full` missed the target by 0.21 pt with one seed): its proxy ranked widths 8–12 above cnn_small
  // and tried only four width-16 models and none wider, and every finalist had the dense head. So: a proxy with 2.7×
  // the images, the space narrowed to widths 12–32 with the dense head at a predicted ≤ 0.55× cnn_small's latency,
  // and finals paired over three seeds (the standard error of one 10k-image accuracy near 89% is ~0.3 pt).
  stage2: {
    name: 'stage2',
    seed: 16,
    val: 2000,
    search: { train: 8000, epochs: 2, batch: 32, lr: 0.05 },
    final: { train: 10000, epochs: 5, batch: 32, lr: 0.05 },
    candidates: 16,
    finalists: 1,
    accuracyFinalists: 2,
    accuracyMaxRatio: 0.5,
    population: 6,
    tournament: 3,
    maxRatio: 0.55,
    w: -0.07,
    rounds: 15,
    testImages: 10000,
    space: { ...SEARCH_SPACE, depth: [2, 3, 4, 5], width: [12, 16, 20, 24, 32], fc: [true] },
    calibrateWith: ['full'],
    calibrateSpace: true,
    // stage 1's nearest miss (−0.21 pt at 0.43×, one seed), paired over the same seeds
    carried: ['cnn_search:d2-w12-k3-fc'],
    finalSeeds: [1, 2, 3],
  },
  // Stage 3, the other half of issue 15's target: MORE accurate than cnn_small at ≤ 1× its latency. Defined after
  // stage 2's first seed pair (d2-w12-k3-fc −0.50 pt at 0.39×) showed the ≤ 0.5× half out of reach for two-stage
  // widths ≤ 12. MnasNet's hard constraint (w = 0: the objective is the validation accuracy, the latency a limit):
  // predicted ≤ 0.9× (a margin for the re-measurement), widths 16–48, depth 2–4, dense head. The finals are the 3
  // most accurate at a re-measured ratio ≤ 0.9, on stage 2's seeds, each paired with stage 2's cnn_small final of the
  // same seed (reused: same recipe, same data).
  stage3: {
    name: 'stage3',
    seed: 17,
    val: 2000,
    search: { train: 8000, epochs: 2, batch: 32, lr: 0.05 },
    final: { train: 10000, epochs: 5, batch: 32, lr: 0.05 },
    candidates: 12,
    finalists: 0,
    accuracyFinalists: 3,
    accuracyMaxRatio: 0.9,
    population: 6,
    tournament: 3,
    maxRatio: 0.9,
    w: 0,
    rounds: 15,
    testImages: 10000,
    space: { ...SEARCH_SPACE, depth: [2, 3, 4], width: [16, 24, 32, 48], fc: [true] },
    calibrateWith: ['full', 'stage2'],
    calibrateSpace: true,
    carried: [],
    finalSeeds: [1, 2, 3],
    reuseFinals: ['stage2'],
  },
  // Stage 4, after stage 3's finals: its proxy (8,000 images × 2 epochs) ranked d3-w24-k3-dw-se-fc 1.7 pt above
  // cnn_small on validation, the final recipe (10,000 × 5) put it 0.29 pt below on test (0.94×; 3 seeds): the short
  // proxy favours models that fit fast. So the proxy here IS the final recipe (scored on validation), over the
  // region stage 3 left closest to the target — depthwise-separable, dense head, depth 3–4, widths 24–32, with and
  // without SE, kernel 3 or 5 — at a predicted ≤ 0.95× (a margin for the re-measurement). The 2 most accurate at a
  // re-measured ≤ 1× get finals on seeds 1–3, paired with cnn_small's finals of stage 2 (a finalist already trained
  // in stage 3 is copied from there).
  stage4: {
    name: 'stage4',
    seed: 18,
    val: 2000,
    search: { train: 10000, epochs: 5, batch: 32, lr: 0.05 },
    final: { train: 10000, epochs: 5, batch: 32, lr: 0.05 },
    candidates: 6,
    finalists: 0,
    accuracyFinalists: 2,
    accuracyMaxRatio: 1,
    population: 6,
    tournament: 3,
    maxRatio: 0.95,
    w: 0,
    rounds: 15,
    testImages: 10000,
    space: { ...SEARCH_SPACE, depth: [3, 4], width: [24, 32], dw: [true], fc: [true] },
    calibrateWith: ['full', 'stage2', 'stage3'],
    calibrateSpace: true,
    carried: [],
    finalSeeds: [1, 2, 3],
    reuseFinals: ['stage2', 'stage3'],
  },
  // the pipeline end to end in minutes (tests, a first look); its accuracies mean little
  smoke: {
    name: 'smoke',
    seed: 15,
    val: 200,
    search: { train: 256, epochs: 1, batch: 32, lr: 0.05 },
    final: { train: 512, epochs: 1, batch: 32, lr: 0.05 },
    candidates: 3,
    finalists: 1,
    accuracyFinalists: 0,
    accuracyMaxRatio: 0.5,
    population: 2,
    tournament: 2,
    maxRatio: 1,
    w: -0.07,
    rounds: 5,
    testImages: 500,
    space: SEARCH_SPACE,
    calibrateWith: [],
    calibrateSpace: false,
    carried: [],
    finalSeeds: [1],
  },
};

export interface CandidateResult {
  k: number;
  name: string;
  arch: SearchArch;
  origin: string;
  params: number;
  macs: number;
  predicted_ratio: number;
  predicted_ms: number;
  measured_ms: number;
  baseline_ms: number;
  latency_ratio: number;
  val_accuracy: number;
  objective: number;
  seconds: number;
  load: number[];
  date: string;
}

/** One final training (RESULTS/final/<id>.json); `seed` is absent in stage 1's files (seed 1). */
export interface FinalResult {
  name: string;
  seed?: number;
  val_accuracy: number;
  test_accuracy: number;
  latency_ratio: number;
  measured_ms: number;
  params: number;
  recipe?: Recipe;
  test_images?: number;
  /** copied from another plan's final of the same recipe (`reuseFinals`) */
  reused_from?: string;
}

const MNAS = (acc: number, ratio: number, w: number) => acc * Math.pow(ratio, w);

function writeJson(file: string, v: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(v, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
}

export function finishedCandidates(dir: string): CandidateResult[] {
  const d = join(dir, 'candidates');
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(d, f), 'utf8')) as CandidateResult)
    .sort((a, b) => a.k - b.k);
}

function randomArch(rand: () => number, space: SearchSpace): SearchArch {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  return {
    depth: pick(space.depth),
    width: pick(space.width),
    k: pick(space.k),
    dw: pick(space.dw),
    se: pick(space.se),
    fc: pick(space.fc),
  };
}

/** Every architecture of `space` (its cartesian product). */
export function spaceArchs(space: SearchSpace): SearchArch[] {
  const out: SearchArch[] = [];
  for (const depth of space.depth)
    for (const width of space.width)
      for (const k of space.k)
        for (const dw of space.dw) for (const se of space.se) for (const fc of space.fc) out.push({ depth, width, k, dw, se, fc });
  return out;
}

/** One gene of `a` changed within `space`: depth and width move to a neighbouring value, the others flip (a gene with
 *  one choice in `space` stays: the mutation is then a no-op and the caller's proposal loop draws again). */
function mutate(a: SearchArch, rand: () => number, space: SearchSpace): SearchArch {
  const b = { ...a };
  const step = <T>(xs: T[], v: T) => {
    if (xs.length < 2) return v;
    const i = xs.indexOf(v);
    const j = Math.min(xs.length - 1, Math.max(0, i + (rand() < 0.5 ? -1 : 1)));
    return xs[j === i ? (i === 0 ? 1 : i - 1) : j];
  };
  const flip = <T>(xs: T[], v: T) => xs.find((x) => x !== v) ?? v; // the other of two choices
  switch (Math.floor(rand() * 6)) {
    case 0:
      b.depth = step(space.depth, a.depth);
      break;
    case 1:
      b.width = step(space.width, a.width);
      break;
    case 2:
      b.k = flip(space.k, a.k);
      break;
    case 3:
      b.dw = flip(space.dw, a.dw);
      break;
    case 4:
      b.se = flip(space.se, a.se);
      break;
    default:
      b.fc = flip(space.fc, a.fc);
  }
  return b;
}

/** The next candidate's proposal (deterministic in the plan, k and the finished results). */
export function propose(plan: SearchPlan, k: number, done: CandidateResult[], attempt: number): { arch: SearchArch; origin: string } {
  const rand = seededRandom(plan.seed * 100003 + k * 1009 + attempt);
  if (done.length < plan.population) return { arch: randomArch(rand, plan.space), origin: 'random' };
  const recent = done.slice(-plan.population);
  const sample = Array.from({ length: plan.tournament }, () => recent[Math.floor(rand() * recent.length)]);
  const parent = sample.reduce((a, b) => (b.objective > a.objective ? b : a));
  return { arch: mutate(parent.arch, rand, plan.space), origin: `mutation of ${parent.name}` };
}

/**
 * The proposals for candidate k: up to 200 of `propose` (random, then aging evolution); when those keep landing on
 * architectures already trained or rejected (a tight constraint leaves few), the rest of the space in a seeded order.
 */
export function* proposals(plan: SearchPlan, k: number, done: CandidateResult[]): Generator<{ arch: SearchArch; origin: string }> {
  for (let attempt = 0; attempt < 200; attempt++) yield propose(plan, k, done, attempt);
  const rand = seededRandom(plan.seed * 7919 + k);
  const rest = spaceArchs(plan.space)
    .map((arch) => ({ arch, key: rand() }))
    .sort((a, b) => a.key - b.key);
  for (const { arch } of rest) yield { arch, origin: 'rest of the space (evolution exhausted)' };
}

/** The candidate phase is over: `candidates` finished, or the space ran out of architectures within the constraint. */
export function candidatesDone(dir: string, plan: SearchPlan): boolean {
  return finishedCandidates(dir).length >= plan.candidates || existsSync(join(dir, 'exhausted.json'));
}

/** Compiled models' fastest wall-clock run (ms) over `rounds` interleaved rounds, each model run once per round. */
async function fastestOfRounds(models: { model: CompiledGraph; inputs: Float32Array[] }[], rounds: number): Promise<number[]> {
  const best = models.map(() => Infinity);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < models.length; i++) {
      const t0 = performance.now();
      await models[i].model.run(models[i].inputs);
      best[i] = Math.min(best[i], performance.now() - t0);
    }
  return best;
}

/** Fastest of interleaved rounds, each model run once per round (batch 1). */
async function measureLatency(rt: Runtime, graphs: Graph[], rounds: number, tune: TuneMode = 'cached'): Promise<number[]> {
  const models: { model: CompiledGraph; inputs: Float32Array[] }[] = [];
  try {
    for (const g of graphs) {
      const model = await compile(rt, g, { tune });
      const inputs = sampleInput(g);
      await model.run(inputs);
      await model.run(inputs);
      models.push({ model, inputs });
    }
    return await fastestOfRounds(models, rounds);
  } finally {
    models.forEach((m) => m.model.destroy());
  }
}

const round = (x: number, d = 4) => Number(x.toFixed(d));

/** RESULTS/tuned-ratios.json */
export interface TunedRatios {
  date: string;
  passes: number;
  rounds: number;
  load: number[];
  /** per model: its latency ratio to cnn_small in each pass (fastest of `rounds` interleaved runs, batch 1) */
  pass_ratios: Record<string, number[]>;
  /** the median of the passes */
  ratio: Record<string, number>;
  /** the kernels the tuner chose, per model */
  kernels: Record<string, string[]>;
}

/**
 * Latency ratios to cnn_small with the tuner's measured kernel choices (compile with tune 'measure', the choices cached
 * per adapter in .cache/slimgpu), `passes` passes of `rounds` interleaved rounds (each model run once per round, batch
 * 1, fastest per pass); the median of the passes' ratios. The search itself compiled with the default 'cached' mode,
 * which without a tuning cache is each op's static first candidate: until Winograd went first in conv2d
 * (winogradFirst, docs/results/winograd-default) that ran cnn_small's conv2 on slide quad 7×32, ~1.5× cnn_small's
 * tuned latency at batch 1, while the depthwise-separable candidates changed less.
 */
export async function measureTunedRatios(
  rt: Runtime,
  names: string[],
  rounds: number,
  passes: number,
  tune: TuneMode = 'measure',
): Promise<TunedRatios> {
  const all = ['cnn_small', ...names.filter((n) => n !== 'cnn_small')];
  const models: { name: string; model: CompiledGraph; inputs: Float32Array[] }[] = [];
  try {
    for (const name of all) {
      const g = buildModel({ model: name, batch: 1 });
      const model = await compile(rt, g, { tune });
      const inputs = sampleInput(g);
      await model.run(inputs);
      models.push({ name, model, inputs });
    }
    const passRatios: Record<string, number[]> = Object.fromEntries(all.map((n) => [n, []]));
    for (let p = 0; p < passes; p++) {
      const best = await fastestOfRounds(models, rounds);
      models.forEach((m, i) => passRatios[m.name].push(round(best[i] / best[0])));
    }
    return {
      date: new Date().toISOString(),
      passes,
      rounds,
      load: loadavg().map((x) => round(x, 2)),
      pass_ratios: passRatios,
      ratio: Object.fromEntries(all.map((n) => [n, round(median(passRatios[n]))])),
      kernels: Object.fromEntries(models.map((m) => [m.name, [...m.model.variants.values()]])),
    };
  } finally {
    models.forEach((m) => m.model.destroy());
  }
}

class Search {
  readonly dir: string;
  readonly work: string;
  private data: { train: Split; test: Split } | null = null;

  constructor(
    readonly rt: Runtime,
    readonly plan: SearchPlan,
    readonly table: LatencyTable,
    readonly log: (l: string) => void,
    readonly root = process.cwd(),
  ) {
    this.dir = join(root, 'docs/results/search', plan.name);
    this.work = join(root, 'bench-results/search', plan.name);
  }

  private splits(r: Recipe): { train: Split; val: Split; test: Split } {
    this.data ??= loadFashionMnist();
    return {
      train: limitSplit(this.data.train, r.train),
      val: tailSplit(this.data.train, this.plan.val),
      test: limitSplit(this.data.test, this.plan.testImages),
    };
  }

  /** The overhead samples: small CNNs at batch 1, fp32 (predictRatio keeps those timed against cnn_small). */
  private samples(): EndToEndSample[] {
    return Object.values(this.table.models).filter((s) => s.key.startsWith('cnn_') && s.key.endsWith('|fp32|b1'));
  }

  /** Predicted latency ratio of a model to cnn_small (its missing layers timed first); records nothing. */
  private async predict(name: string): Promise<number> {
    const g = buildModel({ model: name, batch: 1 });
    const base = buildModel({ model: 'cnn_small', batch: 1 });
    await this.table.measureAll([g, base]);
    return predictRatio(this.samples(), 'cnn_small', this.table.features(g), this.table.features(base));
  }

  /** Measures `name` against cnn_small (interleaved) and records both as overhead samples (ratios to cnn_small). */
  private async measure(name: string): Promise<{ ms: number; base: number }> {
    const g = buildModel({ model: name, batch: 1 });
    const base = buildModel({ model: 'cnn_small', batch: 1 });
    await this.table.measureAll([g, base]);
    const [ms, baseMs] = await measureLatency(this.rt, [g, base], this.plan.rounds, this.plan.tune);
    const paired = { base_ms: baseMs, base: 'cnn_small', date: new Date().toISOString() };
    this.table.recordModel({ key: `${name}|fp32|b1`, label: name, f: this.table.features(g), ms, ...paired });
    this.table.recordModel({ key: 'cnn_small|fp32|b1', label: 'cnn_small', f: this.table.features(base), ms: baseMs, ...paired });
    await this.table.save();
    return { ms, base: baseMs };
  }

  /**
   * One pass, `rounds` rounds, over cnn_small, cnn_tiny and every finished candidate: each round runs every model
   * once (batch 1, wall clock) and profiles every distinct layer alone once. The table's layers become their
   * fastest rounds here and every model's sample its fastest run with cnn_small's from the same rounds, so the
   * overhead is fitted on ratios and layer times measured under the same load — not on absolute times recorded
   * over hours of changing load. Writes RESULTS/calibration.json (predicted against measured, leave one out).
   */
  async calibrate(done: CandidateResult[]): Promise<void> {
    const others = this.plan.calibrateWith.flatMap((p) => finishedCandidates(join(this.root, 'docs/results/search', p)));
    const names = [...new Set(['cnn_small', 'cnn_tiny', ...done.map((c) => c.name), ...others.map((c) => c.name)])];
    const graphs = names.map((model) => buildModel({ model, batch: 1 }));
    const spaceGraphs = this.plan.calibrateSpace
      ? spaceArchs(this.plan.space).map((a) => buildModel({ model: archName(a), batch: 1 }))
      : [];
    const load0 = loadavg();
    await this.table.measureAll(graphs); // layers LayerTimer cannot isolate (packed edges: none in fp32) and new ones
    // the older fit (absolute times recorded one model at a time) on the table as it was, for the record; those
    // lone times are then dropped (predictRatio leaves them out anyway)
    const unpaired = this.samples().filter((s) => s.base_ms === undefined);
    const before = unpaired.length >= 4 ? fitOverhead(unpaired) : null;
    for (const s of unpaired) delete this.table.models[s.key];
    const fBefore = graphs.map((g) => this.table.features(g));
    const timer = await LayerTimer.create(this.rt, [...graphs, ...spaceGraphs], this.plan.tune);
    const models: { model: CompiledGraph; inputs: Float32Array[]; best: number }[] = [];
    try {
      for (const g of graphs) {
        const model = await compile(this.rt, g, { tune: this.plan.tune });
        const inputs = sampleInput(g);
        await model.run(inputs);
        await model.run(inputs);
        models.push({ model, inputs, best: Infinity });
      }
      for (let r = 0; r < this.plan.rounds; r++) {
        for (let i = 0; i < models.length; i++) {
          const m = models[(i + r) % models.length]; // no model always first after the layer rounds
          const t0 = performance.now();
          await m.model.run(m.inputs);
          m.best = Math.min(m.best, performance.now() - t0);
        }
        await timer.round();
      }
      this.table.setLayers(timer.entries());
    } finally {
      models.forEach((m) => m.model.destroy());
      timer.destroy();
    }
    const baseMs = models[0].best;
    const date = new Date().toISOString();
    const feats = graphs.map((g) => this.table.features(g));
    names.forEach((label, i) =>
      this.table.recordModel({ key: `${label}|fp32|b1`, label, f: feats[i], ms: models[i].best, base_ms: baseMs, base: 'cnn_small', date }),
    );
    await this.table.save();
    const paired = names.map((label, i) => ({ label, f: feats[i], ms: models[i].best, base_ms: baseMs, base: 'cnn_small' }));
    const rows = names.slice(1).map((name, j) => {
      const i = j + 1;
      return {
        name,
        measured_ratio: round(models[i].best / baseMs),
        predicted_ratio: round(
          predictRatio(
            paired.filter((_, t) => t !== i),
            'cnn_small',
            feats[i],
            feats[0],
          ),
        ),
        ...(before ? { unpaired_fit_ratio: round(predictMs(fBefore[i], before) / predictMs(fBefore[0], before)) } : {}),
      };
    });
    const err = (k: 'predicted_ratio' | 'unpaired_fit_ratio') =>
      round(mape(rows.filter((r) => r[k] !== undefined).map((r) => ({ predicted: r[k]!, measured: r.measured_ratio }))), 2);
    const cal = {
      date,
      rounds: this.plan.rounds,
      load: { start: load0.map((x) => round(x, 2)), end: loadavg().map((x) => round(x, 2)) },
      layers: timer.size,
      cnn_small_ms: round(baseMs),
      mape_leave_one_out: err('predicted_ratio'),
      ...(before ? { mape_unpaired_fit: err('unpaired_fit_ratio'), unpaired_fit: before } : {}),
      rows,
    };
    writeJson(join(this.dir, 'calibration.json'), cal);
    this.log(
      `search: calibration: ${names.length} models, ${timer.size} layers, ${this.plan.rounds} rounds (load ${cal.load.start[0]} → ${cal.load.end[0]}); ` +
        `ratio to cnn_small predicted leave one out: MAPE ${cal.mape_leave_one_out}%` +
        (before ? `; the older fit on lone absolute times: ${cal.mape_unpaired_fit}%` : ''),
    );
  }

  private async trainVal(name: string, r: Recipe, test: boolean, ckpt?: string, seed = 1) {
    const s = this.splits(r);
    const t0 = performance.now();
    const res = await train(this.rt, {
      model: { model: name },
      mode: 'plain',
      epochs: r.epochs,
      batch: r.batch,
      seed,
      opt: { ...DEFAULT_OPTIM, lr: r.lr },
      augment: { cropPad: 0, flip: false },
      train: s.train,
      // the search never reads the test set: its candidates' end-of-training score is on the validation split
      test: test ? s.test : s.val,
      val: test ? s.val : undefined,
      out: ckpt,
      resume: ckpt && existsSync(ckpt) ? ckpt : undefined,
      // a killed run resumes from minutes ago, not from its start (stage 4's candidates train ~10–60 min each)
      checkpointEveryMin: ckpt ? 10 : undefined,
      onEpoch: (e) => this.log(`search: ${name} epoch ${e.epoch}: loss ${e.train_loss[0].toFixed(4)}, ${e.seconds.toFixed(0)} s`),
    });
    const seconds = (performance.now() - t0) / 1000;
    return test
      ? { val: res.val_accuracy![0], test: res.test_accuracy[0], params: res.params, seconds }
      : { val: res.test_accuracy[0], test: null, params: res.params, seconds };
  }

  async baseline(): Promise<CandidateResult> {
    const file = join(this.dir, 'baseline.json');
    const have = readJson<CandidateResult>(file);
    if (have) return have;
    this.log('search: cnn_small with the search recipe (the baseline)');
    await this.measure('cnn_tiny'); // a second overhead sample for the predictor
    const lat = await this.measure('cnn_small');
    mkdirSync(this.work, { recursive: true });
    const t = await this.trainVal('cnn_small', this.plan.search, false, join(this.work, 'baseline.ckpt'));
    const g = buildModel({ model: 'cnn_small', batch: 1 });
    const b: CandidateResult = {
      k: -1,
      name: 'cnn_small',
      arch: { depth: 2, width: 32, k: 3, dw: false, se: false, fc: true },
      origin: 'baseline',
      params: t.params,
      macs: g.macs(),
      predicted_ratio: 1,
      predicted_ms: round(lat.base),
      measured_ms: round(lat.ms),
      baseline_ms: round(lat.base),
      latency_ratio: 1,
      val_accuracy: t.val,
      objective: round(MNAS(t.val, 1, this.plan.w)),
      seconds: round(t.seconds, 1),
      load: loadavg().map((x) => round(x, 2)),
      date: new Date().toISOString(),
    };
    writeJson(file, b);
    return b;
  }

  /** Runs candidates until `candidates` are finished or `stopAfter` were run in this session. */
  async run(stopAfter = Infinity): Promise<void> {
    await this.baseline();
    let ran = 0;
    if (!candidatesDone(this.dir, this.plan) && stopAfter > 0) await this.calibrate(finishedCandidates(this.dir));
    for (;;) {
      const done = finishedCandidates(this.dir);
      const k = done.length;
      if (candidatesDone(this.dir, this.plan) || ran >= stopAfter) break;
      const rejectedFile = join(this.dir, 'rejected.json');
      const rejected = readJson<{ k: number; name: string; predicted_ratio: number }[]>(rejectedFile) ?? [];
      const seen = new Set([...done.map((d) => d.name), 'cnn_small']);
      let chosen: { arch: SearchArch; origin: string; ratio: number; ms: number } | null = null;
      const baseMs = this.table.models['cnn_small|fp32|b1']?.ms ?? NaN; // its latest time: predicted_ms is ratio × it
      for (const p of proposals(this.plan, k, done)) {
        const name = archName(p.arch);
        if (seen.has(name)) continue;
        seen.add(name);
        const ratio = await this.predict(name);
        if (ratio > this.plan.maxRatio) {
          if (!rejected.some((r) => r.name === name)) rejected.push({ k, name, predicted_ratio: round(ratio) });
          this.log(`search: ${name} predicted ${ratio.toFixed(2)}× cnn_small: rejected untrained`);
          continue;
        }
        chosen = { ...p, ratio, ms: ratio * baseMs };
        break;
      }
      writeJson(rejectedFile, rejected);
      if (!chosen) {
        // every architecture of the space is trained or predicted over the constraint: the candidates are done
        writeJson(join(this.dir, 'exhausted.json'), { candidates: k, date: new Date().toISOString() });
        this.log(`search: every architecture of the space within ${this.plan.maxRatio}× is trained (${k} candidates): on to the finals`);
        break;
      }
      const name = archName(chosen.arch);
      this.log(`search: candidate ${k}: ${name} (${chosen.origin}; predicted ${chosen.ratio.toFixed(2)}× cnn_small)`);
      mkdirSync(this.work, { recursive: true });
      const t = await this.trainVal(name, this.plan.search, false, join(this.work, `candidate-${k}-${fileSafe(name)}.ckpt`));
      const lat = await this.measure(name);
      const ratio = lat.ms / lat.base;
      const c: CandidateResult = {
        k,
        name,
        arch: chosen.arch,
        origin: chosen.origin,
        params: t.params,
        macs: buildModel({ model: name, batch: 1 }).macs(),
        predicted_ratio: round(chosen.ratio),
        predicted_ms: round(chosen.ms),
        measured_ms: round(lat.ms),
        baseline_ms: round(lat.base),
        latency_ratio: round(ratio),
        val_accuracy: t.val,
        objective: round(MNAS(t.val, ratio, this.plan.w)),
        seconds: round(t.seconds, 1),
        load: loadavg().map((x) => round(x, 2)),
        date: new Date().toISOString(),
      };
      writeJson(join(this.dir, 'candidates', `${String(k).padStart(3, '0')}.json`), c);
      this.log(
        `search: candidate ${k}: val ${(100 * t.val).toFixed(2)}%, ${ratio.toFixed(2)}× cnn_small's latency, objective ${c.objective}`,
      );
      ran++;
      this.summary();
    }
    if (candidatesDone(this.dir, this.plan) && ran < stopAfter) await this.finals();
    this.summary();
  }

  /**
   * Every finished candidate's latency ratio measured again in one pass (RESULTS/remeasured.json, resumable): the
   * search's own ratios were taken one at a time across hours of changing load, and before the QuietWait fix
   * (one slow run inflated the next ~15) they ranged over 0.2–0.9× for near-identical models.
   */
  async remeasure(done: CandidateResult[]): Promise<Record<string, number>> {
    const file = join(this.dir, 'remeasured.json');
    const out: Record<string, number> = readJson<Record<string, number>>(file) ?? {};
    for (const c of done) {
      if (out[c.name] !== undefined) continue;
      const lat = await this.measure(c.name);
      out[c.name] = round(lat.ms / lat.base);
      writeJson(file, out);
    }
    return out;
  }

  /** The `finalists` best candidates by objective on re-measured latency, cnn_small, then the `accuracyFinalists`
   *  most accurate on validation at ≤ `accuracyMaxRatio`, trained with the final recipe and scored on the test set. */
  async finals(): Promise<void> {
    const done = finishedCandidates(this.dir);
    const ratios = await this.remeasure(done);
    // seed by seed, so that a session's partial results are whole pairs
    for (const seed of this.plan.finalSeeds)
      for (const name of finalistNames(done, ratios, this.plan)) {
        const id = finalId(name, seed, this.plan);
        const file = join(this.dir, 'final', `${id}.json`);
        if (existsSync(file)) continue;
        const reused = reusableFinal(this.dir, this.plan, id);
        if (reused) {
          this.log(`search: ${name}'s final, seed ${seed}: copied from ${reused.reused_from} (same recipe)`);
          writeJson(file, reused);
          continue;
        }
        this.log(`search: final training of ${name}, seed ${seed}`);
        mkdirSync(this.work, { recursive: true });
        const t = await this.trainVal(name, this.plan.final, true, join(this.work, `final-${id}.ckpt`), seed);
        const lat = await this.measure(name);
        writeJson(file, {
          name,
          seed,
          recipe: this.plan.final,
          test_images: this.plan.testImages,
          params: t.params,
          val_accuracy: t.val,
          test_accuracy: t.test,
          measured_ms: round(lat.ms),
          baseline_ms: round(lat.base),
          latency_ratio: round(lat.ms / lat.base),
          seconds: round(t.seconds, 1),
          load: loadavg().map((x) => round(x, 2)),
          date: new Date().toISOString(),
        });
        this.summary();
      }
  }

  summary(): void {
    writeSummary(this.dir, this.plan);
  }
}

/** SUMMARY.md (the trace) and pareto.svg (validation accuracy against latency relative to cnn_small). */
export function writeSummary(dir: string, plan: SearchPlan): void {
  const done = finishedCandidates(dir);
  const base = readJson<CandidateResult>(join(dir, 'baseline.json'));
  const pts = [...(base ? [base] : []), ...done];
  const front = new Set(
    paretoFront(pts.map((p) => ({ label: p.name, latency_ms: p.latency_ratio, top1: p.val_accuracy }))).map((p) => p.label),
  );
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const L = [
    `# Architecture search (plan ${plan.name}): trace`,
    '',
    `Regenerated by \`scripts/search.ts\` after every candidate. Search recipe: ${plan.search.train} training images, ${plan.search.epochs} epoch(s), ` +
      `batch ${plan.search.batch}, SGD lr ${plan.search.lr}; validation: the last ${plan.val} training images. Latency: batch 1, fastest of ` +
      `${plan.rounds} rounds interleaved with cnn_small in the same process; ratio = candidate / cnn_small. Objective ACC·ratio^${plan.w}. ` +
      `* = on the Pareto front (val accuracy vs latency ratio). ${done.length} of ${plan.candidates} candidates finished` +
      (existsSync(join(dir, 'exhausted.json'))
        ? `: every other architecture of the space was predicted over ${plan.maxRatio}× cnn_small's latency.`
        : '.'),
    '',
    '| k | architecture | origin | params | predicted ratio | measured ratio | val acc | objective | train s | load (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const p of pts)
    L.push(
      `| ${p.k < 0 ? 'base' : p.k} | ${front.has(p.name) ? '*' : ''}${p.name} | ${p.origin} | ${p.params} | ${p.predicted_ratio.toFixed(2)} | ` +
        `${p.latency_ratio.toFixed(2)} (${p.measured_ms.toFixed(2)} ms) | ${pct(p.val_accuracy)} | ${p.objective.toFixed(4)} | ${p.seconds} | ${p.load[0]} |`,
    );
  const measured = done.filter((p) => p.predicted_ratio > 0);
  if (measured.length) {
    const err = measured.reduce((s, p) => s + Math.abs(p.predicted_ratio - p.latency_ratio) / p.latency_ratio, 0) / measured.length;
    L.push(
      '',
      `Latency predictor on the candidates, each predicted before it was measured (overhead fitted on the small CNNs measured ` +
        `before it): MAPE of the ratio ${(100 * err).toFixed(1)}% over ${measured.length}.`,
    );
  }
  const ratios = readJson<Record<string, number>>(join(dir, 'remeasured.json'));
  if (ratios) {
    const rows = done
      .filter((p) => ratios[p.name] !== undefined)
      .map((p) => ({ p, r: ratios[p.name], objective: MNAS(p.val_accuracy, ratios[p.name], plan.w) }))
      .sort((a, b) => b.objective - a.objective);
    L.push(
      '',
      `## Latency re-measured in one pass before the finals (${rows.length} of ${done.length}; the finalists are the best ${plan.finalists} by this objective, then the ${plan.accuracyFinalists} most accurate on validation at ≤ ${plan.accuracyMaxRatio}×)`,
      '',
      '| architecture | val acc | search ratio | re-measured ratio | objective |',
      '|---|---|---|---|---|',
      ...rows.map(
        ({ p, r, objective }) =>
          `| ${p.name} | ${pct(p.val_accuracy)} | ${p.latency_ratio.toFixed(2)} | ${r.toFixed(2)} | ${objective.toFixed(4)} |`,
      ),
    );
  }
  const tuned = readJson<TunedRatios>(join(dir, 'tuned-ratios.json'));
  if (tuned) {
    const rows = done.filter((p) => tuned.ratio[p.name] !== undefined).sort((a, b) => b.val_accuracy - a.val_accuracy);
    L.push(
      '',
      `## Latency with the tuner's kernels (\`npm run search -- --plan ${plan.name} --tuned-ratios\`, ${tuned.date.slice(0, 16)} UTC, ` +
        `${tuned.passes} passes of ${tuned.rounds} rounds, median of the passes; load ${tuned.load.join(' ')})`,
      '',
      "The search measured every model with each op's static first kernel (no tuning cache). With the tuner's measured",
      'choices, cnn_small itself gets faster (Winograd for conv2), so these ratios are the fair comparison.',
      '',
      '| architecture | val acc | search ratio | tuned ratio (passes) |',
      '|---|---|---|---|',
      ...rows.map(
        (p) =>
          `| ${p.name} | ${pct(p.val_accuracy)} | ${p.latency_ratio.toFixed(2)} | ${tuned.ratio[p.name].toFixed(2)} (${tuned.pass_ratios[p.name].map((r) => r.toFixed(2)).join(', ')}) |`,
      ),
    );
  }
  const finals: FinalResult[] = existsSync(join(dir, 'final'))
    ? readdirSync(join(dir, 'final'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(dir, 'final', f), 'utf8')) as FinalResult)
    : [];
  if (finals.length) {
    const seeded = plan.finalSeeds.length > 1;
    L.push(
      '',
      `## Final trainings (${plan.final.train} images, ${plan.final.epochs} epochs; test set scored once, first ${plan.testImages} images` +
        `${seeded ? `; seeds ${plan.finalSeeds.join(', ')}` : ''})`,
      '',
      `| model |${seeded ? ' seed |' : ''} val acc | test acc | latency ratio | params | MACs | issue 15 target${seeded ? " (this seed's pair)" : ''} |`,
      `|---|${seeded ? '---|' : ''}---|---|---|---|---|---|`,
    );
    const seedOf = (f: FinalResult) => f.seed ?? 1;
    finals.sort((a, b) => seedOf(a) - seedOf(b) || (a.name === 'cnn_small' ? -1 : b.name === 'cnn_small' ? 1 : 0));
    for (const f of finals) {
      const base = finals.find((b) => b.name === 'cnn_small' && seedOf(b) === seedOf(f));
      L.push(
        `| ${f.name}${f.reused_from ? ` (${f.reused_from.split('/')[0]}'s)` : ''} |${seeded ? ` ${seedOf(f)} |` : ''} ${pct(f.val_accuracy)} | ${pct(f.test_accuracy)} | ${f.latency_ratio.toFixed(2)} (${f.measured_ms} ms) | ` +
          `${f.params} | ${buildModel({ model: f.name, batch: 1 }).macs()} | ${f.name === 'cnn_small' ? '—' : finalVerdict(f, base)} |`,
      );
    }
    if (seeded) {
      L.push(
        '',
        `## Paired over seeds (each model against cnn_small's final of the same seed)`,
        '',
        '| model | seeds | test acc, mean ± std | difference to cnn_small, mean (95% CI) | latency ratio (median) | issue 15 target |',
        '|---|---|---|---|---|---|',
      );
      const base = finals.filter((f) => f.name === 'cnn_small');
      for (const name of [...new Set(finals.map((f) => f.name))]) {
        const runs = finals.filter((f) => f.name === name);
        const accs = runs.map((f) => f.test_accuracy);
        const sd = runs.length > 1 ? ` ± ${(100 * std(accs)).toFixed(2)}` : '';
        const v = name === 'cnn_small' ? null : pairedVerdict(runs, base, plan.finalSeeds.length);
        L.push(
          `| ${name} | ${runs.map(seedOf).join(', ')} | ${(100 * mean(accs)).toFixed(2)}%${sd} | ${v ? v.difference : '—'} | ` +
            `${median(runs.map((f) => f.latency_ratio)).toFixed(2)} | ${v ? v.verdict : '—'} |`,
        );
      }
    }
    L.push(
      '',
      "cnn_small's latency ratio is against a second copy of itself measured in the same rounds: it shows the noise of the ratio at that time.",
      "Target (issue 15): test accuracy above cnn_small's at a latency ratio ≤ 1, or at least cnn_small's at a ratio ≤ 0.5" +
        (seeded ? ' — over seeds: the mean paired difference, at the median latency ratio.' : '.'),
    );
  }
  writeFileSync(join(dir, 'SUMMARY.md'), L.join('\n') + '\n');
  writeFileSync(join(dir, 'pareto.svg'), paretoSvg(pts, front));
}

/** The final trainings in order: the best `finalists` by objective (validation accuracy, re-measured ratio), cnn_small,
 *  then the best `accuracyFinalists` by validation accuracy at a re-measured ratio ≤ `accuracyMaxRatio` not already in,
 *  then the plan's `carried` models not already in. */
export function finalistNames(done: CandidateResult[], ratios: Record<string, number>, plan: SearchPlan): string[] {
  const byObjective = done
    .map((c) => ({ name: c.name, objective: MNAS(c.val_accuracy, ratios[c.name], plan.w) }))
    .sort((a, b) => b.objective - a.objective)
    .slice(0, plan.finalists)
    .map((c) => c.name);
  const byAccuracy = done
    .filter((c) => ratios[c.name] <= plan.accuracyMaxRatio && !byObjective.includes(c.name))
    .sort((a, b) => b.val_accuracy - a.val_accuracy)
    .slice(0, plan.accuracyFinalists)
    .map((c) => c.name);
  const chosen = [...byObjective, 'cnn_small', ...byAccuracy];
  return [...chosen, ...plan.carried.filter((n) => !chosen.includes(n))];
}

/**
 * Issue 15's target over paired seeds: the mean of (model − cnn_small) test accuracy over the seeds both have, at the
 * model's median latency ratio — more accurate at ≤ 1×, or at least as accurate at ≤ 0.5×. Provisional while fewer
 * than `seeds` pairs are done.
 */
export function pairedVerdict(
  runs: { seed?: number; test_accuracy: number; latency_ratio: number }[],
  base: { seed?: number; test_accuracy: number }[],
  seeds: number,
): { difference: string; verdict: string } {
  const pairs = runs
    .map((r) => ({ r, b: base.find((b) => (b.seed ?? 1) === (r.seed ?? 1)) }))
    .filter((p): p is { r: (typeof runs)[number]; b: (typeof base)[number] } => p.b !== undefined);
  if (!pairs.length) return { difference: '—', verdict: "cnn_small's same-seed final not trained yet" };
  const d = pairedDifference(
    pairs.map((p) => p.r.test_accuracy),
    pairs.map((p) => p.b.test_accuracy),
  );
  const ratio = median(runs.map((r) => r.latency_ratio));
  const pt = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
  const met = (d.mean > 0 && ratio <= 1) || (d.mean >= 0 && ratio <= 0.5);
  const n = `${d.n} of ${seeds} seeds`;
  return {
    difference: `${pt(d.mean)} pt${d.ci ? ` (${pt(d.ci[0])} … ${pt(d.ci[1])})` : ''}`,
    verdict: `${met ? 'met' : 'not met'}${d.n < seeds ? ' so far' : ''}: ${pt(d.mean)} pt at ${ratio.toFixed(2)}×, ${n}`,
  };
}

/** The final `id` (a model and seed) from the first of the plan's `reuseFinals` plans (sibling folders of `dir`) that
 *  trained the same model and seed with the same final recipe and test images; marked with where it came from. */
export function reusableFinal(dir: string, plan: SearchPlan, id: string): FinalResult | null {
  for (const other of plan.reuseFinals ?? []) {
    const from = join(dir, '..', other, 'final', `${id}.json`);
    const f = readJson<FinalResult>(from);
    if (!f || finalId(f.name, f.seed ?? 1, plan) !== id) continue;
    if (f.test_images !== plan.testImages || JSON.stringify(f.recipe) !== JSON.stringify(plan.final)) continue;
    return { ...f, reused_from: `${other}/final/${id}.json` };
  }
  return null;
}

/** A model name as a file name: `cnn_search:d3-w16-k3` → `cnn_search_d3-w16-k3`. */
const fileSafe = (name: string) => name.replace(/[^a-z0-9_-]+/gi, '_');

/** A final's file name: the model (path-safe), with `-s<seed>` where the plan trains finals on several seeds. */
export function finalId(name: string, seed: number, plan: SearchPlan): string {
  const safe = fileSafe(name);
  return plan.finalSeeds.length > 1 ? `${safe}-s${seed}` : safe;
}

/** Whether a final model meets issue 15's target against cnn_small's final: more accurate at a latency ratio ≤ 1, or as
 * accurate at ≤ 0.5. */
export function finalVerdict(f: { test_accuracy: number; latency_ratio: number }, base: { test_accuracy: number } | undefined): string {
  if (!base) return "cnn_small's final not trained yet";
  const d = ((f.test_accuracy - base.test_accuracy) * 100).toFixed(2);
  const met =
    (f.test_accuracy > base.test_accuracy && f.latency_ratio <= 1) || (f.test_accuracy >= base.test_accuracy && f.latency_ratio <= 0.5);
  return `${met ? 'met' : 'not met'}: ${d} pt at ${f.latency_ratio.toFixed(2)}×`;
}

function paretoSvg(pts: CandidateResult[], front: Set<string>): string {
  const W = 640;
  const H = 420;
  const m = { l: 60, r: 20, t: 30, b: 50 };
  if (!pts.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"></svg>\n`;
  const xs = pts.map((p) => p.latency_ratio);
  const ys = pts.map((p) => p.val_accuracy);
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1.1, ...xs) * 1.05];
  const [y0, y1] = [Math.min(...ys) - 0.02, Math.max(...ys) + 0.02];
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">Fashion-MNIST search: validation accuracy vs latency (ratio to cnn_small)</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">latency / cnn_small's (batch 1, measured)</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">validation accuracy</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const x = x0 + ((x1 - x0) * i) / 5;
    const y = y0 + ((y1 - y0) * i) / 5;
    out.push(`<text x="${X(x)}" y="${H - m.b + 15}" text-anchor="middle">${x.toFixed(2)}</text>`);
    out.push(`<text x="${m.l - 5}" y="${Y(y) + 4}" text-anchor="end">${(100 * y).toFixed(1)}%</text>`);
  }
  const fr = pts.filter((p) => front.has(p.name)).sort((a, b) => a.latency_ratio - b.latency_ratio);
  if (fr.length > 1)
    out.push(`<polyline fill="none" stroke="#c33" points="${fr.map((p) => `${X(p.latency_ratio)},${Y(p.val_accuracy)}`).join(' ')}"/>`);
  for (const p of pts) {
    const base = p.k < 0;
    out.push(
      `<circle cx="${X(p.latency_ratio)}" cy="${Y(p.val_accuracy)}" r="${base ? 6 : 4}" fill="${base ? '#36c' : front.has(p.name) ? '#c33' : '#999'}">` +
        `<title>${esc(p.name)}: ${(100 * p.val_accuracy).toFixed(2)}%, ${p.latency_ratio.toFixed(2)}×</title></circle>`,
    );
    if (base || front.has(p.name))
      out.push(`<text x="${X(p.latency_ratio) + 7}" y="${Y(p.val_accuracy) - 5}">${esc(p.name.replace('cnn_search:', ''))}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const arg = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const plan = SEARCH_PLANS[arg('--plan') ?? 'full'];
  if (!plan) {
    console.error(`search: --plan must be one of ${Object.keys(SEARCH_PLANS).join(', ')}`);
    return 2;
  }
  const stopRaw = arg('--stop-after');
  const stopAfter = stopRaw === undefined ? Infinity : Number(stopRaw);
  if (!(Number.isInteger(stopAfter) && stopAfter >= 0) && stopAfter !== Infinity) {
    console.error(`search: --stop-after needs a whole number of candidates (got '${stopRaw}')`);
    return 2;
  }
  if (argv.includes('--summary')) {
    writeSummary(join(process.cwd(), 'docs/results/search', plan.name), plan);
    return 0;
  }
  const rt = await Runtime.create();
  try {
    if (argv.includes('--tuned-ratios')) {
      const passes = Number(arg('--passes') ?? 3);
      if (!(Number.isInteger(passes) && passes >= 1)) {
        console.error(`search: --passes needs a whole number ≥ 1 (got '${arg('--passes')}')`);
        return 2;
      }
      const dir = join(process.cwd(), 'docs/results/search', plan.name);
      const names = finishedCandidates(dir).map((c) => c.name);
      const out = await measureTunedRatios(rt, names, plan.rounds, passes);
      writeJson(join(dir, 'tuned-ratios.json'), out);
      writeSummary(dir, plan);
      for (const n of Object.keys(out.ratio))
        console.error(`search: ${n} ${out.ratio[n].toFixed(2)}× cnn_small with tuned kernels (passes ${out.pass_ratios[n].join(', ')})`);
      return 0;
    }
    const table = await new LatencyTable(rt, { repeats: 5, tune: plan.tune }).load();
    await new Search(rt, plan, table, (l) => console.error(l)).run(stopAfter);
  } finally {
    rt.destroy();
  }
  return 0;
}

if (process.argv[1]?.endsWith('search.mjs')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`search: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}

export { parseArch, Search };
