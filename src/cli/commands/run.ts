// slimgpu run: builds a zoo model, compiles it, times it, prints one JSON object (see RunRecord) or a summary.

import { measureModel } from '../../models/measure.js';
import { checkBlockFor, compressForRun, type Precision } from '../../compress/compress.js';
import type { LayerChoice } from '../../compress/int8_mix.js';
import { parseBlockShape } from '../../ops/block_sparse.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import type { Graph } from '../../graph/ir.js';
import type { TuneMode } from '../../runtime/tuner.js';
import { checkDeviceLimits, checkModelSize, MODEL_FLAGS, specFromFlags } from '../checks.js';
import { parseOrHelp, type CommandSpec, type Flags } from '../flags.js';
import { ONNX_FLAGS } from '../onnx_file.js';

export { MODEL_FLAGS, specFromFlags };

export const TUNE_FLAG = {
  type: 'string',
  choices: ['measure', 'cached', 'off'],
  default: 'cached',
  help: 'kernel variants: measure each on this adapter, use earlier measurements, or the static choice',
} as const;

export const RUN: CommandSpec = {
  name: 'run',
  summary: 'build, compile and time a zoo model (random seeded weights) or your own ONNX file on this adapter, on a seeded input',
  flags: {
    ...MODEL_FLAGS,
    model: { ...MODEL_FLAGS.model, required: false, help: 'zoo model (or --onnx FILE)' },
    ...ONNX_FLAGS,
    runs: { type: 'int', min: 1, max: 10000, default: 10, help: 'timed runs after the first (the median is reported)' },
    profile: { type: 'boolean', help: 'per-node GPU time (timestamp queries)' },
    tune: TUNE_FLAG,
    precision: {
      type: 'string',
      choices: ['fp32', 'int8', 'binary'],
      default: 'fp32',
      help: 'weights: fp32, int8 (calibrated on synthetic inputs) or 1-bit XNOR',
    },
    sparsity: {
      type: 'number',
      min: 0,
      max: 0.99,
      help: "prune this fraction of each eligible conv's weight blocks and run block-sparse kernels",
    },
    block: {
      type: 'string',
      arg: 'RxC|auto',
      default: 'auto',
      help: 'block shape for --sparsity (rows x cols of the weight matrix), or measured per layer',
    },
    'int8-layers': {
      type: 'string',
      choices: ['measured', 'all'],
      default: 'measured',
      help: '--precision int8: keep a layer fp32 where int8 (with the conversions it forces) measures slower, or force every layer int8',
    },
    json: { type: 'boolean', help: 'print the run record as JSON' },
  },
  examples: [
    'slimgpu run --model mobilenet_v1 --alpha 0.5 --runs 20',
    'slimgpu run --model cnn_small --sparsity 0.9 --block 4x4 --json',
    'slimgpu run --onnx model.onnx --shape input=1x3x224x224 --profile --json',
  ],
};

export function tuneFromFlags(flags: Flags): TuneMode {
  const t = flags.tune ?? 'cached';
  if (t !== 'measure' && t !== 'cached' && t !== 'off') throw new SlimError(`--tune must be one of measure, cached, off (got '${t}')`);
  return t;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseOrHelp(RUN, argv);
  if (!p) return 0;
  const { flags, given } = p;
  if (given.has('onnx')) return (await import('./run_onnx.js')).runOnnx(flags, given);
  if (given.has('shape')) throw new SlimError('run: --shape gives the input shapes of an --onnx FILE; give --onnx too');
  if (given.has('block')) {
    if (!given.has('sparsity')) throw new SlimError('run: --block sets the block shape of --sparsity S; give --sparsity too');
    if (flags.block !== 'auto') {
      const block = parseBlockShape(String(flags.block), '--block', '4x4 (rows x cols) or auto');
      checkBlockFor(flags.precision === 'int8' ? 'int8' : 'fp32', block, '--block');
    }
  }
  if (given.has('int8-layers') && flags.precision !== 'int8')
    throw new SlimError('run: --int8-layers chooses the precision of each layer of an int8 model; give --precision int8 too');
  if (flags.precision === 'binary' && given.has('sparsity'))
    throw new SlimError('run: --sparsity does not combine with --precision binary (the xnor kernels are dense); use fp32 or int8');
  const spec = specFromFlags(flags);
  const size = checkModelSize(spec, 'inference');
  const rt = await Runtime.create();
  try {
    checkDeviceLimits(size, rt.ctx.limits, `--model ${spec.model}`);
    const precision = flags.precision as Precision;
    const sparsity = flags.sparsity as number | undefined;
    const compressed = precision !== 'fp32' || sparsity !== undefined;
    const prepare = compressed
      ? async (g: Graph) => {
          const c = await compressForRun(
            rt,
            g,
            precision,
            sparsity,
            given.has('block') ? (flags.block as string) : undefined,
            flags['int8-layers'] as 'measured' | 'all',
          );
          const layers = (c.info.compress_report as { sparse?: { layers?: unknown } } | undefined)?.sparse?.layers;
          if (sparsity && Array.isArray(layers) && layers.length === 0) {
            throw new SlimError(
              `run: --sparsity ${sparsity} pruned nothing: no conv of ${spec.model} takes block ${flags.block} (channels must divide by it; try --block auto)`,
            );
          }
          return c;
        }
      : undefined;
    const r = await measureModel(rt, spec, { runs: flags.runs as number, tune: tuneFromFlags(flags), profile: !!flags.profile, prepare });
    if (flags.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`${r.model} batch ${r.batch} on ${r.adapter.description || r.adapter.architecture}`);
      console.log(`params ${(r.params / 1e6).toFixed(3)}M  MACs ${(r.macs / 1e6).toFixed(1)}M`);
      console.log(`median ${r.median_ms} ms (min ${r.min_ms})  first run ${r.first_run_ms} ms  ${r.gflops} GFLOP/s`);
      if (r.model_bytes !== undefined)
        console.log(
          `precision ${r.precision}  model ${r.model_bytes} bytes${r.fp32_model_bytes ? ` (fp32 ${r.fp32_model_bytes}, ${r.compression_ratio}x smaller)` : ''}`,
        );
      const cr = r.compress_report as { int8Layers?: LayerChoice[]; int8Whole?: Record<string, unknown> } | undefined;
      if (cr?.int8Layers) {
        const kept = cr.int8Layers.filter((c) => c.precision === 'fp32');
        console.log(
          `int8 layers ${cr.int8Layers.length - kept.length} of ${cr.int8Layers.length} (measured${
            cr.int8Layers.some((c) => c.cached) ? `, ${cr.int8Layers.filter((c) => c.cached).length} from this adapter's cache` : ''
          }; --int8-layers all forces every one)`,
        );
        for (const c of kept) console.log(`  kept fp32: ${c.name}: ${c.why}`);
        if (cr.int8Whole) console.log(`  whole model (ms, medians, interleaved): ${JSON.stringify(cr.int8Whole)}`);
      }
      console.log(`peak GPU memory ${(r.peak_gpu_bytes / 2 ** 20).toFixed(1)} MiB  checksum ${r.output_checksum}`);
      if (r.profile)
        for (const n of r.profile.nodes)
          console.log(`  ${n.ms.toFixed(3).padStart(9)} ms  ${n.op.padEnd(12)} ${n.name}  [${n.kernels.join(', ')}]`);
    }
  } finally {
    rt.destroy();
  }
  return 0;
}
