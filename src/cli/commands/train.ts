// slimgpu train --model NAME --dataset fashion-mnist --epochs N [--limit N] [--test-limit N] [--batch B]
//               [--seed S] [--init-seed S] [--optimizer sgd|adam|adamw] [--lr LR] [--momentum M] [--no-nesterov]
//               [--weight-decay WD] [--l1 L] [--clip MAX] [--schedule constant|step|cosine] [--warmup STEPS]
//               [--step-size STEPS] [--gamma G] [--augment] [--eval-every-epoch]
//               [--teacher CKPT --kd --temperature T --alpha A [--beta B] [--no-teacher-cache]] [--mutual K]
//               [--qat int8 | --binary (= --qat binary)] [--prune SPARSITY [--prune-epochs START:END] [--prune-block RxC]] [--out CKPT]
//               [--prune RATIO | --prune-flops BUDGET] --prune-filters l1|l2 [--prune-floor ACC --val N]
//               [--init CKPT] [--resume CKPT] [--json]
// --init starts from a checkpoint's weights (fine-tuning: QAT, pruning); --resume continues a run exactly.
// Trains on the GPU (see src/train/). A progress bar on stderr when it is a terminal; the final result as JSON
// (--json) or a summary on stdout.

import { FASHION_MNIST_DIR, limitSplit, loadFashionMnist, tailSplit, type Split } from '../../io/fashion_mnist.js';
import type { FilterNorm } from '../../compress/prune.js';
import { parseBlockShape } from '../../ops/block_sparse.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import type { PruneOptions } from '../../compress/masks.js';
import { checkpointWeights, loadCheckpoint } from '../../train/checkpoint.js';
import { train, type Progress } from '../../train/loop.js';
import type { TrainMode } from '../../train/step_graph.js';
import { DEFAULT_OPTIM, type OptimConfig } from '../../train/optim.js';
import type { ModelSpec } from '../../models/zoo.js';
import type { Qat } from '../../train/autodiff.js';
import { parseArgs, positiveInt } from '../args.js';
import { MODEL_FLAGS, specFromFlags } from './run.js';

export const DATA_FLAGS = { dataset: 'string', 'data-dir': 'string', 'test-limit': 'int' } as const;

export function checkDataset(flags: Record<string, unknown>): string {
  const d = flags.dataset ?? 'fashion-mnist';
  if (d !== 'fashion-mnist') throw new SlimError(`--dataset must be fashion-mnist (got '${d}')`);
  return typeof flags['data-dir'] === 'string' ? flags['data-dir'] : FASHION_MNIST_DIR;
}

function progressBar(p: Progress): string {
  const width = 24;
  const filled = Math.round((p.step / p.stepsPerEpoch) * width);
  return `\repoch ${p.epoch + 1}/${p.epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.step}/${p.stepsPerEpoch}  loss ${p.loss.toFixed(4)}  ${p.imagesPerS.toFixed(1)} img/s `;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, {
    ...MODEL_FLAGS, ...DATA_FLAGS, epochs: 'int', limit: 'int', optimizer: 'string', lr: 'number', momentum: 'number', 'no-nesterov': 'boolean',
    'weight-decay': 'number', l1: 'number', clip: 'number', schedule: 'string', warmup: 'int', 'step-size': 'int', gamma: 'number',
    augment: 'boolean', 'eval-every-epoch': 'boolean', teacher: 'string', kd: 'boolean', 'no-teacher-cache': 'boolean', temperature: 'number', alpha: 'number', beta: 'number',
    mutual: 'int', profile: 'boolean', qat: 'string', binary: 'boolean', prune: 'number', 'prune-epochs': 'string', 'prune-block': 'string', 'prune-filters': 'string', 'prune-flops': 'number', 'prune-floor': 'number', val: 'int', out: 'string', resume: 'string', init: 'string', 'init-seed': 'int', 'max-steps': 'int', json: 'boolean',
  });
  if (positional.length) throw new SlimError(`unexpected argument '${positional[0]}'`);
  const dir = checkDataset(flags);
  const batch = positiveInt(flags, 'batch', 64, 4096);
  const spec: ModelSpec = { ...specFromFlags({ ...flags, batch }), batch };
  if (!spec.model.startsWith('cnn_') && spec.res === undefined) spec.res = 28;
  const kd = !!flags.kd;
  const mutual = flags.mutual as number | undefined;
  if (kd && mutual) throw new SlimError('--kd and --mutual cannot be combined');
  if (kd && typeof flags.teacher !== 'string') throw new SlimError('--kd needs --teacher CKPT (a checkpoint written by slimgpu train --out)');
  if (!kd && flags.teacher !== undefined) throw new SlimError('--teacher is only used with --kd');
  if (mutual !== undefined && (!Number.isInteger(mutual) || mutual < 2 || mutual > 8)) throw new SlimError(`--mutual must be an integer in [2, 8] (got ${mutual})`);
  const mode: TrainMode = kd ? 'kd' : mutual ? 'dml' : 'plain';
  if (flags.binary && flags.qat !== undefined && flags.qat !== 'binary') throw new SlimError(`--binary and --qat ${flags.qat} are alternatives`);
  const qat = (flags.binary ? 'binary' : (flags.qat ?? 'none')) as Qat;
  if (!['none', 'int8', 'binary'].includes(qat)) throw new SlimError(`--qat must be none, int8 or binary (got '${qat}')`);
  const epochs = positiveInt(flags, 'epochs', 1, 10000);
  let prune: PruneOptions | undefined;
  const pruneFlags = ['prune-epochs', 'prune-block', 'prune-filters', 'prune-floor'].filter((f) => flags[f] !== undefined);
  if (flags.prune !== undefined || flags['prune-flops'] !== undefined) {
    const [a, b] = String(flags['prune-epochs'] ?? `1:${Math.max(1, epochs - 1)}`).split(':').map(Number);
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw new SlimError(`--prune-epochs must be START:END (got '${flags['prune-epochs']}')`);
    if (flags.prune !== undefined && flags['prune-flops'] !== undefined) throw new SlimError('--prune RATIO and --prune-flops BUDGET are alternatives (the budget sets the ratio)');
    prune = { sparsity: (flags.prune as number | undefined) ?? 0, start: a, end: b };
    if (flags['prune-block'] !== undefined) prune.block = parseBlockShape(String(flags['prune-block']), '--prune-block', '4x4 (rows x cols of the weight matrix)');
    if (flags['prune-filters'] !== undefined) prune.filters = flags['prune-filters'] as FilterNorm;
    if (flags['prune-flops'] !== undefined) prune.flops = flags['prune-flops'] as number;
    if (flags['prune-floor'] !== undefined) prune.floor = flags['prune-floor'] as number;
  } else if (pruneFlags.length) throw new SlimError(`--${pruneFlags[0]} needs --prune RATIO (or --prune-flops BUDGET with --prune-filters)`);
  const opt: OptimConfig = {
    ...DEFAULT_OPTIM,
    kind: (flags.optimizer as OptimConfig['kind']) ?? DEFAULT_OPTIM.kind,
    schedule: (flags.schedule as OptimConfig['schedule']) ?? DEFAULT_OPTIM.schedule,
    nesterov: !flags['no-nesterov'],
  };
  if (opt.kind !== 'sgd') opt.lr = 1e-3;
  const num = (k: string, f: keyof OptimConfig) => {
    if (flags[k] !== undefined) (opt as any)[f] = flags[k];
  };
  num('lr', 'lr'); num('momentum', 'momentum'); num('weight-decay', 'weightDecay'); num('l1', 'l1'); num('clip', 'maxNorm');
  num('warmup', 'warmupSteps'); num('step-size', 'stepSize'); num('gamma', 'gamma');
  const data = loadFashionMnist(dir);
  const trainSplit = limitSplit(data.train, flags.limit as number | undefined);
  let val: Split | undefined;
  if (flags.val !== undefined) {
    val = tailSplit(data.train, flags.val as number);
    if (trainSplit.n + val.n > data.train.n) throw new SlimError(`--val ${val.n} overlaps the ${trainSplit.n} training images (the validation images are the last ones of the ${data.train.n}; lower --limit)`);
  }
  const testSplit = limitSplit(data.test, flags['test-limit'] as number | undefined);
  let teacher: { spec: ModelSpec; tensors: Map<string, Float32Array> } | undefined;
  if (kd) {
    const ck = loadCheckpoint(flags.teacher as string);
    teacher = { spec: ck.meta.model, tensors: checkpointWeights(ck) };
  }
  let init: Map<string, Float32Array> | undefined;
  if (flags.init !== undefined) {
    if (flags.resume !== undefined) throw new SlimError('--init and --resume are alternatives (--resume continues a run, --init starts one from weights)');
    const ck = loadCheckpoint(flags.init as string);
    const from = ck.meta.model.model;
    if (from !== spec.model) throw new SlimError(`--init ${flags.init} holds a ${from}, not a ${spec.model}`);
    init = checkpointWeights(ck);
  }
  const rt = await Runtime.create();
  const tty = process.stderr.isTTY;
  try {
    const r = await train(rt, {
      model: spec, mode, teacher, teacherCache: flags['no-teacher-cache'] ? false : undefined, tau: flags.temperature as number | undefined, alpha: flags.alpha as number | undefined,
      beta: flags.beta as number | undefined, peers: mutual, epochs, batch, prune, val,
      seed: (flags.seed as number | undefined) ?? 1, initSeed: flags['init-seed'] as number | undefined, opt,
      augment: flags.augment ? { cropPad: 2, flip: true } : { cropPad: 0, flip: false },
      train: trainSplit, test: testSplit, evalEveryEpoch: !!flags['eval-every-epoch'], out: flags.out as string | undefined,
      qat, init, profile: !!flags.profile, resume: flags.resume as string | undefined, maxSteps: flags['max-steps'] as number | undefined,
      onProgress: tty ? (p) => process.stderr.write(progressBar(p)) : undefined,
      onEpoch: (e) => {
        const acc = e.test_accuracy.length ? `  test_accuracy ${e.test_accuracy.map((a) => a.toFixed(4)).join(' ')}` : '';
        process.stderr.write(`${tty ? '\n' : ''}epoch ${e.epoch}: train_loss ${e.train_loss.map((l) => l.toFixed(4)).join(' ')}${acc}  (${e.seconds.toFixed(1)} s)\n`);
      },
    });
    const out = {
      model: r.model, mode: r.mode, dataset: 'fashion-mnist', train_examples: trainSplit.n, test_examples: testSplit.n,
      test_accuracy: r.test_accuracy.length === 1 ? r.test_accuracy[0] : r.test_accuracy,
      ...(r.val_accuracy ? { val_examples: val!.n, val_accuracy: r.val_accuracy.length === 1 ? r.val_accuracy[0] : r.val_accuracy } : {}),
      train_loss: r.train_loss.length === 1 ? r.train_loss[0] : r.train_loss,
      epochs: r.epochs, steps: r.steps, batch, images_per_s: Number(r.images_per_s.toFixed(2)), params: r.params,
      seed: (flags.seed as number | undefined) ?? 1, init: flags.init ?? null, qat, sparsity: r.sparsity, prune: r.prune ?? null, optimizer: opt.kind, lr: opt.lr, out: flags.out ?? null,
      history: r.history, profile: r.profile, adapter: rt.ctx.adapter.description || rt.ctx.adapter.architecture,
    };
    if (flags.json) console.log(JSON.stringify(out, null, 2));
    else console.log(`${r.model} (${mode}) ${r.epochs} epochs: test_accuracy ${JSON.stringify(out.test_accuracy)}, train_loss ${JSON.stringify(out.train_loss)}, ${out.images_per_s} img/s, ${r.params} params`);
  } finally {
    rt.destroy();
  }
  return 0;
}
