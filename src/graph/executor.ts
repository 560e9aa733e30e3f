// Compile a graph into prepared launches over planned activation buffers, and run it as one command buffer.
//
//   compile(rt, graph)  → fusion passes (inference), memory plan (slots), parameter upload, kernel choice per node,
//                          pipelines created asynchronously in parallel, bind groups prepared once.
//   model.run(inputs)   → input uploads, one compute pass with every dispatch, output copies, one submit.
//   model.profile(...)  → the same with one pass per node and timestamp queries (GPU time per node).
//   model.stream(n)     → runs submitted back to back without waiting; their outputs land in one staging buffer
//                          of n slots, read with a single map per n runs (training: no per-step readback).
//
// Parameters and 'state' tensors (optimizer moments, pruning masks) keep their own buffers for the life of the
// compiled graph; ops may update them in place (training: optimizer steps, batch-norm running averages), and
// readTensor / writeTensor move their values to and from the CPU (checkpoints).

import { SlimError, check, shapeStr } from '../runtime/errors.js';
import { destroyLaunch, encodeLaunch, type BufferRange, type Launch } from '../runtime/kernels.js';
import { QuietWait } from '../runtime/device.js';
import type { Runtime } from '../runtime/runtime.js';
import { Tuner, type TuneMode } from '../runtime/tuner.js';
import { getOp, numel, type PlanContext } from '../ops/registry.js';
import type { Graph, Node } from './ir.js';
import { planFlatOptimizer, type FlatPlan } from './flat_optim.js';
import { planMemory, type MemoryPlan } from './memory.js';
import { optimizeForInference, type FusionReport } from './passes.js';

export interface CompileOptions {
  /** Kernel-variant choice (see Tuner). Default 'cached'. */
  tune?: TuneMode;
  /** Run the inference fusion passes (default true). */
  fuse?: boolean;
  /** With fuse: the glue passes (hard-swish patterns, affine folding, fused elementwise kernels); default true. */
  glue?: boolean;
  /** Pin a kernel variant by id prefix (tests). */
  forceVariant?: string;
  /** Pin variants for some nodes only: tuner-key prefix → variant id prefix (tests, A/B harnesses); before forceVariant. */
  forceVariantByKey?: Record<string, string>;
  /** Lay each optimizer's parameters, gradients and state out flat and update them with one dispatch per
   *  attribute set (src/graph/flat_optim.ts); default true. false: one dispatch per tensor (the reference). */
  flatOptimizer?: boolean;
}

export interface NodeProfile {
  name: string;
  op: string;
  kernels: string[];
  ms: number;
  macs: number;
}

interface CompiledNode {
  node: Node;
  launches: Launch[];
}

export class CompiledGraph {
  private queue: Promise<unknown> = Promise.resolve();
  private readback: GPUBuffer[];
  private runWait: QuietWait;

  constructor(
    readonly rt: Runtime,
    readonly graph: Graph,
    readonly memory: MemoryPlan,
    private slots: GPUBuffer[],
    private paramBuffers: GPUBuffer[],
    private constBuffers: GPUBuffer[],
    private nodes: CompiledNode[],
    readonly fusion: FusionReport | null,
    readonly variants: Map<string, string>,
    private paramRange: Map<number, BufferRange> = new Map(),
  ) {
    this.runWait = new QuietWait(rt.ctx);
    this.readback = graph.outputs.map((t, k) =>
      rt.device.createBuffer({
        label: `output${k}.readback`,
        size: Math.max(16, numel(graph.shape(t)) * 4),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
  }

  get inputNames(): string[] {
    return this.graph.inputs.map((t) => this.graph.tensors[t].name);
  }

  /** GPU bytes held while running: activation slots + parameters + constants + uniforms + output staging. */
  get peakGpuBytes(): number {
    const sum = (bs: GPUBuffer[]) => bs.reduce((a, b) => a + b.size, 0);
    const uniforms = this.nodes.reduce((a, n) => a + n.launches.reduce((s, l) => s + (l.uniformBuffer?.size ?? 0), 0), 0);
    return sum(this.slots) + sum(this.paramBuffers) + sum(this.constBuffers) + uniforms + sum(this.readback);
  }

  get activationBytes(): number {
    return this.slots.reduce((a, b) => a + b.size, 0);
  }

  get paramBytes(): number {
    return this.paramBuffers.reduce((a, b) => a + b.size, 0);
  }

  get dispatchCount(): number {
    return this.nodes.reduce((a, n) => a + n.launches.length, 0);
  }

  private writeInputs(inputs: Record<string, Float32Array> | Float32Array[]): void {
    const g = this.graph;
    g.inputs.forEach((t, k) => {
      const name = g.tensors[t].name;
      const data = Array.isArray(inputs) ? inputs[k] : inputs[name];
      if (!data) throw new SlimError(`missing input '${name}' (shape ${shapeStr(g.shape(t))})`);
      if (!(data instanceof Float32Array)) throw new SlimError(`input '${name}' must be a Float32Array (dtype f32)`);
      const want = numel(g.shape(t));
      if (data.length !== want) {
        throw new SlimError(`input '${name}' has ${data.length} values; shape ${shapeStr(g.shape(t))} needs ${want}`);
      }
      this.rt.device.queue.writeBuffer(this.slots[this.memory.slot.get(t)!], 0, data.buffer, data.byteOffset, data.byteLength);
    });
  }

  private encodeOutputs(enc: GPUCommandEncoder): void {
    this.graph.outputs.forEach((t, k) => {
      enc.copyBufferToBuffer(this.slots[this.memory.slot.get(t)!], 0, this.readback[k], 0, numel(this.graph.shape(t)) * 4);
    });
  }

  private async readOutputs(): Promise<Float32Array[]> {
    await Promise.all(this.readback.map((b) => b.mapAsync(GPUMapMode.READ)));
    const outs = this.graph.outputs.map((t, k) => {
      const arr = new Float32Array(this.readback[k].getMappedRange().slice(0, numel(this.graph.shape(t)) * 4));
      this.readback[k].unmap();
      return arr;
    });
    return outs;
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f, f);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** One forward pass; outputs in the order of graph.outputs. */
  run(inputs: Record<string, Float32Array> | Float32Array[]): Promise<Float32Array[]> {
    return this.serial(async () => {
      this.rt.ctx.ensureAlive();
      const device = this.rt.device;
      this.writeInputs(inputs);
      device.pushErrorScope('validation');
      const enc = device.createCommandEncoder({ label: 'forward' });
      const pass = enc.beginComputePass({ label: 'forward' });
      for (const n of this.nodes) for (const l of n.launches) encodeLaunch(pass, l);
      pass.end();
      this.encodeOutputs(enc);
      device.queue.submit([enc.finish()]);
      const submitted = performance.now();
      const err = await device.popErrorScope(); // resolves at once (no GPU wait), so it is not part of the nap
      if (err) throw new SlimError(`GPU validation error while running the graph: ${err.message}`);
      return this.runWait.after(() => this.readOutputs(), submitted);
    });
  }

  /**
   * A stream of runs whose outputs are read back together: `push(inputs)` submits one run at once and returns the
   * promise of its outputs, which resolves at the next `flush()` (called by push itself after `slots` runs). The GPU
   * queue holds up to `slots` runs, so it never waits for the CPU between them; one buffer map per flush instead of
   * one per run. Validation errors are collected per run and reported at the flush. Runs are exactly those of
   * `run()` (same inputs, same kernels, same order); only the readback is batched.
   */
  stream(slots: number): RunStream {
    check(Number.isInteger(slots) && slots >= 1, `a run stream needs at least one slot (got ${slots})`);
    return new RunStream(this, slots);
  }

  /** @internal RunStream: write inputs, encode and submit one run copying its outputs to `staging` at `offsets`. */
  submitInto(inputs: Record<string, Float32Array> | Float32Array[], staging: GPUBuffer, offsets: number[]): Promise<GPUError | null> {
    this.rt.ctx.ensureAlive();
    const device = this.rt.device;
    this.writeInputs(inputs);
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder({ label: 'stream' });
    const pass = enc.beginComputePass({ label: 'stream' });
    for (const n of this.nodes) for (const l of n.launches) encodeLaunch(pass, l);
    pass.end();
    this.graph.outputs.forEach((t, k) => {
      enc.copyBufferToBuffer(this.slots[this.memory.slot.get(t)!], 0, staging, offsets[k], numel(this.graph.shape(t)) * 4);
    });
    device.queue.submit([enc.finish()]);
    return device.popErrorScope();
  }

  /** @internal RunStream: order a flush after earlier serial work (readTensor, run). */
  serialized<T>(f: () => Promise<T>): Promise<T> {
    return this.serial(f);
  }

  /**
   * Per-node GPU time from timestamp queries (one compute pass per node). Without the timestamp-query feature,
   * each node is submitted alone and timed on the CPU (`method` says which).
   */
  profile(
    inputs: Record<string, Float32Array> | Float32Array[],
  ): Promise<{ method: 'timestamp' | 'wallclock'; nodes: NodeProfile[]; outputs: Float32Array[] }> {
    return this.serial(async () => {
      this.rt.ctx.ensureAlive();
      const device = this.rt.device;
      const g = this.graph;
      this.writeInputs(inputs);
      // each submission in a validation scope, as run() does: an error names the step (and Dawn's message the encoder
      // and pass labels: the node names) instead of reaching only the console
      const checked = async (what: string, submit: () => void) => {
        device.pushErrorScope('validation');
        submit();
        const err = await device.popErrorScope();
        if (err) throw new SlimError(`GPU validation error while profiling the graph (${what}): ${err.message}`);
      };
      const macsOf = (n: Node) =>
        getOp(n.op).macs?.(
          n.inputs.map((t) => g.shape(t)),
          n.outputs.map((t) => g.shape(t)),
          n.attrs,
        ) ?? 0;
      let active = this.nodes.filter((n) => n.launches.length > 0);
      // SLIMGPU_PROFILE_LAUNCHES=1 (development): one pass per launch, named node#kernel
      if (typeof process !== 'undefined' && process.env?.SLIMGPU_PROFILE_LAUNCHES === '1')
        active = active.flatMap((n) =>
          n.launches.map((l) => ({ ...n, node: { ...n.node, name: `${n.node.name}#${l.kernel}` }, launches: [l] })),
        );
      const result: NodeProfile[] = [];
      if (this.rt.ctx.hasTimestamps) {
        const chunk = 2048;
        for (let start = 0; start < active.length; start += chunk) {
          const part = active.slice(start, start + chunk);
          const qs = device.createQuerySet({ type: 'timestamp', count: 2 * part.length });
          const resolve = device.createBuffer({ size: 16 * part.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
          const read = device.createBuffer({ size: 16 * part.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
          try {
            const kernels = [...new Set(part.flatMap((n) => n.launches.map((l) => l.kernel)))].join(', ');
            await checked(
              `timed passes of nodes '${part[0].node.name}' … '${part[part.length - 1].node.name}', kernels: ${kernels}`,
              () => {
                const enc = device.createCommandEncoder({ label: 'profile' });
                part.forEach((n, k) => {
                  const pass = enc.beginComputePass({
                    label: n.node.name,
                    timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 },
                  });
                  n.launches.forEach((l) => encodeLaunch(pass, l));
                  pass.end();
                });
                enc.resolveQuerySet(qs, 0, 2 * part.length, resolve, 0);
                enc.copyBufferToBuffer(resolve, 0, read, 0, 16 * part.length);
                device.queue.submit([enc.finish()]);
              },
            );
            await read.mapAsync(GPUMapMode.READ);
            const ts = new BigUint64Array(read.getMappedRange().slice(0));
            read.unmap();
            part.forEach((n, k) => {
              const ns = ts[2 * k + 1] > ts[2 * k] ? Number(ts[2 * k + 1] - ts[2 * k]) : 0;
              result.push({
                name: n.node.name,
                op: n.node.op,
                kernels: n.launches.map((l) => l.kernel),
                ms: ns / 1e6,
                macs: macsOf(n.node),
              });
            });
          } finally {
            qs.destroy();
            resolve.destroy();
            read.destroy();
          }
        }
      } else {
        for (const n of active) {
          const t0 = performance.now();
          await this.rt.run(n.launches, n.node.name);
          result.push({
            name: n.node.name,
            op: n.node.op,
            kernels: n.launches.map((l) => l.kernel),
            ms: performance.now() - t0,
            macs: macsOf(n.node),
          });
        }
      }
      await checked('reading the outputs', () => {
        const enc = device.createCommandEncoder({ label: 'profile-outputs' });
        this.encodeOutputs(enc);
        device.queue.submit([enc.finish()]);
      });
      return { method: this.rt.ctx.hasTimestamps ? 'timestamp' : 'wallclock', nodes: result, outputs: await this.readOutputs() };
    });
  }

  private persistent(id: number): BufferRange {
    const r = this.paramRange.get(id);
    if (!r) throw new SlimError(`tensor ${this.graph.tensors[id]?.name ?? id} is not a parameter or state tensor of this graph`);
    return r;
  }

  /** Current values of a parameter or state tensor (training updates them in place on the GPU). */
  readTensor(id: number): Promise<Float32Array> {
    const r = this.persistent(id);
    return this.serial(() => this.rt.readF32(r.buffer, numel(this.graph.shape(id)), r.offset ?? 0));
  }

  /** Overwrite a parameter or state tensor (checkpoint resume). */
  writeTensor(id: number, data: Float32Array): void {
    const want = numel(this.graph.shape(id));
    if (data.length !== want) throw new SlimError(`tensor '${this.graph.tensors[id].name}' needs ${want} values, got ${data.length}`);
    const r = this.persistent(id);
    this.rt.device.queue.writeBuffer(r.buffer, r.offset ?? 0, data.buffer, data.byteOffset, data.byteLength);
  }

  destroy(): void {
    this.nodes.forEach((n) => n.launches.forEach(destroyLaunch));
    [...this.slots, ...this.paramBuffers, ...this.constBuffers, ...this.readback].forEach((b) => b.destroy());
  }
}

/** Runs submitted without waiting, their outputs read back once per `slots` runs (see CompiledGraph.stream). */
export class RunStream {
  private readonly staging: GPUBuffer;
  /** Byte offset of each output within a slot, and the slot's size (16-byte aligned). */
  private readonly offsets: number[];
  private readonly stride: number;
  private readonly counts: number[];
  private mapping = false;
  private pending: { error: Promise<GPUError | null>; resolve: (o: Float32Array[]) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly g: CompiledGraph,
    readonly slots: number,
  ) {
    this.counts = g.graph.outputs.map((t) => numel(g.graph.shape(t)));
    this.offsets = [];
    let at = 0;
    for (const c of this.counts) {
      this.offsets.push(at);
      at += Math.ceil((c * 4) / 16) * 16;
    }
    this.stride = Math.max(16, at);
    this.staging = g.rt.device.createBuffer({
      label: 'stream.readback',
      size: this.stride * slots,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** Submit one run now; its outputs (in graph.outputs order) resolve at the next flush. */
  push(inputs: Record<string, Float32Array> | Float32Array[]): Promise<Float32Array[]> {
    check(this.pending.length < this.slots, 'run stream is full: flush() before pushing more runs');
    check(!this.mapping, 'run stream is being read back: await flush() before pushing more runs');
    const k = this.pending.length;
    const error = this.g.submitInto(
      inputs,
      this.staging,
      this.offsets.map((o) => k * this.stride + o),
    );
    return new Promise((resolve, reject) => {
      this.pending.push({ error, resolve, reject });
    });
  }

  /** Runs pushed and not yet read back. */
  get queued(): number {
    return this.pending.length;
  }

  get full(): boolean {
    return this.pending.length === this.slots;
  }

  /** Wait for every pushed run, map the staging buffer once and resolve each run's outputs (a run with a
   *  validation error rejects, and so do the ones after it). */
  flush(): Promise<void> {
    const runs = this.pending;
    this.pending = [];
    if (runs.length === 0) return Promise.resolve();
    this.mapping = true; // from now until the map is released: a push would overwrite slots not yet read
    return this.g.serialized(async () => {
      let failed: unknown = null;
      for (const r of runs) {
        const err = await r.error;
        if (err && !failed) failed = new SlimError(`GPU validation error while running the graph: ${err.message}`);
      }
      if (failed) {
        this.mapping = false;
        runs.forEach((r) => r.reject(failed));
        return;
      }
      let all: Float32Array;
      try {
        await this.staging.mapAsync(GPUMapMode.READ, 0, runs.length * this.stride);
        all = new Float32Array(this.staging.getMappedRange(0, runs.length * this.stride).slice(0));
        this.staging.unmap();
      } catch (e) {
        runs.forEach((r) => r.reject(e));
        return;
      } finally {
        this.mapping = false;
      }
      runs.forEach((r, k) =>
        r.resolve(
          this.counts.map((c, i) => all.slice((k * this.stride + this.offsets[i]) / 4, (k * this.stride + this.offsets[i]) / 4 + c)),
        ),
      );
    });
  }

  destroy(): void {
    this.staging.destroy();
  }
}

export async function compile(rt: Runtime, src: Graph, opts: CompileOptions = {}): Promise<CompiledGraph> {
  rt.ctx.ensureAlive();
  check(src.outputs.length > 0, 'graph has no outputs (call markOutput)');
  // Packed tensors (q8, b1) live between layers only: the model's edges are f32.
  for (const t of [...src.inputs, ...src.outputs]) {
    const d = src.tensors[t];
    check(d.dtype === 'f32', `graph input/output '${d.name}' is ${d.dtype}; dequantize or unpack it to f32 at the model's edge`);
  }
  const { graph, report } = opts.fuse === false ? { graph: src, report: null } : optimizeForInference(src, { glue: opts.glue ?? true });
  const flat: FlatPlan =
    opts.flatOptimizer === false
      ? { views: new Map(), buffers: [], groups: [] }
      : planFlatOptimizer(graph, rt.ctx.limits.minStorageBufferOffsetAlignment);
  const memory = planMemory(graph, 16, new Set(flat.views.keys()));
  const slots = memory.slotBytes.map((bytes, k) => rt.createBuffer(bytes, `activations${k}`));

  const paramBuffers: GPUBuffer[] = [];
  const paramRange = new Map<number, BufferRange>();
  // flat buffers: parameters and state written at their offsets, gradients zero (the alignment gaps stay zero)
  const flatBuffers = flat.buffers.map((b) => {
    const buf = rt.createBuffer(b.bytes, b.label);
    paramBuffers.push(buf);
    return buf;
  });
  const flatRange = new Map<number, BufferRange>();
  for (const [id, v] of flat.views) {
    const r = { buffer: flatBuffers[v.buffer], offset: v.offset, size: Math.ceil(v.bytes / 16) * 16 };
    const data = graph.tensors[id].data;
    if (data) {
      rt.device.queue.writeBuffer(r.buffer, v.offset, data.buffer, data.byteOffset, data.byteLength);
      paramRange.set(id, r);
    } else flatRange.set(id, r);
  }
  for (const t of graph.tensors) {
    if ((t.role !== 'param' && t.role !== 'state') || !graph.isUsed(t.id) || flat.views.has(t.id)) continue;
    const data = t.data ?? t.raw!;
    const buf = rt.upload(data, t.name);
    paramBuffers.push(buf);
    paramRange.set(t.id, { buffer: buf, size: data.byteLength });
  }
  const constBuffers: GPUBuffer[] = [];
  const tuner = new Tuner(rt, opts.tune ?? 'cached');
  if (opts.forceVariant) tuner.force = opts.forceVariant;
  tuner.forceByKey = Object.entries(opts.forceVariantByKey ?? {});

  const range = (t: number): BufferRange => {
    const p = paramRange.get(t) ?? flatRange.get(t);
    if (p) return p;
    const k = memory.slot.get(t);
    if (k === undefined) throw new SlimError(`tensor '${graph.tensors[t].name}' has no storage`);
    return { buffer: slots[k], offset: 0, size: Math.max(16, Math.ceil(memory.bytes.get(t)! / 16) * 16) };
  };

  /** `over(i)`: input i bound to another range with another shape (flat optimizer groups), or null. */
  type Override = (i: number) => { range: BufferRange; shape: number[] } | null;
  const planWith = async (node: Node, over: Override | null): Promise<Launch[]> => {
    const def = getOp(node.op);
    const pc: PlanContext = {
      rt,
      name: node.name,
      attrs: node.attrs,
      inShapes: node.inputs.map((t, i) => over?.(i)?.shape ?? graph.shape(t)),
      outShapes: node.outputs.map((t) => graph.shape(t)),
      inDtypes: node.inputs.map((t) => graph.tensors[t].dtype),
      inputCount: node.inputs.length,
      input: (i) => over?.(i)?.range ?? range(node.inputs[i]),
      output: (i) => range(node.outputs[i]),
      inputData: (i) => graph.tensors[node.inputs[i]].data,
      inputRaw: (i) => graph.tensors[node.inputs[i]].raw,
      constant: (data, label) => {
        const buf = rt.upload(data, label);
        constBuffers.push(buf);
        return { buffer: buf, size: data.byteLength };
      },
      tuner,
    };
    try {
      return await def.plan!(pc);
    } catch (e) {
      if (e instanceof SlimError) throw new SlimError(`node '${node.name}' (${node.op}): ${e.message}`);
      throw e;
    }
  };
  const planNode = async (node: Node): Promise<CompiledNode> => {
    const def = getOp(node.op);
    if (def.view || !def.plan) return { node, launches: [] };
    const merged = flatMerge.get(node.id);
    return merged ? merged(node) : { node, launches: await planWith(node, null) };
  };
  // Flat optimizer groups: the update nodes' launches become one per attribute set at the group's last update
  // node (the others launch nothing), and grad_norm one partial sum over the whole gradient buffer.
  const flatMerge = new Map<number, (node: Node) => Promise<CompiledNode>>();
  const span = (buffer: number, offset: number, bytes: number): BufferRange => ({ buffer: flatBuffers[buffer], offset, size: bytes });
  for (const fg of flat.groups) {
    const last = graph.nodes[fg.updates[fg.updates.length - 1]];
    fg.updates.forEach((i) => flatMerge.set(graph.nodes[i].id, async (node) => ({ node, launches: [] })));
    flatMerge.set(last.id, async () => {
      const launches: Launch[] = [];
      for (const run of fg.runs) {
        const n = graph.nodes[run.node];
        const el = run.bytes / 4;
        const bufs = [fg.params, fg.grads, ...fg.states];
        launches.push(
          ...(await planWith(n, (i) => (i < bufs.length ? { range: span(bufs[i], run.offset, run.bytes), shape: [el] } : null))),
        );
      }
      const name = fg.norm >= 0 ? graph.nodes[fg.norm].name.replace(/grad_norm$/, 'flat_update') : `${last.name}.flat`;
      return { node: { ...last, name }, launches };
    });
    if (fg.norm >= 0) {
      const nn = graph.nodes[fg.norm];
      flatMerge.set(nn.id, async (node) => ({
        node,
        launches: await planWith({ ...nn, inputs: [nn.inputs[0]] }, () => ({ range: span(fg.grads, 0, fg.bytes), shape: [fg.bytes / 4] })),
      }));
    }
  }
  // Measuring variants runs kernels, so nodes are planned one at a time when tuning; otherwise in parallel so
  // pipeline compilation overlaps.
  const nodes: CompiledNode[] = [];
  if (tuner.mode === 'measure') {
    for (const n of graph.nodes) nodes.push(await planNode(n));
  } else {
    nodes.push(...(await Promise.all(graph.nodes.map(planNode))));
  }
  return new CompiledGraph(rt, graph, memory, slots, paramBuffers, constBuffers, nodes, report, tuner.chosen, paramRange);
}
