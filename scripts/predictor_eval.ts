// Raw measurements for judging the latency predictor (issue 15): every model compiled whole, every distinct layer
// compiled alone, then interleaved rounds; each round runs every model once (wall clock and process CPU time of
// run()), profiles every distinct layer once (timestamps; the table's graph with and without the glue passes)
// and profiles every whole model once (Σ of its nodes' timestamps: the same layers in the graph). The raw
// per-round figures go to a JSON file; the fits are made from it (src/scale/predictor.ts, `--fit`).
//
//   npm run predictor-eval -- --search-dir /work/main/docs/results/search/full --zoo --rounds 15 --out FILE.json
//
// --search-dir D  the candidates of a search (D/candidates/*.json, batch 1) and cnn_small (its baseline), with
//                 the latency ratios the search measured (kept in the output beside ours)
// --zoo           cnn_tiny, cnn_small, and the MobileNetV1 and ShuffleNet grids at --res-scale (default 0.25)
// --rounds N      interleaved rounds (default 15)

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { compile, type CompiledGraph } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { sampleInput } from '../src/models/measure.js';
import { buildModel } from '../src/models/zoo.js';
import type { ModelSpec } from '../src/models/zoo.js';
import { Runtime } from '../src/runtime/runtime.js';
import { familyConfigs } from '../src/scale/configs.js';
import { cpuNow, inferenceGraph, LayerTimer, layerSignature, timedNodes } from '../src/scale/latency_table.js';

interface ModelIn {
  name: string;
  group: string;
  spec: ModelSpec;
  search_ratio?: number;
  search_ms?: number;
  search_baseline_ms?: number;
}

function arg(argv: string[], k: string): string | undefined {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<number> {
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
  log(`${models.length} models; layers alone: ${timers.glue.size} (glue); ${differs.length} models differ without glue (${timers.noglue.size} layers)`);
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
