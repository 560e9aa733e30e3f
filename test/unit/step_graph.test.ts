// The step graphs of src/train/step_graph.ts built on the CPU (no GPU: graph structure only) and CompiledStep's
// bookkeeping on a fake compiled graph: the inputs in their documented order, the loss weights each readout reports
// (plain 1/0, kd α and β·τ², dml 1 and 1/(K−1)), the argument checks, parameter names (a kd student's match the plain
// model's, so checkpoints and exports agree; dml peers are prefixed), one KL term per other peer, and masked
// weights / persistent tensors / restore. The values of a step are checked on the GPU by train_oracle.test.ts
// against finite differences. StrykerJS (issue 17): step_graph.ts's mutants need a CPU test to be measured whole.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/graph/ir.js';
import '../../src/graph/executor.js'; // registers the ops
import { buildModel, MODEL_NAMES } from '../../src/models/zoo.js';
import { opNames } from '../../src/ops/registry.js';
import { addModel, backward, dwChunks, pruneTargets, RULES, splitK } from '../../src/train/autodiff.js';
import { convGeom, type ConvGeom } from '../../src/ops/conv.js';
import { buildStepGraph, CompiledStep, type StepGraph } from '../../src/train/step_graph.js';
import { DEFAULT_OPTIM, HYPER } from '../../src/train/optim.js';
import { SlimError } from '../../src/runtime/errors.js';
import { runGraphRef } from '../ref/graph.js';
import { channelShuffleRef } from '../ref/ops.js';

const model = () => buildModel({ model: 'cnn_tiny', batch: 2 });
const paramNames = (s: StepGraph, k = 0) => [...s.models[k].params.keys()].sort();
/** The names of model k's parameter tensors in the step graph (what a checkpoint stores). */
const destNames = (s: StepGraph, k = 0) => [...s.models[k].params.values()].map((id) => s.graph.tensors[id].name).sort();
/** The names of model k's optimizer state tensors (what a checkpoint stores next to the weights). */
const stateNames = (s: StepGraph, k = 0) => s.state[k].map((id) => s.graph.tensors[id].name).sort();
const opsOf = (s: StepGraph, op: string) => s.graph.nodes.filter((n) => n.op === op);

describe('buildStepGraph', () => {
  it('plain: inputs images, labels, hyper; one readout with α = 1, no KL', () => {
    const s = buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM);
    const g = s.graph;
    expect(g.inputs.map((t) => g.tensors[t].name)).toEqual(['images', 'labels', 'hyper']);
    expect(g.inputs.map((t) => g.shape(t))).toEqual([model().shape(model().inputs[0]), [2], [HYPER.size]]);
    expect(s.readouts).toHaveLength(1);
    expect(s.readouts[0]).toMatchObject({ alpha: 1, klWeight: 0, kl: undefined });
    expect(s.models).toHaveLength(1);
    expect(s.state).toHaveLength(1);
    expect(opsOf(s, 'kl_div')).toHaveLength(0);
    expect(paramNames(s)).toEqual(
      model()
        .tensors.filter((t) => t.role === 'param')
        .map((t) => t.name)
        .sort(),
    );
  });
  it('kd: the student keeps the plain names, the teacher is prefixed; readout α and β·τ²; KL scaled by β·τ²/B', () => {
    const plain = buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM);
    const s = buildStepGraph({ kind: 'kd', student: model(), teacher: model(), tau: 4, alpha: 0.3, beta: 0.7 }, DEFAULT_OPTIM);
    expect(paramNames(s)).toEqual(paramNames(plain));
    expect(destNames(s)).toEqual(destNames(plain));
    expect(destNames(plain)).toEqual(paramNames(plain));
    expect(stateNames(s)).toEqual(stateNames(plain));
    expect(stateNames(plain).length).toBeGreaterThan(0);
    expect(stateNames(plain).every((n) => n.includes('@'))).toBe(true);
    expect(s.graph.tensors.some((t) => t.name.startsWith('teacher/'))).toBe(true);
    expect(s.readouts).toHaveLength(1);
    expect(s.readouts[0].alpha).toBe(0.3);
    expect(s.readouts[0].klWeight).toBeCloseTo(0.7 * 16, 12);
    expect(s.readouts[0].kl).toBeTypeOf('number');
    const [kl] = opsOf(s, 'kl_div');
    expect(kl.attrs).toMatchObject({ tau: 4 });
    expect(kl.attrs.scale).toBeCloseTo((0.7 * 16) / 2, 12);
    expect(opsOf(s, 'softmax_cross_entropy')[0].attrs.scale).toBeCloseTo(0.3 / 2, 12);
  });
  it('kd with a cached teacher: a fourth input teacher_logits, no teacher weights', () => {
    const s = buildStepGraph(
      { kind: 'kd', student: model(), teacher: model(), tau: 2, alpha: 1, beta: 1, cachedTeacher: true },
      DEFAULT_OPTIM,
    );
    const g = s.graph;
    expect(g.inputs.map((t) => g.tensors[t].name)).toEqual(['images', 'labels', 'hyper', 'teacher_logits']);
    expect(g.shape(g.inputs[3])).toEqual([2, 10]);
    expect(g.tensors.some((t) => t.name.startsWith('teacher/'))).toBe(false);
  });
  it.each([
    [1, 0, 1, null],
    [1, 1, 0, null],
    [0.5, 0, 0, null],
    [0, 1, 1, 'distillation needs τ > 0, α ≥ 0, β ≥ 0 (got 0, 1, 1)'],
    [2, -1, 1, 'distillation needs τ > 0, α ≥ 0, β ≥ 0 (got 2, -1, 1)'],
    [2, 1, -0.5, 'distillation needs τ > 0, α ≥ 0, β ≥ 0 (got 2, 1, -0.5)'],
  ])('kd τ = %d, α = %d, β = %d: %s', (tau, alpha, beta, error) => {
    const build = () => buildStepGraph({ kind: 'kd', student: model(), teacher: model(), tau, alpha, beta }, DEFAULT_OPTIM);
    if (error) expect(build).toThrow(error);
    else expect(build).not.toThrow();
  });
  it.each([2, 3])('dml with %i peers: peer-prefixed names, one KL per other peer, readouts 1 and 1/(K−1)', (K) => {
    const s = buildStepGraph({ kind: 'dml', peers: Array.from({ length: K }, model) }, DEFAULT_OPTIM);
    expect(s.models).toHaveLength(K);
    expect(s.state).toHaveLength(K);
    const plain = paramNames(buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM));
    for (let k = 0; k < K; k++) {
      expect(paramNames(s, k)).toEqual(plain);
      const ids = [...s.models[k].params.values()];
      expect(ids.every((id) => s.graph.tensors[id].name.startsWith(`peer${k}/`))).toBe(true);
      expect(stateNames(s, k).every((n) => n.startsWith(`peer${k}/`))).toBe(true);
      expect(s.readouts[k]).toMatchObject({ alpha: 1 });
      expect(s.readouts[k].klWeight).toBeCloseTo(1 / (K - 1), 12);
    }
    const kls = opsOf(s, 'kl_div');
    expect(kls).toHaveLength(K * (K - 1));
    for (const n of kls) expect(n.attrs).toMatchObject({ tau: 1 });
    for (const n of kls) expect(n.attrs.scale).toBeCloseTo(1 / ((K - 1) * 2), 12);
    expect(new Set(kls.map((n) => n.inputs[0])).size).toBe(K); // each peer's KL terms start from its own logits
    for (const n of kls) expect(n.inputs[0]).not.toBe(n.inputs[1]);
  });
  it('batch norms train on batch statistics: batchnorm_train (update 1; 0 for a dml peer recomputed; 3 peers), a frozen teacher keeps batchnorm', () => {
    const mb = () => buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 16, batch: 2, classes: 10 });
    const bns = mb().nodes.filter((n) => n.op === 'batchnorm').length;
    expect(bns).toBeGreaterThan(0);
    const kd = buildStepGraph({ kind: 'kd', student: mb(), teacher: mb(), tau: 2, alpha: 1, beta: 1 }, DEFAULT_OPTIM);
    expect(opsOf(kd, 'batchnorm_train').map((n) => n.attrs.update)).toEqual(new Array(bns).fill(1));
    expect(opsOf(kd, 'batchnorm')).toHaveLength(bns); // the teacher's, inference form
    expect(opsOf(kd, 'batchnorm').every((n) => n.name.startsWith('teacher/'))).toBe(true);
    const plain = buildStepGraph({ kind: 'plain', model: mb() }, DEFAULT_OPTIM);
    expect(opsOf(plain, 'batchnorm_train').map((n) => n.attrs.update)).toEqual(new Array(bns).fill(1));
    const dml = buildStepGraph({ kind: 'dml', peers: [mb(), mb(), mb()] }, DEFAULT_OPTIM);
    const upd = opsOf(dml, 'batchnorm_train').map((n) => n.attrs.update);
    expect(upd.filter((u) => u === 1)).toHaveLength(3 * bns); // phase k trains peer k
    expect(upd.filter((u) => u === 0)).toHaveLength(6 * bns); // and recomputes the two others
    expect(opsOf(dml, 'batchnorm')).toHaveLength(0);
  });
  it.each(MODEL_NAMES.flatMap((m) => (['none', 'int8', 'binary'] as const).map((q) => [m, q] as const)))(
    '%s, qat %s: the step graph (with weight pruning) uses registered ops only',
    (name, qat) => {
      const spec = { model: name, batch: 2, res: name.startsWith('cnn') ? 28 : 32, classes: 10, alpha: 0.25 };
      const s = buildStepGraph({ kind: 'plain', model: buildModel(spec) }, DEFAULT_OPTIM, qat, 'weights');
      const known = new Set(opNames());
      expect(s.graph.nodes.map((n) => n.op).filter((op) => !known.has(op))).toEqual([]);
      expect(s.models[0].trainable.length).toBeGreaterThan(0);
    },
  );
  it('pruning masks only for the trained model: none without pruning, none for a frozen teacher', () => {
    const masks = (s: StepGraph) => s.graph.tensors.filter((t) => t.name.includes('@mask')).map((t) => t.name);
    const kd = (prune: 'none' | 'weights') =>
      buildStepGraph({ kind: 'kd', student: model(), teacher: model(), tau: 2, alpha: 1, beta: 1 }, DEFAULT_OPTIM, 'none', prune);
    expect(masks(kd('none'))).toEqual([]);
    const pruned = masks(kd('weights'));
    expect(pruned.length).toBeGreaterThan(0);
    expect(pruned.filter((n) => n.startsWith('teacher/'))).toEqual([]);
    expect(masks(buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM))).toEqual([]);
  });
  it('readouts point at the graph outputs of their losses and gradient norm; CE scaled by 1/B (plain, dml)', () => {
    const check = (s: StepGraph, klOp: string | null) => {
      const prod = s.graph.producers();
      for (const r of s.readouts) {
        expect(prod.get(s.graph.outputs[r.ce])!.op).toBe('softmax_cross_entropy');
        expect(prod.get(s.graph.outputs[r.norm])!.name).toMatch(/grad_norm/);
        if (klOp) expect(prod.get(s.graph.outputs[r.kl!])!.op).toBe(klOp);
      }
    };
    const plain = buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM);
    check(plain, null);
    expect(opsOf(plain, 'softmax_cross_entropy')[0].attrs.scale).toBeCloseTo(1 / 2, 12);
    const dml = buildStepGraph({ kind: 'dml', peers: [model(), model(), model()] }, DEFAULT_OPTIM);
    check(dml, 'add'); // three peers: each readout's KL is the sum of two terms
    for (const n of opsOf(dml, 'softmax_cross_entropy')) expect(n.attrs.scale).toBeCloseTo(1 / 2, 12);
    const used = new Set(dml.graph.nodes.flatMap((n) => n.inputs));
    for (const n of opsOf(dml, 'softmax_cross_entropy')) expect(used.has(n.outputs[1])).toBe(true); // its gradient seeds the backward pass
    check(buildStepGraph({ kind: 'dml', peers: [model(), model()] }, DEFAULT_OPTIM), 'kl_div');
  });
  it('dml: every phase uses the same parameter and mask tensors of each peer (K copies of the model, not K²)', () => {
    const per = model().tensors.filter((t) => t.role === 'param').length;
    const s = buildStepGraph({ kind: 'dml', peers: [model(), model(), model()] }, DEFAULT_OPTIM, 'none', 'weights');
    expect(s.graph.tensors.filter((t) => t.role === 'param').length).toBe(3 * per);
    const masks = s.graph.tensors.filter((t) => t.name.includes('@mask'));
    expect(masks.length).toBe(3 * s.models[0].masks.size);
    expect(s.models[0].masks.size).toBeGreaterThan(0);
  });
  it('dml needs two peers', () => {
    expect(() => buildStepGraph({ kind: 'dml', peers: [model()] }, DEFAULT_OPTIM)).toThrow(
      'deep mutual learning needs at least 2 peers (got 1)',
    );
  });
});

/** A CompiledStep over a fake compiled graph holding tensors in a Map (the constructor is private in TypeScript only). */
function fakeCompiled(step: StepGraph) {
  const store = new Map<number, Float32Array>();
  const reads: number[] = [];
  const compiled = {
    readTensor: async (id: number) => {
      if (!store.has(id)) throw new Error(`no tensor ${id}`);
      reads.push(id);
      return Float32Array.from(store.get(id)!);
    },
    writeTensor: (id: number, d: Float32Array) => store.set(id, Float32Array.from(d)),
    destroy: () => store.clear(),
  };
  const Ctor = CompiledStep as unknown as new (s: StepGraph, c: typeof compiled) => CompiledStep;
  return { run: new Ctor(step, compiled), store, reads };
}

describe('CompiledStep (fake compiled graph)', () => {
  it('weights: unmasked parameters as read, masked ones multiplied by their masks; masks by name', async () => {
    const s = buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM, 'none', 'weights');
    const { run, store } = fakeCompiled(s);
    const m = s.models[0];
    expect(m.masks.size).toBeGreaterThan(0);
    for (const [, id] of m.params) store.set(id, Float32Array.of(2, -3, 4));
    for (const [, id] of m.masks) store.set(id, Float32Array.of(1, 0, 1));
    const w = await run.weights(0);
    for (const [name] of m.params) expect([...w.get(name)!]).toEqual(m.masks.has(name) ? [2, -0, 4] : [2, -3, 4]);
    expect([...(await run.masks(0)).keys()].sort()).toEqual([...m.masks.keys()].sort());
    expect(run.models).toBe(s.models);
  });
  it('weights without pruning read only the parameters', async () => {
    const s = buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM);
    const { run, store, reads } = fakeCompiled(s);
    expect(s.models[0].masks.size).toBe(0);
    for (const [, id] of s.models[0].params) store.set(id, Float32Array.of(1.5));
    const w = await run.weights(0);
    expect([...w.values()].every((v) => v.length === 1 && v[0] === 1.5)).toBe(true);
    expect(reads.sort()).toEqual([...s.models[0].params.values()].sort());
  });
  it('persistent: the trained models\u2019 parameters and state, not the teacher; checkpointTensors and restore by name', async () => {
    const s = buildStepGraph({ kind: 'kd', student: model(), teacher: model(), tau: 2, alpha: 1, beta: 1 }, DEFAULT_OPTIM);
    const { run, store } = fakeCompiled(s);
    expect(run.persistent.length).toBeGreaterThan(0);
    expect(run.persistent.every((t) => (t.role === 'param' || t.role === 'state') && !t.name.startsWith('teacher/'))).toBe(true);
    const want = s.graph.tensors.filter(
      (t) => (t.role === 'param' || t.role === 'state') && !t.name.startsWith('teacher/') && s.graph.isUsed(t.id),
    );
    expect(run.persistent.map((t) => t.id)).toEqual(want.map((t) => t.id));
    run.persistent.forEach((t, i) => store.set(t.id, Float32Array.of(i)));
    const ck = await run.checkpointTensors();
    expect([...ck.keys()]).toEqual(run.persistent.map((t) => t.name));
    expect(ck.get(run.persistent[1].name)).toEqual({ shape: run.persistent[1].shape, data: Float32Array.of(1) });
    const back = new Map([...ck].map(([n, t]) => [n, { data: t.data.map((v) => v + 10) }]));
    run.restore(back, 'a.ckpt');
    expect([...store.get(run.persistent[2].id)!]).toEqual([12]);
    back.delete(run.persistent[0].name);
    expect(() => run.restore(back, 'a.ckpt')).toThrow(
      `checkpoint a.ckpt has no tensor '${run.persistent[0].name}' (different model or optimizer?)`,
    );
    run.destroy();
    expect(store.size).toBe(0);
  });
});

describe('pruneTargets (autodiff.ts), on a hand-built graph, from its documented rule', () => {
  // first conv 3×3×3 (27 weights per output), a pointwise conv 1×1×32 with bias, a depthwise 3×3 conv, a batch
  // norm, a grouped 1×1 conv (2 groups, 4 inputs per group), and a 1×1×8 'classifier' conv
  const g = new Graph();
  let x = g.addInput('x', [1, 6, 6, 3]);
  const p = (name: string, shape: number[]) => g.addParam(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  const conv = (name: string, w: number[], groups = 1, bias = true) =>
    (x = g.add1(
      'conv2d',
      [x, p(`${name}.w`, w), ...(bias ? [p(`${name}.b`, [w[3]])] : [])],
      { groups, pads: w[0] === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0] },
      name,
    ));
  conv('first', [3, 3, 3, 32], 1, false);
  conv('pw', [1, 1, 32, 8]);
  conv('dw', [3, 3, 1, 8], 8);
  x = g.add1('batchnorm', [x, p('bn.gamma', [8]), p('bn.beta', [8]), p('bn.mean', [8]), p('bn.var', [8])], { eps: 1e-3 }, 'bn');
  conv('grp', [1, 1, 4, 8], 2);
  conv('classifier', [1, 1, 8, 10]);
  g.markOutput(x);
  it("weights: conv weights with more than 27 per output, not the classifier's, no biases", () => {
    expect([...pruneTargets(g, 'weights')].sort()).toEqual(['pw.w']);
    expect([...pruneTargets(g)].sort()).toEqual(['pw.w']); // the default kind
  });
  it('filters: weights and biases of every non-depthwise conv (classifier included) and the batch norm γ, β', () => {
    expect([...pruneTargets(g, 'filters')].sort()).toEqual(
      ['bn.beta', 'bn.gamma', 'classifier.b', 'classifier.w', 'first.w', 'grp.b', 'grp.w', 'pw.b', 'pw.w'].sort(),
    );
  });
  it('none: nothing', () => {
    expect(pruneTargets(g, 'none').size).toBe(0);
  });
});

describe('autodiff.ts on the CPU: errors by name, splitK from its documented rule', () => {
  it('addModel refuses a graph whose node reads a tensor defined later', () => {
    const src = new Graph();
    const x = src.addInput('x', [1, 2, 2, 4]);
    const a = src.add1('activation', [x], { act: 1 }, 'a');
    src.markOutput(src.add1('activation', [a], { act: 1 }, 'b'));
    src.nodes.reverse(); // b now comes before the node that defines its input
    const dst = new Graph();
    expect(() => addModel(dst, src, { prefix: '', input: dst.addInput('x', [1, 2, 2, 4]), mode: 'train' })).toThrow(
      `addModel: tensor '${src.tensors[a].name}' used before it is defined`,
    );
  });
  it('backward names an op without a derivative rule', () => {
    const g = new Graph();
    const w = g.addParam('w', [2, 4], new Float32Array(8));
    const op = 'softmax';
    expect(RULES[op]).toBeUndefined();
    const y = g.add1(op, [w], {}, 'sm');
    expect(() => backward(g, new Map([[y, [y]]]), [w])).toThrow("no derivative rule for op 'softmax' (node 'sm')");
  });
  // "Split into s ≤ 64 chunks of ≥ 256 (m/s a multiple of 4) so there are ≥ 512 tiles" (r·cout/16 tiles per chunk),
  // only when cout % 4 = 0 and r·cout ≤ 2048; s doubles while every condition holds.
  it.each([
    [25088, 9, 8, 64], // cnn_tiny's conv1 (the comment's example): capped at 64
    [1 << 20, 64, 32, 4], // r·cout = 2048: 4 chunks make 512 tiles, no more
    [1 << 20, 32, 32, 8], // 1024 outputs: 8 chunks
    [4096, 9, 8, 16], // chunks of 256: m/(2s) ≥ 256 stops at s = 16
    [25088, 9, 6, 1], // cout not a multiple of 4
    [25088, 64, 36, 1], // r·cout > 2048
    [1004, 9, 8, 1], // m % 8 ≠ 0
  ])('splitK(m %i, r %i, cout %i) = %i', (m, r, cout, s) => {
    expect(splitK(m, r, cout)).toBe(s);
  });
});

// Written for the autodiff.ts survivors of the sample of 30 Nov (issue 17): which activation and max-pool a
// training batch norm absorbs. Only a sole consumer may be absorbed: a tensor that another node also reads must
// stay as computed (absorbing it would hand that node act(bn(x)) or the pooled tensor instead).
describe('addModel: the activation and max-pool a batch norm absorbs (autodiff.ts, hand-built graphs)', () => {
  /** x [2, 4, 4, 4] → bn → the rest built by `rest(bn)`, which returns the model's single output. */
  const trained = (rest: (g: Graph, bn: number) => number) => {
    const src = new Graph();
    const x = src.addInput('x', [2, 4, 4, 4]);
    const p = (name: string, v: number) => src.addParam(name, [4], new Float32Array(4).fill(v));
    const bn = src.add1('batchnorm', [x, p('bn.gamma', 1), p('bn.beta', 0), p('bn.mean', 0), p('bn.var', 1)], { eps: 1e-3 }, 'bn');
    src.markOutput(rest(src, bn));
    const dst = new Graph();
    addModel(dst, src, { prefix: '', input: dst.addInput('x', [2, 4, 4, 4]), mode: 'train' });
    const bnt = dst.nodes.filter((n) => n.op === 'batchnorm_train');
    expect(bnt).toHaveLength(1);
    return { attrs: bnt[0].attrs, ops: dst.nodes.map((n) => n.op) };
  };
  const relu = (g: Graph, t: number) => g.add1('activation', [t], { act: 1 }, 'relu');
  const maxpool = (g: Graph, t: number) => g.add1('pool2d', [t], { kernel: [2, 2], stride: [2, 2], mode: 'max' }, 'pool');

  it('bn → relu → max-pool 2×2 (sole consumers): both absorbed', () => {
    const r = trained((g, bn) => maxpool(g, relu(g, bn)));
    expect([r.attrs.act, r.attrs.pool]).toEqual([1, [2, 2]]);
    expect(r.ops).not.toContain('activation');
    expect(r.ops).not.toContain('pool2d');
  });
  it('bn read by relu and by a residual add: the relu stays a node of its own', () => {
    const r = trained((g, bn) => g.add1('add', [relu(g, bn), bn], {}, 'res'));
    expect(r.attrs.act).toBe(0);
    expect(r.ops).toContain('activation');
  });
  it('an identity activation (code 0) is not one of the codes 1–7 absorbed: it stays a node, and so does the max-pool', () => {
    // autodiff.ts:219 (isAct: an integer AND ≥ 1 AND ≤ 7; with `||` every integer ≤ 7 would be absorbed)
    const r = trained((g, bn) => maxpool(g, g.add1('activation', [bn], { act: 0 }, 'id')));
    expect([r.attrs.act, r.attrs.pool]).toEqual([0, undefined]);
    expect(r.ops).toEqual(['batchnorm_train', 'activation', 'pool2d']);
  });
  it.each([
    ['[1, 1, 1, 1]', [1, 1, 1, 1]],
    ['[0, 0, 1, 1] (asymmetric)', [0, 0, 1, 1]],
  ])('a padded max-pool 2×2 (pads %s) is not absorbed: it stays a node after the relu the batch norm takes', (_, pads) => {
    // autodiff.ts:250 (batchnormPools reads the pool's pads: the fused kernel has no padding)
    const r = trained((g, bn) => g.add1('pool2d', [relu(g, bn)], { kernel: [2, 2], stride: [2, 2], pads, mode: 'max' }, 'pool'));
    expect([r.attrs.act, r.attrs.pool]).toEqual([1, undefined]);
    expect(r.ops).toEqual(['batchnorm_train', 'pool2d']);
  });
  it('relu read by the max-pool and by a global pool: the relu is absorbed, the max-pool is not', () => {
    const r = trained((g, bn) => {
      const a = relu(g, bn);
      const left = g.add1('global_pool', [maxpool(g, a)], { mode: 'avg' }, 'gl');
      return g.add1('add', [left, g.add1('global_pool', [a], { mode: 'avg' }, 'gr')], {}, 'sum');
    });
    expect([r.attrs.act, r.attrs.pool]).toEqual([1, undefined]);
    expect(r.ops).toContain('pool2d');
  });
});

describe('backward through a channel shuffle (autodiff.ts, CPU references)', () => {
  it('dw is dy permuted back: the transpose of the forward permutation', () => {
    const C = 6;
    const g = new Graph();
    const w = g.addParam(
      'w',
      [1, 2, 1, C],
      Float32Array.from({ length: 2 * C }, (_, i) => i / 3 - 1),
    );
    const y = g.add1('channel_shuffle', [w], { groups: 2 }, 'shuffle');
    const dy = g.addInput('dy', [1, 2, 1, C]);
    const dw = backward(g, new Map([[y, [dy]]]), [w]).get(w);
    expect(dw).toBeDefined();
    g.markOutput(dw!);
    const dyv = Float32Array.from({ length: 2 * C }, (_, i) => (i * 7) % 11);
    const [got] = runGraphRef(g, [dyv]);
    // the forward permutation from the forward reference applied to the indices: y[k] = w[src[k]], so dw[src[k]] = dy[k]
    const src = channelShuffleRef(
      Float32Array.from({ length: 2 * C }, (_, i) => i),
      C,
      2,
    );
    const want = new Float32Array(2 * C);
    src.forEach((s, k) => (want[s] += dyv[k]));
    expect(new Set(src).size).toBe(2 * C);
    expect([...src]).not.toEqual([...src].sort((a, b) => a - b)); // a real permutation
    expect([...got]).toEqual([...want]);
  });
});

// "Chunks of the output rows (N·OH) for the implicit-im2col weight gradient: ≥ 4096 tiles of 4 input × 8 output
// channels (kh·kw·cin/4 · cout/8 per chunk) with ≥ 4 rows per chunk; S = ⌈rows / ⌈rows/S⌉⌉. One input channel:
// ≥ 1024 invocations of 8 output channels (Cout/8 per chunk) with ≥ 2 rows per chunk." Worked by hand from that text.
describe('dwChunks (autodiff.ts) from its documented rule', () => {
  it.each([
    // rows, kh, kw, cin, cout, S
    [1024, 3, 3, 32, 64, 8], // 576 tiles a chunk: 8 chunks reach 4096
    [1024, 1, 1, 4, 8, 256], // 1 tile a chunk: capped at rows/4
    [30, 3, 3, 32, 64, 6], // 8 wanted, at most ⌊30/4⌋ = 7, equal chunks of ⌈30/7⌉ = 5 rows: 6
    [100, 3, 3, 64, 128, 2], // 2304 tiles a chunk: 2
    [64, 3, 3, 1, 16, 32], // one input channel: 512 wanted, at most 64/2 = 32
    [2048, 3, 3, 1, 16, 512], // one input channel, cout 16: 1024·8/16 = 512 wanted (under ⌊2048/2⌋)
    [2048, 3, 3, 1, 12, 342], // cout 12 (not a multiple of 8): ⌈1024·4/12⌉ = 342 wanted, ⌈2048/6⌉ = 342
  ])('rows %i, %i×%i, cin %i, cout %i: %i chunks', (rows, kh, kw, cin, cout, s) => {
    expect(dwChunks({ n: 2, oh: rows / 2, kh, kw, cin, cout } as ConvGeom)).toBe(s);
  });
  // "Where the Winograd kernel goes first below 32 input channels (winogradDwFirst): ≥ 14 chunks of ≤ 64 rows."
  it.each([
    // batch, H = W, cin, cout, S
    [64, 14, 8, 16, 14], // cnn_tiny's conv2 at batch 64: 896 rows, 14 chunks of 64
    [32, 14, 8, 16, 14], // 448 rows: still 14 (of 32 rows)
    [128, 14, 8, 16, 28], // 1792 rows: 28 chunks of 64
    [2, 7, 8, 16, 3], // 14 rows: at most ⌊14/4⌋ = 3 chunks, equal chunks of ⌈14/3⌉ = 5 rows: 3
    [64, 14, 8, 8, 224], // Cout 8: the 8×16 tile does not fit, the rows rule (18 tiles a chunk: 228 wanted, at most ⌊896/4⌋ = 224)
    [64, 14, 4, 16, 224], // Cin 4: the 8×16 tile does not fit either (18 tiles a chunk, as above)
    [64, 14, 32, 64, 8], // Cin ≥ 32: the rows rule, as before (cnn_small's conv2)
  ])('Winograd rule: batch %i, %i×%i×%i → %i: %i chunks', (n, hw, cin, cout, s) => {
    expect(
      dwChunks(
        convGeom(
          [
            [n, hw, hw, cin],
            [3, 3, cin, cout],
          ],
          { pads: [1, 1, 1, 1] },
        ),
      ),
    ).toBe(s);
  });
});

// Survivors of the fresh mutation sample (seed 2026, docs/results/mutation/fresh/), each test checked to fail with
// its mutant planted and pass without.
describe('fresh mutation sample survivors (autodiff.ts)', () => {
  it("addModel: a batch norm's running mean and variance are parameters but not trainable; γ, β and the weights are", () => {
    // autodiff.ts:103 (only batch-norm nodes' inputs 3 and 4 are running statistics)
    const src = new Graph();
    const x = src.addInput('x', [2, 4, 4, 3]);
    const w = src.addParam('conv.w', [3, 3, 3, 4], new Float32Array(108).fill(0.1));
    const c = src.add1('conv2d', [x, w], { pads: [1, 1, 1, 1] }, 'conv');
    const p = (name: string, v: number) => src.addParam(name, [4], new Float32Array(4).fill(v));
    const bn = src.add1('batchnorm', [c, p('bn.gamma', 1), p('bn.beta', 0), p('bn.mean', 0), p('bn.var', 1)], { eps: 1e-3 }, 'bn');
    src.markOutput(bn);
    const dst = new Graph();
    const m = addModel(dst, src, { prefix: 'm/', input: dst.addInput('x', [2, 4, 4, 3]), mode: 'train' });
    expect([...m.params.keys()].sort()).toEqual(['bn.beta', 'bn.gamma', 'bn.mean', 'bn.var', 'conv.w']);
    expect(m.trainable.map((t) => dst.tensors[t].name).sort()).toEqual(['m/bn.beta', 'm/bn.gamma', 'm/conv.w']);
  });
  it('the weight-gradient nodes of a conv are named after it (what --profile lists): one chunk, <conv>.dw_part → <conv>.dw', () => {
    // autodiff.ts:326 (the name of the reshape when the implicit kernel runs in one chunk)
    const g = new Graph();
    const x = g.addInput('x', [1, 6, 5, 16]);
    const w = g.addParam('w', [2, 3, 16, 32], new Float32Array(2 * 3 * 16 * 32).fill(0.1));
    const y = g.add1('conv2d', [x, w], { stride: [2, 1], pads: [0, 2, 1, 2] }, 'conv');
    const dy = g.addInput('dy', g.shape(y));
    const dw = backward(g, new Map([[y, [dy]]]), [w]).get(w)!;
    const named = g.nodes.filter((n) => n.name.startsWith('conv.dw')).map((n) => [n.name, n.op]);
    expect(named).toEqual([
      ['conv.dw_part', 'conv2d_backward_weight_partial'],
      ['conv.dw', 'reshape'],
    ]);
    expect(g.nodes.find((n) => n.name === 'conv.dw')!.outputs).toEqual([dw]);
  });
  it('dx of a stride-1 convolution is a forward conv of dy with flipped weights whenever its pads are ≥ 0 (zero too)', () => {
    // autodiff.ts:272 (pads ≥ 0, not > 0): a 1×1 conv and a 3×3 conv with pad 2 give flipped-conv pads of exactly 0
    const dxOps = (k: number, pads: number[], stride = [1, 1]) => {
      const g = new Graph();
      const x = g.addInput('x', [1, 6, 6, 4]);
      const w = g.addParam('w', [k, k, 4, 8], new Float32Array(k * k * 32).fill(0.1));
      const y = g.add1('conv2d', [x, w], { pads, stride }, 'conv');
      const dy = g.addInput('dy', g.shape(y));
      backward(g, new Map([[y, [dy]]]), [x]);
      return g.nodes.filter((n) => n.name.startsWith('conv.')).map((n) => n.op);
    };
    for (const [k, pads] of [
      [1, [0, 0, 0, 0]],
      [3, [2, 2, 2, 2]],
      [3, [1, 0, 2, 1]],
    ] as const) {
      expect(dxOps(k, [...pads]), `${k}×${k} pads ${pads}`).toContain('conv2d_backward_input_flip');
      expect(dxOps(k, [...pads])).not.toContain('conv2d_backward_input');
    }
    // a pad past the kernel's reach (flipped pad < 0) and stride 2 take the gathering kernel
    expect(dxOps(1, [1, 1, 1, 1])).toContain('conv2d_backward_input');
    expect(dxOps(3, [1, 1, 1, 1], [2, 2])).toContain('conv2d_backward_input');
  });
});

// Which parameters train, for every zoo model (autodiff.ts addModel): each used parameter is added once under the
// prefix; exactly the running mean and variance of the batch norms (inputs 3 and 4) are not trainable, every other
// parameter (weights, biases, γ, β) is; a second forward of the same model (params given) adds none.
describe('addModel on every zoo model: trainable = parameters less the batch-norm running statistics', () => {
  for (const model of MODEL_NAMES)
    it(model, () => {
      const src = buildModel({ model, batch: 2 });
      src.addParam('unused.w', [3], new Float32Array(3).fill(1)); // read by no node: not added, not trained
      const stats = new Set(src.nodes.filter((n) => n.op === 'batchnorm').flatMap((n) => [n.inputs[3], n.inputs[4]]));
      const used = src.tensors.filter((t) => t.role === 'param' && src.isUsed(t.id));
      const dst = new Graph();
      const input = dst.addInput('x', src.shape(src.inputs[0]));
      const m = addModel(dst, src, { prefix: 'p/', input, mode: 'train' });
      expect([...m.params.keys()].sort()).toEqual(used.map((t) => t.name).sort());
      for (const t of used) expect(dst.tensors[m.params.get(t.name)!].name, t.name).toBe(`p/${t.name}`);
      const trainable = new Set(m.trainable.map((id) => dst.tensors[id].name));
      expect(trainable.size).toBe(m.trainable.length);
      const want = used.filter((t) => !stats.has(t.id)).map((t) => `p/${t.name}`);
      expect([...trainable].sort()).toEqual(want.sort());
      if (src.nodes.some((n) => n.op === 'batchnorm')) expect(stats.size).toBeGreaterThan(0);
      // a second forward sharing the parameters: no new parameter tensors
      const before = dst.tensors.filter((t) => t.role === 'param').length;
      const again = addModel(dst, src, { prefix: 'p2/', input, mode: 'recompute', params: m.params, masks: m.masks });
      expect(dst.tensors.filter((t) => t.role === 'param').length).toBe(before);
      expect([...again.trainable].sort()).toEqual([...m.trainable].sort());
    });
});

// Survivors of the fresh mutation sample seed 2027 (docs/results/mutation/fresh/seed-2027.json), each test checked to
// fail with its mutant planted and pass without.
describe('fresh mutation sample seed 2027 survivors (step_graph.ts, autodiff.ts)', () => {
  // autodiff.ts:403 (the batch-norm rule returning no gradients): a derivative rule that drops a gradient leaves the
  // parameters behind it untrained, silently. For every zoo model and QAT mode, every trainable parameter of every
  // trained model must reach its optimizer update: exactly one update node per trainable tensor, none for others.
  const updatesOf = (s: StepGraph) => {
    const per = new Map<number, number>();
    for (const n of s.graph.nodes)
      if (n.op === 'sgd_update' || n.op === 'adam_update') per.set(n.inputs[0], (per.get(n.inputs[0]) ?? 0) + 1);
    return per;
  };
  it.each(MODEL_NAMES.flatMap((m) => (['none', 'int8', 'binary'] as const).map((q) => [m, q] as const)))(
    '%s, qat %s: a gradient reaches every trainable parameter (one update each)',
    (name, qat) => {
      const spec = { model: name, batch: 2, res: name.startsWith('cnn') ? 28 : 32, classes: 10, alpha: 0.25 };
      const s = buildStepGraph({ kind: 'plain', model: buildModel(spec) }, DEFAULT_OPTIM, qat);
      const per = updatesOf(s);
      const trainable = s.models[0].trainable;
      expect(trainable.length).toBeGreaterThan(0);
      const missing = trainable.filter((t) => per.get(t) !== 1).map((t) => s.graph.tensors[t].name);
      expect(missing, 'trainable parameters without exactly one update').toEqual([]);
      expect(per.size).toBe(trainable.length);
    },
  );
  it('kd and dml (mobilenet_v2, batch norms): every trained model gets an update per trainable parameter, a frozen teacher none', () => {
    const mb = () => buildModel({ model: 'mobilenet_v2', alpha: 0.25, res: 16, batch: 2, classes: 10 });
    const kd = buildStepGraph({ kind: 'kd', student: mb(), teacher: mb(), tau: 2, alpha: 1, beta: 1 }, DEFAULT_OPTIM);
    const dml = buildStepGraph({ kind: 'dml', peers: [mb(), mb()] }, { ...DEFAULT_OPTIM, kind: 'adamw' });
    for (const s of [kd, dml]) {
      const per = updatesOf(s);
      const trainable = s.models.flatMap((m) => m.trainable);
      expect(trainable.filter((t) => per.get(t) !== 1).map((t) => s.graph.tensors[t].name)).toEqual([]);
      expect(per.size).toBe(trainable.length);
    }
    expect([...updatesOf(kd).keys()].some((t) => kd.graph.tensors[t].name.startsWith('teacher/'))).toBe(false);
  });

  it('a conv with a fused channel shuffle is refused for training, by name; a frozen (teacher) copy takes it as it is', () => {
    // autodiff.ts:163 (the conv2d derivative rules know nothing of the permuted store: its gradients would be wrong)
    const src = new Graph();
    const x = src.addInput('x', [2, 4, 4, 8]);
    const w = src.addParam('pw.w', [1, 1, 4, 8], new Float32Array(32).fill(0.1));
    src.markOutput(src.add1('conv2d', [x, w], { groups: 2, shuffle: 2 }, 'pw'));
    for (const mode of ['train', 'recompute'] as const) {
      const dst = new Graph();
      expect(() => addModel(dst, src, { prefix: '', input: dst.addInput('x', [2, 4, 4, 8]), mode })).toThrow(
        "node 'pw': a fused channel shuffle cannot be trained (train the unfused graph)",
      );
    }
    const frozen = new Graph();
    addModel(frozen, src, { prefix: 't/', input: frozen.addInput('x', [2, 4, 4, 8]), mode: 'frozen' });
    expect(frozen.nodes.map((n) => [n.op, n.attrs.shuffle])).toEqual([['conv2d', 2]]);
    // the same conv without the shuffle trains
    const plain = new Graph();
    src.nodes[0].attrs.shuffle = 1;
    expect(() => addModel(plain, src, { prefix: '', input: plain.addInput('x', [2, 4, 4, 8]), mode: 'train' })).not.toThrow();
  });

  it('a kd step with cached teacher logits and GPU-gathered batches is refused, by name', () => {
    // step_graph.ts:70 (the message): the cached logits are fed per batch from the CPU, which a gathered batch skips
    const split = { images: new Uint8Array(6 * 28 * 28), labels: new Uint8Array(6), n: 6, rows: 28, cols: 28 };
    const data = { split, augment: { cropPad: 0, flip: false } };
    const kd = (cachedTeacher: boolean) =>
      buildStepGraph(
        { kind: 'kd', student: model(), teacher: model(), tau: 2, alpha: 1, beta: 1, cachedTeacher },
        DEFAULT_OPTIM,
        'none',
        'none',
        data,
      );
    expect(() => kd(true)).toThrow(new SlimError('cached teacher logits need the batches assembled on the CPU'));
    expect(() => kd(false)).not.toThrow();
  });
});

// Survivors of the fresh mutation samples seed 2028 and 2029 (docs/results/mutation/fresh/), each test checked to fail
// with its mutant planted and pass without.
describe('fresh mutation sample seed 2028 and 2029 survivors (autodiff.ts, step_graph.ts)', () => {
  it("backward adds no contribution for an input its rule does not differentiate (a batch norm's running mean)", () => {
    // autodiff.ts:459: a rule returns undefined for an input without a derivative (batchnorm_train's running
    // statistics). Here the same tensor is the batch norm's γ and its running mean: its gradient is dγ alone.
    const g = new Graph();
    const x = g.addInput('x', [2, 2, 2, 4]);
    const p = (name: string, v: number) => g.addParam(name, [4], new Float32Array(4).fill(v));
    const gamma = p('bn.gamma', 1);
    const bnAttrs = { eps: 1e-3, momentum: 0.1, update: 1, act: 0 };
    const [y] = g.add('batchnorm_train', [x, gamma, p('bn.beta', 0), gamma, p('bn.var', 1)], bnAttrs, 'bn');
    const grads = backward(g, new Map([[y, [g.addInput('dy', [2, 2, 2, 4])]]]), [gamma]);
    const bwd = g.nodes.filter((n) => n.op === 'batchnorm_backward');
    expect(bwd).toHaveLength(1);
    expect(grads.get(gamma)).toBe(bwd[0].outputs[1]);
    expect(g.nodes.map((n) => n.op)).toEqual(['batchnorm_train', 'batchnorm_backward']);
  });

  it.each(MODEL_NAMES)('%s: every node of its step graph is named after what it computes (what --profile lists)', (name) => {
    // autodiff.ts:354 (a fully connected layer's weight gradient, `<layer>.dw_gemm`): no node is left nameless,
    // and each layer's weight-gradient matmul is named after the layer
    // step_graph.ts:125 (seed 2030: a dml peer's loss, `peer<k>/loss_ce`): the same for a dml step graph of two peers
    const m = () => buildModel({ model: name, batch: 2 });
    for (const s of [
      buildStepGraph({ kind: 'plain', model: m() }, DEFAULT_OPTIM),
      buildStepGraph({ kind: 'dml', peers: [m(), m()] }, DEFAULT_OPTIM),
    ]) {
      expect(s.graph.nodes.filter((n) => !/^[A-Za-z]/.test(n.name)).map((n) => `${n.op} '${n.name}'`)).toEqual([]);
      for (const n of s.graph.nodes.filter((n) => n.op === 'matmul' && n.attrs.transA === 1)) expect(n.name).toMatch(/^[\w/.]+\.dw_gemm$/);
    }
  });

  it('the gradient-norm node of each trained model is named after it (what --profile lists): opt.grad_norm, peer<k>/opt.grad_norm', () => {
    // step_graph.ts:85 (addOptimizer's name `${prefix}opt`; the flat update is named after the norm too)
    const norms = (s: StepGraph) => opsOf(s, 'grad_norm').map((n) => n.name);
    expect(norms(buildStepGraph({ kind: 'plain', model: model() }, DEFAULT_OPTIM))).toEqual(['opt.grad_norm']);
    expect(norms(buildStepGraph({ kind: 'dml', peers: [model(), model()] }, DEFAULT_OPTIM))).toEqual([
      'peer0/opt.grad_norm',
      'peer1/opt.grad_norm',
    ]);
  });
});

describe('fresh mutation sample seed 2030 survivors (autodiff.ts)', () => {
  it.each([
    [0, false, 5],
    [1, false, 6],
    [0, true, 6],
  ])('batchnorm_train act %i, pool %s: its backward reads beta only with a fused activation or pool (%i inputs)', (act, pool, inputs) => {
    // autodiff.ts:401 (norm.ts: batchnorm_backward (x, dy, mean, rstd, γ[, β]); β only where the fused activation or
    // max-pool is recomputed from the batch norm's output)
    const g = new Graph();
    const x = g.addInput('x', [2, 4, 4, 4]);
    const p = (name: string, v: number) => g.addParam(name, [4], new Float32Array(4).fill(v));
    const gamma = p('bn.gamma', 1);
    const beta = p('bn.beta', 0);
    const attrs = { eps: 1e-3, momentum: 0.1, update: 1, act, ...(pool ? { pool: [2, 2] } : {}) };
    const [y] = g.add('batchnorm_train', [x, gamma, beta, p('bn.mean', 0), p('bn.var', 1)], attrs, 'bn');
    backward(g, new Map([[y, [g.addInput('dy', g.shape(y))]]]), [gamma, beta]);
    const [bwd] = g.nodes.filter((n) => n.op === 'batchnorm_backward');
    expect(bwd.inputs).toHaveLength(inputs);
    expect(bwd.inputs.includes(beta)).toBe(inputs === 6);
  });
});
