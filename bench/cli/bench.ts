// slimgpu bench --suite <name> [--json] [--runs N] [--layers a,b] [--variants a,b] [--cached]: kernel benchmark suites,
// dispatched through SUITES (one entry per suite). Anything else (`--suite core`, `--model NAME --peers …`) is the
// peer benchmark of bench_peers.ts.

import { benchCompressed } from '../compressed.js';
import { benchTrainPeers } from '../train_peers.js';
import { INT8_AGREEMENT_FLAGS, int8Agreement } from '../int8_agreement.js';
import { SlimError } from '../../src/runtime/errors.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseArgs, positiveInt, type Parsed } from '../../src/cli/args.js';

type Suite = (rt: Runtime, flags: Parsed['flags'], log: (line: string) => void) => Promise<Record<string, unknown>[]>;

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').filter(Boolean) : undefined);

export const SUITES: Record<string, { run: Suite; help: string }> = {
  compressed: {
    help: 'int8 / xnor / block-sparse conv kernels vs our best fp32 conv (MobileNetV1 pointwise, ResNet-18 3×3)',
    run: (rt, flags, log) =>
      benchCompressed(rt, { runs: positiveInt(flags, 'runs', 5, 100), layers: list(flags.layers), variants: list(flags.variants), log }) as any,
  },
  train: { help: 'training step throughput vs TensorFlow.js WebGPU on the same adapter (--models a,b --batch B --steps N --warmup N --runs rounds)', run: (rt, flags, log) => benchTrainPeers(rt, { models: list(flags.models) ?? ['cnn_tiny', 'cnn_small'], batch: positiveInt(flags, 'batch', 32, 4096), steps: positiveInt(flags, 'steps', 3, 10000), warmup: positiveInt(flags, 'warmup', 2, 10000), rounds: positiveInt(flags, 'runs', 3, 100), log }) as any },
  int8_agreement: {
    help: 'whole model int8 vs fp32: top-1/top-5 agreement, relative logit error, batch-1 speedup, sizes (--model --alpha --res --images --calib --method)',
    run: async (rt, f, log) => [await int8Agreement(rt, { spec: { model: (f.model as string) ?? 'mobilenet_v1', alpha: f.alpha as number | undefined, res: (f.res as number) ?? 224, seed: f.seed as number | undefined }, images: positiveInt(f, 'images', 16, 10000), calib: positiveInt(f, 'calib', 4, 1000), method: (f.method as any) ?? 'percentile', runs: positiveInt(f, 'runs', 5, 100), log })],
  },
};

function suiteArg(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--suite' || a.startsWith('--suite='));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice('--suite='.length) : argv[i + 1];
}

export async function bench(argv: string[]): Promise<number> {
  const s = suiteArg(argv);
  if (s === undefined || !(s in SUITES)) return (await import('./bench_peers.js')).benchPeers(argv);
  const { flags } = parseArgs(argv, {
    suite: 'string', json: 'boolean', runs: 'int', layers: 'string', variants: 'string', quiet: 'boolean', cached: 'boolean',
    models: 'string', batch: 'int', steps: 'int', warmup: 'int', // --suite train
    ...INT8_AGREEMENT_FLAGS,
  });
  const name = (flags.suite as string | undefined) ?? 'compressed';
  const suite = SUITES[name];
  if (!suite) throw new SlimError(`unknown bench suite '${name}' (known: ${Object.keys(SUITES).join(', ')})`);
  // Every kernel variant is measured in this run (the Tuner's 'measure' mode reuses cached choices): a fresh
  // cache, unless --cached asks to reuse earlier measurements.
  if (!flags.cached) {
    const [fs, os, path] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
    process.env.SLIMGPU_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'slimgpu-bench-'));
  }
  const rt = await Runtime.create();
  try {
    const log = flags.quiet ? () => {} : (line: string) => console.error(line);
    const rows = await suite.run(rt, flags, log);
    if (flags.json) console.log(JSON.stringify(rows, null, 1));
    else console.table(rows);
  } finally {
    rt.destroy();
  }
  return 0;
}
