// Measuring a model: cold start (compile + first inference, pipelines included), then the median of timed runs,
// peak GPU memory and a checksum of the output. Shared by the CLI, `npm run bench` and the bench page.

import { compile, type CompiledGraph, type NodeProfile } from '../graph/executor.js';
import { optimizeForInference } from '../graph/passes.js';
import type { Graph } from '../graph/ir.js';
import { buildModel, defaultResolution, type ModelSpec } from './zoo.js';
import type { Runtime } from '../runtime/runtime.js';
import type { TuneMode } from '../runtime/tuner.js';
import { seededRandom } from './builder.js';

export interface RunRecord extends GraphTiming {
  adapter: Runtime['ctx']['adapter'];
  model: string;
  spec: ModelSpec;
  batch: number;
  res: number;
  params: number;
  params_train: number;
  images_per_s: number;
  /** from `prepare` (compression): precision, model_bytes, fp32_model_bytes, compression_ratio, ... */
  [extra: string]: unknown;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Position-weighted sum: equal outputs give equal checksums; permuted or perturbed outputs do not. */
export function checksum(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * ((i % 7) + 1);
  return Number(s.toPrecision(7));
}

export function sampleInput(g: Graph, seed = 7): Float32Array[] {
  const r = seededRandom(seed);
  return g.inputs.map((t) => {
    const n = g.shape(t).reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
    return a;
  });
}

export function modelLabel(spec: ModelSpec): string {
  switch (spec.model) {
    case 'mobilenet_v1':
    case 'mobilenet_v2':
      return `${spec.model} ${spec.alpha ?? 1}-${spec.res ?? 224}`;
    case 'shufflenet':
      return `shufflenet ${spec.scale ?? 1}x g=${spec.groups ?? 3}`;
    case 'efficientnet':
      return `efficientnet-b${spec.phi ?? 0}`;
    default:
      return spec.model;
  }
}

export async function measureModel(
  rt: Runtime, spec: ModelSpec,
  opts: {
    runs?: number;
    tune?: TuneMode;
    profile?: boolean;
    prepare?: (g: Graph) => Promise<{ graph: Graph; info: Record<string, unknown> }>;
  } = {},
): Promise<RunRecord> {
  // `prepare` (e.g. compression) rewrites the model before compiling; its info joins the record
  const prepared = opts.prepare ? await opts.prepare(buildModel(spec)) : null;
  const graph = prepared?.graph ?? buildModel(spec);
  const res = spec.res ?? defaultResolution(spec);
  const t = await measureGraph(rt, graph, sampleInput(graph), opts);
  const { median_ms, ...timing } = t;
  return {
    adapter: rt.ctx.adapter,
    model: modelLabel(spec),
    spec,
    batch: spec.batch ?? 1,
    res,
    params: optimizeForInference(graph).graph.paramCount(),
    params_train: graph.paramCount(),
    median_ms,
    ...timing,
    images_per_s: round(((spec.batch ?? 1) * 1000) / median_ms),
    ...prepared?.info,
  } as RunRecord;
}

/** What measureGraph reports: timing, memory, dispatches, a checksum of the first output, per-node GPU time. */
export interface GraphTiming {
  macs: number;
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  first_run_ms: number;
  compile_ms: number;
  gflops: number;
  peak_gpu_bytes: number;
  activation_bytes: number;
  param_bytes: number;
  dispatches: number;
  output_checksum: number;
  variants: Record<string, number>;
  profile?: { method: string; nodes: NodeProfile[] };
}

/** Compile `graph`, run it once (cold start), then `runs` timed runs on `inputs`; optionally profile per node. */
export async function measureGraph(
  rt: Runtime,
  graph: Graph,
  inputs: Float32Array[],
  opts: { runs?: number; tune?: TuneMode; profile?: boolean } = {},
): Promise<GraphTiming> {
  const runs = opts.runs ?? 10;
  const t0 = performance.now();
  const model: CompiledGraph = await compile(rt, graph, { tune: opts.tune ?? 'cached' });
  try {
    const compileMs = performance.now() - t0;
    const [first] = await model.run(inputs);
    const firstMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await model.run(inputs);
      times.push(performance.now() - s);
    }
    const macs = graph.macs();
    const med = median(times);
    const variants: Record<string, number> = {};
    for (const v of model.variants.values()) variants[v] = (variants[v] ?? 0) + 1;
    const record: GraphTiming = {
      macs,
      runs,
      median_ms: round(med),
      min_ms: round(Math.min(...times)),
      max_ms: round(Math.max(...times)),
      first_run_ms: round(firstMs),
      compile_ms: round(compileMs),
      gflops: round((2 * macs) / (med * 1e6)),
      peak_gpu_bytes: model.peakGpuBytes,
      activation_bytes: model.activationBytes,
      param_bytes: model.paramBytes,
      dispatches: model.dispatchCount,
      output_checksum: checksum(first),
      variants,
    };
    if (opts.profile) {
      const p = await model.profile(inputs);
      record.profile = { method: p.method, nodes: p.nodes.map((n) => ({ ...n, ms: round(n.ms, 4) })) };
    }
    return record;
  } finally {
    model.destroy();
  }
}

export function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}
