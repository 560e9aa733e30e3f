// slimgpu run --model NAME [--alpha A --res R --batch B --groups G --scale S --phi P] [--runs N] [--profile]
//             [--tune measure|cached|off] [--precision fp32|int8|binary] [--sparsity S --block RxC|auto] [--json]
// Builds the model, compiles it, times it, prints one JSON object (see RunRecord) or a summary.

import { measureModel } from '../../models/measure.js';
import { compressForRun, type Precision } from '../../compress/compress.js';
import { MODEL_NAMES, type ModelSpec } from '../../models/zoo.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import type { Graph } from '../../graph/ir.js';
import type { TuneMode } from '../../runtime/tuner.js';
import { parseArgs, positiveInt, type Parsed } from '../args.js';

export const MODEL_FLAGS = {
  model: 'string', alpha: 'number', res: 'int', batch: 'int', groups: 'int', scale: 'number', phi: 'int', classes: 'int', seed: 'int',
} as const;

export function specFromFlags(flags: Parsed['flags']): ModelSpec {
  const model = flags.model;
  if (typeof model !== 'string') throw new SlimError(`--model is required (one of ${MODEL_NAMES.join(', ')})`);
  if (!(MODEL_NAMES as readonly string[]).includes(model)) throw new SlimError(`unknown model '${model}' (known: ${MODEL_NAMES.join(', ')})`);
  const spec: ModelSpec = { model, batch: positiveInt(flags, 'batch', 1, 4096) };
  for (const k of ['alpha', 'res', 'groups', 'scale', 'phi', 'classes', 'seed'] as const) {
    if (flags[k] !== undefined) (spec as any)[k] = flags[k];
  }
  return spec;
}

export function tuneFromFlags(flags: Parsed['flags']): TuneMode {
  const t = flags.tune ?? 'cached';
  if (t !== 'measure' && t !== 'cached' && t !== 'off') throw new SlimError(`--tune must be measure, cached or off (got '${t}')`);
  return t;
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { ...MODEL_FLAGS, runs: 'int', profile: 'boolean', tune: 'string', json: 'boolean', precision: 'string', sparsity: 'number', block: 'string' });
  if (positional.length) throw new SlimError(`unexpected argument '${positional[0]}'`);
  const spec = specFromFlags(flags);
  const rt = await Runtime.create();
  try {
    const precision = (flags.precision ?? 'fp32') as Precision;
    const compressed = precision !== 'fp32' || flags.sparsity !== undefined;
    const prepare = compressed ? (g: Graph) => compressForRun(rt, g, precision, flags.sparsity as number | undefined, flags.block as string | undefined) : undefined;
    const r = await measureModel(rt, spec, { runs: positiveInt(flags, 'runs', 10, 10000), tune: tuneFromFlags(flags), profile: !!flags.profile, prepare });
    if (flags.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`${r.model} batch ${r.batch} on ${r.adapter.description || r.adapter.architecture}`);
      console.log(`params ${(r.params / 1e6).toFixed(3)}M  MACs ${(r.macs / 1e6).toFixed(1)}M`);
      console.log(`median ${r.median_ms} ms (min ${r.min_ms})  first run ${r.first_run_ms} ms  ${r.gflops} GFLOP/s`);
      if (r.model_bytes !== undefined) console.log(`precision ${r.precision}  model ${r.model_bytes} bytes${r.fp32_model_bytes ? ` (fp32 ${r.fp32_model_bytes}, ${r.compression_ratio}x smaller)` : ''}`);
      console.log(`peak GPU memory ${(r.peak_gpu_bytes / 2 ** 20).toFixed(1)} MiB  checksum ${r.output_checksum}`);
      if (r.profile) for (const n of r.profile.nodes) console.log(`  ${n.ms.toFixed(3).padStart(9)} ms  ${n.op.padEnd(12)} ${n.name}  [${n.kernels.join(', ')}]`);
    }
  } finally {
    rt.destroy();
  }
  return 0;
}
