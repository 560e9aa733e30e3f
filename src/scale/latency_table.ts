// The per-layer latency table of an adapter (FBNet-style): every distinct layer of the inference graph — its op
// (which names the precision: conv2d, conv2d_int8, conv2d_xnor, …), input/weight/output shapes and dtypes, and
// attributes (kernel, stride, groups, padding, fused activation) — timed alone on the GPU with timestamp queries.
// Kept per adapter like the tuner's choices (runtime/adapter_cache.ts: .cache/slimgpu/latency.json in Node,
// localStorage in browsers). End-to-end measurements (for the predictor's overhead fit) are kept beside it.

import { compile, type CompiledGraph } from '../graph/executor.js';
import { Graph, tensorBytes, type Node } from '../graph/ir.js';
import { optimizeForInference } from '../graph/passes.js';
import { getOp } from '../ops/registry.js';
import { sampleInput } from '../models/measure.js';
import { adapterKey, readAdapterCache, writeAdapterCache } from '../runtime/adapter_cache.js';
import type { Runtime } from '../runtime/runtime.js';
import type { TuneMode } from '../runtime/tuner.js';
import { LayerCostModel, type ModelFeatures } from './predictor.js';

export interface LayerEntry {
  op: string;
  ms: number;
  macs: number;
  /** bytes the layer reads and writes (inputs, weights, outputs) */
  bytes: number;
  /** 'isolated': the layer compiled and profiled alone; 'in-model': profiled inside its model (packed edges) */
  how: 'isolated' | 'in-model';
  /** kernels the layer launches (absent in older tables: 1) */
  dispatches?: number;
}

export interface EndToEndSample {
  key: string;
  label: string;
  f: ModelFeatures;
  ms: number;
  /** the reference model's time in the same interleaved rounds (absent in older records: a lone absolute time) */
  base_ms?: number;
  /** the reference model's label (predictor.ts ratioSamples) */
  base?: string;
  /** when it was measured (ISO) */
  date?: string;
}

interface AdapterStore {
  layers: Record<string, LayerEntry>;
  /** end-to-end medians, by model key (label|precision|batch) */
  models: Record<string, EndToEndSample>;
}

type Store = Record<string, AdapterStore>;

function stableAttrs(attrs: Node['attrs']): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${Array.isArray(attrs[k]) ? (attrs[k] as number[]).join(',') : attrs[k]}`)
    .join(';');
}

/** The table key of a node of an (optimized) inference graph. */
export function layerSignature(g: Graph, n: Node): string {
  const t = (id: number) => `${g.tensors[id].role === 'param' ? 'w' : 'x'}${g.shape(id).join('x')}:${g.tensors[id].dtype}`;
  return `${n.op}|${n.inputs.map(t).join(',')}|${n.outputs.map(t).join(',')}|${stableAttrs(n.attrs)}`;
}

/**
 * The inference graph whose layers the table keys: the one `compile` runs (optimizeForInference with the glue
 * passes, compile's default). `glue: false` is the older table's graph (batch-norm folded, activations and
 * shuffles fused, but no fused elementwise kernels): its layers are not the compiled graph's where glue fuses.
 */
export function inferenceGraph(graph: Graph, glue = true): Graph {
  return optimizeForInference(graph, { glue }).graph;
}

/** The layers of an inference graph that dispatch work (views such as reshape cost nothing). */
export function timedNodes(g: Graph): Node[] {
  return g.nodes.filter((n) => {
    const def = getOp(n.op);
    return !def.view && !!def.plan;
  });
}

export function macsOf(g: Graph, n: Node): number {
  return (
    getOp(n.op).macs?.(
      n.inputs.map((t) => g.shape(t)),
      n.outputs.map((t) => g.shape(t)),
      n.attrs,
    ) ?? 0
  );
}

export function bytesOf(g: Graph, n: Node): number {
  return [...n.inputs, ...n.outputs].reduce((s, t) => s + tensorBytes(g.shape(t), g.dtype(t)), 0);
}

/** A graph holding `n` alone, with its parameters; null when an edge is packed (q8/b1: compile wants f32 edges). */
function isolate(g: Graph, n: Node): Graph | null {
  const h = new Graph();
  const ins: number[] = [];
  for (const id of n.inputs) {
    const d = g.tensors[id];
    if (d.role === 'param' && d.raw) ins.push(h.addRawParam(d.name, d.shape, d.raw));
    else if (d.role === 'param' && d.data) ins.push(h.addParam(d.name, d.shape, d.data));
    else if (d.role === 'state') ins.push(h.addState(d.name, d.shape, d.data ? new Float32Array(d.data) : undefined));
    else if (d.dtype === 'f32') ins.push(h.addInput(d.name, d.shape));
    else return null;
  }
  const outs = h.add(n.op, ins, n.attrs, n.name);
  for (const o of outs) {
    if (h.dtype(o) !== 'f32') return null;
    h.markOutput(o);
  }
  return h;
}

export class LatencyTable {
  private store: Store = {};
  private loaded = false;
  readonly key: string;

  constructor(
    private rt: Runtime,
    readonly opts: { tune?: TuneMode; repeats?: number; persist?: boolean; glue?: boolean } = {},
  ) {
    this.key = adapterKey(rt);
  }

  private get mine(): AdapterStore {
    return (this.store[this.key] ??= { layers: {}, models: {} });
  }

  get layers(): Record<string, LayerEntry> {
    return this.mine.layers;
  }

  get models(): Record<string, EndToEndSample> {
    return this.mine.models;
  }

  /** The cache file: 'latency', or 'latency-measure' for a table timed with the tuner's measured kernels (its layer
   *  times differ from the static choices', so the two are never mixed). */
  private get cacheName(): string {
    return this.opts.tune === 'measure' ? 'latency-measure' : 'latency';
  }

  async load(): Promise<this> {
    if (this.loaded || this.opts.persist === false) return this;
    this.loaded = true;
    this.store = await readAdapterCache(this.cacheName);
    return this;
  }

  async save(): Promise<void> {
    if (this.opts.persist !== false) await writeAdapterCache(this.cacheName, this.store);
  }

  /** Times every layer of `graph` (an inference graph, any precision) the table lacks. Returns how many were new. */
  measure(graph: Graph): Promise<number> {
    return this.measureAll([graph]);
  }

  /**
   * Times every layer of these graphs that the table lacks, each distinct layer once. Each layer is compiled
   * alone and profiled in `repeats` rounds that go over all the layers in turn, keeping each layer's fastest
   * round: on a machine shared with other work, a burst of load then spoils one round of many layers rather
   * than every sample of a few. Layers between packed tensors (int8/XNOR chains) are profiled inside their model.
   */
  async measureAll(graphs: Graph[]): Promise<number> {
    const layers = this.layers;
    const repeats = this.opts.repeats ?? 3;
    const tune = this.opts.tune ?? 'cached';
    const isolated: { sig: string; n: Node; g: Graph; h: Graph }[] = [];
    const inModel = new Map<Graph, Set<string>>();
    const seen = new Set<string>();
    for (const graph of graphs) {
      const g = inferenceGraph(graph, this.opts.glue);
      for (const n of timedNodes(g)) {
        const sig = layerSignature(g, n);
        if (layers[sig] || seen.has(sig)) continue;
        seen.add(sig);
        const h = isolate(g, n);
        if (h) isolated.push({ sig, n, g, h });
        else {
          if (!inModel.has(g)) inModel.set(g, new Set());
          inModel.get(g)!.add(sig);
        }
      }
    }
    const CHUNK = 64; // compiled layers alive at once
    for (let start = 0; start < isolated.length; start += CHUNK) {
      const part = isolated.slice(start, start + CHUNK);
      const models = [];
      try {
        for (const x of part) {
          const model = await compile(this.rt, x.h, { fuse: false, tune });
          const inputs = sampleInput(x.h);
          models.push({ x, model, inputs, best: Infinity, dispatches: model.dispatchCount });
          await model.run(inputs); // first use: pipelines
        }
        for (let r = 0; r < repeats; r++) {
          for (const m of models) {
            const p = await m.model.profile(m.inputs);
            m.best = Math.min(
              m.best,
              p.nodes.reduce((s, x) => s + x.ms, 0),
            );
          }
        }
        for (const m of models)
          layers[m.x.sig] = {
            op: m.x.n.op,
            ms: m.best,
            macs: macsOf(m.x.g, m.x.n),
            bytes: bytesOf(m.x.g, m.x.n),
            how: 'isolated',
            dispatches: m.dispatches,
          };
      } finally {
        models.forEach((m) => m.model.destroy());
      }
    }
    for (const [g, want] of inModel) {
      const model = await compile(this.rt, g, { fuse: false, tune });
      try {
        const inputs = sampleInput(g);
        await model.run(inputs);
        const best = new Map<string, number>();
        const kernels = new Map<string, number>();
        for (let r = 0; r < repeats; r++) {
          const p = await model.profile(inputs);
          for (const x of p.nodes) {
            best.set(x.name, Math.min(best.get(x.name) ?? Infinity, x.ms));
            kernels.set(x.name, x.kernels.length);
          }
        }
        for (const n of timedNodes(g)) {
          const sig = layerSignature(g, n);
          if (!want.has(sig) || layers[sig] || !best.has(n.name)) continue;
          layers[sig] = {
            op: n.op,
            ms: best.get(n.name)!,
            macs: macsOf(g, n),
            bytes: bytesOf(g, n),
            how: 'in-model',
            dispatches: kernels.get(n.name),
          };
        }
      } finally {
        model.destroy();
      }
    }
    if (seen.size) await this.save();
    return seen.size;
  }

  /**
   * Σ over the model's layers of the table's times, and of the per-op cost model fitted on the table (`smooth`,
   * which also covers layers the table lacks). Without `smooth`, a layer missing from the table is an error.
   */
  features(graph: Graph, smooth?: LayerCostModel): ModelFeatures & { smoothed_ms: number } {
    const g = inferenceGraph(graph, this.opts.glue);
    let ms = 0;
    let sm = 0;
    let dispatches = 0;
    const nodes = timedNodes(g);
    for (const n of nodes) {
      const e = this.layers[layerSignature(g, n)];
      if (smooth) sm += smooth.predict(n.op, macsOf(g, n), bytesOf(g, n));
      if (!e) {
        if (smooth) continue;
        throw new Error(`latency table has no entry for layer '${n.name}' (${layerSignature(g, n)}); measure the model first`);
      }
      ms += e.ms;
      dispatches += e.dispatches ?? 1;
    }
    return { layer_ms: ms, smoothed_ms: sm, layers: nodes.length, dispatches };
  }

  recordModel(s: EndToEndSample): void {
    this.models[s.key] = s;
  }

  /** Sets entries measured elsewhere (LayerTimer: interleaved with end-to-end runs). */
  setLayers(entries: Map<string, LayerEntry>): void {
    for (const [sig, e] of entries) this.layers[sig] = e;
  }
}

/**
 * The distinct isolatable layers of some graphs, each compiled alone, timed one round at a time so that a caller
 * can interleave the rounds with end-to-end runs of the whole models: both then see the same load. Every round
 * profiles every layer once (GPU time from timestamps); `entries()` keeps each layer's fastest round (load from
 * elsewhere only ever adds time). Layers with packed edges are left out (`skipped`): LatencyTable.measureAll
 * times those inside their model.
 */
/** Process CPU time (user + system, every thread: SwiftShader's workers too) in ms; NaN outside Node. */
export function cpuNow(): number {
  if (typeof process === 'undefined' || typeof process.cpuUsage !== 'function') return NaN;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export class LayerTimer {
  private constructor(
    private layers: { sig: string; n: Node; g: Graph; model: CompiledGraph; inputs: Float32Array[]; times: number[]; cpu: number[] }[],
    readonly skipped: number,
  ) {}

  static async create(rt: Runtime, graphs: Graph[], tune: TuneMode = 'cached', glue = true): Promise<LayerTimer> {
    const seen = new Set<string>();
    const layers: LayerTimer['layers'] = [];
    let skipped = 0;
    try {
      for (const graph of graphs) {
        const g = inferenceGraph(graph, glue);
        for (const n of timedNodes(g)) {
          const sig = layerSignature(g, n);
          if (seen.has(sig)) continue;
          seen.add(sig);
          const h = isolate(g, n);
          if (!h) {
            skipped++;
            continue;
          }
          const model = await compile(rt, h, { fuse: false, tune });
          const inputs = sampleInput(h);
          layers.push({ sig, n, g, model, inputs, times: [], cpu: [] });
          await model.run(inputs); // first use: pipelines
        }
      }
    } catch (e) {
      layers.forEach((l) => l.model.destroy());
      throw e;
    }
    return new LayerTimer(layers, skipped);
  }

  get size(): number {
    return this.layers.length;
  }

  /** Profiles every layer once (and, in Node, the process CPU time the whole profile() call took). */
  async round(): Promise<void> {
    for (const l of this.layers) {
      const c0 = cpuNow();
      const p = await l.model.profile(l.inputs);
      l.cpu.push(cpuNow() - c0);
      l.times.push(p.nodes.reduce((s, x) => s + x.ms, 0));
    }
  }

  /** Σ over these layer signatures of each layer's fastest CPU time (ms); NaN without process.cpuUsage. */
  cpuSum(sigs: string[]): number {
    const by = new Map(this.layers.map((l) => [l.sig, Math.min(...l.cpu)]));
    return sigs.reduce((s, sig) => s + (by.get(sig) ?? NaN), 0);
  }

  /** Every layer's raw rounds: GPU ms (timestamps) and process CPU ms per round, with its op, MACs, bytes. */
  raw(): { sig: string; op: string; macs: number; bytes: number; dispatches: number; times: number[]; cpu: number[] }[] {
    return this.layers.map((l) => ({
      sig: l.sig,
      op: l.n.op,
      macs: macsOf(l.g, l.n),
      bytes: bytesOf(l.g, l.n),
      dispatches: l.model.dispatchCount,
      times: [...l.times],
      cpu: [...l.cpu],
    }));
  }

  /** Each layer's entry from the rounds `pick` selects (default all), at their fastest. */
  entries(pick: (round: number) => boolean = () => true): Map<string, LayerEntry> {
    const out = new Map<string, LayerEntry>();
    for (const l of this.layers) {
      const ts = l.times.filter((_, r) => pick(r));
      out.set(l.sig, {
        op: l.n.op,
        ms: Math.min(...ts),
        macs: macsOf(l.g, l.n),
        bytes: bytesOf(l.g, l.n),
        how: 'isolated',
        dispatches: l.model.dispatchCount,
      });
    }
    return out;
  }

  destroy(): void {
    this.layers.forEach((l) => l.model.destroy());
  }
}
