// Flat optimizer layout (src/graph/flat_optim.ts): parameters, gradients and optimizer state of each model as
// aligned views in one buffer per kind, one update dispatch per attribute set, one grad_norm partial sum. The
// per-tensor form (compile option flatOptimizer: false) is the reference: the same steps must give the same
// weights and optimizer state.

import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { planFlatOptimizer } from '../../src/graph/flat_optim.js';
import { getOp } from '../../src/ops/registry.js';
import { buildModel } from '../../src/models/zoo.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../../src/train/optim.js';
import { buildStepGraph, type StepKind } from '../../src/train/step_graph.js';
import { expectClose, randn, runtime } from '../helpers.js';

const plain = (batch: number): StepKind => ({ kind: 'plain', model: buildModel({ model: 'cnn_tiny', batch, seed: 3 }) });
const dml = (batch: number): StepKind => ({
  kind: 'dml',
  peers: [0, 1].map((k) => buildModel({ model: 'cnn_tiny', batch, seed: 3 + k })),
});

describe('flat optimizer plan (CPU)', () => {
  it('cnn_tiny: one group, aligned disjoint views, decayed weights first, two runs, grad_norm over the group', () => {
    const sg = buildStepGraph(plain(4), DEFAULT_OPTIM);
    const g = sg.graph;
    const p = planFlatOptimizer(g, 256);
    expect(p.groups.length).toBe(1);
    const fg = p.groups[0];
    const updates = g.nodes.filter((n) => n.op === 'sgd_update');
    expect(fg.updates.length).toBe(updates.length);
    expect(g.nodes[fg.norm].op).toBe('grad_norm');
    expect(p.buffers.length).toBe(3); // params, grads, velocity
    const ws = updates.map((n) => p.views.get(n.inputs[0])!);
    ws.forEach((v) => expect(v.offset % 256).toBe(0));
    const sorted = [...ws].sort((a, b) => a.offset - b.offset);
    sorted.forEach((v, k) => k > 0 && expect(v.offset).toBeGreaterThanOrEqual(sorted[k - 1].offset + sorted[k - 1].bytes));
    // gradient and velocity at the parameter's offset in their own buffers
    for (const n of updates) {
      const w = p.views.get(n.inputs[0])!;
      expect(p.views.get(n.inputs[1])).toEqual({ ...w, buffer: fg.grads });
      expect(p.views.get(n.inputs[2])).toEqual({ ...w, buffer: fg.states[0] });
    }
    // ≥ 2-D weights (weight decay) before 1-D ones: two runs, the first with decay
    expect(fg.runs.map((r) => g.nodes[r.node].attrs.weight_decay)).toEqual([DEFAULT_OPTIM.weightDecay, 0]);
    const decayedEnd = fg.runs[0].offset + fg.runs[0].bytes;
    for (const n of updates) {
      const inFirst = p.views.get(n.inputs[0])!.offset < decayedEnd;
      expect(inFirst, n.name).toBe(g.shape(n.inputs[0]).length >= 2);
    }
    // a weight gradient is a reshape of the GEMM's output: the root shares the view
    const reshaped = updates.map((n) => n.inputs[1]).find((t) => g.producers().get(t)?.op === 'reshape')!;
    expect(reshaped).toBeDefined();
    expect(p.views.get(g.producers().get(reshaped)!.inputs[0])).toEqual(p.views.get(reshaped));
  });

  it('deep mutual learning: one group per peer, in buffers of their own', () => {
    const p = planFlatOptimizer(buildStepGraph(dml(4), DEFAULT_OPTIM).graph, 256);
    expect(p.groups.length).toBe(2);
    expect(new Set(p.groups.flatMap((g) => [g.params, g.grads, ...g.states])).size).toBe(6);
  });

  it('Adam: two state buffers; no groups when the updates are not consecutive', () => {
    const sg = buildStepGraph(plain(4), { ...DEFAULT_OPTIM, kind: 'adamw' });
    expect(planFlatOptimizer(sg.graph, 256).groups[0].states.length).toBe(2);
    const g = sg.graph;
    const i = g.nodes.findIndex((n) => n.op === 'adam_update');
    g.nodes.splice(i + 1, 0, { ...g.nodes[0], id: 10_000, name: 'between' }); // a node between two updates
    expect(planFlatOptimizer(g, 256).groups.length).toBe(0);
  });
});

// Written for the flat_optim.ts survivors of the sample of 30 Nov (issue 17): each case breaks one condition a group
// must meet on an otherwise qualifying cnn_tiny step graph, and the plan must leave that group per tensor.
describe('flat optimizer plan refuses what it cannot lay out (CPU)', () => {
  const step = () => {
    const g = buildStepGraph(plain(4), DEFAULT_OPTIM).graph;
    const updates = g.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.op === 'sgd_update');
    return { g, updates: updates.map(([n]) => n), at: updates.map(([, i]) => i) };
  };
  it('the unmodified graph: one group, its buffers labelled after the optimizer node names', () => {
    const { g, updates } = step();
    const p = planFlatOptimizer(g, 256);
    expect(p.groups.length).toBe(1);
    // a group is named after its first update node, less the last dotted part of the name
    const prefix = updates[0].name.slice(0, updates[0].name.lastIndexOf('.'));
    expect(prefix.length).toBeGreaterThan(0);
    expect(p.buffers.map((b) => b.label)).toEqual(['params', 'grads', 'state0'].map((l) => `flat.${l}(${prefix})`));
  });
  it('a parameter without f32 data, or a state tensor that is a parameter: no group', () => {
    const a = step();
    a.g.tensors[a.updates[2].inputs[0]].data = undefined;
    expect(planFlatOptimizer(a.g, 256).groups.length).toBe(0);
    const b = step();
    b.g.tensors[b.updates[1].inputs[2]].role = 'param';
    expect(planFlatOptimizer(b.g, 256).groups.length).toBe(0);
  });
  it('a gradient that is also a graph output cannot move into the flat buffer: no group', () => {
    const { g, updates } = step();
    g.markOutput(updates[1].inputs[1]);
    expect(planFlatOptimizer(g, 256).groups.length).toBe(0);
  });
  it('a second group sharing a tensor with the first is left per tensor (a tensor has one place)', () => {
    const { g, updates } = step();
    // two more updates, consecutive, with another momentum (another group key): the first shares w0 and g0 with the
    // planned group but has a fresh velocity; the second reuses update 1's tensors
    const [u0, u1] = updates;
    const v = g.addState('fresh.v', g.shape(u0.inputs[2]));
    g.add('sgd_update', [u0.inputs[0], u0.inputs[1], v, ...u0.inputs.slice(3)], { ...u0.attrs, momentum: 0.5 }, 'again.a');
    g.add('sgd_update', u1.inputs, { ...u1.attrs, momentum: 0.5 }, 'again.b');
    const p = planFlatOptimizer(g, 256);
    expect(p.groups.length).toBe(1);
    expect(p.groups[0].updates).not.toContain(g.nodes.length - 1);
    expect(p.views.has(v)).toBe(false);
  });
  it("another node that reads a gradient and writes one of the group's gradients: no group (it would race)", () => {
    // flat_optim.ts:132 (the hazard needs both: a gradient written and a gradient read); a survivor of the fresh
    // mutation sample. Control: the same node reading a tensor that is not a gradient leaves the group alone.
    const writer = (readsGrad: boolean) => {
      const { g, updates } = step();
      const src = readsGrad ? updates[0].inputs[1] : g.inputs[0];
      const out = updates[1].inputs[1];
      g.nodes.unshift({ id: 10_002, name: 'writer', op: 'activation', inputs: [src], outputs: [out], attrs: { act: 1 } });
      return planFlatOptimizer(g, 256).groups.length;
    };
    expect(writer(true)).toBe(0);
    expect(writer(false)).toBe(1);
  });
  it("another node that reads a gradient and a non-gradient and writes one of the group's gradients: no group", () => {
    // flat_optim.ts:132 (seed 2030: one gradient read among the inputs is enough, e.g. g1 = g0 + λ·w, not all of them)
    const { g, updates } = step();
    const out = updates[1].inputs[1];
    const inputs = [updates[0].inputs[1], updates[0].inputs[0]]; // a gradient and a parameter
    g.nodes.unshift({ id: 10_003, name: 'writer', op: 'add', inputs, outputs: [out], attrs: {} });
    expect(planFlatOptimizer(g, 256).groups.length).toBe(0);
  });
  it('a gradient that is not an activation (a parameter, input or state tensor holds data of its own): no group', () => {
    // flat_optim.ts:115 (a survivor of the fresh sample seed 2027): only a computed gradient may move into the
    // zero-initialised flat gradient buffer; one of another role would lose its data. Control: 'activation'.
    const withRole = (role: 'activation' | 'param' | 'input' | 'state') => {
      const { g, updates } = step();
      const prod = g.producers();
      // a gradient that is not a view, so that it is its own root
      const u = updates.find((n) => !getOp(prod.get(n.inputs[1])!.op).view)!;
      g.tensors[u.inputs[1]].role = role;
      return planFlatOptimizer(g, 256).groups.length;
    };
    expect(withRole('activation')).toBe(1);
    for (const role of ['param', 'input', 'state'] as const) expect(withRole(role), role).toBe(0);
  });
  it('grad_norm is found by its op, not by another node reading the same gradients', () => {
    const { g } = step();
    const norm = g.nodes.find((n) => n.op === 'grad_norm')!;
    g.nodes.unshift({ ...norm, id: 10_001, name: 'not_a_norm', op: 'concat', outputs: [] });
    const p = planFlatOptimizer(g, 256);
    expect(p.groups.length).toBe(1);
    expect(g.nodes[p.groups[0].norm]).toBe(norm);
  });
});

/** `steps` steps of the step graph compiled flat and per tensor on the same random batches: the parameters and
 *  optimizer state after them, and the gradient norms. */
async function flatVsPerTensor(kind: StepKind, opt: OptimConfig, steps: number) {
  const rt = await runtime();
  const sg = buildStepGraph(kind, opt);
  const flat = await compile(rt, sg.graph, { fuse: false });
  const ref = await compile(rt, sg.graph, { fuse: false, flatOptimizer: false });
  const batch = 4;
  const norms: number[][] = [[], []];
  for (let s = 0; s < steps; s++) {
    const images = randn(batch * 784, 10 + s);
    const labels = Float32Array.from({ length: batch }, (_, b) => (b * 3 + s) % 10);
    const inputs = [images, labels, hyperFor(opt, s)];
    const [a, b] = [await flat.run(inputs), await ref.run(inputs)];
    sg.readouts.forEach((r) => {
      norms[0].push(a[r.norm][0]);
      norms[1].push(b[r.norm][0]);
    });
  }
  const persistent = sg.graph.tensors.filter((t) => t.role === 'param' || t.role === 'state').filter((t) => sg.graph.isUsed(t.id));
  const values = [];
  for (const t of persistent) values.push({ name: t.name, flat: await flat.readTensor(t.id), ref: await ref.readTensor(t.id) });
  const dispatches = [flat.dispatchCount, ref.dispatchCount];
  flat.destroy();
  ref.destroy();
  return { values, norms, dispatches, updates: sg.graph.nodes.filter((n) => n.op.endsWith('_update')).length };
}

describe('flat optimizer on the GPU equals the per-tensor updates', () => {
  it('SGD (Nesterov, weight decay), 3 steps: identical weights and velocities; 2 update dispatches, 1 norm partial', async () => {
    const r = await flatVsPerTensor(plain(4), { ...DEFAULT_OPTIM, lr: 0.05, warmupSteps: 0 }, 3);
    // no clipping: the update is elementwise and the same arithmetic, so bit-identical
    for (const v of r.values) expect([...v.flat], v.name).toEqual([...v.ref]);
    r.norms[0].forEach((n, s) => expect(Math.abs(n - r.norms[1][s]) / r.norms[1][s]).toBeLessThan(1e-5));
    // per tensor: U updates + U partial sums; flat: 2 updates + 1 partial sum
    expect(r.dispatches[1] - r.dispatches[0]).toBe(2 * r.updates - 3);
  });

  it('AdamW with clipping and ℓ1, 3 steps: weights and moments within float rounding (the norm sums in another order)', async () => {
    const opt: OptimConfig = { ...DEFAULT_OPTIM, kind: 'adamw', lr: 0.01, maxNorm: 0.5, l1: 1e-4, warmupSteps: 0 };
    const r = await flatVsPerTensor(plain(4), opt, 3);
    for (const v of r.values) expectClose(v.flat, v.ref, { atol: 1e-6, rtol: 1e-5 }, v.name);
  });

  it('deep mutual learning, 2 peers, 2 steps: identical peers', async () => {
    const r = await flatVsPerTensor(dml(4), { ...DEFAULT_OPTIM, lr: 0.05, warmupSteps: 0 }, 2);
    for (const v of r.values) expect([...v.flat], v.name).toEqual([...v.ref]);
    expect(r.dispatches[1] - r.dispatches[0]).toBe(2 * r.updates - 6);
  });
});
