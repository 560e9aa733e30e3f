// slimgpu bench --suite <name> …: kernel benchmark suites, dispatched through SUITES (one entry per suite: its flag
// table, for parsing and --help, and its function). Anything else (`--suite core`, `--model NAME --peers …`) is the
// peer benchmark of bench_peers.ts.

import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCompressed, COMPRESSED_LAYERS, COMPRESSED_VARIANTS } from '../compressed.js';
import { benchTrainPeers } from '../train_peers.js';
import { benchTrainBatches } from '../train_batch.js';
import { int8Agreement } from '../int8_agreement.js';
import { benchMatmul, MATMUL_SHAPES } from '../matmul.js';
import { benchDawn, DAWN_VARIANTS } from '../dawn.js';
import { SlimError } from '../../src/runtime/errors.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { MODEL_NAMES } from '../../src/models/zoo.js';
import { INT8_CALIBRATION_FLAGS, MODEL_FLAGS } from '../../src/cli/checks.js';
import { helpText, parseOrHelp, UsageError, type CommandSpec, type Flags, type FlagTable } from '../../src/cli/flags.js';
import { BENCH_PEERS } from './bench_flags.js';
import { TUNE_FLAG, tuneFromFlags } from '../../src/cli/commands/run.js';

type Suite = (rt: Runtime, flags: Flags, log: (line: string) => void) => Promise<Record<string, unknown>[]>;

const list = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** A comma list whose every item must match (`matches`) something in `known`; names the first that does not. */
function checkedList(
  flags: Flags,
  flag: string,
  known: readonly string[],
  matches = (item: string, k: string) => item === k,
): string[] | undefined {
  const items = list(flags[flag]);
  if (items === undefined) return undefined;
  if (!items.length) throw new UsageError(`--${flag} needs at least one name (known: ${known.join(', ')})`);
  for (const item of items)
    if (!known.some((k) => matches(item, k))) throw new UsageError(`--${flag}: '${item}' matches nothing (known: ${known.join(', ')})`);
  return items;
}

/** --batches A,B,…: positive integers. */
function batchList(v: string): number[] {
  const items = list(v) ?? [];
  if (!items.length || items.some((x) => !/^[1-9]\d*$/.test(x) || Number(x) > 4096))
    throw new UsageError(`--batches needs a comma list of batch sizes in [1, 4096] (got '${v}')`);
  return items.map(Number);
}

const SUITE_COMMON: FlagTable = {
  suite: { type: 'string', arg: 'NAME', help: 'the suite' },
  runs: { type: 'int', min: 1, max: 100, help: 'timed rounds' },
  json: { type: 'boolean', help: 'print the rows as JSON' },
  quiet: { type: 'boolean', help: 'no progress lines on stderr' },
  cached: { type: 'boolean', help: 'reuse earlier kernel measurements instead of a fresh tuning cache' },
};

const suite = (name: string, summary: string, flags: FlagTable, example: string): CommandSpec => ({
  name: `bench --suite ${name}`,
  summary,
  flags: { ...SUITE_COMMON, ...flags },
  examples: [`slimgpu bench --suite ${name} ${example}`],
});

export const SUITES: Record<string, { spec: CommandSpec; run: Suite }> = {
  compressed: {
    spec: suite(
      'compressed',
      'int8 / xnor / block-sparse conv kernels vs our best fp32 conv (MobileNetV1 pointwise, ResNet-18 3×3)',
      {
        runs: { ...SUITE_COMMON.runs, default: 5 },
        layers: {
          type: 'string',
          arg: 'A,B',
          help: `layers whose name contains one of these (of ${COMPRESSED_LAYERS.map((l) => l.layer).join(', ')}; default all)`,
        },
        variants: { type: 'string', arg: 'A,B', help: `compressed variants (of ${COMPRESSED_VARIANTS.join(', ')}; default all)` },
        pin: {
          type: 'string',
          arg: 'ID,ID',
          help: 'also time each variant with its kernel forced to each of these candidate ids (prefixes, e.g. xnor_bits_pwquad4), interleaved',
        },
      },
      '--layers pw_7 --variants int8,sparse90 --runs 3',
    ),
    run: (rt, flags, log) =>
      benchCompressed(rt, {
        runs: flags.runs as number,
        layers: checkedList(
          flags,
          'layers',
          COMPRESSED_LAYERS.map((l) => l.layer),
          (item, k) => k.includes(item),
        ),
        variants: checkedList(flags, 'variants', COMPRESSED_VARIANTS),
        pin: checkedList(flags, 'pin', ['xnor_…', 'bsr_…', 'int8_…'], (item, k) => item.startsWith(k.slice(0, -1))),
        log,
      }) as any,
  },
  train: {
    spec: suite(
      'train',
      'training step throughput vs TensorFlow.js WebGPU on the same adapter',
      {
        runs: { ...SUITE_COMMON.runs, default: 3 },
        models: { type: 'string', arg: 'A,B', default: 'cnn_tiny,cnn_small', help: 'models to train' },
        batch: { ...MODEL_FLAGS.batch, default: 32 },
        steps: { type: 'int', min: 1, max: 10000, default: 3, help: 'timed steps per round' },
        warmup: { type: 'int', min: 1, max: 10000, default: 2, help: 'untimed steps first' },
        'read-every': { type: 'int', min: 1, max: 4096, default: 16, help: "ours: read the losses back every N steps (train's default)" },
        tune: TUNE_FLAG,
      },
      '--models cnn_tiny --batch 64 --steps 5',
    ),
    run: (rt, flags, log) =>
      benchTrainPeers(rt, {
        models: checkedList(flags, 'models', MODEL_NAMES)!,
        batch: flags.batch as number,
        steps: flags.steps as number,
        warmup: flags.warmup as number,
        rounds: flags.runs as number,
        readEvery: flags['read-every'] as number,
        tune: tuneFromFlags(flags),
        log,
      }) as any,
  },
  'train-batch': {
    spec: suite(
      'train-batch',
      "images/s of slimgpu train's step against the batch size (interleaved), with the linear-scaling learning rate",
      {
        runs: { ...SUITE_COMMON.runs, default: 3 },
        models: { type: 'string', arg: 'A,B', default: 'cnn_tiny', help: 'models to train' },
        batches: { type: 'string', arg: 'A,B', default: '32,64,128,256', help: 'batch sizes' },
        steps: { type: 'int', min: 1, max: 10000, default: 4, help: 'timed steps per round' },
        warmup: { type: 'int', min: 1, max: 10000, default: 2, help: 'untimed steps first' },
        'read-every': { type: 'int', min: 1, max: 4096, default: 16, help: "read the losses back every N steps (train's default)" },
        'lr-ref-batch': {
          type: 'int',
          min: 1,
          max: 65536,
          default: 64,
          help: 'linear scaling rule: the default lr is tuned at this batch',
        },
        limit: { type: 'int', min: 1, max: 60000, default: 4096, help: 'training images resident on the GPU' },
        augment: { type: 'boolean', help: 'random crops (pad 2) and flips, as train --augment' },
        tune: TUNE_FLAG,
      },
      '--models cnn_tiny,cnn_small --batches 32,64,128,256 --runs 3',
    ),
    run: (rt, flags, log) =>
      benchTrainBatches(rt, {
        models: checkedList(flags, 'models', MODEL_NAMES)!,
        batches: batchList(flags.batches as string),
        steps: flags.steps as number,
        warmup: flags.warmup as number,
        rounds: flags.runs as number,
        readEvery: flags['read-every'] as number,
        refBatch: flags['lr-ref-batch'] as number,
        limit: flags.limit as number,
        augment: flags.augment ? { cropPad: 2, flip: true } : { cropPad: 0, flip: false },
        tune: tuneFromFlags(flags),
        log,
      }) as any,
  },
  matmul: {
    spec: suite(
      'matmul',
      'register-tiled matmul vs the direct kernel: median GPU ms, speedup, GFLOP/s, share of the measured f32 ceiling',
      {
        runs: { ...SUITE_COMMON.runs, default: 5 },
        shapes: {
          type: 'string',
          arg: 'MxKxN,…',
          help: `A [M,K] × B [K,N] shapes (default ${MATMUL_SHAPES.map((s) => s.join('x')).join(',')})`,
        },
      },
      '--shapes 26x512x6625 --runs 3',
    ),
    run: (rt, flags, log) => benchMatmul(rt, { runs: flags.runs as number, shapes: matmulShapes(flags.shapes), log }) as any,
  },
  dawn: {
    spec: suite(
      'dawn',
      'Node/Dawn settings side by side (Dawn toggles, QuietWait): inference and a training step, interleaved',
      {
        runs: { ...SUITE_COMMON.runs, default: 3 },
        variants: {
          type: 'string',
          arg: 'A,B',
          default: Object.keys(DAWN_VARIANTS).join(','),
          help: `settings compared with the baseline (of ${Object.keys(DAWN_VARIANTS).join(', ')})`,
        },
        rounds: { type: 'int', min: 1, max: 100, default: 3, help: 'rounds over all variants' },
        'train-batch': { type: 'int', min: 0, max: 512, default: 32, help: 'batch of the cnn_tiny training step (0: none)' },
      },
      '--variants quiet_wait --runs 5',
    ),
    run: (_rt, f, log) =>
      benchDawn({
        variants: checkedList(f, 'variants', Object.keys(DAWN_VARIANTS))!,
        trainBatch: f['train-batch'] as number,
        runs: f.runs as number,
        rounds: f.rounds as number,
        log,
      }) as any,
  },
  int8_agreement: {
    spec: suite(
      'int8_agreement',
      'whole model int8 vs fp32: top-1/top-5 agreement, relative logit error, batch-1 speedup, sizes',
      {
        runs: { ...SUITE_COMMON.runs, default: 5 },
        model: { ...MODEL_FLAGS.model, required: false, default: 'mobilenet_v1' },
        alpha: MODEL_FLAGS.alpha,
        res: { ...MODEL_FLAGS.res, default: 224 },
        seed: MODEL_FLAGS.seed,
        images: { type: 'int', min: 1, max: 10000, default: 16, help: 'seeded smooth test images' },
        calib: { type: 'int', min: 1, max: 1000, default: 16, help: 'calibration images (held out)' },
        method: { type: 'string', choices: ['percentile', 'minmax', 'mse'], default: 'minmax', help: 'activation-range calibration' },
        ...INT8_CALIBRATION_FLAGS,
      },
      '--alpha 0.25 --res 128 --images 32',
    ),
    run: async (rt, f, log) => [
      await int8Agreement(rt, {
        spec: { model: f.model as string, alpha: f.alpha as number | undefined, res: f.res as number, seed: f.seed as number | undefined },
        images: f.images as number,
        calib: f.calib as number,
        method: f.method as any,
        biasCorrection: f['bias-correction'] === 'on',
        channelAffine: f['channel-affine'] !== 'off',
        channelAffinePadded: f['channel-affine'] === 'on',
        channelScales: !!f['channel-scales'],
        keepFp32: f['keep-fp32'] as number,
        equalize: f.equalize as number | undefined,
        runs: f.runs as number,
        log,
      }),
    ],
  },
};

/** --shapes 1x1280x1000,64x64x64 → [[1,1280,1000],[64,64,64]] */
function matmulShapes(v: unknown): [number, number, number][] | undefined {
  const items = list(v);
  if (items === undefined) return undefined;
  if (!items.length) throw new UsageError('--shapes needs at least one MxKxN');
  return items.map((s) => {
    const d = s.split('x').map(Number);
    if (d.length !== 3 || !d.every((x) => Number.isInteger(x) && x >= 1 && x <= 65536))
      throw new UsageError(`--shapes: '${s}' is not MxKxN (three integers 1..65536, e.g. 26x512x6625)`);
    return d as [number, number, number];
  });
}

function suiteArg(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--suite' || a.startsWith('--suite='));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice('--suite='.length) : argv[i + 1];
}

/** `bench --help` without a suite: the peer benchmark's options and the suites. */
export function benchHelp(): string {
  return [
    helpText(BENCH_PEERS),
    '',
    'suites (slimgpu bench --suite NAME --help for their options):',
    `  ${'core'.padEnd(16)} the peer benchmark above on the core models`,
    ...Object.entries(SUITES).map(([k, s]) => `  ${k.padEnd(16)} ${s.spec.summary}`),
  ].join('\n');
}

export async function bench(argv: string[]): Promise<number> {
  const s = suiteArg(argv);
  if (s === undefined && (argv.includes('--help') || argv.includes('-h'))) {
    console.log(benchHelp());
    return 0;
  }
  if (s !== undefined && s !== 'core' && !(s in SUITES))
    throw new UsageError(`bench: unknown suite '${s}' (known: core, ${Object.keys(SUITES).join(', ')})`);
  if (s === undefined || s === 'core') return (await import('./bench_peers.js')).benchPeers(argv);
  const entry = SUITES[s];
  const p = parseOrHelp(entry.spec, argv);
  if (!p) return 0;
  const { flags } = p;
  // Every kernel variant is measured in this run (the Tuner's 'measure' mode reuses cached choices): a fresh
  // cache, removed afterwards, unless --cached asks to reuse earlier measurements.
  const cacheDir = flags.cached ? null : mkdtempSync(join(tmpdir(), 'slimgpu-bench-'));
  const previous = process.env.SLIMGPU_CACHE_DIR;
  if (cacheDir) process.env.SLIMGPU_CACHE_DIR = cacheDir;
  let rt: Runtime | null = null;
  try {
    rt = await Runtime.create();
    const log = flags.quiet ? () => {} : (line: string) => console.error(line);
    const rows = await entry.run(rt, flags, log);
    if (!rows.length) throw new SlimError(`bench --suite ${s}: nothing was measured (check --layers / --variants / --models)`);
    if (flags.json) console.log(JSON.stringify(rows, null, 1));
    else console.table(rows);
  } finally {
    rt?.destroy();
    if (cacheDir) {
      rmSync(cacheDir, { recursive: true, force: true });
      if (previous === undefined) delete process.env.SLIMGPU_CACHE_DIR;
      else process.env.SLIMGPU_CACHE_DIR = previous;
    }
  }
  return 0;
}
