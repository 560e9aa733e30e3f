// The per-layer latency table of an adapter (FBNet-style): every distinct layer of the inference graph — its op
// (which names the precision: conv2d, conv2d_int8, conv2d_xnor, …), input/weight/output shapes and dtypes, and
// attributes (kernel, stride, groups, padding, fused activation) — timed alone on the GPU with timestamp queries.
// Kept per adapter like the tuner's choices: .cache/slimgpu/latency.json (or $SLIMGPU_CACHE_DIR) in Node,
// localStorage in browsers. End-to-end measurements (for the predictor's overhead fit) are kept beside it.

import { compile } from '../graph/executor.js';
import { Graph, tensorBytes, type Node } from '../graph/ir.js';
import { optimizeForInference } from '../graph/passes.js';
import { getOp } from '../ops/registry.js';
import { sampleInput } from '../models/measure.js';
import { isNode } from '../runtime/device.js';
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
}

export interface EndToEndSample {
  key: string;
  label: string;
  f: ModelFeatures;
  ms: number;
}

interface AdapterStore {
  layers: Record<string, LayerEntry>;
  /** end-to-end medians, by model key (label|precision|batch) */
  models: Record<string, EndToEndSample>;
}

type Store = Record<string, AdapterStore>;

const STORAGE_KEY = 'slimgpu.latency';

async function nodeFs(): Promise<{ fs: typeof import('node:fs'); path: typeof import('node:path') }> {
  const a = 'node:fs';
  const b = 'node:path';
  return { fs: await import(/* @vite-ignore */ a), path: await import(/* @vite-ignore */ b) };
}

export function adapterKey(rt: Runtime): string {
  const a = rt.ctx.adapter;
  return `${a.vendor}|${a.architecture}|${a.device}|${a.description}|${a.runtime}`;
}

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
    readonly opts: { tune?: TuneMode; repeats?: number; persist?: boolean } = {},
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

  private async cacheFile(): Promise<string> {
    const { path } = await nodeFs();
    const dir = process.env.SLIMGPU_CACHE_DIR ?? path.join(process.cwd(), '.cache', 'slimgpu');
    return path.join(dir, 'latency.json');
  }

  async load(): Promise<this> {
    if (this.loaded || this.opts.persist === false) return this;
    this.loaded = true;
    try {
      if (isNode()) {
        const { fs } = await nodeFs();
        const f = await this.cacheFile();
        if (fs.existsSync(f)) this.store = JSON.parse(fs.readFileSync(f, 'utf8'));
      } else if (typeof localStorage !== 'undefined') {
        this.store = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
      }
    } catch {
      this.store = {}; // a corrupt cache only costs a re-measurement
    }
    return this;
  }

  async save(): Promise<void> {
    if (this.opts.persist === false) return;
    const text = JSON.stringify(this.store);
    if (isNode()) {
      const { fs, path } = await nodeFs();
      const f = await this.cacheFile();
      fs.mkdirSync(path.dirname(f), { recursive: true });
      const tmp = `${f}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, f);
    } else if (typeof localStorage !== 'undefined') {
      localStorage.setItem(STORAGE_KEY, text);
    }
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
      const g = optimizeForInference(graph).graph;
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
          models.push({ x, model, inputs, best: Infinity });
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
          layers[m.x.sig] = { op: m.x.n.op, ms: m.best, macs: macsOf(m.x.g, m.x.n), bytes: bytesOf(m.x.g, m.x.n), how: 'isolated' };
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
        for (let r = 0; r < repeats; r++) {
          const p = await model.profile(inputs);
          for (const x of p.nodes) best.set(x.name, Math.min(best.get(x.name) ?? Infinity, x.ms));
        }
        for (const n of timedNodes(g)) {
          const sig = layerSignature(g, n);
          if (!want.has(sig) || layers[sig] || !best.has(n.name)) continue;
          layers[sig] = { op: n.op, ms: best.get(n.name)!, macs: macsOf(g, n), bytes: bytesOf(g, n), how: 'in-model' };
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
    const g = optimizeForInference(graph).graph;
    let ms = 0;
    let sm = 0;
    const nodes = timedNodes(g);
    for (const n of nodes) {
      const e = this.layers[layerSignature(g, n)];
      if (smooth) sm += smooth.predict(n.op, macsOf(g, n), bytesOf(g, n));
      if (!e) {
        if (smooth) continue;
        throw new Error(`latency table has no entry for layer '${n.name}' (${layerSignature(g, n)}); measure the model first`);
      }
      ms += e.ms;
    }
    return { layer_ms: ms, smoothed_ms: sm, layers: nodes.length };
  }

  recordModel(s: EndToEndSample): void {
    this.models[s.key] = s;
  }
}
