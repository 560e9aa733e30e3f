// slimgpu scale: the accuracy–latency Pareto front of a model family on this adapter (predicted from the per-layer
// latency table, the candidates near the budget measured), the configuration chosen for a budget and the MnasNet
// objective; --validate prints the predictor's error on held-out configurations (MAPE).

import type { Precision } from '../../compress/compress.js';
import { Runtime } from '../../runtime/runtime.js';
import type { TuneMode } from '../../runtime/tuner.js';
import { SCALE_FAMILIES } from '../../scale/configs.js';
import { runScale, validatePredictor } from '../../scale/scale.js';
import { parseOrHelp, UsageError, type CommandSpec } from '../flags.js';

export const SCALE: CommandSpec = {
  name: 'scale',
  summary: 'accuracy–latency Pareto front of a model family on this adapter, and the latency predictor',
  flags: {
    family: {
      type: 'string',
      help: `model family (with --validate: a comma list of ${SCALE_FAMILIES.join(', ')})`,
      arg: 'F',
      required: true,
    },
    'budget-ms': { type: 'number', help: 'latency budget for the chosen configuration and the MnasNet target T', default: 20, min: 1e-6 },
    precision: { type: 'string', help: 'precision every configuration runs in', choices: ['fp32', 'int8', 'binary'], default: 'fp32' },
    batch: { type: 'int', help: 'batch size', default: 1, min: 1, max: 4096 },
    'res-scale': {
      type: 'number',
      help: 'scale every resolution by this factor (small grids on slow adapters)',
      default: 1,
      min: 1e-6,
      max: 1,
    },
    limit: { type: 'int', help: 'only the N configurations with the fewest multiply-adds', min: 1 },
    measure: { type: 'int', help: 'measure this many candidates nearest the budget end to end', default: 3, min: 0 },
    runs: {
      type: 'int',
      help: 'timed runs per end-to-end measurement (median); with --validate: interleaved rounds (fastest)',
      default: 5,
      min: 1,
      max: 1000,
    },
    'layer-rounds': { type: 'int', help: 'timed rounds per layer for the latency table', default: 3, min: 1, max: 1000 },
    tune: { type: 'string', help: 'kernel-variant choice', choices: ['cached', 'measure', 'off'], default: 'cached' },
    validate: { type: 'boolean', help: 'fit the predictor on some configurations and print its error on the held-out rest' },
    'hold-every': { type: 'int', help: 'with --validate: hold out every Nth configuration', default: 3, min: 2 },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  examples: [
    'slimgpu scale --family mobilenet_v1 --budget-ms 20 --json',
    'slimgpu scale --validate --family mobilenet_v1 --res-scale 0.25 --json',
  ],
};

export async function scaleCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(SCALE, argv);
  if (!p) return 0;
  const v = p.flags;
  const family = v.family as string | undefined;
  if (!family) throw new UsageError(`--family is required (${SCALE_FAMILIES.join(', ')})`);
  const families = family.split(',');
  for (const f of families) {
    if (!(SCALE_FAMILIES as readonly string[]).includes(f))
      throw new UsageError(`--family must be one of ${SCALE_FAMILIES.join(', ')} (got '${f}')`);
  }
  if (families.length > 1 && !v.validate) throw new UsageError('--family takes one family (a comma list only with --validate)');
  const common = {
    precision: v.precision as Precision,
    tune: v.tune as TuneMode,
    batch: v.batch as number,
    resScale: v['res-scale'] as number,
    limit: v.limit as number | undefined,
    runs: v.runs as number,
    layerRounds: v['layer-rounds'] as number,
    log: (l: string) => console.error(l),
  };
  const rt = await Runtime.create();
  try {
    if (v.validate) {
      const r = await validatePredictor(rt, families, { ...common, holdEvery: v['hold-every'] as number });
      if (v.json) console.log(JSON.stringify(r, null, 2));
      else {
        for (const row of r.rows)
          console.log(
            `${row.held_out ? 'held-out' : 'train   '} ${row.label.padEnd(28)} predicted ${String(row.predicted_ms).padStart(9)} ms  measured ${String(row.measured_ms).padStart(9)} ms  ${row.error_pct}%`,
          );
        for (const f of r.per_family)
          console.log(
            `${f.family}: MAPE held out ${f.mape_held_out}% (${f.held_out} configs), train ${f.mape_train}% (${f.train}); ` +
              `noise floor ${f.noise_floor.min}% (fastest run, split halves); Σ layers alone ${f.mape_held_out_no_overhead}%; ` +
              `against the median run ${f.median.mape_held_out}% (noise floor ${f.noise_floor.median}%)` +
              (f.cpu_time ? `; on CPU time ${f.cpu_time.mape_held_out}% (noise floor ${f.cpu_time.noise_floor}%)` : ''),
          );
        const rp = r.repeats;
        console.log(
          `MAPE held out ${r.mape_held_out}% (${r.held_out} configs); across ${rp.blocks} blocks of ${rp.rounds_per_block} rounds: ` +
            `${rp.mape_held_out.join(', ')}% (median ${rp.median}%)`,
        );
        console.log(`load average ${r.load.start?.join(' ')} → ${r.load.end?.join(' ')}`);
      }
      return 0;
    }
    const r = await runScale(rt, family, { ...common, budgetMs: v['budget-ms'] as number, measure: v.measure as number });
    if (v.json) console.log(JSON.stringify(r, null, 2));
    else {
      const front = new Set(r.pareto);
      for (const p of r.points) {
        console.log(
          `${front.has(p.label) ? '*' : ' '} ${p.label.padEnd(28)} top-1 ${p.top1.toFixed(1)}  ${p.measured_ms !== null ? 'measured ' : 'predicted'} ${p.latency_ms.toFixed(2).padStart(9)} ms  MnasNet ${p.mnas_objective}`,
        );
      }
      console.log(
        r.chosen
          ? `within ${r.budget_ms} ms: ${r.chosen.label} (top-1 ${r.chosen.top1}, ${r.chosen.latency_ms} ms)`
          : `nothing fits ${r.budget_ms} ms`,
      );
      console.log(`best MnasNet objective (T = ${r.budget_ms} ms, w = ${r.mnas.w}): ${r.mnas.best?.label}`);
    }
  } finally {
    rt.destroy();
  }
  return 0;
}
