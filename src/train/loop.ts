// The training loop: a compiled step graph (step_graph.ts) driven over Fashion-MNIST batches (batches.ts), with
// per-epoch test evaluation (scoring.ts), pruning at the end of epochs (pruning.ts), checkpoints (checkpoint.ts)
// that resume exactly, and a NaN/Inf guard on every step.
//
// Overlap: `run()` submits step k and returns a promise; the next batch is assembled on the CPU while the GPU
// executes step k, and its upload is queued right behind it. A checkpoint records the step, and every step's
// inputs follow from its number, so a resumed run continues with exactly the batches, weights and optimizer state
// of an uninterrupted one.

import { checkPruneOptions, zeroFraction, type PruneOptions } from '../compress/masks.js';
import type { Augment, AugRng, Split } from '../io/fashion_mnist.js';
import { buildModel, type ModelSpec } from '../models/zoo.js';
import { check, SlimError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { TuneMode } from '../runtime/tuner.js';
import type { Qat } from './autodiff.js';
import { StepInputs, type BatchSource } from './batches.js';
import { applyWeights, loadCheckpoint, readCheckpointHeader, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { gpuDataFits } from './gpu_data.js';
import { checkOptim, type OptimConfig } from './optim.js';
import { Pruning, withFlopBudget, type PruneReport } from './pruning.js';
import { evaluate, teacherLogitsOf } from './scoring.js';
import { buildStepGraph, CompiledStep, type LossReadout, type StepKind, type TrainMode } from './step_graph.js';

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
  /** Iterative pruning with fine-tuning, of single weights, blocks or whole filters (src/compress/masks.ts: the
   *  masks and their schedule; pruning.ts: what happens at the end of each epoch). */
  prune?: PruneOptions;
  /** Validation images (disjoint from train): the pruning floor, and val_accuracy at the end. */
  val?: Split;
  /** Read the step losses back once per this many steps (default DEFAULT_READ_EVERY): the steps in between are
   *  submitted without waiting for the GPU. Losses, progress and the NaN/Inf guard still cover every step. */
  readEvery?: number;
  /** With `out`: also write a checkpoint mid-epoch after this many steps / minutes since the last one. */
  checkpointEverySteps?: number;
  checkpointEveryMin?: number;
  /** After training: one more (profiled) step on the last batch, timed per node; its update is discarded. */
  profile?: boolean;
  /** Kernel variants of the step's nodes (compile()'s `tune`): 'measure' times the candidates of each node once per
   *  adapter and shape and caches the winner (the Tuner); default 'cached' (earlier measurements, else the first). */
  tune?: TuneMode;
  /** Keep the training set on the GPU and gather each batch there (gpu_data.ts); default true. Falls back to the
   *  CPU path (TrainResult.data says why) for cached teacher logits, for resuming a checkpoint whose augmentation
   *  used the sequential generator, and when the images exceed the device's buffer limits. */
  gpuData?: boolean;
  /** The augmentation's generator of a fresh run (default 'counter'; a resumed run keeps its checkpoint's). */
  augRng?: AugRng;
  onProgress?: (p: Progress) => void;
  onEpoch?: (e: EpochRecord) => void;
}

/** Steps between loss readbacks (TrainOptions.readEvery). */
export const DEFAULT_READ_EVERY = 16;

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
  /** Per trained model, on the validation images (option val), as trained; absent without them. Hyperparameters
   *  are chosen on this, never on test_accuracy. */
  val_accuracy?: number[];
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
  /** Where the batches were assembled, and why not on the GPU when they could have been. */
  data: { source: 'gpu' | 'host'; note?: string };
  /** GPU time per node of one training step (option profile), slowest first. */
  profile?: { method: string; step_ms: number; nodes: { name: string; op: string; ms: number }[] };
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
    return {
      kind: 'kd',
      student: model(initSeed),
      teacher,
      tau: o.tau ?? 4,
      alpha,
      beta: o.beta ?? 1 - alpha,
      cachedTeacher: cachesTeacher(o),
    };
  }
  const k = o.peers ?? 2;
  return { kind: 'dml', peers: Array.from({ length: k }, (_, i) => model(initSeed + i)) };
}

/** Whether a kd run caches its teacher's logits (exported for test/unit/train_loop.test.ts). */
export function cachesTeacher(o: TrainOptions): boolean {
  const augmented = o.augment.cropPad > 0 || o.augment.flip;
  check(!(o.teacherCache && augmented), 'teacher logits can be cached only without augmentation (each augmented batch is new)');
  return o.mode === 'kd' && (o.teacherCache ?? !augmented);
}

/** GPU-resident batches unless the options or the device rule them out (the note says which). */
function dataSource(rt: Runtime, o: TrainOptions, augRng: AugRng): TrainResult['data'] {
  if (o.gpuData === false) return { source: 'host' };
  const augmented = o.augment.cropPad > 0 || o.augment.flip;
  if (cachesTeacher(o)) return { source: 'host', note: 'cached teacher logits: batches assembled on the CPU' };
  if (augmented && augRng === 'legacy') {
    return {
      source: 'host',
      note: 'augmentation with the sequential generator (a checkpoint from before the GPU gather): batches assembled on the CPU',
    };
  }
  const why = gpuDataFits(o.train, rt.ctx.limits);
  return why ? { source: 'host', note: why } : { source: 'gpu' };
}

/** Throws a SlimError naming the first inconsistent option. */
function checkOptions(o: TrainOptions): void {
  checkOptim(o.opt);
  check(Number.isInteger(o.batch) && o.batch >= 1, `batch must be a positive integer (got ${o.batch})`);
  check(o.train.n >= o.batch, `the training split has ${o.train.n} examples, fewer than one batch of ${o.batch}`);
  if (o.prune) {
    checkPruneOptions(o.prune);
    check(
      o.prune.floor === undefined || (!!o.val && o.val.n > 0),
      "an accuracy floor for pruning needs validation images (val; the CLI's --val N)",
    );
    check(o.prune.floor === undefined || o.mode !== 'dml', 'the pruning floor judges one model; deep mutual learning trains several');
  }
}

/** The checkpoint header's meta of a run at `step`. */
function checkpointMeta(
  o: TrainOptions,
  opt: OptimConfig,
  peers: number,
  pruning: Pruning | null,
  step: number,
  stepsPerEpoch: number,
  augRng: AugRng,
): CheckpointMeta {
  return {
    format: 'slimgpu-checkpoint',
    mode: o.mode,
    model: { ...o.model, batch: undefined },
    peers,
    seed: o.seed,
    initSeed: o.initSeed ?? o.seed,
    batch: o.batch,
    train_examples: o.train.n,
    opt,
    augment: o.augment,
    epochs: o.epochs,
    qat: o.qat ?? 'none',
    prune: o.prune ?? null,
    teacher_cache: cachesTeacher(o),
    prune_state: pruning ? pruning.state : null,
    step,
    epoch: Math.floor(step / stepsPerEpoch),
    aug_rng: augRng,
  };
}

/** Continue from checkpoint `file`: its tensors into the compiled step, its pruning state; returns its meta
 *  (exported for test/unit/train_loop.test.ts). */
export function resume(file: string, o: TrainOptions, run: CompiledStep, pruning: Pruning | null): CheckpointMeta {
  const { meta, tensors } = loadCheckpoint(file);
  check(
    meta.mode === o.mode && meta.model.model === o.model.model,
    `checkpoint ${file} is a ${meta.mode} run of ${meta.model.model}, not ${o.mode} of ${o.model.model}`,
  );
  run.restore(tensors, file);
  check(
    meta.batch === o.batch && meta.train_examples === o.train.n && meta.seed === o.seed,
    `checkpoint ${file} was trained with batch ${meta.batch}, ${meta.train_examples} examples, seed ${meta.seed}; ` +
      `resuming exactly needs the same (got batch ${o.batch}, ${o.train.n} examples, seed ${o.seed})`,
  );
  if (pruning && meta.prune_state) pruning.restore(meta.prune_state);
  return meta;
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** The reported loss of each trained model after a step (α·mean(CE) + klWeight·mean(KL)); a NaN/Inf loss or gradient
 *  norm stops training with an error naming the step (exported for test/unit/train_loop.test.ts). */
export function stepLosses(outs: Float32Array[], readouts: LossReadout[], step: number, stepsPerEpoch: number): number[] {
  return readouts.map((r, k) => {
    const loss = r.alpha * meanOf(outs[r.ce]) + r.klWeight * (r.kl === undefined ? 0 : meanOf(outs[r.kl]));
    const norm = outs[r.norm][0];
    if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
      const what = !Number.isFinite(loss) ? `loss is ${loss}` : `gradient norm is ${norm}`;
      throw new SlimError(
        `training diverged at step ${step} (epoch ${Math.floor(step / stepsPerEpoch) + 1})${readouts.length > 1 ? `, peer ${k}` : ''}: ${what}; lower --lr or set --clip`,
      );
    }
    return loss;
  });
}

export async function train(rt: Runtime, o: TrainOptions): Promise<TrainResult> {
  checkOptions(o);
  const stepsPerEpoch = Math.floor(o.train.n / o.batch);
  const totalSteps = Math.min(o.epochs * stepsPerEpoch, o.maxSteps ?? Infinity);
  const opt: OptimConfig = {
    ...o.opt,
    totalSteps: o.opt.totalSteps > 0 && o.opt.schedule !== 'cosine' ? o.opt.totalSteps : o.epochs * stepsPerEpoch,
  };
  const qat = o.qat ?? 'none';
  // the augmentation's generator: a resumed run keeps its checkpoint's (the first ones: sequential draws)
  const augRng: AugRng = o.resume ? (readCheckpointHeader(o.resume).meta.aug_rng ?? 'legacy') : (o.augRng ?? 'counter');
  const data = dataSource(rt, o, augRng);
  const run = await CompiledStep.compile(
    rt,
    buildStepGraph(
      stepKind(o),
      opt,
      qat,
      !o.prune ? 'none' : o.prune.filters ? 'filters' : 'weights',
      data.source === 'gpu' ? { split: o.train, augment: o.augment } : undefined,
    ),
    o.tune,
  );
  o = { ...o, prune: o.prune && withFlopBudget(o.prune, o.model) }; // a FLOP budget sets prune.sparsity
  const pruning = o.prune ? new Pruning(o.prune, run, { rt, spec: o.model, qat, val: o.val }) : null;
  const resumed = o.resume ? resume(o.resume, o, run, pruning) : null;
  let step = resumed?.step ?? 0;
  const K = run.models.length;
  const test = async (k: number, weights?: Map<string, Float32Array>) =>
    evaluate(rt, o.model, weights ?? (await run.weights(k)), o.test, 100, qat);

  const teacherLogits = cachesTeacher(o) ? await teacherLogitsOf(rt, o.teacher!.spec, o.teacher!.tensors, o.train, o.batch) : null;
  const source: BatchSource =
    data.source === 'gpu'
      ? { kind: 'gpu', writeOrder: (order) => run.compiled.writeTensor(run.step.dataOrder!, order) }
      : { kind: 'host', rng: augRng };
  const batches = new StepInputs(o.train, o.batch, o.seed, o.augment, opt, teacherLogits, source);
  const losses: number[][] = Array.from({ length: K }, () => []);
  const history: EpochRecord[] = [];
  let epochLoss = new Array(K).fill(0);
  let epochSteps = 0;
  let images = 0;
  let trainSeconds = 0;
  let epochStart = performance.now();
  let t0 = performance.now();
  const startStep = step;
  if (resumed?.epoch_progress) {
    // resumed mid-epoch: the epoch's loss so far, so its record equals an uninterrupted run's
    epochLoss = [...resumed.epoch_progress.loss_sum];
    epochSteps = resumed.epoch_progress.steps;
  }
  const readEvery = o.readEvery ?? DEFAULT_READ_EVERY;
  check(Number.isInteger(readEvery) && readEvery >= 1, `readEvery must be an integer ≥ 1 (got ${readEvery})`);
  const stream = run.compiled.stream(readEvery);
  // mid-epoch checkpoints: after this many steps, or minutes, since the last checkpoint (or the start)
  let lastCheckpoint = { step, at: performance.now() };
  const checkpointDue = (s: number) =>
    !!o.out &&
    s % stepsPerEpoch !== 0 &&
    s < totalSteps &&
    ((o.checkpointEverySteps !== undefined && s - lastCheckpoint.step >= o.checkpointEverySteps) ||
      (o.checkpointEveryMin !== undefined && performance.now() - lastCheckpoint.at >= o.checkpointEveryMin * 60_000));
  const save = async (s: number, progress: CheckpointMeta['epoch_progress']) => {
    const meta = { ...checkpointMeta(o, opt, K, pruning, s, stepsPerEpoch, augRng), ...(progress ? { epoch_progress: progress } : {}) };
    saveCheckpoint(o.out!, { meta, tensors: await run.checkpointTensors() });
    lastCheckpoint = { step: s, at: performance.now() };
  };
  if (step < totalSteps) batches.prepare(step);
  try {
    while (step < totalSteps) {
      // Submit up to readEvery steps back to back (the next batch is assembled while the GPU works), stopping at
      // the epoch's end and where a checkpoint is due; then read their losses with one map.
      const pending: Promise<Float32Array[]>[] = [];
      let s = step;
      let ckpt = false;
      while (s < totalSteps) {
        pending.push(stream.push(batches.inputs(s)));
        if (s + 1 < totalSteps) batches.prepare(s + 1);
        s++;
        ckpt = checkpointDue(s);
        if (stream.full || ckpt || s % stepsPerEpoch === 0) break;
      }
      await stream.flush();
      for (const p of pending) {
        const stepLoss = stepLosses(await p, run.step.readouts, step, stepsPerEpoch);
        stepLoss.forEach((l, k) => {
          losses[k].push(l);
          epochLoss[k] += l;
        });
        epochSteps++;
        images += o.batch;
        step++;
        const elapsed = (performance.now() - t0) / 1000;
        o.onProgress?.({
          epoch: Math.floor((step - 1) / stepsPerEpoch),
          epochs: o.epochs,
          step: ((step - 1) % stepsPerEpoch) + 1,
          stepsPerEpoch,
          loss: stepLoss[0],
          imagesPerS: images / Math.max(elapsed, 1e-9),
        });
      }
      if (ckpt) await save(step, { loss_sum: [...epochLoss], steps: epochSteps });
      if (step % stepsPerEpoch !== 0 && step !== totalSteps) continue;
      // end of an epoch (or of the run)
      trainSeconds += (performance.now() - t0) / 1000;
      if (pruning && step % stepsPerEpoch === 0) await pruning.endOfEpoch(step / stepsPerEpoch);
      const acc: number[] = [];
      if (o.evalEveryEpoch || step === totalSteps) for (let k = 0; k < K; k++) acc.push(await test(k));
      const rec: EpochRecord = {
        epoch: Math.ceil(step / stepsPerEpoch),
        train_loss: epochLoss.map((l) => l / epochSteps),
        test_accuracy: acc,
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(rec);
      o.onEpoch?.(rec);
      // a run stopped mid-epoch (maxSteps) records how far the epoch got, so resuming it continues the epoch's loss
      if (o.out) await save(step, step % stepsPerEpoch === 0 ? undefined : { loss_sum: [...epochLoss], steps: epochSteps });
      epochLoss = new Array(K).fill(0);
      epochSteps = 0;
      epochStart = performance.now();
      images = 0;
      t0 = performance.now();
    }
  } finally {
    stream.destroy();
  }

  const weights: Map<string, Float32Array>[] = [];
  for (let k = 0; k < K; k++) weights.push(await run.weights(k));
  if (history.length === 0) {
    // resumed at or past the last step: nothing to train, report the checkpoint's accuracy
    const acc: number[] = [];
    for (let k = 0; k < K; k++) acc.push(await test(k, weights[k]));
    history.push({ epoch: Math.ceil(step / stepsPerEpoch), train_loss: [], test_accuracy: acc, seconds: 0 });
  }
  const last = history[history.length - 1];
  const result: TrainResult = {
    mode: o.mode,
    model: o.model.model,
    test_accuracy: last.test_accuracy,
    train_loss: last.train_loss,
    epochs: Math.ceil(step / stepsPerEpoch),
    steps: step,
    images_per_s: ((step - startStep) * o.batch) / Math.max(trainSeconds, 1e-9),
    params: buildModel({ ...o.model, batch: 1 }).paramCount(),
    stepLosses: losses,
    history,
    weights,
    sparsity: zeroFraction(weights[0], run.models[0].masks.keys()),
    data,
  };
  if (o.val && o.val.n > 0) {
    result.val_accuracy = [];
    for (let k = 0; k < K; k++) result.val_accuracy.push(await evaluate(rt, o.model, weights[k], o.val, 100, qat));
  }
  if (pruning) result.prune = pruning.report(weights[0]);
  if (o.profile && step > 0) result.profile = await profileStep(run, batches, step - 1);
  run.destroy();
  return result;
}

/** GPU time per node of step s again (its inputs still prepared), slowest first; the update is discarded. */
async function profileStep(run: CompiledStep, batches: StepInputs, s: number): Promise<TrainResult['profile']> {
  const p = await run.compiled.profile(batches.inputs(s));
  return {
    method: p.method,
    step_ms: Number(p.nodes.reduce((a, n) => a + n.ms, 0).toFixed(3)),
    nodes: p.nodes.map((n) => ({ name: n.name, op: n.op, ms: Number(n.ms.toFixed(3)) })).sort((a, b) => b.ms - a.ms),
  };
}
