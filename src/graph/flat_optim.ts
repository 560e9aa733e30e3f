// Flat optimizer layout: one update dispatch over all of a model's trainable tensors instead of one per tensor.
//
// A training graph (src/train/optim.ts) ends each model's step with grad_norm(g0, g1, …) and one sgd_update /
// adam_update node per parameter. The graph keeps that per-tensor form (the CPU reference interprets it node by
// node); at compile time this pass finds each such group and lays its tensors out flat:
//
//   params   w0 | w1 | …    one buffer, each tensor a view at an offset aligned to minStorageBufferOffsetAlignment
//   grads    g0 | g1 | …    one buffer with the same offsets (the gradients leave the activation memory plan)
//   state    v0 | v1 | …    one buffer per state kind (SGD: v; Adam: m, v), same offsets again
//
// Members are ordered so that tensors with the same per-tensor attributes (weight decay and ℓ1 apply to ≥ 2-D
// weights only) are adjacent: the group's update is then one dispatch per distinct attribute set (two: decayed
// weights, then biases and batch-norm scales) over the flat range, and grad_norm one partial-sum dispatch over the
// whole gradient buffer. The alignment gaps between views are zero in every buffer and stay zero (w = g = m = v = 0
// gives a zero step), so they add nothing to the norm. Kernels still bind each tensor's own view everywhere else.
//
// Separate buffers per kind, because WebGPU forbids a dispatch to read one range of a buffer while writing another
// range of the same buffer: a group qualifies only if no other node writes into one of its buffers while reading
// from the same buffer, and its update nodes are consecutive in the graph (the merged dispatch runs at the last).

import { getOp } from '../ops/registry.js';
import { numel, type Graph, type Node } from './ir.js';

/** Where a flat tensor lives: buffer `buffer` of the plan, byte offset, bytes (its own size). */
export interface FlatView {
  buffer: number;
  offset: number;
  bytes: number;
}

export interface FlatRun {
  /** Index into graph.nodes of the run's first member node (its attributes are the run's). */
  node: number;
  /** Byte span of the run in each of the group's buffers (all buffers share the layout). */
  offset: number;
  bytes: number;
}

export interface FlatGroup {
  /** Indices into graph.nodes of the update nodes (consecutive); the merged launches go at the last. */
  updates: number[];
  /** Index of the grad_norm node reading exactly this group's gradients, or -1. */
  norm: number;
  /** Buffer of the parameters, of the gradients, and of each state kind (input positions 2, 3, … of the update). */
  params: number;
  grads: number;
  states: number[];
  runs: FlatRun[];
  /** Bytes of each buffer of the group. */
  bytes: number;
}

export interface FlatPlan {
  views: Map<number, FlatView>;
  /** Labels of the buffers; sizes are their group's bytes. */
  buffers: { label: string; bytes: number }[];
  groups: FlatGroup[];
}

const UPDATE_OPS: Record<string, number> = { sgd_update: 1, adam_update: 2 };
/** Attributes that may differ within a group (one dispatch per distinct pair). */
const PER_TENSOR = new Set(['weight_decay', 'l1']);

function attrKey(n: Node, keep: (k: string) => boolean): string {
  return JSON.stringify(
    Object.keys(n.attrs)
      .filter(keep)
      .sort()
      .map((k) => [k, n.attrs[k]]),
  );
}

/** Plan the flat groups of `g` (empty when it has no optimizer updates that qualify). */
export function planFlatOptimizer(g: Graph, align: number): FlatPlan {
  const plan: FlatPlan = { views: new Map(), buffers: [], groups: [] };
  const producers = g.producers();
  // views (reshape) share their source's storage: a gradient that is a view puts its root, and every other view
  // of that root, at the gradient's place in the flat buffer
  const root = new Map<number, number>();
  const rootOf = (t: number): number => root.get(t) ?? t;
  for (const n of g.nodes) if (getOp(n.op).view) root.set(n.outputs[0], rootOf(n.inputs[0]));
  const family = new Map<number, number[]>();
  for (const t of g.tensors) family.set(rootOf(t.id), [...(family.get(rootOf(t.id)) ?? []), t.id]);
  const edges = new Set([...g.inputs, ...g.outputs]);

  // candidate groups: same op, same hyper and norm inputs, same shared attributes
  const byKey = new Map<string, number[]>();
  g.nodes.forEach((n, i) => {
    const S = UPDATE_OPS[n.op];
    if (S === undefined) return;
    const key = [n.op, n.inputs[2 + S], n.inputs[3 + S], attrKey(n, (k) => !PER_TENSOR.has(k))].join('|');
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });

  for (const idx of byKey.values()) {
    if (idx.length < 2) continue;
    const nodes = idx.map((i) => g.nodes[i]);
    const S = UPDATE_OPS[nodes[0].op];
    if (idx.some((v, k) => k > 0 && v !== idx[k - 1] + 1)) continue; // not consecutive
    const ws = nodes.map((n) => n.inputs[0]);
    const gs = nodes.map((n) => n.inputs[1]);
    const ss = Array.from({ length: S }, (_, k) => nodes.map((n) => n.inputs[2 + k]));
    const all = [...ws, ...gs, ...ss.flat()];
    if (new Set(all).size !== all.length || all.some((t) => plan.views.has(t))) continue;
    const f32Data = (t: number, role: string) => {
      const d = g.tensors[t];
      return d.role === role && d.dtype === 'f32' && d.data !== undefined && d.data.length === numel(d.shape);
    };
    if (!ws.every((t) => f32Data(t, 'param')) || !ss.flat().every((t) => f32Data(t, 'state'))) continue;
    const gradOk = (t: number) => {
      const r = rootOf(t);
      const d = g.tensors[r];
      const fam = family.get(r)!;
      return (
        d.role === 'activation' &&
        d.dtype === 'f32' &&
        producers.has(r) &&
        !getOp(producers.get(r)!.op).view &&
        numel(d.shape) === numel(g.shape(t)) &&
        fam.every((v) => !edges.has(v) && g.tensors[v].dtype === 'f32' && numel(g.shape(v)) === numel(d.shape))
      );
    };
    if (!gs.every(gradOk) || new Set(gs.map(rootOf)).size !== gs.length) continue;
    // no other node may write into one of the group's buffers while reading from it (or write w / state at all)
    const members = new Set(idx);
    const gradSet = new Set(gs.flatMap((t) => family.get(rootOf(t))!));
    const owned = new Set([...ws, ...ss.flat()]);
    const hazard = g.nodes.some(
      (n, i) =>
        !members.has(i) &&
        !getOp(n.op).view &&
        (n.outputs.some((t) => owned.has(t)) || (n.outputs.some((t) => gradSet.has(t)) && n.inputs.some((t) => gradSet.has(t)))),
    );
    if (hazard) continue;

    // order: members with equal per-tensor attributes adjacent (stable, first-seen attribute set first)
    const keys = nodes.map((n) => attrKey(n, (k) => PER_TENSOR.has(k)));
    const keyOrder = [...new Set(keys)];
    const order = nodes.map((_, k) => k).sort((a, b) => keyOrder.indexOf(keys[a]) - keyOrder.indexOf(keys[b]) || a - b);
    const b0 = plan.buffers.length;
    const name = nodes[0].name.replace(/\.[^.]*$/, '');
    const labels = ['params', 'grads', ...ss.map((_, k) => `state${k}`)];
    let at = 0;
    const runs: FlatRun[] = [];
    for (const k of order) {
      const bytes = numel(g.shape(ws[k])) * 4;
      const start = at;
      [ws[k], gs[k], ...ss.map((s) => s[k])].forEach((t, j) => {
        for (const v of j === 1 ? family.get(rootOf(t))! : [t]) plan.views.set(v, { buffer: b0 + j, offset: start, bytes });
      });
      const last = runs[runs.length - 1];
      if (last && keys[order[order.indexOf(k) - 1]] === keys[k]) last.bytes = start + bytes - last.offset;
      else runs.push({ node: idx[k], offset: start, bytes });
      at = Math.ceil((start + bytes) / align) * align;
    }
    const total = Math.max(align, at);
    labels.forEach((l) => plan.buffers.push({ label: `flat.${l}(${name})`, bytes: total }));
    const normNode = g.nodes.findIndex(
      (n) =>
        n.op === 'grad_norm' &&
        n.inputs.length === gs.length &&
        new Set(n.inputs).size === gs.length &&
        n.inputs.every((t) => gs.includes(t)),
    );
    plan.groups.push({
      updates: idx,
      norm: normNode,
      params: b0,
      grads: b0 + 1,
      states: ss.map((_, k) => b0 + 2 + k),
      runs,
      bytes: total,
    });
  }
  return plan;
}
