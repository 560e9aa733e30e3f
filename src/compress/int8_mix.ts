// Per-layer precision by measurement: an int8 model must never be slower than its fp32 original on the adapter it
// runs on (issue 13). Where integer arithmetic has no hardware (SwiftShader, older GPUs), some int8 layers lose to
// their fp32 twins; those stay fp32.
//
// 1. measureInt8Layers: every conv layer the int8 kernels can run is compiled twice as a one-layer graph, the fp32
//    conv alone and quantize → int8 conv (→ its channel shuffle) → dequantize, each with the Tuner measuring its
//    kernel variants (the choices land in the tune cache, so the model compiled afterwards runs the same kernels).
//    Then `runs` interleaved rounds of per-node GPU time (timestamp queries; fp32 and int8 graphs alternate, so
//    load on the machine hits both alike); the fastest round per node (as the Tuner: other load only adds time, and
//    on a loaded machine medians of single-layer times swing by 2–10×): fp32 conv, int8 conv, quantize of its
//    input, dequantize of its output.
// 2. chooseLayerPrecision (pure, so tests give it timings): a layer whose int8 kernel is slower than its fp32 kernel
//    stays fp32. Then, repeatedly, each int8 layer is charged the edge conversions the current choice forces on it
//    (a quantize of its input when that is not int8, a dequantize of its output when a float op or the model's
//    output reads it); the layer where int8 + edges exceeds fp32 by the most goes to fp32, until none does.
//    Edges are charged per layer (a quantize shared by two int8 readers is charged to each: conservative).
// 3. Cache: the per-layer timings and the whole-model guard's times are kept per adapter (adapter_cache.ts, cache
//    'int8_mix', as the Tuner's 'tune'), keyed by a content signature of the one-layer graphs (ops, attributes,
//    shapes, dtypes, parameter bytes; node and tensor names left out) and the rounds: a second `run --precision
//    int8` of the same model on the same adapter measures nothing. `cache: false` measures afresh (and refreshes it).
// The chosen fp32 layers go to quantizeGraph as keepFloat: the mixed graph runs those layers exactly as the fp32
// model does and the others exactly as the int8 model does (test/unit/int8_mix.test.ts).

import { compile, type CompiledGraph } from '../graph/executor.js';
import { Graph, type Node } from '../graph/ir.js';
import { attrNum } from '../ops/registry.js';
import { adapterKey, readAdapterCache, writeAdapterCache } from '../runtime/adapter_cache.js';
import type { Runtime } from '../runtime/runtime.js';
import { quantizeGraph, type Int8Options, type TensorStats } from './quantize.js';

/** Fastest-round GPU milliseconds of one layer, fp32 and int8, and the conversions int8 adds at its edges. */
export interface LayerTiming {
  name: string;
  fp32_ms: number;
  int8_ms: number;
  /** quantize of the layer's input (f32 → q8) */
  quant_ms: number;
  /** dequantize of the layer's output (q8 → f32) */
  dequant_ms: number;
  fp32_kernel?: string;
  int8_kernel?: string;
  /** true: read from the adapter's cache (measured in an earlier session), not measured now */
  cached?: boolean;
}

export interface LayerChoice extends LayerTiming {
  precision: 'int8' | 'fp32';
  /** The per-layer choice before the whole-model guard (compress.ts) replaced it, when it did. */
  layer_choice?: 'int8' | 'fp32';
  /** Edge conversions the final choice puts on this layer when int8 (ms). */
  edges_ms: number;
  why: string;
}

const fastest = (xs: number[]) => Math.min(...xs);

/** FNV-1a (32-bit) of `bytes`, continuing from `h`. */
function fnv(bytes: Uint8Array, h: number): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  return h;
}

/**
 * What a graph's timing depends on, as a short string: ops, attributes, edges, tensor shapes, dtypes and roles, and
 * the bytes of every parameter (two FNV-1a hashes); node and tensor names are left out, so the same layer in two
 * models signs alike.
 */
export function graphSignature(g: Graph): string {
  const text = JSON.stringify({
    n: g.nodes.map((n) => [n.op, n.attrs, n.inputs, n.outputs]),
    t: g.tensors.map((t) => [t.shape, t.dtype, t.role]),
    i: g.inputs,
    o: g.outputs,
  });
  const enc = new TextEncoder().encode(text);
  let a = fnv(enc, 2166136261);
  let b = fnv(enc, 0x9747b28c);
  for (const t of g.tensors) {
    const d = t.data ?? t.raw;
    if (!d) continue;
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    a = fnv(bytes, a);
    b = fnv(bytes, b ^ 0x5bd1e995);
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

type MixCache = Record<string, Record<string, Omit<LayerTiming, 'name' | 'cached'> | number[]>>;
const MIX_CACHE = 'int8_mix';

/** Tensors that are int8 (q8) in the quantized graph when exactly the conv layers named in `int8` run int8. */
export function int8Tensors(g: Graph, int8: Set<string>): Set<number> {
  const q = new Set<number>();
  const producer = g.producers();
  for (const n of g.nodes) {
    let isQ = false;
    if (n.op === 'conv2d' || n.op === 'conv2d_bsr') isQ = int8.has(n.name);
    else if (n.op === 'add') isQ = n.inputs.every((t) => q.has(t));
    else if (n.op === 'concat') isQ = n.inputs.some((t) => q.has(t));
    else if (n.op === 'channel_shuffle') isQ = q.has(n.inputs[0]);
    else if (n.op === 'activation' && [1, 2].includes(attrNum(n.attrs, 'act', 0))) {
      isQ = q.has(n.inputs[0]) && producer.get(n.inputs[0])?.op === 'concat'; // folded into the int8 concat
    }
    if (isQ) for (const t of n.outputs) q.add(t);
  }
  return q;
}

/** The edge conversions (ms) layer `n` pays as int8 when the layers in `int8` run int8. */
function edgeCost(g: Graph, n: Node, t: LayerTiming, q: Set<number>, consumers: Map<number, Node[]>): number {
  const y = n.outputs[0];
  const needsQuant = !q.has(n.inputs[0]);
  const needsDequant = g.outputs.includes(y) || (consumers.get(y) ?? []).some((c) => !c.outputs.some((o) => q.has(o)));
  return (needsQuant ? t.quant_ms : 0) + (needsDequant ? t.dequant_ms : 0);
}

/**
 * Which measured layers run int8 (see the header). `timings` has one entry per int8-capable conv layer of the fused
 * float graph `g`, by node name; `forceInt8` keeps every one int8 (the choice is still reported).
 */
export function chooseLayerPrecision(g: Graph, timings: LayerTiming[], forceInt8 = false): LayerChoice[] {
  const byName = new Map(timings.map((t) => [t.name, t]));
  const nodeOf = new Map(g.nodes.filter((n) => byName.has(n.name)).map((n) => [n.name, n]));
  const consumers = g.consumers();
  const why = new Map<string, string>();
  const int8 = new Set<string>();
  for (const t of timings) {
    if (forceInt8 || t.int8_ms <= t.fp32_ms) int8.add(t.name);
    else why.set(t.name, `int8 kernel ${t.int8_ms.toFixed(3)} ms > fp32 ${t.fp32_ms.toFixed(3)} ms`);
  }
  while (!forceInt8) {
    const q = int8Tensors(g, int8);
    let worst: { name: string; over: number; edges: number } | null = null;
    for (const name of int8) {
      const t = byName.get(name)!;
      const edges = edgeCost(g, nodeOf.get(name)!, t, q, consumers);
      const over = t.int8_ms + edges - t.fp32_ms;
      if (over > 0 && (!worst || over > worst.over)) worst = { name, over, edges };
    }
    if (!worst) break;
    const t = byName.get(worst.name)!;
    int8.delete(worst.name);
    why.set(
      worst.name,
      `int8 ${t.int8_ms.toFixed(3)} ms + quantize/dequantize ${worst.edges.toFixed(3)} ms > fp32 ${t.fp32_ms.toFixed(3)} ms`,
    );
  }
  const q = int8Tensors(g, int8);
  return timings.map((t) => {
    const edges = edgeCost(g, nodeOf.get(t.name)!, t, q, consumers);
    const isInt8 = int8.has(t.name);
    return {
      ...t,
      precision: isInt8 ? 'int8' : 'fp32',
      edges_ms: Number(edges.toFixed(4)),
      why: isInt8
        ? forceInt8
          ? 'forced int8'
          : `int8 ${t.int8_ms.toFixed(3)} ms + edges ${edges.toFixed(3)} ms ≤ fp32 ${t.fp32_ms.toFixed(3)} ms`
        : why.get(t.name)!,
    };
  });
}

/** Copy tensor `t` of `from` into `to` as a parameter. */
function copyParam(from: Graph, to: Graph, t: number): number {
  const d = from.tensors[t];
  return d.data ? to.addParam(d.name, d.shape, d.data) : to.addRawParam(d.name, d.shape, d.raw!);
}

/**
 * Per-layer GPU time, fp32 against int8, of every conv layer quantizeGraph would make int8 (see the header).
 * `g` is the fused float graph, `stats` its calibration statistics, `opts` the quantization options.
 */
export async function measureInt8Layers(
  rt: Runtime,
  g: Graph,
  stats: Map<number, TensorStats>,
  opts: Int8Options = {},
  runs = 5,
  cache = true,
): Promise<LayerTiming[]> {
  const all = quantizeGraph(g, stats, { ...opts, keepFloat: undefined });
  const out: LayerTiming[] = [];
  const store = await readAdapterCache<MixCache[string]>(MIX_CACHE);
  const akey = adapterKey(rt);
  const mine = (store[akey] ??= {});
  let dirty = false;
  for (const layer of all.layers) {
    if (layer.op !== 'conv2d_int8' && layer.op !== 'conv2d_bsr_int8') continue;
    // per-channel input scales fold into the weights: no plain quantize to time; such a layer stays int8
    if (layer.inQ[0].channelScales || layer.outQ.channelScales) continue;
    const n = g.nodes.find((m) => m.name === layer.name)!;
    const xs = g.shape(n.inputs[0]);
    const input = Float32Array.from({ length: xs.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37) * 2);

    const fg = new Graph();
    const fx = fg.addInput('x', xs);
    fg.markOutput(fg.add(n.op, [fx, ...n.inputs.slice(1).map((t) => copyParam(g, fg, t))], n.attrs, 'layer')[0]);

    const qg = new Graph();
    const p = layer.node;
    let y = qg.add1(
      p.op,
      [
        qg.add1('quantize', [qg.addInput('x', xs)], { scale: layer.inQ[0].scale, zero: layer.inQ[0].zero }, 'quant'),
        ...p.inputs.slice(1).map((t) => copyParam(all.graph, qg, t)),
      ],
      p.attrs,
      'layer',
    );
    if (layer.shuffle) y = qg.add1('channel_shuffle_int8', [y], { groups: layer.shuffle, zero: layer.outQ.zero }, 'shuffle');
    qg.markOutput(qg.add1('dequantize', [y], { scale: layer.outQ.scale, zero: layer.outQ.zero }, 'dequant'));

    const key = `layer|${graphSignature(fg)}|${graphSignature(qg)}|runs ${runs}`;
    const hit = mine[key];
    if (cache && hit && !Array.isArray(hit)) {
      out.push({ name: layer.name, ...hit, cached: true });
      continue;
    }
    const models: CompiledGraph[] = [];
    try {
      models.push(await compile(rt, fg, { tune: 'measure', fuse: false }));
      models.push(await compile(rt, qg, { tune: 'measure', fuse: false }));
      for (const m of models) await m.run([input]); // warm-up
      const ms = { fp32: [] as number[], int8: [] as number[], quant: [] as number[], dequant: [] as number[] };
      for (let r = 0; r < runs; r++) {
        const pf = await models[0].profile([input]);
        ms.fp32.push(pf.nodes.filter((x) => x.name === 'layer').reduce((a, x) => a + x.ms, 0));
        const pq = await models[1].profile([input]);
        ms.int8.push(pq.nodes.filter((x) => x.name === 'layer' || x.name === 'shuffle').reduce((a, x) => a + x.ms, 0));
        ms.quant.push(pq.nodes.find((x) => x.name === 'quant')!.ms);
        ms.dequant.push(pq.nodes.find((x) => x.name === 'dequant')!.ms);
      }
      const t: Omit<LayerTiming, 'name'> = {
        fp32_ms: fastest(ms.fp32),
        int8_ms: fastest(ms.int8),
        quant_ms: fastest(ms.quant),
        dequant_ms: fastest(ms.dequant),
        fp32_kernel: [...models[0].variants.values()].join('+') || undefined,
        int8_kernel: [...models[1].variants.values()].join('+') || undefined,
      };
      out.push({ name: layer.name, ...t });
      mine[key] = t;
      dirty = true;
    } finally {
      models.forEach((m) => m.destroy());
    }
  }
  if (dirty) await writeAdapterCache(MIX_CACHE, store, 1);
  return out;
}

/**
 * Whole-model guard: wall-clock milliseconds per run of each graph (same seeded inputs), `runs` interleaved rounds
 * after a warm-up, median per graph. The per-layer choice charges edges per layer and times layers alone; this
 * checks the model it built against the alternatives as a whole.
 */
export async function timeWholeModels(rt: Runtime, graphs: Graph[], runs = 5, cache = true): Promise<{ ms: number[]; cached: boolean }> {
  const key = `whole|${graphs.map(graphSignature).join('|')}|runs ${runs}`;
  const store = await readAdapterCache<MixCache[string]>(MIX_CACHE);
  const mine = (store[adapterKey(rt)] ??= {});
  const hit = mine[key];
  if (cache && Array.isArray(hit) && hit.length === graphs.length) return { ms: hit, cached: true };
  const ms = await timeWholeModelsNow(rt, graphs, runs);
  // re-read: measureInt8Layers or another process may have written since
  const fresh = await readAdapterCache<MixCache[string]>(MIX_CACHE);
  (fresh[adapterKey(rt)] ??= {})[key] = ms;
  await writeAdapterCache(MIX_CACHE, fresh, 1);
  return { ms, cached: false };
}

async function timeWholeModelsNow(rt: Runtime, graphs: Graph[], runs: number): Promise<number[]> {
  const models: CompiledGraph[] = [];
  try {
    for (const g of graphs) models.push(await compile(rt, g, { tune: 'cached' }));
    const g0 = graphs[0];
    const inputs = g0.inputs.map((t, k) =>
      Float32Array.from({ length: g0.shape(t).reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37 + k)),
    );
    for (const m of models) await m.run(inputs);
    const ms: number[][] = models.map(() => []);
    for (let r = 0; r < runs; r++)
      for (let k = 0; k < models.length; k++) {
        const t0 = performance.now();
        await models[k].run(inputs);
        ms[k].push(performance.now() - t0);
      }
    return ms.map((xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    });
  } finally {
    models.forEach((m) => m.destroy());
  }
}
