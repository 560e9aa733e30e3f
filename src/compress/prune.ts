// Structured filter pruning (Li et al. 2016, "Pruning Filters for Efficient ConvNets"): conv filters with the
// smallest L1 (or L2) norm are removed physically, and every consumer shrinks with them.
//
// Channel spaces: tensors whose channel axes must stay index-aligned share a space (union-find). Ops that keep
// channels one-to-one join input and output spaces: batchnorm, activation, pooling, global pooling, depthwise conv,
// add (residual: both summands and the sum), channel_scale (SE: x and the scale). A regular or grouped conv2d
// starts a new space for its output (its filters are that space's "producers"). concat and channel_shuffle
// outputs are derived spaces: their kept channels follow from their inputs (concat: the kept channels of each
// part, offset; shuffle: the permutation of the kept input channels; a flatten [N,H,W,C] → [N,1,1,H·W·C]: the kept
// channels at every position).
// A space is pruned when it has producers, is not a graph input/output, and every consumer can shrink. Channel
// scores sum the producers' filter norms (residual-joined convs are pruned together). Constraints:
//   - grouped convs reading or writing a space keep the same count in each of their groups;
//   - a space feeding channel_shuffle(G) keeps the same positions in each of the G groups, so the shuffle of the
//     smaller tensor equals the kept part of the original shuffle;
//   - ShuffleNet's bottleneck (grouped conv, G groups → shuffle(G) → depthwise → grouped conv, G groups): the
//     shuffle's output space must also keep equal counts in each of the second conv's G groups. Shuffled, position
//     r of every group lands on channels r·G .. r·G+G−1, in group ⌊r·G/(C/G)⌋ unless the run straddles a group
//     boundary; so the kept positions are taken equally from each group's whole runs (k/G each, straddling runs
//     dropped), k a multiple of G (and of 4 where the channels allow).
//   - counts are rounded to multiples of 4 where the channels allow it (vec4 and int8 kernels need that).

import { Graph, type Node } from '../graph/ir.js';
import { convGeom, isDepthwise as isDepthwiseGeom } from '../ops/conv.js';
import { attrNum } from '../ops/registry.js';
import { check } from '../runtime/errors.js';

export type FilterNorm = 'l1' | 'l2';

export interface FilterPruneOptions {
  ratio: number;
  norm?: FilterNorm;
}

export interface FilterPruneReport {
  spacesPruned: number;
  channelsBefore: number;
  channelsAfter: number;
  paramsBefore: number;
  paramsAfter: number;
}

const PASS_THROUGH = new Set(['batchnorm', 'activation', 'pool2d', 'global_pool', 'add', 'channel_scale']);

/** A reshape [N,H,W,C] → [N,1,1,H·W·C] or [N,H·W·C]: the NHWC flatten before a fully connected layer. */
function isFlatten(g: Graph, n: Node): boolean {
  const s = g.shape(n.inputs[0]);
  const o = g.shape(n.outputs[0]);
  return s.length === 4 && o[0] === s[0] && o.at(-1) === s[1] * s[2] * s[3] && o.slice(1, -1).every((d) => d === 1);
}

export function isDepthwise(g: Graph, n: Node): boolean {
  return isDepthwiseGeom(
    convGeom(
      n.inputs.map((t) => g.shape(t)),
      n.attrs,
    ),
  );
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

export interface FilterPrunePlan {
  /** kept channel indices of every activation tensor whose channels change (ascending) */
  keep: Map<number, number[]>;
}

export function planFilterPruning(g: Graph, opts: FilterPruneOptions): FilterPrunePlan {
  check(opts.ratio >= 0 && opts.ratio < 1, `filter pruning ratio must be in [0, 1), got ${opts.ratio}`);
  const norm = opts.norm ?? 'l1';
  const parent = new Map<number, number>();
  const find = (t: number): number => {
    let r = t;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  const activations = (n: Node) => n.inputs.filter((t) => g.tensors[t].role !== 'param');
  const derived = new Map<number, Node>(); // tensor → concat / channel_shuffle node defining it
  const blockedTensors = new Set<number>([...g.inputs, ...g.outputs]);
  for (const n of g.nodes) {
    const acts = activations(n);
    if (n.op === 'conv2d') {
      if (attrNum(n.attrs, 'shuffle', 1) !== 1 || !g.tensors[n.inputs[1]].data) {
        blockedTensors.add(n.inputs[0]);
        blockedTensors.add(n.outputs[0]);
      } else if (isDepthwise(g, n)) union(n.inputs[0], n.outputs[0]);
    } else if (PASS_THROUGH.has(n.op)) {
      for (const t of [...acts, ...n.outputs]) union(acts[0], t);
    } else if (n.op === 'concat' || n.op === 'channel_shuffle' || (n.op === 'reshape' && isFlatten(g, n))) {
      derived.set(n.outputs[0], n);
    } else {
      acts.forEach((t) => blockedTensors.add(t));
      n.outputs.forEach((t) => blockedTensors.add(t));
    }
  }
  // Per space: producers (conv nodes), consumers, derived definitions, group constraints.
  interface Space {
    producers: Node[];
    defs: Node[];
    groups: number;
    samePos: boolean;
    /** samePos feeding a shuffle whose output space has this many groups (> 1): the run-balanced choice */
    shuffleCols: number;
    blocked: boolean;
    c: number;
  }
  const spaces = new Map<number, Space>();
  const space = (t: number): Space => {
    const r = find(t);
    let s = spaces.get(r);
    if (!s) {
      s = { producers: [], defs: [], groups: 1, samePos: false, shuffleCols: 1, blocked: false, c: g.shape(t).at(-1)! };
      spaces.set(r, s);
    }
    return s;
  };
  for (const t of blockedTensors) space(t).blocked = true;
  for (const [t, n] of derived) space(t).defs.push(n);
  for (const n of g.nodes) {
    if (n.op === 'conv2d' && !isDepthwise(g, n) && g.tensors[n.inputs[1]].data) {
      const geo = convGeom(
        n.inputs.map((t) => g.shape(t)),
        n.attrs,
      );
      const so = space(n.outputs[0]);
      so.producers.push(n);
      so.groups = lcm(so.groups, geo.groups);
      const si = space(n.inputs[0]);
      si.groups = lcm(si.groups, geo.groups);
    }
    if (n.op === 'channel_shuffle') {
      const si = space(n.inputs[0]);
      si.groups = lcm(si.groups, attrNum(n.attrs, 'groups'));
      si.samePos = true;
    }
  }
  // A derived space must be defined once and produced by nothing else; a blocked derived space blocks its sources.
  let changed = true;
  while (changed) {
    changed = false;
    for (const s of spaces.values()) {
      // (a derived space under a group or shuffle constraint would need its sources pruned in step: done only for a
      // shuffle whose output groups equal its own groups and its source's, ShuffleNet's bottleneck)
      const d = s.defs[0];
      const src = d?.op === 'channel_shuffle' ? space(d.inputs[0]) : null;
      const G = d ? attrNum(d.attrs, 'groups', 1) : 1;
      const shuffleOk = s.defs.length === 1 && src !== null && s.producers.length === 0 && !s.samePos && s.groups === G && src.groups === G;
      if (shuffleOk && src.shuffleCols !== G) {
        src.shuffleCols = G;
        changed = true;
      }
      const bad = s.defs.length > 1 || (s.defs.length > 0 && (s.producers.length > 0 || (s.groups > 1 && !shuffleOk) || s.samePos));
      if (bad && !s.blocked) {
        s.blocked = true;
        changed = true;
      }
      if (s.blocked) {
        for (const d of s.defs) {
          for (const t of activations(d)) {
            if (!space(t).blocked) {
              space(t).blocked = true;
              changed = true;
            }
          }
        }
      }
    }
  }
  for (const s of spaces.values()) if (s.c % s.groups !== 0) s.blocked = true;

  const keepOfSpace = new Map<Space, number[]>();
  const round4 = (k: number, per: number) => (per % 4 === 0 ? Math.max(4, Math.round(k / 4) * 4) : Math.max(1, Math.round(k)));
  for (const s of spaces.values()) {
    if (s.blocked || s.producers.length === 0 || s.defs.length > 0 || opts.ratio === 0) continue;
    const score = new Float64Array(s.c);
    for (const p of s.producers) {
      const w = g.tensors[p.inputs[1]].data!;
      for (let i = 0; i < w.length; i++) score[i % s.c] += norm === 'l1' ? Math.abs(w[i]) : w[i] * w[i];
    }
    const per = s.c / s.groups;
    let k = Math.min(per, round4(per * (1 - opts.ratio), per));
    if (k === per) continue;
    const keep: number[] = [];
    if (s.samePos && s.shuffleCols > 1) {
      const G = s.shuffleCols;
      const unit = per % 4 === 0 ? lcm(G, 4) : G;
      k = Math.max(unit, Math.round((per * (1 - opts.ratio)) / unit) * unit);
      // whole runs of each output group j: positions r with r·G and r·G+G−1 both in [j·per, (j+1)·per)
      const runs = Array.from({ length: G }, (_, j) =>
        Array.from({ length: per }, (_, r) => r).filter((r) => Math.floor((r * G) / per) === j && Math.floor((r * G + G - 1) / per) === j),
      );
      if (k >= per || runs.some((rs) => rs.length < k / G)) continue;
      const posScore = (r: number) => Array.from({ length: G }, (_, gi) => score[gi * per + r]).reduce((a, b) => a + b, 0);
      const chosen = runs.flatMap((rs) => [...rs].sort((a, b) => posScore(b) - posScore(a) || a - b).slice(0, k / G)).sort((a, b) => a - b);
      for (let gi = 0; gi < s.groups; gi++) for (const r of chosen) keep.push(gi * per + r);
    } else if (s.samePos) {
      const pos = Array.from({ length: per }, (_, r) => r);
      const posScore = pos.map((r) => Array.from({ length: s.groups }, (_, gi) => score[gi * per + r]).reduce((a, b) => a + b, 0));
      const chosen = pos
        .sort((a, b) => posScore[b] - posScore[a] || a - b)
        .slice(0, k)
        .sort((a, b) => a - b);
      for (let gi = 0; gi < s.groups; gi++) for (const r of chosen) keep.push(gi * per + r);
    } else {
      for (let gi = 0; gi < s.groups; gi++) {
        const idx = Array.from({ length: per }, (_, r) => gi * per + r);
        keep.push(
          ...idx
            .sort((a, b) => score[b] - score[a] || a - b)
            .slice(0, k)
            .sort((a, b) => a - b),
        );
      }
    }
    keepOfSpace.set(s, keep);
  }
  // Kept channels of every tensor (derived spaces computed from their sources, in graph order).
  const keep = new Map<number, number[]>();
  const keepOf = (t: number): number[] | null => keep.get(t) ?? keepOfSpace.get(space(t)) ?? null;
  for (const n of g.nodes) {
    const out = n.outputs[0];
    if (n.op === 'concat') {
      let offset = 0;
      const parts: number[] = [];
      let any = false;
      for (const t of activations(n)) {
        const c = g.shape(t).at(-1)!;
        const k = keepOf(t);
        any ||= !!k;
        parts.push(...(k ?? Array.from({ length: c }, (_, i) => i)).map((i) => i + offset));
        offset += c;
      }
      if (any) keepOfSpace.set(space(out), parts);
    } else if (n.op === 'reshape' && derived.get(out) === n) {
      // flatten: element (h, w, c) of [N,H,W,C] lands at (h·W + w)·C + c
      const k = keepOf(n.inputs[0]);
      if (k) {
        const [, h, w, c] = g.shape(n.inputs[0]);
        const parts: number[] = [];
        for (let p = 0; p < h * w; p++) for (const ch of k) parts.push(p * c + ch);
        keepOfSpace.set(space(out), parts);
      }
    } else if (n.op === 'channel_shuffle') {
      const k = keepOf(n.inputs[0]);
      if (k) {
        const G = attrNum(n.attrs, 'groups');
        const per = g.shape(n.inputs[0]).at(-1)! / G;
        keepOfSpace.set(
          space(out),
          k.map((c) => (c % per) * G + Math.floor(c / per)).sort((a, b) => a - b),
        );
      }
    }
  }
  for (const t of g.tensors) {
    if (t.role === 'param') continue;
    const k = keepOf(t.id);
    if (k) keep.set(t.id, k);
  }
  return { keep };
}

/** The pruned graph: parameters sliced, shapes re-inferred. */
export function applyFilterPruning(g: Graph, plan: FilterPrunePlan): Graph {
  const out = new Graph();
  const id = new Map<number, number>();
  for (const t of g.inputs) id.set(t, out.addInput(g.tensors[t].name, g.shape(t)));
  const full = (t: number) => Array.from({ length: g.shape(t).at(-1)! }, (_, i) => i);
  const keepOf = (t: number) => plan.keep.get(t) ?? full(t);
  const param = (t: number, data: Float32Array, shape: number[]) => out.addParam(g.tensors[t].name, shape, data);
  const copyParam = (t: number) => {
    const d = g.tensors[t];
    return d.data ? out.addParam(d.name, d.shape, d.data) : out.addRawParam(d.name, d.shape, d.raw!);
  };
  for (const n of g.nodes) {
    let inputs: number[];
    const attrs = { ...n.attrs };
    if (n.op === 'conv2d' && g.tensors[n.inputs[1]].data) {
      const geo = convGeom(
        n.inputs.map((t) => g.shape(t)),
        n.attrs,
      );
      const w = g.tensors[n.inputs[1]].data!;
      const ko = keepOf(n.outputs[0]);
      const ki = keepOf(n.inputs[0]);
      const cg = geo.cin / geo.groups;
      const ng = geo.cout / geo.groups;
      const taps = geo.kh * geo.kw;
      let nw: Float32Array;
      let ncg: number;
      if (isDepthwise(g, n)) {
        ncg = 1;
        nw = new Float32Array(taps * ko.length);
        for (let tap = 0; tap < taps; tap++) ko.forEach((c, j) => (nw[tap * ko.length + j] = w[tap * geo.cout + c]));
        attrs.groups = ko.length;
      } else {
        // input channels of group gi, as local indices within the group
        const local = Array.from({ length: geo.groups }, (_, gi) => ki.filter((c) => Math.floor(c / cg) === gi).map((c) => c - gi * cg));
        ncg = local[0].length;
        nw = new Float32Array(taps * ncg * ko.length);
        ko.forEach((co, j) => {
          const li = local[Math.floor(co / ng)];
          for (let tap = 0; tap < taps; tap++)
            li.forEach((ci, q) => (nw[(tap * ncg + q) * ko.length + j] = w[(tap * cg + ci) * geo.cout + co]));
        });
      }
      inputs = [id.get(n.inputs[0])!, param(n.inputs[1], nw, [geo.kh, geo.kw, ncg, ko.length])];
      if (n.inputs[2] !== undefined) {
        const b = g.tensors[n.inputs[2]].data!;
        inputs.push(
          param(
            n.inputs[2],
            Float32Array.from(ko, (c) => b[c]),
            [ko.length],
          ),
        );
      }
    } else if (n.op === 'batchnorm') {
      const k = keepOf(n.inputs[0]);
      inputs = [
        id.get(n.inputs[0])!,
        ...n.inputs.slice(1).map((t) =>
          param(
            t,
            Float32Array.from(k, (c) => g.tensors[t].data![c]),
            [k.length],
          ),
        ),
      ];
    } else {
      inputs = n.inputs.map((t) => (g.tensors[t].role === 'param' ? copyParam(t) : id.get(t)!));
      if (n.op === 'reshape' && plan.keep.has(n.outputs[0]))
        attrs.shape = [...g.shape(n.outputs[0]).slice(0, -1), plan.keep.get(n.outputs[0])!.length];
    }
    const outs = out.add(n.op, inputs, attrs, n.name);
    n.outputs.forEach((t, k) => id.set(t, outs[k]));
  }
  for (const t of g.outputs) out.markOutput(id.get(t)!);
  return out;
}

export function filterPrune(g: Graph, opts: FilterPruneOptions): { graph: Graph; plan: FilterPrunePlan; report: FilterPruneReport } {
  const plan = planFilterPruning(g, opts);
  const graph = applyFilterPruning(g, plan);
  const pruned = new Set<number>();
  let before = 0;
  let after = 0;
  for (const n of g.nodes) {
    if (n.op !== 'conv2d') continue;
    const t = n.outputs[0];
    before += g.shape(t).at(-1)!;
    after += plan.keep.get(t)?.length ?? g.shape(t).at(-1)!;
    if (plan.keep.has(t)) pruned.add(t);
  }
  return {
    graph,
    plan,
    report: {
      spacesPruned: pruned.size,
      channelsBefore: before,
      channelsAfter: after,
      paramsBefore: g.paramCount(),
      paramsAfter: graph.paramCount(),
    },
  };
}
