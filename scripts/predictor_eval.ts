// Raw measurements for judging the latency predictor (issue 15): every model compiled whole, every distinct layer
// compiled alone, then interleaved rounds; each round runs every model once (wall clock and process CPU time of
// run()), profiles every distinct layer once (timestamps; the table's graph with and without the glue passes)
// and profiles every whole model once (Σ of its nodes' timestamps: the same layers in the graph). The raw
// per-round figures go to a JSON file; the fits are made from it (src/scale/predictor.ts, `--fit`).
//
//   npm run predictor-eval -- --search-dir /work/main/docs/results/search/full --zoo --rounds 15 --out FILE.json
//   npm run predictor-eval -- --report FILE.json[.gz] [--blocks 3]     the figures (predictor.ts fits) from that file
//        [--before-samples F]  also the search's older fit on F's samples (its cache's lone absolute times), per candidate
//
// --search-dir D  the candidates of a search (D/candidates/*.json, batch 1) and cnn_small (its baseline), with
//                 the latency ratios the search measured (kept in the output beside ours)
// --zoo           cnn_tiny, cnn_small, and the MobileNetV1 and ShuffleNet grids at --res-scale (default 0.25)
// --models a,b   these zoo models (batch 1)
// --rounds N      interleaved rounds (default 15)

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compile, type CompiledGraph } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { sampleInput } from '../src/models/measure.js';
import { buildModel } from '../src/models/zoo.js';
import type { ModelSpec } from '../src/models/zoo.js';
import { Runtime } from '../src/runtime/runtime.js';
import { familyConfigs } from '../src/scale/configs.js';
import { cpuNow, inferenceGraph, LayerTimer, layerSignature, timedNodes } from '../src/scale/latency_table.js';
import {
  fitOverhead,
  mape,
  predictMs,
  predictRatio,
  type FitOptions,
  type ModelFeatures,
  type PairedSample,
} from '../src/scale/predictor.js';

interface ModelIn {
  name: string;
  group: string;
  spec: ModelSpec;
  search_ratio?: number;
  search_ms?: number;
  search_baseline_ms?: number;
}

export interface EvalFile {
  rounds: number;
  load: { start: number[]; end: number[] };
  layers: Record<'glue' | 'noglue', Record<string, { times: number[]; cpu: number[]; dispatches: number }>>;
  models: (ModelIn & {
    dispatches: number;
    layers_glue: string[];
    layers_noglue: string[];
    wall: number[];
    cpu: number[];
    ingraph: number[];
  })[];
}

const r2 = (x: number) => Number(x.toFixed(2));
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The figures from a file of raw rounds. Per family (MobileNetV1, ShuffleNet grids): configurations sorted by Σ,
 * every 3rd from the second held out, the overhead fitted on the rest, MAPE on the held-out ones; the truth is a
 * model's fastest run, its features the table's (glue graph) fastest layer times, as `scale --validate`. Each
 * predictor variant: the old fit (absolute least squares, no outlier refit, the table without glue) and the new one.
 * The search: the overhead fitted on the zoo models alone (cnn_tiny, cnn_small, both grids), then each candidate's
 * latency ratio to cnn_small predicted and compared with the ratio measured here (fastest runs, same rounds) and
 * with the ratio the search measured. All of it again per block of rounds (the spread across repeats).
 */
export function report(d: EvalFile, blocks: number) {
  const pick = (ts: number[], b: number | null) => (b === null ? ts : ts.filter((_, r) => Math.floor((r * blocks) / d.rounds) === b));
  const layerMs = (sig: string, glue: boolean, b: number | null) => {
    const l = (!glue && d.layers.noglue[sig]) || d.layers.glue[sig];
    return Math.min(...pick(l.times, b));
  };
  const feat = (m: EvalFile['models'][number], glue: boolean, b: number | null): ModelFeatures => ({
    layer_ms: (glue ? m.layers_glue : m.layers_noglue).reduce((s, sig) => s + layerMs(sig, glue, b), 0),
    layers: m.layers_glue.length,
    dispatches: m.dispatches,
  });
  const truth = (m: EvalFile['models'][number], b: number | null) => Math.min(...pick(m.wall, b));
  const variants: Record<string, { glue: boolean; fit: FitOptions }> = {
    old: { glue: false, fit: { relative: false, robust: false } },
    relative: { glue: true, fit: { relative: true, robust: false } },
    new: { glue: true, fit: {} },
  };
  const judge = (b: number | null) => {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(variants)) {
      const fam: Record<string, number> = {};
      const pooled: { predicted: number; measured: number }[] = [];
      for (const group of ['mobilenet_v1', 'shufflenet']) {
        const ms = d.models.filter((m) => m.group === group).map((m) => ({ m, f: feat(m, v.glue, b), ms: truth(m, b) }));
        if (!ms.length) continue;
        ms.sort((x, y) => x.f.layer_ms - y.f.layer_ms);
        const held = ms.filter((_, i) => i % 3 === 1);
        const o = fitOverhead(
          ms.filter((_, i) => i % 3 !== 1),
          v.fit,
        );
        const pairs = held.map((x) => ({ predicted: predictMs(x.f, o), measured: x.ms }));
        fam[group] = r2(mape(pairs));
        pooled.push(...pairs);
      }
      // the search: fit on the zoo, judge the candidates' ratios to cnn_small
      const zoo = d.models.filter((m) => m.group !== 'search').map((m) => ({ f: feat(m, v.glue, b), ms: truth(m, b) }));
      const cand = d.models.filter((m) => m.group === 'search' && m.name !== 'cnn_small');
      const base = d.models.find((m) => m.name === 'cnn_small');
      let search: Record<string, number> | undefined;
      // leave one out within the search's own models: each candidate's ratio from an overhead fitted on the others
      let search_loo: Record<string, number> | undefined;
      if (cand.length >= 5 && base) {
        const fb = feat(base, v.glue, b);
        const pred = cand.map((m) => {
          const others = d.models.filter((x) => x.group === 'search' && x !== m).map((x) => ({ f: feat(x, v.glue, b), ms: truth(x, b) }));
          const o = fitOverhead(others, v.fit);
          return predictMs(feat(m, v.glue, b), o) / predictMs(fb, o);
        });
        search_loo = {
          mape_vs_measured_here: r2(mape(cand.map((m, i) => ({ predicted: pred[i], measured: truth(m, b) / truth(base, b) })))),
          mape_vs_search: r2(
            mape(cand.map((m, i) => ({ predicted: pred[i], measured: m.search_ratio ?? NaN })).filter((p) => p.measured > 0)),
          ),
        };
      }
      if (zoo.length && cand.length && base) {
        const o = fitOverhead(zoo, v.fit);
        const ratio = (m: EvalFile['models'][number]) => predictMs(feat(m, v.glue, b), o) / predictMs(feat(base, v.glue, b), o);
        search = {
          mape_vs_measured_here: r2(mape(cand.map((m) => ({ predicted: ratio(m), measured: truth(m, b) / truth(base, b) })))),
          mape_vs_search: r2(mape(cand.filter((m) => m.search_ratio).map((m) => ({ predicted: ratio(m), measured: m.search_ratio! })))),
          // how far the two measurements of the same ratios are apart (no predictor involved)
          search_vs_measured_here: r2(
            mape(cand.filter((m) => m.search_ratio).map((m) => ({ predicted: m.search_ratio!, measured: truth(m, b) / truth(base, b) }))),
          ),
        };
      }
      out[name] = { per_family: fam, mape_held_out: r2(mape(pooled)), search, search_loo };
    }
    // the same held-out protocol on process CPU time (layers' and models' fastest CPU time), new fit
    const cpuFam: Record<string, number> = {};
    for (const group of ['mobilenet_v1', 'shufflenet']) {
      const ms = d.models
        .filter((m) => m.group === group)
        .map((m) => ({
          f: {
            layer_ms: m.layers_glue.reduce((s, sig) => s + Math.min(...pick(d.layers.glue[sig].cpu, b)), 0),
            layers: m.layers_glue.length,
            dispatches: m.dispatches,
          },
          ms: Math.min(...pick(m.cpu, b)),
        }));
      if (!ms.length) continue;
      ms.sort((x, y) => x.f.layer_ms - y.f.layer_ms);
      const o = fitOverhead(ms.filter((_, i) => i % 3 !== 1));
      cpuFam[group] = r2(mape(ms.filter((_, i) => i % 3 === 1).map((x) => ({ predicted: predictMs(x.f, o), measured: x.ms }))));
    }
    out.cpu_time = cpuFam;
    // noise floor: each model's fastest run in the even rounds against the odd ones
    const sel = d.models.filter((m) => m.group !== 'search').map((m) => pick(m.wall, b));
    out.noise_floor = r2(
      mape(
        sel.map((ts) => ({
          predicted: Math.min(...ts.filter((_, r) => r % 2 === 0)),
          measured: Math.min(...ts.filter((_, r) => r % 2 === 1)),
        })),
      ),
    );
    return out;
  };
  const rows = d.models.map((m) => ({
    name: m.name,
    group: m.group,
    dispatches: m.dispatches,
    layer_ms: r2(feat(m, true, null).layer_ms),
    ingraph_ms: r2(Math.min(...m.ingraph)),
    wall_min: r2(Math.min(...m.wall)),
    wall_median: r2(med(m.wall)),
    cpu_min: r2(Math.min(...m.cpu)),
    search_ratio: m.search_ratio,
  }));
  return {
    rounds: d.rounds,
    load: d.load,
    all_rounds: judge(null),
    blocks: Array.from({ length: blocks }, (_, b) => judge(b)),
    rows,
  };
}

/**
 * The search's candidates one by one, against the latency ratio to cnn_small measured in these rounds (fastest
 * runs): the ratio the search recorded; the ratio predicted as the search now does (predictRatio on the other
 * models' ratios to cnn_small from these rounds, the table their fastest layer rounds: leave one out); and, given
 * the search's older samples (`before`: its cache's lone absolute times, with the features it had), the ratio its
 * older fit on those predicted — what made it reject every proposal at candidate 35.
 */
export function searchRows(d: EvalFile, before?: Record<string, PairedSample>) {
  const search = d.models.filter((m) => m.group === 'search' || m.name === 'cnn_tiny');
  const base = search.find((m) => m.name === 'cnn_small');
  if (!base) return undefined;
  const fastest = (ts: number[]) => Math.min(...ts);
  const feat = (m: EvalFile['models'][number]): ModelFeatures => ({
    layer_ms: m.layers_glue.reduce((s, sig) => s + fastest(d.layers.glue[sig].times), 0),
    layers: m.layers_glue.length,
    dispatches: m.dispatches,
  });
  const baseMs = fastest(base.wall);
  const paired = search.map((m) => ({ m, f: feat(m), ms: fastest(m.wall), base_ms: baseMs, base: 'cnn_small' }));
  const old = before
    ? Object.entries(before).filter(([k, v]) => k.startsWith('cnn_') && k.endsWith('|fp32|b1') && v.base_ms === undefined)
    : [];
  const o = old.length ? fitOverhead(old.map(([, v]) => v)) : null;
  const oldBase = before?.['cnn_small|fp32|b1'];
  const rows = paired
    .filter((x) => x.m !== base)
    .map((x) => {
      const prior = before?.[`${x.m.name}|fp32|b1`];
      return {
        name: x.m.name,
        measured_ratio: r2(x.ms / baseMs),
        search_ratio: x.m.search_ratio,
        predicted_ratio: r2(
          predictRatio(
            paired.filter((y) => y !== x),
            'cnn_small',
            x.f,
            feat(base),
          ),
        ),
        older_fit_ratio: o && prior && oldBase ? r2(predictMs(prior.f, o) / predictMs(oldBase.f, o)) : undefined,
      };
    });
  const err = (k: 'predicted_ratio' | 'older_fit_ratio' | 'search_ratio') =>
    r2(mape(rows.filter((r) => r[k] !== undefined).map((r) => ({ predicted: r[k]!, measured: r.measured_ratio }))));
  return {
    mape: { predicted: err('predicted_ratio'), older_fit: o ? err('older_fit_ratio') : undefined, search_recorded: err('search_ratio') },
    older_fit: o ?? undefined,
    rows,
  };
}

function arg(argv: string[], k: string): string | undefined {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const rep = arg(argv, '--report');
  if (rep) {
    const raw = readFileSync(rep);
    const text = rep.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const d = JSON.parse(text) as EvalFile;
    const beforeFile = arg(argv, '--before-samples');
    const before = beforeFile ? (JSON.parse(readFileSync(beforeFile, 'utf8')).models as Record<string, PairedSample>) : undefined;
    const r = { ...report(d, Number(arg(argv, '--blocks') ?? 3)), search_rows: searchRows(d, before) };
    console.log(JSON.stringify(r, null, 2));
    return 0;
  }
  const rounds = Number(arg(argv, '--rounds') ?? 15);
  const out = arg(argv, '--out') ?? 'predictor-eval.json';
  const resScale = Number(arg(argv, '--res-scale') ?? 0.25);
  const models: ModelIn[] = [];
  const have = new Set<string>();
  const push = (m: ModelIn) => {
    if (have.has(m.name)) return;
    have.add(m.name);
    models.push(m);
  };
  const dir = arg(argv, '--search-dir');
  if (dir) {
    const base = JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8'));
    push({ name: 'cnn_small', group: 'search', spec: { model: 'cnn_small', batch: 1 }, search_ratio: 1, search_ms: base.measured_ms });
    for (const f of readdirSync(join(dir, 'candidates')).sort()) {
      const c = JSON.parse(readFileSync(join(dir, 'candidates', f), 'utf8'));
      push({
        name: c.name,
        group: 'search',
        spec: { model: c.name, batch: 1 },
        search_ratio: c.latency_ratio,
        search_ms: c.measured_ms,
        search_baseline_ms: c.baseline_ms,
      });
    }
  }
  for (const name of arg(argv, '--models')?.split(',') ?? []) push({ name, group: 'listed', spec: { model: name, batch: 1 } });
  if (!models.length && !argv.includes('--zoo')) throw new Error('nothing to measure: give --search-dir, --zoo or --models');
  if (argv.includes('--zoo')) {
    for (const m of ['cnn_tiny', 'cnn_small']) push({ name: m, group: 'zoo', spec: { model: m, batch: 1 } });
    for (const fam of ['mobilenet_v1', 'shufflenet'])
      for (const c of familyConfigs(fam, { resScale })) push({ name: c.label, group: fam, spec: c.spec });
  }
  const log = (s: string) => console.error(`predictor-eval: ${s}`);
  const rt = await Runtime.create();
  const graphs: Graph[] = models.map((m) => buildModel(m.spec));
  const load0 = loadavg();
  // the table's older graph (no glue passes) only where its layers differ from the compiled graph's
  const glueSigs = new Set(
    graphs.flatMap((g) => {
      const h = inferenceGraph(g, true);
      return timedNodes(h).map((n) => layerSignature(h, n));
    }),
  );
  const differs = graphs.filter((g) => {
    const h = inferenceGraph(g, false);
    return timedNodes(h).some((n) => !glueSigs.has(layerSignature(h, n)));
  });
  const timers = {
    glue: await LayerTimer.create(rt, graphs, 'cached', true),
    noglue: await LayerTimer.create(rt, differs, 'cached', false),
  };
  log(
    `${models.length} models; layers alone: ${timers.glue.size} (glue); ${differs.length} models differ without glue (${timers.noglue.size} layers)`,
  );
  const compiled: { model: CompiledGraph; inputs: Float32Array[]; wall: number[]; cpu: number[]; ingraph: number[] }[] = [];
  try {
    for (const g of graphs) {
      const model = await compile(rt, g);
      const inputs = sampleInput(g);
      await model.run(inputs);
      await model.run(inputs);
      compiled.push({ model, inputs, wall: [], cpu: [], ingraph: [] });
    }
    for (let r = 0; r < rounds; r++) {
      // rotate the start so no model is always first after the layer rounds
      for (let k = 0; k < compiled.length; k++) {
        const m = compiled[(k + r) % compiled.length];
        const c0 = cpuNow();
        const t0 = performance.now();
        await m.model.run(m.inputs);
        m.wall.push(performance.now() - t0);
        m.cpu.push(cpuNow() - c0);
      }
      await timers.glue.round();
      await timers.noglue.round();
      for (const m of compiled) {
        const p = await m.model.profile(m.inputs);
        m.ingraph.push(p.nodes.reduce((s, x) => s + x.ms, 0));
      }
      log(`round ${r + 1}/${rounds} (load ${loadavg()[0].toFixed(2)})`);
    }
    const layerTimes = (t: LayerTimer) => Object.fromEntries(t.raw().map((l) => [l.sig, l]));
    const result = {
      schema: 'slimgpu-predictor-eval/1',
      adapter: rt.ctx.adapter,
      rounds,
      res_scale: resScale,
      load: { start: load0, end: loadavg() },
      layers: { glue: layerTimes(timers.glue), noglue: layerTimes(timers.noglue) },
      models: models.map((m, i) => {
        const sigs = (glue: boolean) => {
          const g = inferenceGraph(graphs[i], glue);
          return timedNodes(g).map((n) => layerSignature(g, n));
        };
        return {
          ...m,
          dispatches: compiled[i].model.dispatchCount,
          layers_glue: sigs(true),
          layers_noglue: sigs(false),
          wall: compiled[i].wall,
          cpu: compiled[i].cpu,
          ingraph: compiled[i].ingraph,
        };
      }),
    };
    writeFileSync(out, JSON.stringify(result));
    log(`wrote ${out}`);
  } finally {
    compiled.forEach((m) => m.model.destroy());
    timers.glue.destroy();
    timers.noglue.destroy();
    rt.destroy();
  }
  return 0;
}

if (process.argv[1]?.endsWith('predictor_eval.mjs')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`predictor-eval: ${e instanceof Error ? e.stack : e}`);
      process.exit(1);
    },
  );
}
