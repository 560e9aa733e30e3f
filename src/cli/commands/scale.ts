// slimgpu scale --family mobilenet_v1|mobilenet_v2|efficientnet|shufflenet [--budget-ms 20] [--precision fp32|int8|binary]
//               [--batch 1] [--res-scale 1] [--limit N] [--measure 3] [--runs 5] [--layer-rounds 3] [--tune cached|measure|off] [--json]
// slimgpu scale --validate --family F[,F...] [--res-scale S] [--limit N] [--hold-every 3] [--json]   (predictor MAPE)
// The flags are parsed here (node:util parseArgs with this command's own table) so the command stands alone.

import { parseArgs } from 'node:util';
import type { Precision } from '../../compress/compress.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import type { TuneMode } from '../../runtime/tuner.js';
import { runScale, validatePredictor } from '../../scale/scale.js';

const FLAGS = {
  family: { type: 'string' },
  'budget-ms': { type: 'string' },
  precision: { type: 'string' },
  batch: { type: 'string' },
  'res-scale': { type: 'string' },
  limit: { type: 'string' },
  measure: { type: 'string' },
  runs: { type: 'string' },
  'layer-rounds': { type: 'string' },
  tune: { type: 'string' },
  validate: { type: 'boolean' },
  'hold-every': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function num(v: string | undefined, name: string, dflt: number, check: (n: number) => boolean, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new SlimError(`--${name} must be ${what}, got '${v}'`);
  return n;
}
const posInt = (n: number) => Number.isInteger(n) && n >= 1;

export async function scaleCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  } catch (e: any) {
    throw new SlimError(e.message);
  }
  const v = parsed.values;
  if (!v.family) throw new SlimError('--family is required (mobilenet_v1, mobilenet_v2, efficientnet, shufflenet)');
  const precision = (v.precision ?? 'fp32') as Precision;
  const tune = (v.tune ?? 'cached') as TuneMode;
  if (!['cached', 'measure', 'off'].includes(tune)) throw new SlimError(`--tune must be measure, cached or off (got '${tune}')`);
  const common = {
    precision,
    tune,
    batch: num(v.batch, 'batch', 1, posInt, 'a positive integer'),
    resScale: num(v['res-scale'], 'res-scale', 1, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    limit: v.limit === undefined ? undefined : num(v.limit, 'limit', 0, posInt, 'a positive integer'),
    runs: num(v.runs, 'runs', 5, posInt, 'a positive integer'),
    layerRounds: num(v['layer-rounds'], 'layer-rounds', 3, posInt, 'a positive integer'),
    log: (l: string) => console.error(l),
  };
  const rt = await Runtime.create();
  try {
    if (v.validate) {
      const r = await validatePredictor(rt, v.family.split(','), { ...common, holdEvery: num(v['hold-every'], 'hold-every', 3, (n) => posInt(n) && n >= 2, 'an integer ≥ 2') });
      if (v.json) console.log(JSON.stringify(r, null, 2));
      else {
        for (const row of r.rows) console.log(`${row.held_out ? 'held-out' : 'train   '} ${row.label.padEnd(28)} predicted ${String(row.predicted_ms).padStart(9)} ms  measured ${String(row.measured_ms).padStart(9)} ms  ${row.error_pct}%`);
        console.log(`MAPE held out ${r.mape_held_out}% (${r.held_out} configs), train ${r.mape_train}% (${r.train}); Σ layers alone ${r.mape_held_out_no_overhead}%`);
      }
      return 0;
    }
    const r = await runScale(rt, v.family, {
      ...common,
      budgetMs: num(v['budget-ms'], 'budget-ms', 20, (n) => n > 0, 'a positive number'),
      measure: num(v.measure, 'measure', 3, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    });
    if (v.json) console.log(JSON.stringify(r, null, 2));
    else {
      const front = new Set(r.pareto);
      for (const p of r.points) {
        console.log(`${front.has(p.label) ? '*' : ' '} ${p.label.padEnd(28)} top-1 ${p.top1.toFixed(1)}  ${p.measured_ms !== null ? 'measured ' : 'predicted'} ${p.latency_ms.toFixed(2).padStart(9)} ms  MnasNet ${p.mnas_objective}`);
      }
      console.log(r.chosen ? `within ${r.budget_ms} ms: ${r.chosen.label} (top-1 ${r.chosen.top1}, ${r.chosen.latency_ms} ms)` : `nothing fits ${r.budget_ms} ms`);
      console.log(`best MnasNet objective (T = ${r.budget_ms} ms, w = ${r.mnas.w}): ${r.mnas.best?.label}`);
    }
  } finally {
    rt.destroy();
  }
  return 0;
}
