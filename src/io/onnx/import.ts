// ONNX → slimgpu Graph.
//
// Every ONNX value becomes either a host constant (initializers, Constant nodes, and anything computed only from
// constants: shape sub-graphs are folded here, on the CPU) or a GPU tensor of the Graph. ONNX is NCHW and our CNN
// kernels are NHWC, so a GPU value of rank 4 may be held in either or both layouts: `nchw` (ONNX's own order)
// and `nhwc`. Conv, pooling and batch-norm take and produce NHWC; layout-free ops (activations, elementwise
// math with constants or other NHWC values, channel concat) stay in whatever layout their input has; everything
// else asks for the ONNX layout. A transpose is inserted only when a consumer needs the layout a value does not
// have yet (and is skipped when it is a no-op on the bytes: H = W = 1 or C = 1). So a conv chain runs entirely
// in NHWC with transposes at the graph edges only.
//
// Integer and quantized tensors run on the f32 path (values are exact integers while |x| < 2^24); outputs keep
// their ONNX element type in `outputs[k].dtype` so callers convert back. Errors name the node, op and opset.
//
// This file is the core: values and layouts, the layout-aware building blocks handlers use (the `Importer`
// methods), the walk over the nodes, and the graph edges. Which handler imports a node is registry.ts's
// `resolveOp`; the handlers themselves live in ops/<family>.ts (node.ts: what a handler sees). After the walk,
// graph/passes.ts fuseMatmulBias merges MatMul → Add(bias) into one matmul.

import { SlimError, check, shapeStr } from '../../runtime/errors.js';
import { Graph } from '../../graph/ir.js';
import { fuseMatmulBias } from '../../graph/passes.js';
import { ACTIVATIONS } from '../../ops/activation.js';
import type { Attrs } from '../../ops/registry.js';
import { broadcastShapes, normAxis, type BinaryName, type ReduceName, type UnaryName } from '../../ops/tensor.js';
import {
  decodeModel,
  dtypeName,
  DT,
  tensorFromProto,
  toNum,
  checkDims,
  type GraphProto,
  type HostTensor,
  type NodeProto,
  type ValueInfoProto,
} from './proto.js';
import { binaryHost, host, numelOf, reduceHost, reshapeHost, transposeHost, unaryHost } from './fold.js';
import { NodeError, OnnxOpContext, parseAttr, type Attr, type OnnxValue } from './node.js';
import { knowsDomain, MAX_OPSET, MIN_OPSET, resolveOp } from './registry.js';
import { reshapeTarget } from './ops/common.js';

export { MAX_OPSET, MIN_OPSET, registerOnnxOp, supportedOperators, type OnnxOpOptions } from './registry.js';
export type { OnnxOpContext, OnnxOpHandler, OnnxValue } from './node.js';

export interface ImportOptions {
  /** Concrete shapes for graph inputs (needed where the model has symbolic dimensions other than the batch). */
  inputShapes?: Record<string, number[]>;
  /** Value of a symbolic (or 0) first dimension; default 1. */
  batch?: number;
  /** Graph inputs whose values are fixed at import (e.g. shape tensors); they are folded like initializers. */
  constants?: Record<string, HostTensor>;
}

export interface OnnxIO {
  name: string;
  /** ONNX element type (proto.DT). */
  dtype: number;
  /** ONNX shape (NCHW for images). */
  shape: number[];
}

export interface ImportedModel {
  graph: Graph;
  opset: number;
  /** Graph inputs, in the order of graph.inputs (ONNX layout, values as f32). */
  inputs: (OnnxIO & { tensor: number })[];
  /** Every ONNX output: a graph output (index into graph.outputs) or a value known at import. */
  outputs: (OnnxIO & { output?: number; constant?: HostTensor })[];
}

/** One operator the importer has no handler for: its type, domain, the opset it is read at, how many nodes use it. */
export interface UnsupportedOp {
  /** the first node using it */
  name: string;
  op: string;
  domain: string;
  opset: number;
  count: number;
  reason: string;
}

/** The error of a model with unsupported operators: the message lists them, `ops` holds them for programs. */
export class UnsupportedOpsError extends SlimError {
  constructor(
    message: string,
    readonly ops: UnsupportedOp[],
  ) {
    super(message);
  }
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const gshape = (s: number[]) => (s.length ? s : [1]);

export class Importer {
  readonly g = new Graph();
  private params = 0;
  /** Value names that some node reads or that are graph outputs. */
  private readonly consumed = new Set<string>();

  /** Whether a node or the graph's outputs read this value (optional outputs nobody reads need not be produced). */
  isConsumed(name: string): boolean {
    return this.consumed.has(name);
  }

  // ---- values ----
  konst(t: HostTensor, name = 'const'): OnnxValue {
    return { name, dtype: t.dtype, shape: [...t.dims], konst: t };
  }
  /** A constant f32 scalar. */
  scalar(v: number): OnnxValue {
    return this.konst(host(DT.FLOAT, [], [v]));
  }
  fromGpu(name: string, dtype: number, shape: number[], id: number, layout: 'nchw' | 'nhwc'): OnnxValue {
    return { name, dtype, shape, [layout]: id };
  }

  private param(name: string, t: HostTensor, shape: number[]): number {
    check(numelOf(shape) >= 1, `constant '${name}' is empty`);
    return this.g.addParam(`${name}#${this.params++}`, gshape(shape), t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));
  }

  /** The value in ONNX layout, on the GPU. */
  onnx(v: OnnxValue): number {
    if (v.nchw !== undefined) return v.nchw;
    if (v.konst) {
      checkDims(v.shape, v.name);
      v.nchw = this.param(v.name, v.konst, v.shape);
      return v.nchw;
    }
    check(v.nhwc !== undefined, `internal: value '${v.name}' has no storage`);
    const [, c, h, w] = v.shape;
    v.nchw =
      h * w === 1 || c === 1
        ? this.g.add1('reshape', [v.nhwc], { shape: v.shape }, `${v.name}.nchw`)
        : this.g.add1('transpose', [v.nhwc], { perm: NHWC_TO_NCHW }, `${v.name}.nchw`);
    return v.nchw;
  }

  /** The rank-4 value in NHWC layout, on the GPU. */
  nhwc(v: OnnxValue): number {
    check(v.shape.length === 4, `internal: '${v.name}' of shape ${shapeStr(v.shape)} is not rank 4`);
    if (v.nhwc !== undefined) return v.nhwc;
    if (v.konst) {
      const t = transposeHost(v.konst, NCHW_TO_NHWC);
      v.nhwc = this.param(`${v.name}.nhwc`, t, t.dims);
      return v.nhwc;
    }
    const [n, c, h, w] = v.shape;
    const src = this.onnx(v);
    v.nhwc =
      h * w === 1 || c === 1
        ? this.g.add1('reshape', [src], { shape: [n, h, w, c] }, `${v.name}.nhwc`)
        : this.g.add1('transpose', [src], { perm: NCHW_TO_NHWC }, `${v.name}.nhwc`);
    return v.nhwc;
  }

  /** Held only in NHWC (so layout-free consumers should stay in NHWC). */
  isNhwc(v: OnnxValue): boolean {
    return v.nhwc !== undefined && v.nchw === undefined;
  }

  add(op: string, inputs: number[], attrs: Attrs, name: string): number {
    return this.g.add1(op, inputs, attrs, name);
  }

  // ---- layout-aware building blocks (constant-folded when every input is constant) ----

  unary(name: string, fn: UnaryName, v: OnnxValue, alpha = 0, beta = 0): OnnxValue {
    if (v.konst) return this.konst(unaryHost(fn, v.konst, alpha, beta), name);
    const act =
      fn === 'relu'
        ? ACTIVATIONS.relu
        : fn === 'sigmoid'
          ? ACTIVATIONS.sigmoid
          : fn === 'tanh'
            ? ACTIVATIONS.tanh
            : fn === 'hardswish'
              ? ACTIVATIONS.hardswish
              : fn === 'clip' && alpha === 0 && beta === 6
                ? ACTIVATIONS.relu6
                : fn === 'leakyrelu' && Math.fround(alpha) === Math.fround(0.01)
                  ? ACTIVATIONS.leakyrelu
                  : -1;
    const useNhwc = this.isNhwc(v);
    const src = useNhwc ? v.nhwc! : this.onnx(v);
    const id = act >= 0 ? this.add('activation', [src], { act }, name) : this.add('unary', [src], { fn, alpha, beta }, name);
    return this.fromGpu(name, v.dtype, v.shape, id, useNhwc ? 'nhwc' : 'nchw');
  }

  binary(name: string, fn: BinaryName, a: OnnxValue, b: OnnxValue): OnnxValue {
    if (a.konst && b.konst) return this.konst(binaryHost(fn, a.konst, b.konst), name);
    const shape = broadcastShapes(a.shape, b.shape);
    const dtype = a.dtype;
    const nhwcOk = (v: OnnxValue) => v.shape.length === 4 || (v.konst !== undefined && v.shape.length <= 4);
    if (shape.length === 4 && (this.isNhwc(a) || this.isNhwc(b)) && nhwcOk(a) && nhwcOk(b)) {
      const side = (v: OnnxValue) => {
        if (v.shape.length === 4) return this.nhwc(v);
        const t = transposeHost(reshapeHost(v.konst!, [...new Array(4 - v.shape.length).fill(1), ...v.shape]), NCHW_TO_NHWC);
        return this.param(`${v.name}.nhwc`, t, t.dims);
      };
      const [ia, ib] = [side(a), side(b)];
      const same = a.shape.length === 4 && b.shape.length === 4 && a.shape.every((d, i) => d === b.shape[i]);
      const id = fn === 'add' && same ? this.add('add', [ia, ib], {}, name) : this.add('binary', [ia, ib], { fn }, name);
      return this.fromGpu(name, dtype, shape, id, 'nhwc');
    }
    const [ia, ib] = [this.onnx(a), this.onnx(b)];
    const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && a.shape.length > 0;
    const id = fn === 'add' && same ? this.add('add', [ia, ib], {}, name) : this.add('binary', [ia, ib], { fn }, name);
    return this.fromGpu(name, dtype, shape, id, 'nchw');
  }

  reshape(name: string, v: OnnxValue, shape: number[]): OnnxValue {
    checkDims(shape, name);
    check(numelOf(shape) === numelOf(v.shape), `cannot reshape ${shapeStr(v.shape)} to ${shapeStr(shape)}`);
    if (v.konst) return this.konst(reshapeHost(v.konst, shape), name);
    if (shape.length === v.shape.length && shape.every((d, i) => d === v.shape[i])) return v;
    return this.fromGpu(name, v.dtype, shape, this.add('reshape', [this.onnx(v)], { shape: gshape(shape) }, name), 'nchw');
  }

  transpose(name: string, v: OnnxValue, perm: number[]): OnnxValue {
    if (v.konst) return this.konst(transposeHost(v.konst, perm), name);
    const shape = perm.map((p) => v.shape[p]);
    if (v.shape.length === 4 && perm.every((p, i) => p === NCHW_TO_NHWC[i])) {
      return this.fromGpu(name, v.dtype, shape, this.nhwc(v), 'nchw'); // the NHWC copy is exactly this transpose
    }
    if (v.shape.length === 4 && perm.every((p, i) => p === NHWC_TO_NCHW[i])) {
      return this.fromGpu(name, v.dtype, shape, this.onnx(v), 'nhwc'); // v read as NHWC: its NCHW view is the result
    }
    return this.fromGpu(name, v.dtype, shape, this.add('transpose', [this.onnx(v)], { perm }, name), 'nchw');
  }

  /** Reduce over the given axes (one single-axis pass each). */
  reduce(name: string, v: OnnxValue, axes: number[], mode: ReduceName, keepdims: boolean): OnnxValue {
    const r = v.shape.length;
    const ax = [...new Set(axes.map((a) => normAxis(a, r)))].sort((a, b) => a - b);
    const outShape = v.shape.map((d, i) => (ax.includes(i) ? 1 : d));
    const finalShape = keepdims ? outShape : v.shape.filter((_, i) => !ax.includes(i));
    if (v.konst) {
      const t = reduceHost(v.konst, ax, mode);
      return this.konst(reshapeHost(t, finalShape), name);
    }
    // An NHWC value reduces in place (axes mapped) when the result needs no reordering: kept dims, or C gone, or
    // both H and W gone (then NHWC and NCHW orders of what is left agree).
    const nhwcOk = r === 4 && this.isNhwc(v) && (keepdims || ax.includes(1) || (ax.includes(2) && ax.includes(3)));
    let id = nhwcOk ? v.nhwc! : this.onnx(v);
    for (const a of ax) id = this.add('reduce', [id], { axis: nhwcOk ? NCHW_TO_NHWC.indexOf(a) : a, mode, keepdims: 1 }, `${name}.ax${a}`);
    if (nhwcOk && keepdims) return this.fromGpu(name, v.dtype, outShape, id, 'nhwc');
    if (nhwcOk) return this.fromGpu(name, v.dtype, finalShape, this.add('reshape', [id], { shape: gshape(finalShape) }, name), 'nchw');
    const out = this.fromGpu(name, v.dtype, outShape, id, 'nchw');
    return this.reshape(name, out, finalShape);
  }

  // ---- model ----

  run(graphProto: GraphProto, opset: number, opts: ImportOptions, domainOpsets = new Map<string, number>()): ImportedModel {
    const vals = new Map<string, OnnxValue>();
    const inputs: ImportedModel['inputs'] = [];
    for (const t of graphProto.initializer ?? []) {
      const name = t.name ?? '';
      if (!name) throw new SlimError('an initializer has no name');
      vals.set(name, this.konst(tensorFromProto(t, `initializer '${name}'`), name));
    }
    for (const [name, t] of Object.entries(opts.constants ?? {})) vals.set(name, this.konst(t, name));
    for (const vi of graphProto.input ?? []) {
      const name = vi.name ?? '';
      if (vals.has(name)) continue;
      const { dtype, shape } = this.inputType(vi, opts);
      if (numelOf(shape) === 0) {
        // an empty tensor has no values to feed: it is fully known at import
        vals.set(name, this.konst({ dtype, dims: shape, data: new Float64Array(0) }, name));
        continue;
      }
      const id = this.g.addInput(name, gshape(shape));
      inputs.push({ name, dtype, shape, tensor: id });
      vals.set(name, this.fromGpu(name, dtype, shape, id, 'nchw'));
    }

    const nodes = topoSort(graphProto.node ?? [], new Set(vals.keys()));
    for (const n of nodes) for (const i of n.input ?? []) if (i) this.consumed.add(i);
    for (const vi of graphProto.output ?? []) this.consumed.add(vi.name ?? '');
    checkSupported(nodes, opset, domainOpsets);
    const shuffles = findChannelShuffles(nodes);
    const absorbed = new Set<number>(); // the Transpose and Reshape of a channel shuffle imported as one op
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k];
      const op = node.opType ?? '';
      if (absorbed.has(k)) continue;
      const nodeOpset = opsetOf(node, opset, domainOpsets);
      const label = labelOf(node, k, nodeOpset);
      try {
        if (!knowsDomain(node.domain)) throw new SlimError(`operator domain '${node.domain}' is not supported`);
        const ins = (node.input ?? []).map((n) => {
          if (!n) return undefined;
          const v = vals.get(n);
          if (!v) throw new SlimError(`input '${n}' is not produced by any node, initializer or graph input`);
          return v;
        });
        const attrs = new Map<string, Attr>();
        for (const a of node.attribute ?? []) attrs.set(a.name, parseAttr(a, label));
        const ctx = new OnnxOpContext(this, node, ins, attrs, nodeOpset, label);
        // opsets 1–6: an in-place hint for the old runtimes, no effect on the values
        if (nodeOpset < 7 && !node.domain) ctx.ignore('consumed_inputs');
        const sh = shuffles.get(k);
        if (sh && this.tryChannelShuffle(ctx, nodes, sh, vals)) {
          sh.skip.forEach((j) => absorbed.add(j));
          continue;
        }
        const outs = resolveOp(node.domain, op, nodeOpset)(ctx);
        for (const name of attrs.keys()) if (!ctx.used.has(name)) throw new SlimError(`attribute '${name}' is not supported`);
        (node.output ?? []).forEach((o, i) => {
          if (!o) return;
          const v = outs[i];
          if (!v) {
            if (this.isConsumed(o)) throw new SlimError(`output ${i} ('${o}') is not supported`);
            return; // declared but read by no node and not a graph output (Dropout's mask, BatchNormalization's statistics)
          }
          vals.set(o, v);
        });
      } catch (e) {
        if (e instanceof NodeError) throw new SlimError(e.message);
        // (parseAttr's and attribute tensors' messages already start with the label)
        if (e instanceof SlimError) throw new SlimError(e.message.startsWith(`${label}: `) ? e.message : `${label}: ${e.message}`);
        throw e;
      }
    }

    const outputs: ImportedModel['outputs'] = [];
    for (const vi of graphProto.output ?? []) {
      const name = vi.name ?? '';
      const v = vals.get(name);
      if (!v) throw new SlimError(`graph output '${name}' is not produced by any node`);
      if (v.konst) {
        outputs.push({ name, dtype: v.dtype, shape: v.shape, constant: v.konst });
        continue;
      }
      const id = this.onnx(v);
      this.g.markOutput(id);
      outputs.push({ name, dtype: v.dtype, shape: v.shape, output: this.g.outputs.length - 1 });
    }
    if (!outputs.length) throw new SlimError('the model has no outputs');
    fuseMatmulBias(this.g);
    return { graph: this.g, opset, inputs, outputs };
  }

  private inputType(vi: ValueInfoProto, opts: ImportOptions): { dtype: number; shape: number[] } {
    const name = vi.name ?? '';
    const tt = vi.type?.tensorType;
    if (!tt) throw new SlimError(`graph input '${name}' is not a tensor (sequences, maps and optionals are not supported)`);
    const dtype = tt.elemType ?? 0;
    if (dtype === DT.STRING || !(dtype >= 1 && dtype <= 13)) {
      throw new SlimError(`graph input '${name}' has element type ${dtypeName(dtype)} (not supported)`);
    }
    const given = opts.inputShapes?.[name];
    const dims = tt.shape?.dim ?? [];
    if (given) {
      check(
        Array.isArray(given) && (given.length === dims.length || !tt.shape),
        `input shape for '${name}' has rank ${given.length}, the model says ${dims.length}`,
      );
      dims.forEach((d, i) => {
        const v = d.dimValue !== undefined ? toNum(d.dimValue) : 0;
        if (v > 0 && v !== given[i])
          throw new SlimError(`input shape ${shapeStr(given)} for '${name}' disagrees with the model's dimension ${i} = ${v}`);
      });
      checkDims(given, `graph input '${name}'`);
      return { dtype, shape: [...given] };
    }
    if (!tt.shape) throw new SlimError(`graph input '${name}' has no shape; pass it in inputShapes`);
    const shape = dims.map((d, i) => {
      const v = d.dimValue !== undefined && d.dimValue !== null ? toNum(d.dimValue) : 0;
      if (v > 0) return v;
      if (v < 0) throw new SlimError(`graph input '${name}' has a negative dimension ${v}`);
      if (i === 0) return opts.batch ?? 1;
      throw new SlimError(`graph input '${name}' has a symbolic dimension ${i} ('${d.dimParam ?? '?'}'); pass its shape in inputShapes`);
    });
    checkDims(shape, `graph input '${name}'`);
    return { dtype, shape };
  }

  /**
   * Replace Reshape [N,C,H,W] → [N,g,C/g,H,W], Transpose (0,2,1,3,4), Reshape → [N,C,H,W] by channel_shuffle when
   * the shapes really are that; otherwise the three nodes import one by one.
   */
  private tryChannelShuffle(c: OnnxOpContext, nodes: NodeProto[], sh: { skip: number[] }, vals: Map<string, OnnxValue>): boolean {
    const x = c.ins[0];
    const s1 = c.ins[1]?.konst;
    const last = nodes[sh.skip[1]];
    const s2 = vals.get(last.input?.[1] ?? '')?.konst;
    if (!x || x.konst || x.shape.length !== 4 || !s1 || !s2 || c.attrs.size || (last.attribute ?? []).length) return false;
    const [n, ch, h, w] = x.shape;
    const t1 = reshapeTarget(c, x.shape, [...s1.data], false);
    if (t1.length !== 5 || t1[0] !== n || t1[1] * t1[2] !== ch || t1[3] !== h || t1[4] !== w) return false;
    const t2 = reshapeTarget(c, [n, t1[2], t1[1], h, w], [...s2.data], false);
    if (t2.join(',') !== x.shape.join(',')) return false;
    const out = last.output?.[0] ?? '';
    const id = this.add('channel_shuffle', [this.nhwc(x)], { groups: t1[1] }, c.node.name || out);
    vals.set(out, this.fromGpu(out, x.dtype, x.shape, id, 'nhwc'));
    return true;
  }
}

/** The opset a node is read at: a node of another domain (one with registered handlers) at that domain's opset. */
function opsetOf(node: NodeProto, opset: number, domainOpsets: Map<string, number>): number {
  const custom = node.domain && node.domain !== 'ai.onnx' && knowsDomain(node.domain);
  return custom ? (domainOpsets.get(node.domain!) ?? 1) : opset;
}

function labelOf(node: NodeProto, k: number, nodeOpset: number): string {
  return `node '${node.name || node.output?.[0] || k}' (${node.opType ?? ''}${node.domain ? ` in domain '${node.domain}'` : ''}, opset ${nodeOpset})`;
}

/**
 * Before anything is built: every node whose (domain, op type, opset) has no handler, in one error — one line per
 * operator with its first node, opset and how many nodes use it — so a user sees the whole gap at once.
 */
function checkSupported(nodes: NodeProto[], opset: number, domainOpsets: Map<string, number>): void {
  const missing = new Map<string, { first: string; names: string[]; op: UnsupportedOp }>();
  nodes.forEach((node, k) => {
    const nodeOpset = opsetOf(node, opset, domainOpsets);
    let why: string;
    try {
      if (!knowsDomain(node.domain)) throw new SlimError(`operator domain '${node.domain}' is not supported`);
      resolveOp(node.domain, node.opType ?? '', nodeOpset);
      return;
    } catch (e) {
      if (!(e instanceof SlimError)) throw e;
      why = e.message;
    }
    const key = `${node.domain ?? ''}\u0000${node.opType}\u0000${nodeOpset}`;
    const name = node.name || node.output?.[0] || String(k);
    const m = missing.get(key) ?? {
      first: `${labelOf(node, k, nodeOpset)}: ${why}`,
      names: [],
      op: { name, op: node.opType ?? '', domain: node.domain ?? '', opset: nodeOpset, count: 0, reason: why },
    };
    m.names.push(name);
    m.op.count++;
    missing.set(key, m);
  });
  if (!missing.size) return;
  const lines = [...missing.values()].map(({ first, names }) =>
    names.length === 1
      ? first
      : `${first} (${names.length} nodes: ${names
          .slice(0, 5)
          .map((n) => `'${n}'`)
          .join(', ')}${names.length > 5 ? ', …' : ''})`,
  );
  throw new UnsupportedOpsError(
    lines.length === 1 ? lines[0] : `${lines.length} operators are not supported:\n  ${lines.join('\n  ')}`,
    [...missing.values()].map((m) => m.op),
  );
}

/** Kahn's order over the node list (ONNX requires a topological order, but we accept any acyclic one). */
function topoSort(nodes: NodeProto[], available: Set<string>): NodeProto[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, k) => {
    for (const o of n.output ?? []) {
      if (!o) continue;
      if (producer.has(o) || available.has(o)) throw new SlimError(`value '${o}' is produced twice (node ${k}, '${n.name ?? ''}')`);
      producer.set(o, k);
    }
  });
  const deps = nodes.map((n) => new Set((n.input ?? []).filter((i) => i && producer.has(i)).map((i) => producer.get(i)!)));
  const users = nodes.map(() => [] as number[]);
  deps.forEach((d, k) => d.forEach((p) => users[p].push(k)));
  const count = deps.map((d) => d.size);
  const ready = count.map((c, k) => (c === 0 ? k : -1)).filter((k) => k >= 0);
  const order: number[] = [];
  while (ready.length) {
    const k = ready.shift()!;
    order.push(k);
    for (const u of users[k]) if (--count[u] === 0) ready.push(u);
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.findIndex((_, k) => !order.includes(k));
    throw new SlimError(
      `the graph has a cycle (through node '${nodes[stuck].name || nodes[stuck].output?.[0] || stuck}', ${nodes[stuck].opType})`,
    );
  }
  return order.map((k) => nodes[k]);
}

/**
 * ShuffleNet's channel shuffle as ONNX writes it: Reshape [N,C,H,W] → [N,g,C/g,H,W], Transpose (0,2,1,3,4),
 * Reshape → [N,C,H,W], each intermediate used once. Keyed by the first Reshape's index.
 */
function findChannelShuffles(nodes: NodeProto[]): Map<number, { skip: number[] }> {
  const uses = new Map<string, number[]>();
  nodes.forEach((n, k) => (n.input ?? []).forEach((i) => uses.set(i, [...(uses.get(i) ?? []), k])));
  const found = new Map<number, { skip: number[] }>();
  nodes.forEach((n, k) => {
    if (n.opType !== 'Reshape') return;
    const t = uses.get(n.output?.[0] ?? '');
    if (!t || t.length !== 1 || nodes[t[0]].opType !== 'Transpose') return;
    const tr = nodes[t[0]];
    const perm = tr.attribute?.find((a) => a.name === 'perm')?.ints?.map(toNum);
    if (!perm || perm.join(',') !== '0,2,1,3,4') return;
    const r2 = uses.get(tr.output?.[0] ?? '');
    if (!r2 || r2.length !== 1 || nodes[r2[0]].opType !== 'Reshape') return;
    found.set(k, { skip: [t[0], r2[0]] });
  });
  return found;
}

/** Import an ONNX model (file bytes) into a slimgpu Graph. */
export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ImportedModel {
  const model = decodeModel(bytes);
  if (!model.graph) throw new SlimError('the ONNX model has no graph');
  let opset = -1;
  for (const o of model.opsetImport ?? []) {
    if (!o.domain || o.domain === 'ai.onnx') opset = toNum(o.version);
  }
  if (opset < 0) opset = (model.opsetImport ?? []).length === 0 ? 1 : -1;
  if (opset < MIN_OPSET || opset > MAX_OPSET)
    throw new SlimError(`ONNX opset ${opset} is not supported (supported: ${MIN_OPSET}–${MAX_OPSET})`);
  const domainOpsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) if (o.domain && o.domain !== 'ai.onnx') domainOpsets.set(o.domain, toNum(o.version));
  return new Importer().run(model.graph, opset, opts, domainOpsets);
}
