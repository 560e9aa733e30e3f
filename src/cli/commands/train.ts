// slimgpu train: trains a zoo model on Fashion-MNIST on the GPU (see src/train/). Progress on stderr (a bar with an
// ETA on a terminal, plain lines every 10 s otherwise, nothing with --quiet); the result as JSON (--json) or a
// summary on stdout. Everything that can be checked before training is: flags, paths (--out must be writable),
// checkpoint headers and their compatibility (--resume, --init, --teacher), the model against the 28×28×1 input
// and the host-memory budget, then the adapter's limits.

import { FASHION_MNIST_DIR, limitSplit, loadFashionMnist, tailSplit, type Split } from '../../io/fashion_mnist.js';
import type { FilterNorm } from '../../compress/prune.js';
import { checkBlockShape, parseBlockShape } from '../../ops/block_sparse.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import type { PruneOptions } from '../../compress/masks.js';
import { checkpointWeights, loadCheckpoint, readCheckpointHeader } from '../../train/checkpoint.js';
import { train } from '../../train/loop.js';
import type { TrainMode } from '../../train/step_graph.js';
import { DEFAULT_OPTIM, linearScaledLr, type OptimConfig } from '../../train/optim.js';
import type { ModelSpec } from '../../models/zoo.js';
import type { Qat } from '../../train/autodiff.js';
import {
  checkCheckpointTensors,
  checkDeviceLimits,
  checkFashionMnistInput,
  checkModelSize,
  checkpointSpec,
  describeNonFinite,
  MODEL_FLAGS,
  nonFinite,
  specFromFlags,
  withDefault,
} from '../checks.js';
import { parseOrHelp, type CommandSpec, type FlagTable } from '../flags.js';
import { progressReporter } from '../progress.js';
import { TUNE_FLAG, tuneFromFlags } from './run.js';

export const FASHION_MNIST_TRAIN = 60000;

export const DATA_FLAGS = {
  dataset: { type: 'string', choices: ['fashion-mnist'], default: 'fashion-mnist', help: 'the dataset' },
  'data-dir': { type: 'string', arg: 'DIR', file: 'dir', help: `folder of the IDX files (default ${FASHION_MNIST_DIR})` },
  'test-limit': { type: 'int', min: 1, max: 10000, help: 'score on the first N test images (default all 10000)' },
} satisfies FlagTable;

export const QUIET_FLAG = { type: 'boolean', help: 'no progress on stderr' } as const;

export function checkDataset(flags: Record<string, unknown>): string {
  const d = flags.dataset ?? 'fashion-mnist';
  if (d !== 'fashion-mnist') throw new SlimError(`--dataset must be fashion-mnist (got '${d}')`);
  return typeof flags['data-dir'] === 'string' ? flags['data-dir'] : FASHION_MNIST_DIR;
}

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'train a model on Fashion-MNIST on the GPU (plain, distillation, mutual learning, QAT, pruning)',
  flags: {
    model: MODEL_FLAGS.model,
    batch: withDefault(MODEL_FLAGS.batch, 64),
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1, help: 'seed of the data order, augmentation and the initial weights (default 1)' },
    ...DATA_FLAGS,
    epochs: { type: 'int', min: 1, max: 10000, default: 1, help: 'passes over the training images' },
    limit: {
      type: 'int',
      min: 1,
      max: FASHION_MNIST_TRAIN,
      help: `train on the first N training images (default all ${FASHION_MNIST_TRAIN})`,
    },
    'max-steps': { type: 'int', min: 1, help: 'stop after this many steps (the schedule still spans --epochs)' },
    optimizer: { type: 'string', choices: ['sgd', 'adam', 'adamw'], default: DEFAULT_OPTIM.kind, help: 'optimizer' },
    lr: { type: 'number', min: 0, max: 10, help: `learning rate (default ${DEFAULT_OPTIM.lr} for sgd, 1e-3 for adam and adamw)` },
    'lr-ref-batch': {
      type: 'int',
      min: 1,
      max: 4096,
      help: 'the --lr is for this batch size: train at lr·batch/N (linear scaling rule; keep a --warmup)',
    },
    momentum: { type: 'number', min: 0, max: 0.999, default: DEFAULT_OPTIM.momentum, help: 'sgd momentum' },
    'no-nesterov': { type: 'boolean', help: "plain momentum instead of Nesterov's" },
    'weight-decay': { type: 'number', min: 0, max: 1, default: DEFAULT_OPTIM.weightDecay, help: 'L2 weight decay (decoupled for adamw)' },
    l1: { type: 'number', min: 0, max: 1, default: DEFAULT_OPTIM.l1, help: 'L1 penalty on the weights' },
    clip: { type: 'number', min: 0, default: DEFAULT_OPTIM.maxNorm, help: 'clip the global gradient norm to this (0: off)' },
    schedule: { type: 'string', choices: ['constant', 'step', 'cosine'], default: DEFAULT_OPTIM.schedule, help: 'learning-rate schedule' },
    warmup: { type: 'int', min: 0, default: DEFAULT_OPTIM.warmupSteps, help: 'linear warm-up steps' },
    'step-size': { type: 'int', min: 1, default: DEFAULT_OPTIM.stepSize, help: 'steps between decays of --schedule step' },
    gamma: { type: 'number', min: 0, max: 1, default: DEFAULT_OPTIM.gamma, help: 'decay factor of --schedule step' },
    augment: { type: 'boolean', help: 'random crops (pad 2) and horizontal flips' },
    'eval-every-epoch': { type: 'boolean', help: 'test accuracy after every epoch (default: after the last)' },
    kd: { type: 'boolean', help: 'knowledge distillation from --teacher' },
    teacher: { type: 'string', arg: 'CKPT', file: 'in', help: 'teacher checkpoint for --kd' },
    'no-teacher-cache': { type: 'boolean', help: 'run the teacher every step instead of caching its logits' },
    temperature: { type: 'number', min: 0.01, max: 100, help: 'KD softmax temperature (default 4)' },
    alpha: { type: 'number', min: 0, max: 1, help: 'KD weight of the hard-label loss (default 0.5)' },
    beta: { type: 'number', min: 0, max: 100, help: 'KD weight of the distillation loss (default 1 − alpha)' },
    mutual: { type: 'int', min: 2, max: 8, help: 'deep mutual learning of K peers' },
    qat: { type: 'string', choices: ['none', 'int8', 'binary'], help: 'quantization-aware training (default none)' },
    binary: { type: 'boolean', help: 'the same as --qat binary' },
    prune: { type: 'number', min: 0, max: 0.99, help: 'prune to this sparsity (fraction of weights, blocks or filters)' },
    'prune-epochs': { type: 'string', arg: 'START:END', help: 'epochs over which sparsity ramps up (default 1:epochs−1)' },
    'prune-block': { type: 'string', arg: 'RxC', help: 'prune blocks of the weight matrix (e.g. 4x4) to run block-sparse kernels' },
    'prune-filters': { type: 'string', choices: ['l1', 'l2'], help: 'prune whole filters by their norm' },
    'prune-flops': { type: 'number', min: 0.01, max: 1, help: 'with --prune-filters: keep this fraction of the MACs (sets the ratio)' },
    'prune-floor': { type: 'number', min: 0, max: 1, help: 'stop pruning when validation accuracy drops below this (needs --val)' },
    val: { type: 'int', min: 1, max: FASHION_MNIST_TRAIN - 1, help: 'hold out the last N training images for validation' },
    out: { type: 'string', arg: 'CKPT', file: 'out', help: 'write a checkpoint after every epoch' },
    'checkpoint-every-min': {
      type: 'number',
      min: 0.01,
      max: 100000,
      help: 'with --out: also write it mid-epoch every M minutes (a killed run loses minutes, not an epoch)',
    },
    'checkpoint-every-steps': { type: 'int', min: 1, help: 'with --out: also write it mid-epoch every N steps' },
    'read-every': { type: 'int', min: 1, max: 4096, default: 16, help: 'read the step losses back every N steps (fewer GPU syncs)' },
    resume: { type: 'string', arg: 'CKPT', file: 'in', help: 'continue a run exactly from its checkpoint' },
    init: { type: 'string', arg: 'CKPT', file: 'in', help: "start from a checkpoint's weights (fine-tuning: QAT, pruning)" },
    'init-seed': { type: 'int', min: 0, max: 2 ** 31 - 1, help: 'seed of the initial weights (default --seed)' },
    profile: { type: 'boolean', help: 'GPU time per part of the step' },
    tune: TUNE_FLAG,
    quiet: QUIET_FLAG,
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  notes: ['Fashion-MNIST is 28×28×1: the cnn_* models take it.'],
  examples: [
    'slimgpu train --model cnn_small --epochs 5 --out small.ckpt',
    'slimgpu train --model cnn_tiny --kd --teacher small.ckpt --epochs 5',
    'slimgpu train --model cnn_small --init small.ckpt --prune 0.75 --prune-block 4x4 --epochs 3 --out sparse.ckpt',
  ],
};

export async function trainCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(TRAIN, argv);
  if (!p) return 0;
  const { flags, given } = p;
  const dir = checkDataset(flags);
  const batch = flags.batch as number;
  const spec: ModelSpec = { ...specFromFlags(flags), batch };
  checkFashionMnistInput(spec);
  const kd = !!flags.kd;
  const mutual = flags.mutual as number | undefined;
  if (kd && mutual) throw new SlimError('--kd and --mutual cannot be combined');
  if (kd && typeof flags.teacher !== 'string')
    throw new SlimError('--kd needs --teacher CKPT (a checkpoint written by slimgpu train --out)');
  if (!kd && flags.teacher !== undefined) throw new SlimError('--teacher is only used with --kd');
  for (const f of ['temperature', 'alpha', 'beta', 'no-teacher-cache'])
    if (!kd && given.has(f)) throw new SlimError(`--${f} is only used with --kd`);
  const mode: TrainMode = kd ? 'kd' : mutual ? 'dml' : 'plain';
  if (flags.binary && flags.qat !== undefined && flags.qat !== 'binary')
    throw new SlimError(`--binary and --qat ${flags.qat} are alternatives`);
  const qat = (flags.binary ? 'binary' : (flags.qat ?? 'none')) as Qat;
  const epochs = flags.epochs as number;
  let prune: PruneOptions | undefined;
  const pruneFlags = ['prune-epochs', 'prune-block', 'prune-filters', 'prune-floor'].filter((f) => flags[f] !== undefined);
  if (flags.prune !== undefined || flags['prune-flops'] !== undefined) {
    const [a, b] = String(flags['prune-epochs'] ?? `1:${Math.max(1, epochs - 1)}`)
      .split(':')
      .map(Number);
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < a)
      throw new SlimError(`--prune-epochs must be START:END with 1 ≤ START ≤ END (got '${flags['prune-epochs']}')`);
    if (flags.prune !== undefined && flags['prune-flops'] !== undefined)
      throw new SlimError('--prune RATIO and --prune-flops BUDGET are alternatives (the budget sets the ratio)');
    if (flags['prune-flops'] !== undefined && flags['prune-filters'] === undefined)
      throw new SlimError('--prune-flops BUDGET needs --prune-filters l1|l2');
    prune = { sparsity: (flags.prune as number | undefined) ?? 0, start: a, end: b };
    if (flags['prune-block'] !== undefined) {
      prune.block = parseBlockShape(String(flags['prune-block']), '--prune-block', '4x4 (rows x cols of the weight matrix)');
      checkBlockShape(prune.block, 'pruning block');
    }
    if (flags['prune-filters'] !== undefined) prune.filters = flags['prune-filters'] as FilterNorm;
    if (flags['prune-flops'] !== undefined) prune.flops = flags['prune-flops'] as number;
    if (flags['prune-floor'] !== undefined) prune.floor = flags['prune-floor'] as number;
  } else if (pruneFlags.length)
    throw new SlimError(`--${pruneFlags[0]} needs --prune RATIO (or --prune-flops BUDGET with --prune-filters)`);
  if (flags['prune-floor'] !== undefined && flags.val === undefined)
    throw new SlimError('--prune-floor needs --val N (validation images to judge accuracy on)');
  const opt: OptimConfig = {
    ...DEFAULT_OPTIM,
    kind: flags.optimizer as OptimConfig['kind'],
    schedule: flags.schedule as OptimConfig['schedule'],
    nesterov: !flags['no-nesterov'],
  };
  if (opt.kind !== 'sgd') opt.lr = 1e-3;
  const num = (k: string, f: keyof OptimConfig) => {
    if (flags[k] !== undefined) (opt as unknown as Record<string, unknown>)[f] = flags[k];
  };
  num('lr', 'lr');
  if (flags['lr-ref-batch'] !== undefined) opt.lr = linearScaledLr(opt.lr, batch, flags['lr-ref-batch'] as number);
  num('momentum', 'momentum');
  num('weight-decay', 'weightDecay');
  num('l1', 'l1');
  num('clip', 'maxNorm');
  num('warmup', 'warmupSteps');
  num('step-size', 'stepSize');
  num('gamma', 'gamma');
  const seed = (flags.seed as number | undefined) ?? 1;
  const trainN = Math.min((flags.limit as number | undefined) ?? FASHION_MNIST_TRAIN, FASHION_MNIST_TRAIN);
  if (trainN < batch) throw new SlimError(`--limit ${trainN} is less than one batch of ${batch}`);
  if (flags.val !== undefined && trainN + (flags.val as number) > FASHION_MNIST_TRAIN) {
    throw new SlimError(
      `--val ${flags.val} overlaps the ${trainN} training images (the validation images are the last ones of the ${FASHION_MNIST_TRAIN}; lower --limit)`,
    );
  }

  // checkpoints: headers first (schema, sizes, compatibility), tensors only when all is well
  for (const f of ['checkpoint-every-min', 'checkpoint-every-steps'])
    if (flags[f] !== undefined && flags.out === undefined) throw new SlimError(`--${f} needs --out CKPT (where to write the checkpoints)`);
  if (flags.init !== undefined && flags.resume !== undefined)
    throw new SlimError('--init and --resume are alternatives (--resume continues a run, --init starts one from weights)');
  const sameModel = (flag: string, file: string, from: ModelSpec) => {
    checkpointSpec({ meta: { model: from } } as unknown as Parameters<typeof checkpointSpec>[0], flag, file);
    if (from.model !== spec.model) throw new SlimError(`${flag} ${file} holds a ${from.model}, not a ${spec.model}`);
    for (const k of ['classes', 'res', 'alpha', 'groups', 'scale', 'phi'] as const) {
      if (from[k] !== undefined && from[k] !== spec[k])
        throw new SlimError(`${flag} ${file} holds a ${from.model} with ${k} ${from[k]}, not ${spec[k] ?? 'the default'}`);
    }
  };
  if (flags.resume !== undefined) {
    const file = flags.resume as string;
    const h = readCheckpointHeader(file);
    if (h.meta.mode !== mode) throw new SlimError(`--resume ${file} is a ${h.meta.mode} run, not ${mode}`);
    sameModel('--resume', file, h.meta.model);
    checkCheckpointTensors(h, h.meta.model, 0, `--resume ${file}`);
    if (h.meta.batch !== batch || h.meta.seed !== seed || (h.meta.train_examples !== undefined && h.meta.train_examples !== trainN)) {
      throw new SlimError(
        `--resume ${file} was trained with batch ${h.meta.batch}, ${h.meta.train_examples ?? '?'} examples, seed ${h.meta.seed}; ` +
          `resuming exactly needs the same (got batch ${batch}, ${trainN} examples, seed ${seed})`,
      );
    }
  }
  if (flags.init !== undefined) {
    const h = readCheckpointHeader(flags.init as string);
    sameModel('--init', flags.init as string, h.meta.model);
    checkCheckpointTensors(h, h.meta.model, 0, `--init ${flags.init}`);
  }
  let teacherSpec: ModelSpec | undefined;
  if (kd) {
    const file = flags.teacher as string;
    teacherSpec = checkpointSpec(readCheckpointHeader(file), '--teacher', file);
    checkFashionMnistInput(teacherSpec, `--teacher ${file}: model`);
    checkModelSize({ ...teacherSpec, batch }, 'inference', `--teacher ${file}: ${teacherSpec.model}`);
    checkCheckpointTensors(readCheckpointHeader(file), teacherSpec, 0, `--teacher ${file}`);
  }
  const size = checkModelSize({ ...spec, batch: batch * (mutual ?? 1) }, 'training');

  const data = loadFashionMnist(dir);
  const trainSplit = limitSplit(data.train, trainN);
  let val: Split | undefined;
  if (flags.val !== undefined) val = tailSplit(data.train, flags.val as number);
  const testSplit = limitSplit(data.test, flags['test-limit'] as number | undefined);
  const weightsOf = (file: string, flag: string) => {
    const w = checkpointWeights(loadCheckpoint(file));
    const bad = nonFinite(w);
    if (bad.length) console.error(`slimgpu: warning: ${describeNonFinite(bad, `${flag} ${file}`)}; training from them will diverge`);
    return w;
  };
  const teacher = kd ? { spec: teacherSpec!, tensors: weightsOf(flags.teacher as string, '--teacher') } : undefined;
  const init = flags.init !== undefined ? weightsOf(flags.init as string, '--init') : undefined;

  const rt = await Runtime.create();
  const progress = progressReporter('train', { quiet: !!flags.quiet });
  let stepsDone = 0;
  try {
    checkDeviceLimits(size, rt.ctx.limits, `--model ${spec.model}`);
    const r = await train(rt, {
      model: spec,
      mode,
      teacher,
      teacherCache: flags['no-teacher-cache'] ? false : undefined,
      tau: flags.temperature as number | undefined,
      alpha: flags.alpha as number | undefined,
      beta: flags.beta as number | undefined,
      peers: mutual,
      epochs,
      batch,
      prune,
      val,
      seed,
      initSeed: flags['init-seed'] as number | undefined,
      opt,
      augment: flags.augment ? { cropPad: 2, flip: true } : { cropPad: 0, flip: false },
      train: trainSplit,
      test: testSplit,
      evalEveryEpoch: !!flags['eval-every-epoch'],
      out: flags.out as string | undefined,
      checkpointEveryMin: flags['checkpoint-every-min'] as number | undefined,
      checkpointEverySteps: flags['checkpoint-every-steps'] as number | undefined,
      readEvery: flags['read-every'] as number,
      qat,
      init,
      profile: !!flags.profile,
      tune: tuneFromFlags(flags),
      resume: flags.resume as string | undefined,
      maxSteps: flags['max-steps'] as number | undefined,
      onProgress: (p) => {
        const total = Math.min(p.epochs * p.stepsPerEpoch, (flags['max-steps'] as number | undefined) ?? Infinity);
        stepsDone = p.epoch * p.stepsPerEpoch + p.step;
        progress.update(stepsDone, total, `epoch ${p.epoch + 1}/${p.epochs}  loss ${p.loss.toFixed(4)}  ${p.imagesPerS.toFixed(1)} img/s`);
        const endOfEpoch = p.step === p.stepsPerEpoch || stepsDone === total;
        if (endOfEpoch && (flags['eval-every-epoch'] || stepsDone === total)) progress.line(`train: scoring ${testSplit.n} test images…`);
      },
      onEpoch: (e) => {
        const acc = e.test_accuracy.length ? `  test_accuracy ${e.test_accuracy.map((a) => a.toFixed(4)).join(' ')}` : '';
        progress.line(`epoch ${e.epoch}: train_loss ${e.train_loss.map((l) => l.toFixed(4)).join(' ')}${acc}  (${e.seconds.toFixed(1)} s)`);
      },
    });
    progress.end();
    if (r.data.note) console.error(`slimgpu: note: ${r.data.note}`);
    const out = {
      model: r.model,
      mode: r.mode,
      dataset: 'fashion-mnist',
      train_examples: trainSplit.n,
      test_examples: testSplit.n,
      test_accuracy: r.test_accuracy.length === 1 ? r.test_accuracy[0] : r.test_accuracy,
      ...(r.val_accuracy ? { val_examples: val!.n, val_accuracy: r.val_accuracy.length === 1 ? r.val_accuracy[0] : r.val_accuracy } : {}),
      train_loss: r.train_loss.length === 1 ? r.train_loss[0] : r.train_loss,
      epochs: r.epochs,
      steps: r.steps,
      batch,
      images_per_s: Number(r.images_per_s.toFixed(2)),
      params: r.params,
      seed,
      init: flags.init ?? null,
      qat,
      sparsity: r.sparsity,
      prune: r.prune ?? null,
      optimizer: opt.kind,
      lr: opt.lr,
      out: flags.out ?? null,
      history: r.history,
      data: r.data,
      profile: r.profile,
      adapter: rt.ctx.adapter.description || rt.ctx.adapter.architecture,
    };
    if (flags.json) console.log(JSON.stringify(out, null, 2));
    else
      console.log(
        `${r.model} (${mode}) ${r.epochs} epochs: test_accuracy ${JSON.stringify(out.test_accuracy)}, train_loss ${JSON.stringify(out.train_loss)}, ${out.images_per_s} img/s, ${r.params} params`,
      );
  } finally {
    progress.end();
    rt.destroy();
  }
  return 0;
}
