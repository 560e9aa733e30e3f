// Static memory planning by tensor lifetime. Activations (and graph inputs) are assigned to a small set of
// buffers ("slots"); tensors whose lifetimes do not overlap share a slot, which is as large as its largest tensor.
// Lifetimes run from the producing node to the last consumer (graph inputs from before the first node, graph
// outputs past the last). View ops (reshape) share their input's storage, so it lives as long as any view.
//
// Why separate buffers rather than offsets in one arena: WebGPU tracks storage usage per buffer within a
// dispatch, so a kernel may not read one range of a buffer while writing another range of the same buffer.
//
// Assignment walks tensors in order of definition and takes the best-fitting free slot (the smallest one that is
// large enough, else the largest free one, grown), opening a new slot only when none is free.

import { getOp } from '../ops/registry.js';
import { tensorBytes, type Graph } from './ir.js';

export interface MemoryPlan {
  /** Slot of each planned tensor (views share their source's slot). */
  slot: Map<number, number>;
  /** Byte size of each slot. */
  slotBytes: number[];
  /** Byte size of each planned tensor (tensorBytes: 4 per f32 element, packed for q8/b1). */
  bytes: Map<number, number>;
  /** Sum of slot sizes: the activation memory the plan needs. */
  totalBytes: number;
  /** Sum of all activation sizes: what a plan without reuse would need. */
  naiveBytes: number;
}

/** `external`: tensors stored elsewhere (the flat optimizer layout's gradients, src/graph/flat_optim.ts). */
export function planMemory(g: Graph, align = 16, external: ReadonlySet<number> = new Set()): MemoryPlan {
  const root = new Map<number, number>();
  const rootOf = (t: number): number => root.get(t) ?? t;
  for (const n of g.nodes) {
    if (getOp(n.op).view) root.set(n.outputs[0], rootOf(n.inputs[0]));
  }
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const touch = (t: number, step: number) => {
    const r = rootOf(t);
    if (g.tensors[r].role === 'param' || g.tensors[r].role === 'state' || external.has(r)) return; // own persistent buffers
    first.set(r, Math.min(first.get(r) ?? step, step));
    last.set(r, Math.max(last.get(r) ?? step, step));
  };
  g.inputs.forEach((t) => touch(t, -1));
  g.nodes.forEach((n, step) => {
    n.inputs.forEach((t) => touch(t, step));
    n.outputs.forEach((t) => touch(t, step));
  });
  g.outputs.forEach((t) => touch(t, g.nodes.length));

  const size = (r: number) => Math.max(align, Math.ceil(tensorBytes(g.tensors[r].shape, g.tensors[r].dtype) / align) * align);
  const roots = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)! || a - b);
  const slotBytes: number[] = [];
  const slotFreeAfter: number[] = []; // step after which the slot's current tensor is dead
  const slot = new Map<number, number>();
  let naiveBytes = 0;
  for (const r of roots) {
    const s = size(r);
    naiveBytes += s;
    const free = slotBytes.map((_, k) => k).filter((k) => slotFreeAfter[k] < first.get(r)!);
    let pick = -1;
    for (const k of free) if (slotBytes[k] >= s && (pick < 0 || slotBytes[k] < slotBytes[pick])) pick = k;
    if (pick < 0) for (const k of free) if (pick < 0 || slotBytes[k] > slotBytes[pick]) pick = k;
    if (pick < 0) {
      pick = slotBytes.length;
      slotBytes.push(0);
      slotFreeAfter.push(0);
    }
    slotBytes[pick] = Math.max(slotBytes[pick], s);
    slotFreeAfter[pick] = last.get(r)!;
    slot.set(r, pick);
  }
  const bytes = new Map<number, number>();
  for (const t of g.tensors) {
    const r = rootOf(t.id);
    if (slot.has(r)) {
      slot.set(t.id, slot.get(r)!);
      bytes.set(t.id, tensorBytes(t.shape, t.dtype));
    }
  }
  return { slot, slotBytes, bytes, totalBytes: slotBytes.reduce((a, b) => a + b, 0), naiveBytes };
}
