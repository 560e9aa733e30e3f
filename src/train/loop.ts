// The training loop: a compiled step graph (step_graph.ts) driven over Fashion-MNIST batches, with per-epoch test
// evaluation, checkpoints (checkpoint.ts) that resume exactly, and a NaN/Inf guard on every step.
//
// Overlap: `run()` submits step k and returns a promise; the next batch is assembled on the CPU (shuffle order,
// augmentation, normalisation) while the GPU executes step k, and its upload is queued right behind it.
// Determinism: batch order depends on (seed, epoch), augmentation on (seed, step); a checkpoint records the step,
// so a resumed run continues with exactly the batches, weights and optimizer state of an uninterrupted one.

import { compile, type CompiledGraph } from '../graph/executor.js';
import { Graph } from '../graph/ir.js';
import { buildModel, type ModelSpec } from '../models/zoo.js';
import { SlimError, check } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { epochOrder, fillBatch, NO_AUGMENT, type Augment, type Split } from '../io/fashion_mnist.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { buildStepGraph, type StepGraph, type StepKind } from './step_graph.js';
import { addModel, type Qat } from './autodiff.js';
import { blockMask } from '../compress/sparse.js';
import { applyFilterPruning, planFilterPruning, type FilterNorm, type FilterPrunePlan } from '../compress/prune.js';
import { blockShapeFits, checkBlockShape, type BlockShape } from '../ops/block_sparse.js';
import { checkOptim, hyperFor, type OptimConfig } from './optim.js';

export type TrainMode = 'plain' | 'kd' | 'dml';

export interface TrainOptions {
  model: ModelSpec;
  mode: TrainMode;
  /** kd: the teacher's spec and weights (by parameter name). */
  teacher?: { spec: ModelSpec; tensors: Map<string, Float32Array> };
  /** kd: the teacher's logits computed once for the training set instead of in every step (default: when
   *  augmentation is off; with augmentation the teacher must see each augmented batch, so it runs in the stream). */
  teacherCache?: boolean;
  tau?: number;
  alpha?: number;
  /** kd: weight of the τ²·KL term (default 1 − α). */
  beta?: number;
  /** dml: number of peers (≥ 2); peer k is initialised with seed initSeed + k. */
  peers?: number;
  epochs: number;
  batch: number;
  /** Data order and augmentation. */
  seed: number;
  /** Weight initialisation (default: seed). */
  initSeed?: number;
  /** Start from these weights (by parameter name, e.g. a trained checkpoint's) instead of a seeded initialisation:
   *  fine-tuning for quantization-aware training and pruning. The optimizer state starts fresh. */
  init?: Map<string, Float32Array>;
  opt: OptimConfig;
  augment: Augment;
  train: Split;
  test: Split;
  /** Evaluate on the test split after every epoch (else only at the end). */
  evalEveryEpoch?: boolean;
  out?: string;
  resume?: string;
  /** Stop after this many steps in total (tests). */
  maxSteps?: number;
  /** Compression-aware training of the weights: 'int8' fake quantization or 'binary' (STE). */
  qat?: Qat;
  /**
   * Iterative magnitude pruning with fine-tuning: at the end of epochs start..end (1-based) the masks of the
   * pruneTargets weights are recomputed to sparsity S·(1 − (1 − t)³), t the fraction of pruning epochs done (Zhu &
   * Gupta 2017); later epochs fine-tune with the masks fixed. With `block`, whole blocks of the weight matrix
   * Wm[co, k] (the block-sparse kernels' layout) are dropped by L2 norm instead of single weights, so that the
   * trained model runs on conv2d_bsr as it is (slimgpu eval --sparse); layers the block does not fit use single weights.
   * With `filters`, S is the fraction of output channels removed from every prunable channel space, chosen by
   * src/compress/prune.ts's plan from the filters' L1/L2 norms (Li et al. 2016): whole filters, their biases and
   * batch-norm γ/β are masked, so the model exports thinned (applyFilterPruning) and computes the same.
   * `flops` (filters): instead of S, the smallest ratio whose thinned model keeps ≤ flops × the MACs.
   * `floor`: at the end of every epoch from `start` until one epoch after `end`, the validation accuracy (option `val`)
   * of the current masks is checked; below the floor, the previous masks are restored and pruning stops there.
   */
  prune?: PruneOptions;
  /** Validation images (disjoint from train) for the pruning floor. */
  val?: Split;
  /** After training: one more (profiled) step on the last batch, timed per node; its update is discarded. */
  profile?: boolean;
  onProgress?: (p: Progress) => void;
  onEpoch?: (e: EpochRecord) => void;
}

export interface PruneOptions {
  sparsity: number;
  start: number;
  end: number;
  block?: BlockShape;
  filters?: FilterNorm;
  flops?: number;
  floor?: number;
}

/** What pruning did: the ratio reached (weights or blocks zeroed, or filters removed), and where a floor stopped it. */
export interface PruneReport {
  kind: 'weights' | 'filters';
  ratio: number;
  stopped: { epoch: number; val_accuracy: number } | null;
  val_accuracy: number[];
  macs?: number;
  macs_before?: number;
}

export interface Progress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  imagesPerS: number;
}

export interface EpochRecord {
  epoch: number;
  train_loss: number[];
  test_accuracy: number[];
  seconds: number;
}

export interface TrainResult {
  mode: TrainMode;
  model: string;
  /** Per trained model (one, or one per peer). */
  test_accuracy: number[];
  train_loss: number[];
  epochs: number;
  steps: number;
  images_per_s: number;
  params: number;
  /** Loss of every step of the trained models (model-major: stepLosses[k][step]). */
  stepLosses: number[][];
  history: EpochRecord[];
  /** Final weights per model, by parameter name (pruned weights multiplied by their masks). */
  weights: Map<string, Float32Array>[];
  /** Pruning (option prune): the ratio reached, the floor's verdicts. */
  prune?: PruneReport;
  /** Fraction of zeros in the pruned weights (0 without pruning). */
  sparsity: number;
  /** GPU time per node of one training step (option profile), slowest first. */
  profile?: { method: string; step_ms: number; nodes: { name: string; op: string; ms: number }[] };
}

/** Mask keeping all but the floor(sparsity·n) smallest-magnitude weights (ties broken by index). */
export function magnitudeMask(w: Float32Array, sparsity: number): Float32Array {
  const n = w.length;
  const k = Math.min(n, Math.floor(sparsity * n));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
  const mask = new Float32Array(n).fill(1);
  for (let i = 0; i < k; i++) mask[order[i]] = 0;
  return mask;
}

/**
 * The mask of parameter `name` (a pruneTargets('filters') parameter) for a filter-pruning plan: 1 on the kept output
 * channels of its conv (weights, bias) or of its batch-norm's channels (γ, β), 0 on the removed ones.
 */
export function filterMask(model: Graph, plan: FilterPrunePlan, name: string): Float32Array {
  const t = model.tensors.find((x) => x.name === name && x.role === 'param');
  check(!!t, `filter pruning: no parameter '${name}'`);
  const n = model.nodes.find((x) => x.inputs.includes(t!.id))!;
  const channels = n.op === 'conv2d' ? n.outputs[0] : n.inputs[0];
  const c = model.shape(channels).at(-1)!;
  const kept = new Set(plan.keep.get(channels) ?? Array.from({ length: c }, (_, i) => i));
  return Float32Array.from({ length: t!.data!.length }, (_, i) => (kept.has(i % c) ? 1 : 0));
}

/** The smallest filter-pruning ratio (in steps of 0.01) whose thinned model keeps at most `budget` × the MACs. */
export function filterRatioForFlops(model: Graph, budget: number): number {
  const full = model.macs();
  for (let r = 0; r < 0.995; r += 0.01) {
    const ratio = Math.round(r * 100) / 100;
    if (applyFilterPruning(model, planFilterPruning(model, { ratio })).macs() <= budget * full) return ratio;
  }
  throw new SlimError(`filter pruning cannot bring the model to ${budget} of its MACs (the largest ratio keeps ${(applyFilterPruning(model, planFilterPruning(model, { ratio: 0.99 })).macs() / full).toFixed(3)})`);
}

export function pruneSchedule(p: { sparsity: number; start: number; end: number }, epoch: number): number | null {
  if (epoch < p.start || epoch > p.end) return null;
  const t = (epoch - p.start + 1) / (p.end - p.start + 1);
  return p.sparsity * (1 - Math.pow(1 - t, 3));
}

/** Set a model graph's parameters from named tensors (a checkpoint); every parameter must be present. */
export function applyWeights(g: Graph, tensors: Map<string, Float32Array>, what: string): void {
  for (const t of g.tensors) {
    if (t.role !== 'param') continue;
    const d = tensors.get(t.name);
    if (!d) throw new SlimError(`${what}: no tensor '${t.name}' for this model (is it a checkpoint of the same --model?)`);
    if (d.length !== t.data!.length) throw new SlimError(`${what}: tensor '${t.name}' has ${d.length} values, the model needs ${t.data!.length}`);
    t.data = d;
  }
}

/** Model-local weights of a checkpoint: peer k of a DML run, or the model of a plain/kd run. */
export function checkpointWeights(ck: Checkpoint, peer = 0): Map<string, Float32Array> {
  const prefix = ck.meta.mode === 'dml' ? `peer${peer}/` : '';
  const m = new Map<string, Float32Array>();
  for (const [name, t] of ck.tensors) {
    if (name.includes('@')) continue; // optimizer state, pruning masks
    if (prefix && !name.startsWith(prefix)) continue;
    const mask = ck.tensors.get(`${name}@mask`);
    m.set(name.slice(prefix.length), mask ? t.data.map((v, i) => v * mask.data[i]) : t.data);
  }
  if (m.size === 0) throw new SlimError(`checkpoint has no weights for peer ${peer}`);
  return m;
}

/** A split in order, in batches of `batch` (the last padded by repeating its last example; `count` rows are real).
 *  The arrays are reused from batch to batch. */
export function* inOrderBatches(split: Split, batch: number): Generator<{ start: number; count: number; images: Float32Array; labels: Float32Array }> {
  const images = new Float32Array(batch * split.rows * split.cols);
  const labels = new Float32Array(batch);
  for (let start = 0; start < split.n; start += batch) {
    const count = Math.min(batch, split.n - start);
    fillBatch(split, Array.from({ length: batch }, (_, b) => start + Math.min(b, count - 1)), NO_AUGMENT, 0, images, labels);
    yield { start, count, images, labels };
  }
}

/** Top-1 accuracy of a one-input graph (images [B,H,W,C] → logits [B,classes]) over a split. `seconds`: the batches,
 *  without compiling (data preparation, upload, the graph, read-back). */
export async function scoreGraph(rt: Runtime, g: Graph, split: Split): Promise<{ accuracy: number; seconds: number }> {
  const m = await compile(rt, g, {});
  const t0 = performance.now();
  try {
    let correct = 0;
    for (const { count, images, labels } of inOrderBatches(split, g.shape(g.inputs[0])[0])) {
      const [logits] = await m.run([images]);
      const c = logits.length / labels.length;
      for (let b = 0; b < count; b++) {
        let best = 0;
        for (let j = 1; j < c; j++) if (logits[b * c + j] > logits[b * c + best]) best = j;
        if (best === labels[b]) correct++;
      }
    }
    return { accuracy: correct / split.n, seconds: (performance.now() - t0) / 1000 };
  } finally {
    m.destroy();
  }
}

/**
 * The forward pass a compression-aware model was trained with, in inference form (running batch-norm statistics):
 * fake-quantized weights (int8), or sign inputs and α·sign weights in the binary layers — on the float kernels.
 */
export function emulationGraph(model: Graph, qat: Qat): Graph {
  if (qat === 'none') return model;
  const g = new Graph();
  const x = g.addInput(model.tensors[model.inputs[0]].name, model.shape(model.inputs[0]));
  g.markOutput(addModel(g, model, { prefix: '', input: x, mode: 'frozen', qat }).output);
  return g;
}

/** Top-1 accuracy of trained weights on a split, as trained (see emulationGraph; batch-norm folded when qat is none). */
export async function evaluate(rt: Runtime, spec: ModelSpec, weights: Map<string, Float32Array>, split: Split, batch = 100, qat: Qat = 'none'): Promise<number> {
  const model = buildModel({ ...spec, batch });
  applyWeights(model, weights, 'evaluate');
  return (await scoreGraph(rt, emulationGraph(model, qat), split)).accuracy;
}

function stepKind(o: TrainOptions): StepKind {
  const initSeed = o.initSeed ?? o.seed;
  check(!o.init || o.mode !== 'dml', 'deep mutual learning starts its peers from different seeds, not from --init weights');
  const model = (seed: number) => {
    const m = buildModel({ ...o.model, batch: o.batch, seed });
    if (o.init) applyWeights(m, o.init, 'initial weights');
    return m;
  };
  if (o.mode === 'plain') return { kind: 'plain', model: model(initSeed) };
  if (o.mode === 'kd') {
    check(o.teacher, 'distillation needs a teacher checkpoint (--teacher CKPT)');
    const teacher = buildModel({ ...o.teacher.spec, batch: o.batch });
    applyWeights(teacher, o.teacher.tensors, 'teacher checkpoint');
    const alpha = o.alpha ?? 0.5;
    return { kind: 'kd', student: model(initSeed), teacher, tau: o.tau ?? 4, alpha, beta: o.beta ?? 1 - alpha, cachedTeacher: cachesTeacher(o) };
  }
  const k = o.peers ?? 2;
  return { kind: 'dml', peers: Array.from({ length: k }, (_, i) => model(initSeed + i)) };
}

function cachesTeacher(o: TrainOptions): boolean {
  const augmented = o.augment.cropPad > 0 || o.augment.flip;
  check(!(o.teacherCache && augmented), 'teacher logits can be cached only without augmentation (each augmented batch is new)');
  return o.mode === 'kd' && (o.teacherCache ?? !augmented);
}

/** The frozen teacher's logits for every example of a split, in split order ([n, classes]), on the inference graph. */
export async function teacherLogitsOf(rt: Runtime, spec: ModelSpec, weights: Map<string, Float32Array>, split: Split, batch: number): Promise<Float32Array> {
  const g = buildModel({ ...spec, batch });
  applyWeights(g, weights, 'teacher checkpoint');
  const classes = g.shape(g.outputs[0]).at(-1)!;
  const m = await compile(rt, g, {});
  try {
    const out = new Float32Array(split.n * classes);
    for (const { start, count, images } of inOrderBatches(split, batch)) {
      const [logits] = await m.run([images]);
      out.set(logits.subarray(0, count * classes), start * classes);
    }
    return out;
  } finally {
    m.destroy();
  }
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

export async function train(rt: Runtime, o: TrainOptions): Promise<TrainResult> {
  o = { ...o, prune: o.prune && { ...o.prune } }; // a FLOP budget sets prune.sparsity below
  checkOptim(o.opt);
  check(Number.isInteger(o.batch) && o.batch >= 1, `batch must be a positive integer (got ${o.batch})`);
  const stepsPerEpoch = Math.floor(o.train.n / o.batch);
  check(stepsPerEpoch >= 1, `the training split has ${o.train.n} examples, fewer than one batch of ${o.batch}`);
  const totalSteps = Math.min(o.epochs * stepsPerEpoch, o.maxSteps ?? Infinity);
  const opt: OptimConfig = { ...o.opt, totalSteps: o.opt.totalSteps > 0 && o.opt.schedule !== 'cosine' ? o.opt.totalSteps : o.epochs * stepsPerEpoch };
  if (o.prune) {
    const { sparsity, start, end } = o.prune;
    check(sparsity >= 0 && sparsity < 1, `pruning sparsity must be in [0, 1) (got ${sparsity})`);
    check(Number.isInteger(start) && Number.isInteger(end) && start >= 1 && end >= start, `pruning epochs must be 1 ≤ start ≤ end (got ${start}:${end})`);
    const b = o.prune.block;
    if (b) checkBlockShape(b, 'pruning block');
    check(!b || !o.prune.filters, 'pruning removes either blocks of weights or whole filters, not both');
    check(!o.prune.filters || ['l1', 'l2'].includes(o.prune.filters), `filter pruning norm must be l1 or l2 (got ${o.prune.filters})`);
    check(o.prune.flops === undefined || (!!o.prune.filters && o.prune.flops > 0 && o.prune.flops <= 1), `a FLOP budget (fraction of the MACs kept, in (0, 1]) needs filter pruning (got ${o.prune.flops})`);
    check(o.prune.floor === undefined || (!!o.val && o.val.n > 0), 'an accuracy floor for pruning needs validation images (val; the CLI\'s --val N)');
    check(o.prune.floor === undefined || o.mode !== 'dml', 'the pruning floor judges one model; deep mutual learning trains several');
  }
  const pruneKind = !o.prune ? 'none' : o.prune.filters ? 'filters' : 'weights';
  const sg: StepGraph = buildStepGraph(stepKind(o), opt, o.qat ?? 'none', pruneKind);
  const g = sg.graph;
  const compiled: CompiledGraph = await compile(rt, g, { fuse: false });
  const K = sg.models.length;
  const persistent = g.tensors.filter((t) => (t.role === 'param' || t.role === 'state') && !t.name.startsWith('teacher/') && g.isUsed(t.id));
  const meta = () => ({
    format: 'slimgpu-checkpoint', mode: o.mode, model: { ...o.model, batch: undefined }, peers: K, seed: o.seed, initSeed: o.initSeed ?? o.seed,
    batch: o.batch, train_examples: o.train.n, opt, augment: o.augment, epochs: o.epochs, qat: o.qat ?? 'none', prune: o.prune ?? null,
    teacher_cache: cachesTeacher(o),
    prune_state: o.prune ? { ratio: pruneRatio, stopped: pruneStopped } : null,
  });
  // pruning state: the ratio the masks hold, where a floor stopped pruning, the masks to go back to
  let pruneRatio = 0;
  let pruneStopped: PruneReport['stopped'] = null;
  const valAccuracy: number[] = [];
  let step = 0;
  if (o.resume) {
    const ck = loadCheckpoint(o.resume);
    check(ck.meta.mode === o.mode && (ck.meta.model as ModelSpec).model === o.model.model,
      `checkpoint ${o.resume} is a ${ck.meta.mode} run of ${(ck.meta.model as ModelSpec)?.model}, not ${o.mode} of ${o.model.model}`);
    for (const t of persistent) {
      const c = ck.tensors.get(t.name);
      if (!c) throw new SlimError(`checkpoint ${o.resume} has no tensor '${t.name}' (different model or optimizer?)`);
      compiled.writeTensor(t.id, c.data);
    }
    check(ck.meta.batch === o.batch && ck.meta.train_examples === o.train.n && ck.meta.seed === o.seed,
      `checkpoint ${o.resume} was trained with batch ${ck.meta.batch}, ${ck.meta.train_examples} examples, seed ${ck.meta.seed}; ` +
        `resuming exactly needs the same (got batch ${o.batch}, ${o.train.n} examples, seed ${o.seed})`);
    const ps = ck.meta.prune_state as { ratio: number; stopped: PruneReport['stopped'] } | null | undefined;
    if (ps) [pruneRatio, pruneStopped] = [ps.ratio, ps.stopped];
    step = Number(ck.meta.step);
    check(Number.isInteger(step) && step >= 0, `checkpoint ${o.resume} has a bad step ${ck.meta.step}`);
  }
  const save = async (path: string) => {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const t of persistent) tensors.set(t.name, { shape: t.shape, data: await compiled.readTensor(t.id) });
    saveCheckpoint(path, { meta: { ...meta(), step, epoch: Math.floor(step / stepsPerEpoch) }, tensors });
  };
  const weightsOf = async (k: number) => {
    const w = new Map<string, Float32Array>();
    for (const [name, id] of sg.models[k].params) {
      const v = await compiled.readTensor(id);
      const mask = sg.models[k].masks.get(name);
      w.set(name, mask === undefined ? v : (await compiled.readTensor(mask)).map((m, i) => m * v[i]));
    }
    return w;
  };
  const refModel = o.prune?.filters ? buildModel({ ...o.model, batch: 1 }) : null;
  const macsBefore = refModel?.macs();
  if (o.prune?.flops !== undefined) o.prune.sparsity = filterRatioForFlops(refModel!, o.prune.flops);
  const pruneTo = async (sparsity: number) => {
    const block = o.prune?.block;
    for (let k = 0; k < sg.models.length; k++) {
      const m = sg.models[k];
      if (refModel) {
        // the plan on the current (masked) weights: a removed filter has norm 0 and stays removed
        const model = buildModel({ ...o.model, batch: 1 });
        applyWeights(model, await weightsOf(k), 'pruning');
        for (const [name, mask] of m.masks) compiled.writeTensor(mask, filterMask(model, planFilterPruning(model, { ratio: sparsity, norm: o.prune!.filters }), name));
        continue;
      }
      for (const [name, mask] of m.masks) {
        const w = await compiled.readTensor(m.params.get(name)!);
        const shape = g.tensors[m.params.get(name)!].shape;
        compiled.writeTensor(mask, block && blockShapeFits(shape, block) ? blockMask(w, shape, block, sparsity) : magnitudeMask(w, sparsity));
      }
    }
    pruneRatio = sparsity;
  };
  const readMasks = async () => Promise.all(sg.models.map(async (m) => new Map(await Promise.all([...m.masks].map(async ([n, id]) => [n, await compiled.readTensor(id)] as const)))));
  let goodMasks: Map<string, Float32Array>[] | null = null;
  let goodRatio = 0;
  /** End of a pruning epoch: judge the current masks against the floor, then prune further (or stop). */
  const pruneEpoch = async (epoch: number) => {
    const p = o.prune!;
    if (pruneStopped || epoch < p.start || epoch > p.end + 1) return;
    if (p.floor !== undefined) {
      const acc = await evaluate(rt, o.model, await weightsOf(0), o.val!, 100, o.qat ?? 'none');
      valAccuracy.push(acc);
      if (acc < p.floor) {
        if (goodMasks) sg.models.forEach((m, k) => m.masks.forEach((id, n) => compiled.writeTensor(id, goodMasks![k].get(n)!)));
        else sg.models.forEach((m) => m.masks.forEach((id) => compiled.writeTensor(id, new Float32Array(g.tensors[id].data!.length).fill(1))));
        pruneRatio = goodMasks ? goodRatio : 0;
        pruneStopped = { epoch, val_accuracy: acc };
        return;
      }
      goodMasks = await readMasks();
      goodRatio = pruneRatio;
    }
    const target = pruneSchedule(p, epoch);
    if (target !== null) await pruneTo(target);
  };
  const sparsityOf = (ws: Map<string, Float32Array>, k: number) => {
    let zeros = 0, total = 0;
    for (const name of sg.models[k].masks.keys()) {
      const w = ws.get(name)!;
      total += w.length;
      for (const v of w) if (v === 0) zeros++;
    }
    return total ? zeros / total : 0;
  };

  const px = o.train.rows * o.train.cols;
  const cached = cachesTeacher(o) ? await teacherLogitsOf(rt, o.teacher!.spec, o.teacher!.tensors, o.train, o.batch) : null;
  const classes = cached ? cached.length / o.train.n : 0;
  const bufs = [0, 1].map(() => ({ images: new Float32Array(o.batch * px), labels: new Float32Array(o.batch), teacher: new Float32Array(o.batch * classes) }));
  const prepare = (s: number, buf: (typeof bufs)[0]) => {
    const epoch = Math.floor(s / stepsPerEpoch);
    const order = orderCache.get(epoch);
    const i0 = (s % stepsPerEpoch) * o.batch;
    const idx = order.subarray(i0, i0 + o.batch);
    fillBatch(o.train, idx, o.augment, (o.seed * 2654435761 + s * 40503 + 1) >>> 0, buf.images, buf.labels);
    if (cached) idx.forEach((e, b) => buf.teacher.set(cached.subarray(e * classes, (e + 1) * classes), b * classes));
  };
  const inputsOf = (buf: (typeof bufs)[0], s: number) => (cached ? [buf.images, buf.labels, hyperFor(opt, s), buf.teacher] : [buf.images, buf.labels, hyperFor(opt, s)]);
  const orderCache = {
    epoch: -1,
    order: new Uint32Array(0) as Uint32Array<ArrayBufferLike>,
    get(epoch: number) {
      if (epoch !== this.epoch) {
        this.epoch = epoch;
        this.order = epochOrder(o.train.n, o.seed, epoch);
      }
      return this.order;
    },
  };

  const stepLosses: number[][] = Array.from({ length: K }, () => []);
  const history: EpochRecord[] = [];
  let epochLoss = new Array(K).fill(0);
  let epochSteps = 0;
  let images = 0;
  let trainSeconds = 0;
  let epochStart = performance.now();
  let t0 = performance.now();
  const startStep = step;
  if (step < totalSteps) prepare(step, bufs[step % 2]);
  while (step < totalSteps) {
    const cur = bufs[step % 2];
    const pending = compiled.run(inputsOf(cur, step));
    if (step + 1 < totalSteps) prepare(step + 1, bufs[(step + 1) % 2]); // overlaps the GPU's work on this step
    const outs = await pending;
    for (let k = 0; k < K; k++) {
      const r = sg.readouts[k];
      const ce = meanOf(outs[r.ce]);
      const kl = r.kl === undefined ? 0 : meanOf(outs[r.kl]);
      const loss = r.alpha * ce + r.klWeight * kl;
      const norm = outs[r.norm][0];
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        const what = !Number.isFinite(loss) ? `loss is ${loss}` : `gradient norm is ${norm}`;
        throw new SlimError(`training diverged at step ${step} (epoch ${Math.floor(step / stepsPerEpoch) + 1})${K > 1 ? `, peer ${k}` : ''}: ${what}; lower --lr or set --clip`);
      }
      stepLosses[k].push(loss);
      epochLoss[k] += loss;
    }
    epochSteps++;
    images += o.batch;
    step++;
    const elapsed = (performance.now() - t0) / 1000;
    o.onProgress?.({
      epoch: Math.floor((step - 1) / stepsPerEpoch), epochs: o.epochs, step: ((step - 1) % stepsPerEpoch) + 1, stepsPerEpoch,
      loss: stepLosses[0][stepLosses[0].length - 1], imagesPerS: images / Math.max(elapsed, 1e-9),
    });
    const endOfEpoch = step % stepsPerEpoch === 0 || step === totalSteps;
    if (endOfEpoch) {
      trainSeconds += (performance.now() - t0) / 1000;
      if (o.prune && step % stepsPerEpoch === 0) await pruneEpoch(step / stepsPerEpoch);
      const acc: number[] = [];
      const last = step === totalSteps;
      if (o.evalEveryEpoch || last) for (let k = 0; k < K; k++) acc.push(await evaluate(rt, o.model, await weightsOf(k), o.test, 100, o.qat ?? 'none'));
      const rec: EpochRecord = { epoch: Math.ceil(step / stepsPerEpoch), train_loss: epochLoss.map((l) => l / epochSteps), test_accuracy: acc, seconds: (performance.now() - epochStart) / 1000 };
      history.push(rec);
      o.onEpoch?.(rec);
      if (o.out) await save(o.out);
      epochLoss = new Array(K).fill(0);
      epochSteps = 0;
      epochStart = performance.now();
      images = 0;
      t0 = performance.now();
    }
  }
  const weights: Map<string, Float32Array>[] = [];
  for (let k = 0; k < K; k++) weights.push(await weightsOf(k));
  if (history.length === 0) {
    // resumed at or past the last step: nothing to train, report the checkpoint's accuracy
    const acc: number[] = [];
    for (let k = 0; k < K; k++) acc.push(await evaluate(rt, o.model, weights[k], o.test, 100, o.qat ?? 'none'));
    history.push({ epoch: Math.ceil(step / stepsPerEpoch), train_loss: [], test_accuracy: acc, seconds: 0 });
  }
  const lastRec = history[history.length - 1];
  const trainedImages = (step - startStep) * o.batch;
  const result: TrainResult = {
    mode: o.mode,
    model: o.model.model,
    test_accuracy: lastRec?.test_accuracy ?? [],
    train_loss: lastRec?.train_loss ?? [],
    epochs: Math.ceil(step / stepsPerEpoch),
    steps: step,
    images_per_s: trainedImages / Math.max(trainSeconds, 1e-9),
    params: buildModel({ ...o.model, batch: 1 }).paramCount(),
    stepLosses,
    history,
    weights,
    sparsity: sparsityOf(weights[0], 0),
  };
  if (o.prune) {
    result.prune = { kind: o.prune.filters ? 'filters' : 'weights', ratio: pruneRatio, stopped: pruneStopped, val_accuracy: valAccuracy };
    if (refModel) {
      const model = buildModel({ ...o.model, batch: 1 });
      applyWeights(model, weights[0], 'pruning');
      result.prune.macs = applyFilterPruning(model, planFilterPruning(model, { ratio: pruneRatio, norm: o.prune.filters })).macs();
      result.prune.macs_before = macsBefore;
    }
  }
  if (o.profile && step > 0) {
    const last = bufs[(step - 1) % 2];
    const p = await compiled.profile(inputsOf(last, step - 1));
    result.profile = {
      method: p.method,
      step_ms: Number(p.nodes.reduce((a, n) => a + n.ms, 0).toFixed(3)),
      nodes: p.nodes.map((n) => ({ name: n.name, op: n.op, ms: Number(n.ms.toFixed(3)) })).sort((a, b) => b.ms - a.ms),
    };
  }
  compiled.destroy();
  return result;
}
