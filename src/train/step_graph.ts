// Step graphs: one graph per training step, run as one command buffer — forward, losses, backward, gradient norm
// and optimizer updates — for the three ways slimgpu trains:
//
//   plain   one model, cross-entropy.
//   kd      knowledge distillation (Hinton et al. 2015): a frozen teacher (inference form, its logits computed in
//           the same command stream) and a student trained on α·CE(y, softmax(z_s)) + β·τ²·KL(softmax(z_t/τ) ‖ softmax(z_s/τ)).
//   dml     deep mutual learning (Zhang et al. 2018, Algorithm 1): K ≥ 2 peers; for k = 1..K in turn, every peer's
//           predictions are computed with the current weights, then peer k takes a step on
//           CE(y, p_k) + 1/(K−1) Σ_{l≠k} KL(p_l ‖ p_k). Later phases see the peers already updated this step
//           (the updates are in place and the phases run in order in one command stream).
//
// Inputs of every step graph, in order: images [B,28,28,1] (or the model's input), labels [B] (f32 class ids),
// hyper [8] (see optim.ts), and for kd with cachedTeacher the teacher's logits of the batch [B, classes] (computed
// once for the whole training set when augmentation is off: the teacher is frozen and its input never changes).
// With a GPU-resident dataset (`data`, src/train/gpu_data.ts) images and labels are instead the outputs of a
// gather_batch node over tensors named data/… (never checkpointed), and the inputs are cursor [4] and hyper [8].
// Outputs: per trained model its CE rows, its KL rows (kd/dml), and its gradient norm.
//
// CompiledStep: the compiled step graph with access to what it trains — each model's weights (masked), its pruning
// masks, and the persistent tensors (parameters, running statistics, optimizer state, masks) a checkpoint holds.

import { compile, type CompiledGraph } from '../graph/executor.js';
import type { TuneMode } from '../runtime/tuner.js';
import { Graph, type TensorDesc } from '../graph/ir.js';
import { check, SlimError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { addModel, backward, type AddedModel, type PruneKind, type Qat } from './autodiff.js';
import { addGatherBatch, DATA_PREFIX, type GpuDataSpec } from './gpu_data.js';
import { addOptimizer, HYPER, type OptimConfig } from './optim.js';

export interface LossReadout {
  /** Index into the compiled graph's outputs. */
  ce: number;
  kl?: number;
  norm: number;
  /** Weights making the reported loss: α·mean(CE) + klWeight·mean(KL). */
  alpha: number;
  klWeight: number;
}

export interface StepGraph {
  graph: Graph;
  /** The trained models (one, or K peers), with their destination parameter ids by source name. */
  models: AddedModel[];
  /** Optimizer state ids by name, per model. */
  state: number[][];
  readouts: LossReadout[];
  /** With a GPU-resident dataset: the id of the epoch order tensor (rewritten at each epoch). */
  dataOrder?: number;
}

/** The three ways slimgpu trains (a checkpoint's meta.mode). */
export type TrainMode = StepKind['kind'];

export type StepKind =
  | { kind: 'plain'; model: Graph }
  | { kind: 'kd'; student: Graph; teacher: Graph; tau: number; alpha: number; beta: number; cachedTeacher?: boolean }
  | { kind: 'dml'; peers: Graph[] };

export function buildStepGraph(
  spec: StepKind,
  opt: OptimConfig,
  qat: Qat = 'none',
  prune: PruneKind = 'none',
  data?: GpuDataSpec,
): StepGraph {
  const g = new Graph();
  const first = spec.kind === 'plain' ? spec.model : spec.kind === 'kd' ? spec.student : spec.peers[0];
  const inShape = first.shape(first.inputs[0]);
  const batch = inShape[0];
  check(!(data && spec.kind === 'kd' && spec.cachedTeacher), 'cached teacher logits need the batches assembled on the CPU');
  const gathered = data ? addGatherBatch(g, data, inShape) : null;
  const x = gathered ? gathered.images : g.addInput('images', inShape);
  const labels = gathered ? gathered.labels : g.addInput('labels', [batch]);
  const hyper = g.addInput('hyper', [HYPER.size]);
  const models: AddedModel[] = [];
  const state: number[][] = [];
  const readouts: LossReadout[] = [];
  const out = (t: number) => {
    g.markOutput(t);
    return g.outputs.length - 1;
  };

  const step = (m: AddedModel, prefix: string, seeds: number[], ce: number, kl: number | undefined, alpha: number, klWeight: number) => {
    const grads = backward(g, new Map([[m.output, seeds]]), m.trainable);
    const { norm, state: s } = addOptimizer(g, grads, opt, hyper, `${prefix}opt`);
    state.push(s);
    readouts.push({ ce: out(ce), kl: kl === undefined ? undefined : out(kl), norm: out(norm), alpha, klWeight });
  };

  if (spec.kind === 'plain') {
    const m = addModel(g, spec.model, { prefix: '', input: x, mode: 'train', qat, prune });
    models.push(m);
    const [ce, dz] = g.add('softmax_cross_entropy', [m.output, labels], { scale: 1 / batch }, 'loss_ce');
    step(m, '', [dz], ce, undefined, 1, 0);
  } else if (spec.kind === 'kd') {
    const { tau, alpha, beta } = spec;
    check(tau > 0 && alpha >= 0 && beta >= 0, `distillation needs τ > 0, α ≥ 0, β ≥ 0 (got ${tau}, ${alpha}, ${beta})`);
    const teacherLogits = spec.cachedTeacher
      ? g.addInput('teacher_logits', spec.teacher.shape(spec.teacher.outputs[0]))
      : addModel(g, spec.teacher, { prefix: 'teacher/', input: x, mode: 'frozen' }).output;
    const m = addModel(g, spec.student, { prefix: '', input: x, mode: 'train', qat, prune });
    models.push(m);
    const [ce, dce] = g.add('softmax_cross_entropy', [m.output, labels], { scale: alpha / batch }, 'loss_ce');
    const [kl, dkl] = g.add('kl_div', [m.output, teacherLogits], { tau, scale: (beta * tau * tau) / batch }, 'loss_kd');
    step(m, '', [dce, dkl], ce, kl, alpha, beta * tau * tau);
  } else {
    const K = spec.peers.length;
    check(K >= 2, `deep mutual learning needs at least 2 peers (got ${K})`);
    const params: Map<string, number>[] = spec.peers.map(() => new Map());
    const masks: Map<string, number>[] = spec.peers.map(() => new Map());
    for (let k = 0; k < K; k++) {
      const fwd = spec.peers.map((p, l) =>
        addModel(g, p, {
          prefix: `peer${l}/`,
          input: x,
          mode: l === k ? 'train' : 'recompute',
          params: params[l],
          qat,
          prune,
          masks: masks[l],
        }),
      );
      const m = fwd[k];
      models[k] = m;
      const [ce, dce] = g.add('softmax_cross_entropy', [m.output, labels], { scale: 1 / batch }, `peer${k}/loss_ce`);
      const seeds = [dce];
      let klSum: number | undefined;
      for (let l = 0; l < K; l++) {
        if (l === k) continue;
        const [kl, dkl] = g.add('kl_div', [m.output, fwd[l].output], { tau: 1, scale: 1 / ((K - 1) * batch) }, `peer${k}/loss_kl${l}`);
        seeds.push(dkl);
        klSum = klSum === undefined ? kl : g.add1('add', [klSum, kl], {}, `peer${k}/loss_kl_sum`);
      }
      step(m, `peer${k}/`, seeds, ce, klSum, 1, 1 / (K - 1));
    }
  }
  return { graph: g, models, state, readouts, ...(gathered ? { dataOrder: gathered.order } : {}) };
}

export class CompiledStep {
  /** What a checkpoint holds: parameters and state of the trained models (not the frozen teacher's). */
  readonly persistent: TensorDesc[];

  private constructor(
    readonly step: StepGraph,
    readonly compiled: CompiledGraph,
  ) {
    const g = step.graph;
    this.persistent = g.tensors.filter(
      (t) =>
        (t.role === 'param' || t.role === 'state') && !t.name.startsWith('teacher/') && !t.name.startsWith(DATA_PREFIX) && g.isUsed(t.id),
    );
  }

  /** `tune`: the kernel variants of the forward and backward nodes, as compile()'s option (default 'cached'). */
  static async compile(rt: Runtime, step: StepGraph, tune: TuneMode = 'cached'): Promise<CompiledStep> {
    return new CompiledStep(step, await compile(rt, step.graph, { fuse: false, tune }));
  }

  get models(): AddedModel[] {
    return this.step.models;
  }

  /** Model k's weights by parameter name, pruned weights multiplied by their masks. */
  async weights(k: number): Promise<Map<string, Float32Array>> {
    const m = this.step.models[k];
    const w = new Map<string, Float32Array>();
    for (const [name, id] of m.params) {
      const v = await this.compiled.readTensor(id);
      const mask = m.masks.get(name);
      w.set(name, mask === undefined ? v : (await this.compiled.readTensor(mask)).map((x, i) => x * v[i]));
    }
    return w;
  }

  /** Model k's pruning masks by weight name. */
  async masks(k: number): Promise<Map<string, Float32Array>> {
    const m = this.step.models[k];
    return new Map(await Promise.all([...m.masks].map(async ([name, id]) => [name, await this.compiled.readTensor(id)] as const)));
  }

  /** The persistent tensors' values by name (a checkpoint's tensors). */
  async checkpointTensors(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const t of this.persistent) tensors.set(t.name, { shape: t.shape, data: await this.compiled.readTensor(t.id) });
    return tensors;
  }

  /** Set every persistent tensor from a checkpoint's tensors (`file` names the checkpoint in errors). */
  restore(tensors: Map<string, { data: Float32Array }>, file: string): void {
    for (const t of this.persistent) {
      const c = tensors.get(t.name);
      if (!c) throw new SlimError(`checkpoint ${file} has no tensor '${t.name}' (different model or optimizer?)`);
      this.compiled.writeTensor(t.id, c.data);
    }
  }

  destroy(): void {
    this.compiled.destroy();
  }
}
