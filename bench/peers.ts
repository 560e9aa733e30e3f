// Side-by-side benchmark: slimgpu and peer engines (TensorFlow.js WebGPU, onnxruntime-web WebGPU and WASM) on
// the same network, the same weights and the same input, in the same process and on the same adapter.
// Works in Node (Dawn) and in a browser page; the engine loaders decide how each peer is reached.
//
// Protocol per model:
//   1. cold start per engine: from "load" (compile / session creation / weight upload) to the first output,
//      shader compilation and pipeline creation included (engines share no caches with each other; within an
//      engine, kernels compiled for an earlier model stay cached, as in any real application);
//   2. `warmup` untimed runs each;
//   3. `runs` rounds, each running every engine once in turn (interleaved, so load from other processes on a
//      shared machine hits all engines alike); median, min, max and p90 per engine;
//   4. every peer's output is compared with ours (max abs and relative difference): apples to apples.

import { compile } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { buildModel, type ModelSpec } from '../src/models/zoo.js';
import type { Runtime } from '../src/runtime/runtime.js';
import type { TuneMode } from '../src/runtime/tuner.js';
import { optimizeForInference } from '../src/graph/passes.js';
import { nodeBytes } from './roofline.js';
import { installGpuMemoryTracker, markGpuMemory } from './gpu_memory.js';
import { median, modelLabel, round, sampleInput } from '../src/models/measure.js';

/** One model loaded in one engine. */
export interface EngineModel {
  run(input: Float32Array): Promise<Float32Array>;
  /** GPU bytes the engine itself says it holds for the model (null when it cannot tell). */
  gpuBytes(): number | null;
  dispose(): void | Promise<void>;
}

/** A user's ONNX file as the network: what ORT loads instead of our export of `graph`. */
export interface OnnxSource {
  bytes: Uint8Array;
  /** the one graph input (ONNX layout, float32) and the output compared with ours */
  inputName: string;
  inputShape: number[];
  outputName: string;
}

export interface Engine {
  /** 'slimgpu', 'tfjs-webgpu', 'ort-webgpu', 'ort-wasm' */
  name: string;
  version: string;
  /** `onnx`: the network is this ONNX file (`graph` is our import of it); engines that cannot take one throw. */
  load(graph: Graph, onnx?: OnnxSource): Promise<EngineModel>;
}

/** One network to compare: a zoo model (built from `spec`) or an imported ONNX file (`onnx`). */
export interface BenchNetwork {
  label: string;
  spec: ModelSpec;
  batch: number;
  graph: Graph;
  input: Float32Array;
  onnx?: OnnxSource;
}

export interface EngineResult {
  engine: string;
  version: string;
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  p90_ms: number;
  first_run_ms: number;
  gflops: number;
  /** achieved GB/s over the model's minimum traffic (ModelResult.traffic_bytes) */
  gbps: number;
  images_per_s: number;
  /**
   * Peak GPU buffer bytes of this engine for this model: counted by wrapping createBuffer/destroy (gpu_memory.ts)
   * over load + first run + warm-up, the same for every engine; null for CPU engines or without the wrapper.
   */
  peak_gpu_bytes: number | null;
  /** what the engine itself reports (slimgpu: planned buffers; tfjs: its buffer manager), when it can */
  engine_reported_gpu_bytes: number | null;
  /** vs slimgpu's output (0 for slimgpu itself) */
  max_abs_diff: number;
  max_rel_diff: number;
  /** slimgpu's entry only: its median over the peer's (as on ModelResult) */
  ratio_vs_tfjs?: number | null;
  ratio_vs_ort?: number | null;
  error?: string;
}

export interface ModelResult {
  model: string;
  spec: ModelSpec;
  batch: number;
  macs: number;
  params: number;
  /** bytes every layer of the inference graph must read and write at least once (f32) */
  traffic_bytes: number;
  engines: Record<string, EngineResult>;
  /** our median / peer median: < 1 means we are faster (target ≤ 1/3 vs tfjs, ≤ 1/2 vs ORT WebGPU) */
  ratio_vs_tfjs: number | null;
  ratio_vs_ort: number | null;
  ratio_vs_ort_wasm: number | null;
  /** our cold start / tfjs's cold start (target ≤ 1) */
  cold_start_ratio_vs_tfjs: number | null;
}

export function slimgpuEngine(rt: Runtime, tune: TuneMode = 'cached', version = '0.1.0'): Engine {
  return {
    name: 'slimgpu',
    version,
    async load(graph) {
      const m = await compile(rt, graph, { tune });
      return {
        run: async (x) => (await m.run([x]))[0],
        gpuBytes: () => m.peakGpuBytes,
        dispose: () => m.destroy(),
      };
    },
  };
}

function diff(ours: Float32Array, theirs: Float32Array): { abs: number; rel: number } {
  if (ours.length !== theirs.length) return { abs: Infinity, rel: Infinity };
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < ours.length; i++) {
    abs = Math.max(abs, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(ours[i]));
  }
  return { abs, rel: abs / Math.max(scale, 1e-30) };
}

const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.9 * xs.length) - 1)];

export interface PeerBenchOptions {
  runs?: number;
  warmup?: number;
  /** called with progress lines (the page shows them; the CLI prints them to stderr) */
  log?: (line: string) => void;
}

/** Benchmark one model on every engine; `engines[0]` must be slimgpu (the reference for diffs and ratios). */
export async function benchModel(spec: ModelSpec, engines: Engine[], opts: PeerBenchOptions = {}): Promise<ModelResult> {
  const graph = buildModel(spec);
  const [input] = sampleInput(graph);
  return benchNetwork({ label: modelLabel(spec), spec, batch: spec.batch ?? 1, graph, input }, engines, opts);
}

/** Benchmark one network on every engine; `engines[0]` must be slimgpu (the reference for diffs and ratios). */
export async function benchNetwork(net: BenchNetwork, engines: Engine[], opts: PeerBenchOptions = {}): Promise<ModelResult> {
  const runs = opts.runs ?? 5;
  const warmup = opts.warmup ?? 1;
  const log = opts.log ?? (() => {});
  const { graph, input, label, spec } = net;
  const macs = graph.macs();
  const inference = optimizeForInference(graph).graph;
  const traffic = inference.nodes.reduce((a, n) => a + nodeBytes(inference, n.name), 0);
  type Live = {
    e: Engine;
    m: EngineModel | null;
    first: number;
    out: Float32Array | null;
    times: number[];
    gpu: number | null;
    peak: number | null;
    error?: string;
  };
  const live: Live[] = [];
  installGpuMemoryTracker();
  for (const e of engines) {
    const l: Live = { e, m: null, first: 0, out: null, times: [], gpu: null, peak: null };
    live.push(l);
    try {
      const peak = markGpuMemory();
      const t0 = performance.now();
      l.m = await e.load(graph, net.onnx);
      l.out = await l.m.run(input);
      l.first = performance.now() - t0;
      log(`${label} ${e.name}: cold start ${l.first.toFixed(0)} ms`);
      for (let i = 0; i < warmup; i++) await l.m.run(input);
      l.peak = peak && e.name !== 'ort-wasm' ? peak() : null;
    } catch (err) {
      l.error = (err as Error).message ?? String(err);
      log(`${label} ${e.name}: FAILED ${l.error}`);
      l.m = null;
    }
  }
  for (let r = 0; r < runs; r++) {
    for (const l of live) {
      if (!l.m) continue;
      const t0 = performance.now();
      await l.m.run(input);
      l.times.push(performance.now() - t0);
    }
    log(
      `${label} round ${r + 1}/${runs}: ${live.map((l) => `${l.e.name} ${l.times.length ? l.times[l.times.length - 1].toFixed(1) : '-'} ms`).join(', ')}`,
    );
  }
  const ours = live[0].out;
  const results: Record<string, EngineResult> = {};
  for (const l of live) {
    l.gpu = l.m?.gpuBytes() ?? null;
    if (l.m) await l.m.dispose();
    const med = l.times.length ? median(l.times) : NaN;
    const d = ours && l.out ? diff(ours, l.out) : { abs: NaN, rel: NaN };
    results[l.e.name] = {
      engine: l.e.name,
      version: l.e.version,
      runs: l.times.length,
      median_ms: round(med),
      min_ms: round(Math.min(...l.times)),
      max_ms: round(Math.max(...l.times)),
      p90_ms: l.times.length ? round(p90(l.times)) : NaN,
      first_run_ms: round(l.first),
      gflops: round((2 * macs) / (med * 1e6)),
      gbps: round(traffic / (med * 1e6)),
      images_per_s: round((net.batch * 1000) / med),
      peak_gpu_bytes: l.peak,
      engine_reported_gpu_bytes: l.gpu,
      max_abs_diff: d.abs,
      max_rel_diff: Number(d.rel.toPrecision(3)),
      ...(l.error ? { error: l.error } : {}),
    };
  }
  const ratio = (peer: string, key: 'median_ms' | 'first_run_ms' = 'median_ms') => {
    const a = results[engines[0].name]?.[key];
    const b = results[peer]?.[key];
    return a && b && Number.isFinite(a) && Number.isFinite(b) ? round(a / b) : null;
  };
  const oursResult = results[engines[0].name];
  if (oursResult) {
    oursResult.ratio_vs_tfjs = ratio('tfjs-webgpu');
    oursResult.ratio_vs_ort = ratio('ort-webgpu');
  }
  return {
    model: label,
    spec,
    batch: net.batch,
    macs,
    params: graph.paramCount(),
    traffic_bytes: traffic,
    engines: results,
    ratio_vs_tfjs: ratio('tfjs-webgpu'),
    ratio_vs_ort: ratio('ort-webgpu'),
    ratio_vs_ort_wasm: ratio('ort-wasm'),
    cold_start_ratio_vs_tfjs: ratio('tfjs-webgpu', 'first_run_ms'),
  };
}

/**
 * Measure kernel variants for `spec` on this adapter (Tuner 'measure', which stores its choices: localStorage in
 * a browser, .cache/slimgpu/tune.json in Node) on a separate, throw-away runtime, so that a following benchmark
 * in 'cached' mode uses the measured choices while its cold start still compiles every pipeline itself.
 */
export async function pretune(spec: ModelSpec, createRuntime: () => Promise<Runtime>): Promise<void> {
  const rt = await createRuntime();
  try {
    const m = await compile(rt, buildModel(spec), { tune: 'measure' });
    m.destroy();
  } finally {
    rt.destroy();
  }
}

/** The models issue 2 and issue 6 name: fp32 MobileNetV1 1.0-224, MobileNetV2 1.0-224, ShuffleNet 1× g=3, batch 1. */
export const CORE_SUITE: ModelSpec[] = [
  { model: 'mobilenet_v1', alpha: 1, res: 224, batch: 1 },
  { model: 'mobilenet_v2', alpha: 1, res: 224, batch: 1 },
  { model: 'shufflenet', groups: 3, scale: 1, res: 224, batch: 1 },
];

/** A plain-text table of results (the CLI's and the page's summary). */
export function formatTable(models: ModelResult[]): string {
  const engines = [...new Set(models.flatMap((m) => Object.keys(m.engines)))];
  const head = ['model', ...engines.map((e) => `${e} ms`), ...engines.map((e) => `${e} cold ms`), 'ours/tfjs', 'ours/ort', 'GFLOP/s ours'];
  const rows = models.map((m) => [
    `${m.model} ×${m.batch}`,
    ...engines.map((e) => (m.engines[e] ? (m.engines[e].error ? 'fail' : m.engines[e].median_ms.toFixed(1)) : '-')),
    ...engines.map((e) => (m.engines[e] && !m.engines[e].error ? m.engines[e].first_run_ms.toFixed(0) : '-')),
    m.ratio_vs_tfjs?.toFixed(3) ?? '-',
    m.ratio_vs_ort?.toFixed(3) ?? '-',
    m.engines.slimgpu ? m.engines.slimgpu.gflops.toFixed(2) : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
