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

import { SlimError, check, shapeStr } from '../../runtime/errors.js';
import { Graph } from '../../graph/ir.js';
import { fuseMatmulBias } from '../../graph/passes.js';
import { ACTIVATIONS } from '../../ops/activation.js';
import { broadcastShapes, normAxis, type BinaryName, type ReduceName, type UnaryName } from '../../ops/tensor.js';
import {
  ATTR, decodeModel, dtypeName, DT, isIntegerType, tensorFromProto, toNum, checkDims, MAX_FOLD_ELEMENTS,
  type AttributeProto, type GraphProto, type HostTensor, type NodeProto, type ValueInfoProto,
} from './proto.js';
import { binaryHost, castHost, concatHost, gatherHost, host, numelOf, reduceHost, reshapeHost, scalarOf, sliceHost, transposeHost, unaryHost } from './fold.js';

export const MIN_OPSET = 7;
export const MAX_OPSET = 25;

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

interface Val {
  name: string;
  dtype: number;
  /** ONNX logical shape. */
  shape: number[];
  konst?: HostTensor;
  nchw?: number;
  nhwc?: number;
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const gshape = (s: number[]) => (s.length ? s : [1]);

class NodeError extends SlimError {}

type Attr = { type: number; f?: number; i?: number; s?: string; t?: HostTensor; floats?: number[]; ints?: number[]; strings?: string[] };

function parseAttr(a: AttributeProto, where: string): Attr {
  const type = a.type ?? 0;
  const dec = (b?: Uint8Array | number[]) => (b && b.length ? new TextDecoder().decode(b instanceof Uint8Array ? b : Uint8Array.from(b)) : '');
  switch (type) {
    case ATTR.FLOAT: return { type, f: a.f ?? 0 };
    case ATTR.INT: return { type, i: toNum(a.i) };
    case ATTR.STRING: return { type, s: dec(a.s) };
    case ATTR.TENSOR: return { type, t: a.t ? tensorFromProto(a.t, `${where}: attribute '${a.name}'`) : undefined };
    case ATTR.FLOATS: return { type, floats: a.floats ?? [] };
    case ATTR.INTS: return { type, ints: (a.ints ?? []).map(toNum) };
    case ATTR.STRINGS: return { type, strings: (a.strings ?? []).map(dec) };
    case 0:
      if (a.refAttrName) throw new SlimError(`${where}: attribute '${a.name}' refers to a function attribute (not supported)`);
      // Old files omit the type: infer it from the field present.
      if (a.ints?.length) return { type: ATTR.INTS, ints: a.ints.map(toNum) };
      if (a.floats?.length) return { type: ATTR.FLOATS, floats: a.floats };
      if (a.s?.length) return { type: ATTR.STRING, s: dec(a.s) };
      if (a.t) return { type: ATTR.TENSOR, t: tensorFromProto(a.t, `${where}: attribute '${a.name}'`) };
      if (a.i !== undefined && toNum(a.i) !== 0) return { type: ATTR.INT, i: toNum(a.i) };
      if (a.f) return { type: ATTR.FLOAT, f: a.f };
      return { type: ATTR.INT, i: 0 };
    default:
      throw new SlimError(`${where}: attribute '${a.name}' has type ${type} (graphs and sparse tensors are not supported)`);
  }
}

/** What a handler sees of one node. */
class Ctx {
  used = new Set<string>();
  constructor(
    readonly imp: Importer,
    readonly node: NodeProto,
    readonly ins: (Val | undefined)[],
    readonly attrs: Map<string, Attr>,
    readonly opset: number,
    readonly label: string,
  ) {}

  fail(msg: string): never {
    throw new NodeError(`${this.label}: ${msg}`);
  }
  in(i: number, what = `input ${i}`): Val {
    const v = this.ins[i];
    if (!v) this.fail(`${what} is required`);
    return v;
  }
  opt(i: number): Val | undefined {
    return this.ins[i];
  }
  konst(i: number, what = `input ${i}`): HostTensor {
    const v = this.in(i, what);
    if (!v.konst) this.fail(`${what} must be a constant (an initializer or computable at import), it is computed at run time`);
    return v.konst;
  }
  private get(name: string, type: number): Attr | undefined {
    this.used.add(name);
    const a = this.attrs.get(name);
    if (a && a.type !== type) this.fail(`attribute '${name}' has the wrong type`);
    return a;
  }
  int(name: string, dflt: number): number {
    return this.get(name, ATTR.INT)?.i ?? dflt;
  }
  float(name: string, dflt: number): number {
    return this.get(name, ATTR.FLOAT)?.f ?? dflt;
  }
  str(name: string, dflt: string): string {
    return this.get(name, ATTR.STRING)?.s ?? dflt;
  }
  ints(name: string): number[] | undefined {
    return this.get(name, ATTR.INTS)?.ints;
  }
  floats(name: string): number[] | undefined {
    return this.get(name, ATTR.FLOATS)?.floats;
  }
  tensor(name: string): HostTensor | undefined {
    return this.get(name, ATTR.TENSOR)?.t;
  }
  /** Mark attributes that are accepted and ignored (they do not change inference results). */
  ignore(...names: string[]): void {
    names.forEach((n) => this.used.add(n));
  }
  outCount(): number {
    return (this.node.output ?? []).length;
  }
  /** Outputs past `n` must not be consumed (e.g. Dropout's mask, MaxPool's indices). */
  onlyOutputs(n: number): void {
    (this.node.output ?? []).slice(n).forEach((o, k) => {
      if (o) this.fail(`output ${n + k} ('${o}') is not supported`);
    });
  }
}

type Handler = (c: Ctx) => (Val | undefined)[];

export class Importer {
  readonly g = new Graph();
  private params = 0;

  // ---- values ----
  konst(t: HostTensor, name = 'const'): Val {
    return { name, dtype: t.dtype, shape: [...t.dims], konst: t };
  }
  fromGpu(name: string, dtype: number, shape: number[], id: number, layout: 'nchw' | 'nhwc'): Val {
    return { name, dtype, shape, [layout]: id };
  }

  private param(name: string, t: HostTensor, shape: number[]): number {
    check(numelOf(shape) >= 1, `constant '${name}' is empty`);
    return this.g.addParam(`${name}#${this.params++}`, gshape(shape), t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));
  }

  /** The value in ONNX layout, on the GPU. */
  onnx(v: Val): number {
    if (v.nchw !== undefined) return v.nchw;
    if (v.konst) {
      checkDims(v.shape, v.name);
      v.nchw = this.param(v.name, v.konst, v.shape);
      return v.nchw;
    }
    check(v.nhwc !== undefined, `internal: value '${v.name}' has no storage`);
    const [, c, h, w] = v.shape;
    v.nchw = h * w === 1 || c === 1 ? this.g.add1('reshape', [v.nhwc], { shape: v.shape }, `${v.name}.nchw`) : this.g.add1('transpose', [v.nhwc], { perm: NHWC_TO_NCHW }, `${v.name}.nchw`);
    return v.nchw;
  }

  /** The rank-4 value in NHWC layout, on the GPU. */
  nhwc(v: Val): number {
    check(v.shape.length === 4, `internal: '${v.name}' of shape ${shapeStr(v.shape)} is not rank 4`);
    if (v.nhwc !== undefined) return v.nhwc;
    if (v.konst) {
      const t = transposeHost(v.konst, NCHW_TO_NHWC);
      v.nhwc = this.param(`${v.name}.nhwc`, t, t.dims);
      return v.nhwc;
    }
    const [n, c, h, w] = v.shape;
    const src = this.onnx(v);
    v.nhwc = h * w === 1 || c === 1 ? this.g.add1('reshape', [src], { shape: [n, h, w, c] }, `${v.name}.nhwc`) : this.g.add1('transpose', [src], { perm: NCHW_TO_NHWC }, `${v.name}.nhwc`);
    return v.nhwc;
  }

  /** Held only in NHWC (so layout-free consumers should stay in NHWC). */
  isNhwc(v: Val): boolean {
    return v.nhwc !== undefined && v.nchw === undefined;
  }

  add(op: string, inputs: number[], attrs: Record<string, any>, name: string): number {
    return this.g.add1(op, inputs, attrs, name);
  }

  // ---- layout-aware building blocks (constant-folded when every input is constant) ----

  unary(name: string, fn: UnaryName, v: Val, alpha = 0, beta = 0): Val {
    if (v.konst) return this.konst(unaryHost(fn, v.konst, alpha, beta), name);
    const act = fn === 'relu' ? ACTIVATIONS.relu : fn === 'sigmoid' ? ACTIVATIONS.sigmoid : fn === 'tanh' ? ACTIVATIONS.tanh : fn === 'hardswish' ? ACTIVATIONS.hardswish
      : fn === 'clip' && alpha === 0 && beta === 6 ? ACTIVATIONS.relu6 : fn === 'leakyrelu' && Math.fround(alpha) === Math.fround(0.01) ? ACTIVATIONS.leakyrelu : -1;
    const useNhwc = this.isNhwc(v);
    const src = useNhwc ? v.nhwc! : this.onnx(v);
    const id = act >= 0 ? this.add('activation', [src], { act }, name) : this.add('unary', [src], { fn, alpha, beta }, name);
    return this.fromGpu(name, v.dtype, v.shape, id, useNhwc ? 'nhwc' : 'nchw');
  }

  binary(name: string, fn: BinaryName, a: Val, b: Val): Val {
    if (a.konst && b.konst) return this.konst(binaryHost(fn, a.konst, b.konst), name);
    const shape = broadcastShapes(a.shape, b.shape);
    const dtype = a.dtype;
    const nhwcOk = (v: Val) => v.shape.length === 4 || (v.konst !== undefined && v.shape.length <= 4);
    if (shape.length === 4 && (this.isNhwc(a) || this.isNhwc(b)) && nhwcOk(a) && nhwcOk(b)) {
      const side = (v: Val) => {
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

  reshape(name: string, v: Val, shape: number[]): Val {
    checkDims(shape, name);
    check(numelOf(shape) === numelOf(v.shape), `cannot reshape ${shapeStr(v.shape)} to ${shapeStr(shape)}`);
    if (v.konst) return this.konst(reshapeHost(v.konst, shape), name);
    if (shape.length === v.shape.length && shape.every((d, i) => d === v.shape[i])) return v;
    return this.fromGpu(name, v.dtype, shape, this.add('reshape', [this.onnx(v)], { shape: gshape(shape) }, name), 'nchw');
  }

  transpose(name: string, v: Val, perm: number[]): Val {
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
  reduce(name: string, v: Val, axes: number[], mode: ReduceName, keepdims: boolean): Val {
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

  run(graphProto: GraphProto, opset: number, opts: ImportOptions): ImportedModel {
    const vals = new Map<string, Val>();
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
    const shuffles = findChannelShuffles(nodes);
    const absorbed = new Set<number>(); // the Transpose and Reshape of a channel shuffle imported as one op
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k];
      const op = node.opType ?? '';
      if (absorbed.has(k)) continue;
      const label = `node '${node.name || node.output?.[0] || k}' (${op}${node.domain ? ` in domain '${node.domain}'` : ''}, opset ${opset})`;
      try {
        if (node.domain && node.domain !== 'ai.onnx') throw new SlimError(`operator domain '${node.domain}' is not supported`);
        const ins = (node.input ?? []).map((n) => {
          if (!n) return undefined;
          const v = vals.get(n);
          if (!v) throw new SlimError(`input '${n}' is not produced by any node, initializer or graph input`);
          return v;
        });
        const attrs = new Map<string, Attr>();
        for (const a of node.attribute ?? []) attrs.set(a.name, parseAttr(a, label));
        const ctx = new Ctx(this, node, ins, attrs, opset, label);
        const sh = shuffles.get(k);
        if (sh && this.tryChannelShuffle(ctx, nodes, sh, vals)) {
          sh.skip.forEach((j) => absorbed.add(j));
          continue;
        }
        const h = HANDLERS[op];
        if (!h) throw new SlimError(`operator '${op}' is not supported`);
        const outs = h(ctx);
        for (const name of attrs.keys()) if (!ctx.used.has(name)) throw new SlimError(`attribute '${name}' is not supported`);
        (node.output ?? []).forEach((o, i) => {
          if (!o) return;
          const v = outs[i];
          if (!v) throw new SlimError(`output ${i} ('${o}') is not supported`);
          vals.set(o, v);
        });
      } catch (e) {
        if (e instanceof NodeError) throw new SlimError(e.message);
        if (e instanceof SlimError) throw new SlimError(`${label}: ${e.message}`);
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
      check(Array.isArray(given) && (given.length === dims.length || !tt.shape), `input shape for '${name}' has rank ${given.length}, the model says ${dims.length}`);
      dims.forEach((d, i) => {
        const v = d.dimValue !== undefined ? toNum(d.dimValue) : 0;
        if (v > 0 && v !== given[i]) throw new SlimError(`input shape ${shapeStr(given)} for '${name}' disagrees with the model's dimension ${i} = ${v}`);
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
  private tryChannelShuffle(c: Ctx, nodes: NodeProto[], sh: { skip: number[] }, vals: Map<string, Val>): boolean {
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
    throw new SlimError(`the graph has a cycle (through node '${nodes[stuck].name || nodes[stuck].output?.[0] || stuck}', ${nodes[stuck].opType})`);
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

// ---- operator handlers ----

function autoPads(c: Ctx, spatial: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const mode = c.str('auto_pad', 'NOTSET');
  const n = spatial.length;
  if (mode === 'NOTSET') {
    const p = c.ints('pads') ?? new Array(2 * n).fill(0);
    if (p.length !== 2 * n) c.fail(`pads must have ${2 * n} values, got ${p.length}`);
    if (p.some((v) => v < 0)) c.fail(`negative pads [${p.join(',')}] are not supported`);
    return p;
  }
  if (mode === 'VALID') return new Array(2 * n).fill(0);
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') c.fail(`auto_pad '${mode}' is not supported`);
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((len, i) => {
    const out = Math.ceil(len / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - len);
    const small = Math.floor(total / 2);
    begin.push(mode === 'SAME_UPPER' ? small : total - small);
    end.push(mode === 'SAME_UPPER' ? total - small : small);
  });
  c.ints('pads'); // ignored with auto_pad
  return [...begin, ...end];
}

function need4d(c: Ctx, v: Val, what: string): void {
  if (v.shape.length !== 4) c.fail(`${what} must be a 4-D NCHW tensor (1-D and 3-D variants are not supported), got ${shapeStr(v.shape)}`);
}

/** Conv over NHWC with weights given in ONNX OIHW (constant or computed), optional bias. */
function convCore(c: Ctx, x: Val, w: Val, b: Val | undefined): Val {
  const imp = c.imp;
  need4d(c, x, 'X');
  if (w.shape.length !== 4) c.fail(`W must be 4-D [M, C/group, kH, kW], got ${shapeStr(w.shape)}`);
  const [, cin, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  const group = c.int('group', 1);
  const kernel = c.ints('kernel_shape');
  if (kernel && (kernel.length !== 2 || kernel[0] !== kh || kernel[1] !== kw)) c.fail(`kernel_shape [${kernel.join(',')}] disagrees with W ${shapeStr(w.shape)}`);
  if (cg * group !== cin) c.fail(`W ${shapeStr(w.shape)} with group ${group} expects ${cg * group} input channels, X ${shapeStr(x.shape)} has ${cin}`);
  const strides = c.ints('strides') ?? [1, 1];
  const dil = c.ints('dilations') ?? [1, 1];
  if (strides.length !== 2 || dil.length !== 2) c.fail('strides and dilations must have 2 values');
  const pads = autoPads(c, [h, wd], [kh, kw], strides, dil);
  const wid = w.konst
    ? (() => { const t = transposeHost(w.konst!, [2, 3, 1, 0]); return imp.g.addParam(`${w.name}.hwio`, t.dims, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)); })()
    : imp.add('transpose', [imp.onnx(w)], { perm: [2, 3, 1, 0] }, `${w.name}.hwio`);
  const inputs = [imp.nhwc(x), wid];
  if (b) {
    if (b.shape.length !== 1 || b.shape[0] !== m) c.fail(`B must be [${m}], got ${shapeStr(b.shape)}`);
    inputs.push(imp.onnx(b));
  }
  const name = c.node.name || c.node.output![0];
  const id = imp.add('conv2d', inputs, { stride: strides, pads: [pads[0], pads[1], pads[2], pads[3]], dilation: dil, groups: group }, name);
  const [, oh, ow] = imp.g.shape(id);
  return imp.fromGpu(name, x.dtype, [x.shape[0], m, oh, ow], id, 'nhwc');
}

function pool(c: Ctx, mode: 'max' | 'avg'): Val[] {
  const imp = c.imp;
  const x = c.in(0);
  need4d(c, x, 'X');
  const kernel = c.ints('kernel_shape');
  if (!kernel || kernel.length !== 2) c.fail('kernel_shape must have 2 values');
  const strides = c.ints('strides') ?? [1, 1];
  const dil = c.ints('dilations') ?? [1, 1];
  const pads = autoPads(c, x.shape.slice(2), kernel, strides, dil);
  const ceil = c.int('ceil_mode', 0) === 1;
  const attrs: Record<string, any> = { mode, kernel, stride: strides, pads, dilation: dil, ceil };
  if (mode === 'avg') attrs.countIncludePad = c.int('count_include_pad', 0) === 1;
  else {
    if (c.int('storage_order', 0) !== 0) c.fail('storage_order 1 is not supported');
    c.onlyOutputs(1);
  }
  const name = c.node.name || c.node.output![0];
  const id = imp.add('pool2d', [imp.nhwc(x)], attrs, name);
  const [n, oh, ow, ch] = imp.g.shape(id);
  return [imp.fromGpu(name, x.dtype, [n, ch, oh, ow], id, 'nhwc')];
}

function unaryH(fn: UnaryName, params: (c: Ctx) => [number, number] = () => [0, 0]): Handler {
  return (c) => {
    const [a, b] = params(c);
    return [c.imp.unary(c.node.output![0], fn, c.in(0), a, b)];
  };
}

function binaryH(fn: BinaryName): Handler {
  return (c) => {
    const a = c.in(0);
    let b = c.in(1);
    if (c.opset < 7 && c.int('broadcast', 0) === 1) {
      // legacy broadcasting: B's dimensions line up with A's starting at `axis` (default: the trailing ones)
      const axis = c.attrs.has('axis') ? normAxis(c.int('axis', 0), a.shape.length) : a.shape.length - b.shape.length;
      const trail = a.shape.length - axis - b.shape.length;
      if (axis < 0 || trail < 0) c.fail(`B ${shapeStr(b.shape)} does not fit A ${shapeStr(a.shape)} at axis ${axis}`);
      b = c.imp.reshape(`${b.name}.bc`, b, [...b.shape, ...new Array(trail).fill(1)]);
    }
    return [c.imp.binary(c.node.output![0], fn, a, b)];
  };
}

function variadic(fn: BinaryName, mean = false): Handler {
  return (c) => {
    const name = c.node.output![0];
    const ins = c.ins.filter((v): v is Val => !!v);
    if (!ins.length) c.fail('needs at least one input');
    let acc = ins[0];
    for (let i = 1; i < ins.length; i++) acc = c.imp.binary(`${name}.${i}`, fn, acc, ins[i]);
    if (ins.length === 1) acc = c.imp.unary(name, 'identity', acc);
    if (mean) acc = c.imp.binary(name, 'div', acc, c.imp.konst(host(DT.FLOAT, [], [ins.length])));
    return [acc];
  };
}

/** Shape of Reshape's target with ONNX's 0 (copy, unless allowzero) and -1 (infer). */
function reshapeTarget(c: Ctx, from: number[], to: number[], allowzero: boolean): number[] {
  const out = to.map((d, i) => (d === 0 && !allowzero ? (i < from.length ? from[i] : c.fail(`shape [${to.join(',')}]: 0 at ${i} has no input dimension to copy`)) : d));
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1 || out.some((d) => d < -1)) c.fail(`shape [${to.join(',')}] is invalid`);
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = numelOf(from);
  if (neg) {
    if (known === 0 || total % known !== 0) c.fail(`cannot reshape ${shapeStr(from)} to [${to.join(',')}]`);
    return out.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) c.fail(`cannot reshape ${shapeStr(from)} (${total} values) to [${to.join(',')}]`);
  return out;
}

function axesArg(c: Ctx, inputIndex: number, attrBefore: number): number[] | undefined {
  if (c.opset < attrBefore) return c.ints('axes');
  const v = c.opt(inputIndex);
  return v ? [...c.konst(inputIndex, 'axes').data] : undefined;
}

/** Per-axis broadcast of a 1-D (or scalar) quantization parameter along `axis` of a tensor of rank r. */
function alongAxis(c: Ctx, v: Val, axis: number, rank: number): Val {
  if (v.shape.length <= 0 || numelOf(v.shape) === 1) return c.imp.reshape(`${v.name}.s`, v, []);
  if (v.shape.length !== 1) c.fail(`quantization parameter '${v.name}' must be a scalar or 1-D, got ${shapeStr(v.shape)}`);
  const a = normAxis(axis, rank);
  return c.imp.reshape(`${v.name}.ax`, v, [v.shape[0], ...new Array(rank - a - 1).fill(1)]);
}

const QRANGE: Record<number, [number, number]> = { [DT.UINT8]: [0, 255], [DT.INT8]: [-128, 127], [DT.UINT16]: [0, 65535], [DT.INT16]: [-32768, 32767], [DT.INT32]: [-(2 ** 31), 2 ** 31 - 1] };

/** clip(round(v) + zp) into the range of `dtype`: the shared tail of every quantizing op. */
function requantize(c: Ctx, name: string, v: Val, zp: Val | undefined, dtype: number): Val {
  const range = QRANGE[dtype];
  if (!range) c.fail(`quantized type ${dtypeName(dtype)} is not supported`);
  let q = c.imp.unary(`${name}.round`, 'round', v);
  if (zp) q = c.imp.binary(`${name}.zp`, 'add', q, zp);
  const out = c.imp.unary(name, 'clip', q, range[0], range[1]);
  return { ...out, dtype };
}

function zeroPointOr(c: Ctx, i: number, dflt: number): Val {
  return c.opt(i) ?? c.imp.konst(host(dflt, [], [0]));
}

function subZero(c: Ctx, name: string, v: Val, zp: Val | undefined): Val {
  return zp ? c.imp.binary(name, 'sub', v, zp) : v;
}

const f32 = (v: Val): Val => ({ ...v, dtype: DT.FLOAT });

const HANDLERS: Record<string, Handler> = {
  Identity: (c) => [c.in(0)],
  Dropout: (c) => {
    if (c.opset < 7) c.ignore('is_test');
    if (c.opset < 12) c.ignore('ratio');
    else c.ignore('seed');
    if (c.opset >= 12 && c.opt(2)) {
      const t = c.konst(2, 'training_mode');
      if (scalarOf(t, 'training_mode')) c.fail('training_mode = true is not supported (inference only)');
    }
    c.onlyOutputs(1);
    return [c.in(0)];
  },
  Constant: (c) => {
    const t = c.tensor('value');
    if (t) return [c.imp.konst(t)];
    const f = c.float('value_float', NaN);
    if (!Number.isNaN(f)) return [c.imp.konst(host(DT.FLOAT, [], [f]))];
    const fs = c.floats('value_floats');
    if (fs) return [c.imp.konst(host(DT.FLOAT, [fs.length], fs))];
    const i = c.ints('value_ints');
    if (i) return [c.imp.konst(host(DT.INT64, [i.length], i))];
    if (c.attrs.has('value_int')) return [c.imp.konst(host(DT.INT64, [], [c.int('value_int', 0)]))];
    return c.fail('needs a value attribute (value, value_float(s), value_int(s); sparse and string values are not supported)');
  },
  Shape: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    let s = normClamp(c.int('start', 0), r);
    let e = c.attrs.has('end') ? normClamp(c.int('end', r), r) : r;
    if (e < s) e = s;
    return [c.imp.konst(host(DT.INT64, [e - s], x.shape.slice(s, e)))];
  },
  Size: (c) => [c.imp.konst(host(DT.INT64, [], [numelOf(c.in(0).shape)]))],
  Cast: (c) => {
    const to = c.int('to', 0);
    c.ignore('saturate');
    const x = c.in(0);
    if (x.konst) return [c.imp.konst(castHost(x.konst, to))];
    if (to === DT.FLOAT || to === DT.DOUBLE) return [{ ...x, dtype: to }];
    if (isIntegerType(to) && isIntegerType(x.dtype)) return [{ ...x, dtype: to }];
    return c.fail(`a run-time cast from ${dtypeName(x.dtype)} to ${dtypeName(to)} is not supported`);
  },
  Gather: (c) => {
    const axis = c.int('axis', 0);
    const x = c.in(0);
    const idx = c.konst(1, 'indices');
    const xk = x.konst ?? c.fail('Gather is supported on constants only (shape computations)');
    return [c.imp.konst(gatherHost(xk, idx, normAxis(axis, x.shape.length)))];
  },
  ConstantOfShape: (c) => {
    const dims = [...c.konst(0, 'shape').data];
    const v = c.tensor('value') ?? host(DT.FLOAT, [1], [0]);
    checkDims(dims, 'ConstantOfShape', MAX_FOLD_ELEMENTS);
    return [c.imp.konst({ dtype: v.dtype, dims, data: new Float64Array(numelOf(dims)).fill(v.data[0] ?? 0) })];
  },
  Range: (c) => {
    const [s, l, d] = [0, 1, 2].map((i) => scalarOf(c.konst(i), 'Range input'));
    if (d === 0) c.fail('delta must not be 0');
    const n = Math.max(Math.ceil((l - s) / d), 0);
    checkDims([n], 'Range', MAX_FOLD_ELEMENTS);
    return [c.imp.konst(host(c.in(0).dtype, [n], Array.from({ length: n }, (_, i) => s + i * d)))];
  },
  Slice: (c) => {
    const x = c.in(0);
    let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
    if (c.opset < 10) {
      starts = c.ints('starts') ?? c.fail('starts is required');
      ends = c.ints('ends') ?? c.fail('ends is required');
      axes = c.ints('axes');
    } else {
      starts = [...c.konst(1, 'starts').data];
      ends = [...c.konst(2, 'ends').data];
      axes = c.opt(3) ? [...c.konst(3, 'axes').data] : undefined;
      steps = c.opt(4) ? [...c.konst(4, 'steps').data] : undefined;
    }
    const r = x.shape.length;
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, r));
    const st = steps ?? ax.map(() => 1);
    const big = (v: number) => Math.max(Math.min(v, 2 ** 31), -(2 ** 31));
    if (x.konst) return [c.imp.konst(sliceHost(x.konst, starts.map(big), ends.map(big), ax, st))];
    if (st.some((s) => s <= 0)) c.fail('negative steps on run-time tensors are not supported');
    // resolve ONNX clamping on the host, then a slice op with explicit ranges
    const s0 = new Array(r).fill(0);
    const e0 = [...x.shape];
    const sp = new Array(r).fill(1);
    ax.forEach((a, i) => {
      const d = x.shape[a];
      const cl = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      s0[a] = cl(big(starts[i]));
      e0[a] = cl(big(ends[i]));
      sp[a] = st[i];
    });
    const out = x.shape.map((_, i) => Math.max(0, Math.ceil((e0[i] - s0[i]) / sp[i])));
    if (out.some((d) => d === 0)) return [c.imp.konst({ dtype: x.dtype, dims: out, data: new Float64Array(0) })];
    const id = c.imp.add('slice', [c.imp.onnx(x)], { starts: s0, ends: e0, steps: sp }, c.node.output![0]);
    return [c.imp.fromGpu(c.node.output![0], x.dtype, out, id, 'nchw')];
  },
  Reshape: (c) => {
    const x = c.in(0);
    const to = c.opset < 5 ? c.ints('shape') ?? c.fail('shape is required') : [...c.konst(1, 'shape').data];
    const allowzero = c.int('allowzero', 0) === 1;
    return [c.imp.reshape(c.node.output![0], x, reshapeTarget(c, x.shape, to, allowzero))];
  },
  Flatten: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    const a0 = c.int('axis', 1);
    if (a0 < -r || a0 > r) c.fail(`axis ${a0} is out of range for rank ${r}`);
    const axis = a0 < 0 ? a0 + r : a0;
    return [c.imp.reshape(c.node.output![0], x, [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))])];
  },
  Squeeze: (c) => {
    const x = c.in(0);
    const axes = axesArg(c, 1, 13);
    const r = x.shape.length;
    const ax = axes ? axes.map((a) => normAxis(a, r)) : x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    for (const a of ax) if (x.shape[a] !== 1) c.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    return [c.imp.reshape(c.node.output![0], x, x.shape.filter((_, i) => !ax.includes(i)))];
  },
  Unsqueeze: (c) => {
    const x = c.in(0);
    const axes = axesArg(c, 1, 13) ?? c.fail('axes are required');
    const r = x.shape.length + axes.length;
    const ax = axes.map((a) => normAxis(a, r));
    if (new Set(ax).size !== ax.length) c.fail('repeated axes');
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x.shape[k++]);
    return [c.imp.reshape(c.node.output![0], x, out)];
  },
  Transpose: (c) => {
    const x = c.in(0);
    const perm = c.ints('perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) c.fail(`perm [${perm.join(',')}] is not a permutation of ${x.shape.length} axes`);
    return [c.imp.transpose(c.node.output![0], x, perm)];
  },
  Concat: (c) => {
    const ins = c.ins.filter((v): v is Val => !!v && numelOf(v.shape) > 0);
    if (!ins.length) c.fail('needs at least one non-empty input');
    const r = ins[0].shape.length;
    const axis = normAxis(c.int('axis', c.opset < 4 ? 1 : NaN), r);
    const name = c.node.output![0];
    if (ins.every((v) => v.konst)) return [c.imp.konst(concatHost(ins.map((v) => v.konst!), axis), name)];
    const shape = [...ins[0].shape];
    shape[axis] = ins.reduce((a, v) => a + v.shape[axis], 0);
    for (const v of ins) if (v.shape.length !== r || v.shape.some((d, i) => i !== axis && d !== ins[0].shape[i])) c.fail(`inputs disagree: ${ins.map((v) => shapeStr(v.shape)).join(' ')}`);
    if (r === 4 && axis === 1 && ins.some((v) => c.imp.isNhwc(v))) {
      const id = c.imp.add('concat', ins.map((v) => c.imp.nhwc(v)), {}, name);
      return [c.imp.fromGpu(name, ins[0].dtype, shape, id, 'nhwc')];
    }
    if (ins.length === 1) return [ins[0]];
    const id = c.imp.add('concat_axis', ins.map((v) => c.imp.onnx(v)), { axis }, name);
    return [c.imp.fromGpu(name, ins[0].dtype, shape, id, 'nchw')];
  },
  Split: (c) => {
    const x = c.in(0);
    const r = x.shape.length;
    const axis = normAxis(c.int('axis', 0), r);
    const n = c.outCount();
    let split: number[] | undefined = c.opset < 13 ? c.ints('split') : c.opt(1) ? [...c.konst(1, 'split').data] : undefined;
    const len = x.shape[axis];
    if (!split) {
      const parts = c.opset >= 18 ? c.int('num_outputs', n) : n;
      if (c.opset >= 18 && !c.attrs.has('num_outputs')) c.fail('needs the split input or num_outputs');
      if (parts !== n) c.fail(`num_outputs ${parts} disagrees with the node's ${n} outputs`);
      const size = Math.ceil(len / parts);
      split = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, len - i * size)));
    } else c.ignore('num_outputs');
    if (split.length !== n || split.some((s) => s < 0) || split.reduce((a, b) => a + b, 0) !== len) c.fail(`split [${split.join(',')}] does not divide axis ${axis} of ${shapeStr(x.shape)} into ${n} outputs`);
    let off = 0;
    return split.map((s, k) => {
      const name = c.node.output![k];
      const starts = x.shape.map(() => 0);
      const ends = [...x.shape];
      starts[axis] = off;
      ends[axis] = off + s;
      off += s;
      const shape = x.shape.map((d, i) => (i === axis ? s : d));
      if (x.konst) return c.imp.konst(sliceHost(x.konst, [starts[axis]], [ends[axis]], [axis], [1]), name);
      if (s === 0) return c.imp.konst({ dtype: x.dtype, dims: shape, data: new Float64Array(0) }, name);
      if (s === len) return x;
      return c.imp.fromGpu(name, x.dtype, shape, c.imp.add('slice', [c.imp.onnx(x)], { starts, ends }, name), 'nchw');
    });
  },
  Pad: (c) => {
    const x = c.in(0);
    const mode = c.str('mode', 'constant');
    if (!['constant', 'reflect', 'edge'].includes(mode)) c.fail(`mode '${mode}' is not supported`);
    const r = x.shape.length;
    let pads: number[];
    let value = 0;
    let valueT: Val | undefined;
    if (c.opset < 11) {
      pads = c.ints(c.opset < 2 ? 'paddings' : 'pads') ?? c.fail('pads is required');
      value = c.float('value', 0);
    } else {
      const p = [...c.konst(1, 'pads').data];
      const cv = c.opt(2);
      if (cv?.konst) value = scalarOf(cv.konst, 'constant_value');
      else if (cv) {
        if (numelOf(cv.shape) !== 1) c.fail(`constant_value must be a scalar, got ${shapeStr(cv.shape)}`);
        valueT = cv;
      }
      const axes = c.opt(3) ? [...c.konst(3, 'axes').data].map((a) => normAxis(a, r)) : x.shape.map((_, i) => i);
      if (p.length !== 2 * axes.length) c.fail(`pads has ${p.length} values for ${axes.length} axes`);
      pads = new Array(2 * r).fill(0);
      axes.forEach((a, i) => {
        pads[a] = p[i];
        pads[a + r] = p[i + axes.length];
      });
    }
    if (pads.length !== 2 * r) c.fail(`pads needs ${2 * r} values, got ${pads.length}`);
    const name = c.node.output![0];
    const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
    const id = c.imp.add('pad', valueT ? [c.imp.onnx(x), c.imp.onnx(valueT)] : [c.imp.onnx(x)], { pads, mode, value }, name);
    return [c.imp.fromGpu(name, x.dtype, shape, id, 'nchw')];
  },
  DepthToSpace: (c) => {
    const x = c.in(0);
    need4d(c, x, 'input');
    const b = c.int('blocksize', 0);
    const mode = c.str('mode', 'DCR');
    const [n, ch, h, w] = x.shape;
    if (b < 1 || ch % (b * b) !== 0) c.fail(`blocksize ${b} does not divide ${ch} channels into blocks`);
    const name = c.node.output![0];
    const cc = ch / (b * b);
    let t: Val;
    if (mode === 'DCR') t = c.imp.transpose(`${name}.t`, c.imp.reshape(`${name}.r`, x, [n, b, b, cc, h, w]), [0, 3, 4, 1, 5, 2]);
    else if (mode === 'CRD') t = c.imp.transpose(`${name}.t`, c.imp.reshape(`${name}.r`, x, [n, cc, b, b, h, w]), [0, 1, 4, 2, 5, 3]);
    else return c.fail(`mode '${mode}' is not supported`);
    return [c.imp.reshape(name, t, [n, cc, h * b, w * b])];
  },
  Relu: unaryH('relu'),
  Sigmoid: unaryH('sigmoid'),
  Tanh: unaryH('tanh'),
  Abs: unaryH('abs'),
  Neg: unaryH('neg'),
  Exp: unaryH('exp'),
  Log: unaryH('log'),
  Sqrt: unaryH('sqrt'),
  Sign: unaryH('sign'),
  Floor: unaryH('floor'),
  Ceil: unaryH('ceil'),
  Reciprocal: unaryH('reciprocal'),
  Softplus: unaryH('softplus'),
  Mish: unaryH('mish'),
  HardSwish: unaryH('hardswish'),
  LeakyRelu: unaryH('leakyrelu', (c) => [c.float('alpha', 0.01), 0]),
  Elu: unaryH('elu', (c) => [c.float('alpha', 1), 0]),
  HardSigmoid: unaryH('hardsigmoid', (c) => [c.float('alpha', 0.2), c.float('beta', 0.5)]),
  Swish: unaryH('swish', (c) => [c.float('alpha', 1), 0]),
  Clip: (c) => {
    const x = c.in(0);
    const name = c.node.output![0];
    const int = isIntegerType(x.dtype);
    const lo = int ? QRANGE[x.dtype]?.[0] ?? -Infinity : -3.4028234663852886e38;
    const hi = int ? QRANGE[x.dtype]?.[1] ?? Infinity : 3.4028234663852886e38;
    if (c.opset < 11) return [c.imp.unary(name, 'clip', x, c.float('min', lo), c.float('max', hi))];
    const mn = c.opt(1);
    const mx = c.opt(2);
    if ((!mn || mn.konst) && (!mx || mx.konst)) {
      return [c.imp.unary(name, 'clip', x, mn ? scalarOf(mn.konst!, 'min') : lo, mx ? scalarOf(mx.konst!, 'max') : hi)];
    }
    let y = x;
    if (mn) y = c.imp.binary(`${name}.min`, 'max', y, mn);
    if (mx) y = c.imp.binary(name, 'min', y, mx);
    return [y];
  },
  PRelu: (c) => {
    const x = c.in(0);
    let slope = c.in(1);
    // opset < 7 / common exports: slope [C] means per channel (broadcast along axis 1)
    if (slope.shape.length === 1 && x.shape.length > 2 && slope.shape[0] === x.shape[1] && slope.shape[0] !== x.shape[x.shape.length - 1]) {
      slope = c.imp.reshape(`${slope.name}.c`, slope, [slope.shape[0], ...new Array(x.shape.length - 2).fill(1)]);
    }
    return [c.imp.binary(c.node.output![0], 'prelu', x, slope)];
  },
  Add: binaryH('add'),
  Sub: binaryH('sub'),
  Mul: binaryH('mul'),
  Div: binaryH('div'),
  Pow: binaryH('pow'),
  Sum: variadic('add'),
  Mean: variadic('add', true),
  Max: variadic('max'),
  Min: variadic('min'),
  Softmax: (c) => softmax(c, {}),
  LogSoftmax: (c) => softmax(c, { log: 1 }),
  Hardmax: (c) => softmax(c, { hard: 1 }),
  SoftmaxCrossEntropyLoss: (c) => softmaxCrossEntropy(c),
  ReduceMean: (c) => reduceH(c, 'mean'),
  ReduceSum: (c) => reduceH(c, 'sum', 13),
  ReduceMax: (c) => reduceH(c, 'max'),
  ReduceMin: (c) => reduceH(c, 'min'),
  GlobalAveragePool: (c) => globalPool(c, 'avg'),
  GlobalMaxPool: (c) => globalPool(c, 'max'),
  MaxPool: (c) => pool(c, 'max'),
  AveragePool: (c) => pool(c, 'avg'),
  Conv: (c) => [convCore(c, c.in(0, 'X'), c.in(1, 'W'), c.opt(2))],
  BatchNormalization: (c) => {
    const x = c.in(0);
    const eps = c.float('epsilon', 1e-5);
    c.ignore('momentum', 'is_test', 'consumed_inputs');
    if (c.int('spatial', 1) !== 1) c.fail('spatial = 0 (per-activation statistics) is not supported');
    const training = c.int('training_mode', 0) !== 0;
    if (!training) c.onlyOutputs(1);
    const stats = [1, 2, 3, 4].map((i) => c.in(i));
    const ch = x.shape[1];
    for (const s of stats) if (s.shape.length !== 1 || s.shape[0] !== ch) c.fail(`statistics must be [${ch}], got ${shapeStr(s.shape)}`);
    const name = c.node.output![0];
    if (training) return batchnormTraining(c, x, stats, eps, c.float('momentum', 0.9));
    if (x.shape.length === 4 && stats.every((s) => s.konst)) {
      const ids = stats.map((s) => c.imp.onnx(s));
      const id = c.imp.add('batchnorm', [c.imp.nhwc(x), ...ids], { eps }, name);
      return [c.imp.fromGpu(name, x.dtype, x.shape, id, 'nhwc')];
    }
    // general form: (x − mean) / √(var + ε) · scale + bias, statistics broadcast along axis 1
    const [scale, bias, mean, variance] = stats.map((s) => c.imp.reshape(`${s.name}.c`, s, [ch, ...new Array(Math.max(0, x.shape.length - 2)).fill(1)]));
    const d = c.imp.binary(`${name}.d`, 'sub', x, mean);
    const sd = c.imp.unary(`${name}.sd`, 'sqrt', c.imp.binary(`${name}.v`, 'add', variance, c.imp.konst(host(DT.FLOAT, [], [eps]))));
    const q = c.imp.binary(`${name}.q`, 'div', d, sd);
    return [c.imp.binary(name, 'add', c.imp.binary(`${name}.s`, 'mul', q, scale), bias)];
  },
  LRN: (c) => {
    const x = c.in(0);
    need4d(c, x, 'X');
    const size = c.int('size', 0);
    if (size < 1) c.fail('size must be ≥ 1');
    const name = c.node.output![0];
    const attrs = { size, alpha: c.float('alpha', 1e-4), beta: c.float('beta', 0.75), bias: c.float('bias', 1) };
    return [c.imp.fromGpu(name, x.dtype, x.shape, c.imp.add('lrn', [c.imp.nhwc(x)], attrs, name), 'nhwc')];
  },
  Gemm: (c) => {
    const a = c.in(0);
    const b = c.in(1);
    const bias = c.opt(2);
    const alpha = c.float('alpha', 1);
    const beta = c.float('beta', 1);
    const transA = c.int('transA', 0) === 1;
    const transB = c.int('transB', 0) === 1;
    c.ignore('broadcast');
    if (a.shape.length !== 2 || b.shape.length !== 2) c.fail(`A and B must be 2-D, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
    const name = c.node.output![0];
    const m = transA ? a.shape[1] : a.shape[0];
    const n = transB ? b.shape[0] : b.shape[1];
    if ((transA ? a.shape[0] : a.shape[1]) !== (transB ? b.shape[1] : b.shape[0])) c.fail(`inner dimensions differ: ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
    const mmAttrs = { transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha };
    // C of [N] or [1, N] (a bias vector) with β = 1 goes into the matmul kernel; other C broadcast with an add
    if (bias && beta === 1 && numelOf(bias.shape) === n && bias.shape[bias.shape.length - 1] === n && bias.shape.length <= 2) {
      const bv = c.imp.reshape(`${bias.name}.v`, bias, [n]);
      return [c.imp.fromGpu(name, a.dtype, [m, n], c.imp.add('matmul', [c.imp.onnx(a), c.imp.onnx(b), c.imp.onnx(bv)], mmAttrs, name), 'nchw')];
    }
    const id = c.imp.add('matmul', [c.imp.onnx(a), c.imp.onnx(b)], mmAttrs, bias ? `${name}.mm` : name);
    let y = c.imp.fromGpu(name, a.dtype, [m, n], id, 'nchw');
    if (bias && beta !== 0) {
      let cb = bias;
      if (beta !== 1) cb = c.imp.binary(`${name}.beta`, 'mul', bias, c.imp.konst(host(DT.FLOAT, [], [beta])));
      y = c.imp.binary(name, 'add', y, cb);
    }
    return [y];
  },
  MatMul: (c) => [matmul(c, c.in(0), c.in(1), c.node.output![0])],
  QuantizeLinear: (c) => {
    const x = c.in(0);
    const axis = c.int('axis', 1);
    c.ignore('saturate');
    if (c.int('block_size', 0) !== 0) c.fail('blocked quantization (block_size) is not supported');
    const zp = c.opt(2);
    const dtype = c.int('output_dtype', 0) || zp?.dtype || DT.UINT8;
    const name = c.node.output![0];
    const scale = alongAxis(c, c.in(1), axis, x.shape.length);
    const z = zp ? alongAxis(c, zp, axis, x.shape.length) : undefined;
    return [requantize(c, name, c.imp.binary(`${name}.div`, 'div', x, scale), z, dtype)];
  },
  DequantizeLinear: (c) => {
    const x = c.in(0);
    const axis = c.int('axis', 1);
    if (c.int('block_size', 0) !== 0) c.fail('blocked quantization (block_size) is not supported');
    c.ignore('output_dtype');
    const name = c.node.output![0];
    const zp = c.opt(2);
    const d = subZero(c, `${name}.zp`, x, zp ? alongAxis(c, zp, axis, x.shape.length) : undefined);
    return [f32(c.imp.binary(name, 'mul', f32(d), alongAxis(c, c.in(1), axis, x.shape.length)))];
  },
  DynamicQuantizeLinear: (c) => {
    const x = c.in(0);
    const [yName, sName, zName] = c.node.output!;
    const flat = c.imp.reshape(`${yName}.flat`, x, [numelOf(x.shape)]);
    const zero = c.imp.konst(host(DT.FLOAT, [], [0]));
    const mx = c.imp.binary(`${yName}.max0`, 'max', c.imp.reduce(`${yName}.max`, flat, [0], 'max', false), zero);
    const mn = c.imp.binary(`${yName}.min0`, 'min', c.imp.reduce(`${yName}.min`, flat, [0], 'min', false), zero);
    const scale = c.imp.binary(sName, 'div', c.imp.binary(`${sName}.range`, 'sub', mx, mn), c.imp.konst(host(DT.FLOAT, [], [255])));
    const zpf = c.imp.unary(`${zName}.f`, 'clip', c.imp.unary(`${zName}.r`, 'round', c.imp.binary(`${zName}.d`, 'div', c.imp.unary(`${zName}.n`, 'neg', mn), scale)), 0, 255);
    const zp = { ...zpf, dtype: DT.UINT8 };
    const y = requantize(c, yName, c.imp.binary(`${yName}.div`, 'div', x, scale), zp, DT.UINT8);
    return [y, f32(scale), zp];
  },
  ConvInteger: (c) => {
    const x = c.in(0);
    const w = c.in(1);
    const name = c.node.output![0];
    const xz = c.opt(2);
    const wz = c.opt(3);
    const xs = subZero(c, `${name}.xz`, f32(x), xz ? alongAxis(c, xz, 1, 4) : undefined);
    const ws = subZero(c, `${name}.wz`, f32(w), wz ? alongAxis(c, wz, 0, 4) : undefined);
    return [{ ...convCore(c, xs, ws, undefined), dtype: DT.INT32 }];
  },
  QLinearConv: (c) => {
    const name = c.node.output![0];
    const x = subZero(c, `${name}.xz`, f32(c.in(0)), alongAxis(c, zeroPointOr(c, 2, c.in(0).dtype), 1, 4));
    const w = subZero(c, `${name}.wz`, f32(c.in(3)), alongAxis(c, zeroPointOr(c, 5, c.in(3).dtype), 0, 4));
    let acc = convCore(c, x, w, undefined);
    if (c.opt(8)) acc = c.imp.binary(`${name}.b`, 'add', acc, c.imp.reshape(`${name}.bc`, c.in(8), [c.in(8).shape[0], 1, 1]));
    const mult = c.imp.binary(`${name}.m`, 'div', c.imp.binary(`${name}.xw`, 'mul', alongAxis(c, c.in(1), 1, 4), alongAxis(c, c.in(4), 1, 4)), alongAxis(c, c.in(6), 1, 4));
    const yz = c.in(7);
    return [requantize(c, name, c.imp.binary(`${name}.s`, 'mul', acc, mult), alongAxis(c, yz, 1, 4), yz.dtype)];
  },
  MatMulInteger: (c) => {
    const name = c.node.output![0];
    const a = c.in(0);
    const b = c.in(1);
    const az = c.opt(2);
    const bz = c.opt(3);
    // a_zero_point may be per row of A ([M]) and b_zero_point per column of B ([N])
    const azb = az && az.shape.length === 1 && az.shape[0] > 1 ? c.imp.reshape(`${name}.azr`, az, [az.shape[0], 1]) : az;
    const as = subZero(c, `${name}.az`, f32(a), azb);
    const bs = subZero(c, `${name}.bz`, f32(b), bz);
    return [{ ...matmul(c, as, bs, name), dtype: DT.INT32 }];
  },
  QLinearMatMul: (c) => {
    const name = c.node.output![0];
    const a = subZero(c, `${name}.az`, f32(c.in(0)), c.in(2));
    const b = subZero(c, `${name}.bz`, f32(c.in(3)), c.in(5));
    const acc = matmul(c, a, b, `${name}.mm`);
    const mult = c.imp.binary(`${name}.m`, 'div', c.imp.binary(`${name}.ab`, 'mul', c.in(1), c.in(4)), c.in(6));
    const yz = c.in(7);
    return [requantize(c, name, c.imp.binary(`${name}.s`, 'mul', acc, mult), yz, yz.dtype)];
  },
};

/**
 * Training-mode batch-norm (opset ≥ 14): normalise with the batch's own mean and (population) variance over every
 * axis but 1, and output the updated running statistics, momentum·running + (1 − momentum)·batch.
 */
function batchnormTraining(c: Ctx, x: Val, stats: Val[], eps: number, momentum: number): Val[] {
  const imp = c.imp;
  const [yName, mName, vName] = [0, 1, 2].map((k) => c.node.output![k] || `${c.node.output![0]}.out${k}`);
  const ch = x.shape[1];
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = [ch, ...new Array(Math.max(0, x.shape.length - 2)).fill(1)];
  const mean = imp.reduce(`${yName}.mean`, x, axes, 'mean', true);
  const d = imp.binary(`${yName}.d`, 'sub', x, mean);
  const variance = imp.reduce(`${yName}.var`, imp.binary(`${yName}.d2`, 'mul', d, d), axes, 'mean', true);
  const sd = imp.unary(`${yName}.sd`, 'sqrt', imp.binary(`${yName}.ve`, 'add', variance, imp.konst(host(DT.FLOAT, [], [eps]))));
  const [scale, bias] = stats.slice(0, 2).map((s) => imp.reshape(`${s.name}.c`, s, bshape));
  const y = imp.binary(yName, 'add', imp.binary(`${yName}.s`, 'mul', imp.binary(`${yName}.q`, 'div', d, sd), scale), bias);
  const mom = imp.konst(host(DT.FLOAT, [], [momentum]));
  const rest = imp.konst(host(DT.FLOAT, [], [1 - momentum]));
  const run = (name: string, old: Val, cur: Val) =>
    imp.binary(name, 'add', imp.binary(`${name}.old`, 'mul', old, mom), imp.binary(`${name}.new`, 'mul', imp.reshape(`${name}.flat`, cur, [ch]), rest));
  return [y, run(mName, stats[2], mean), run(vName, stats[3], variance)];
}

/**
 * SoftmaxCrossEntropyLoss with labels known at import (an initializer, or a shape-like int64 input given as a
 * constant): the label gather becomes a product with a host-built one-hot mask and a sum over classes, so the
 * whole loss runs on the general ops. Run-time labels are reported as unsupported.
 */
function softmaxCrossEntropy(c: Ctx): Val[] {
  const imp = c.imp;
  const x = c.in(0);
  const labels = c.konst(1, 'labels');
  const w = c.opt(2);
  const reduction = c.str('reduction', 'mean');
  if (!['mean', 'sum', 'none'].includes(reduction)) c.fail(`reduction '${reduction}' is not supported`);
  const ignore = c.attrs.has('ignore_index') ? c.int('ignore_index', 0) : undefined;
  const [lossName, probName] = [c.node.output![0], c.node.output![1] || `${c.node.output![0]}.log_prob`];
  if (x.shape.length < 2) c.fail(`scores must be [N, C, ...], got ${shapeStr(x.shape)}`);
  const [n, ch] = x.shape;
  const rest = x.shape.slice(2);
  const d = numelOf(rest);
  if (labels.dims.join(',') !== [n, ...rest].join(',')) c.fail(`labels ${shapeStr(labels.dims)} do not match scores ${shapeStr(x.shape)}`);
  const mask = new Float64Array(n * ch * d);
  let count = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const l = labels.data[i * d + j];
      if (l === ignore) continue;
      if (!(Number.isInteger(l) && l >= 0 && l < ch)) c.fail(`label ${l} is outside [0, ${ch})`);
      mask[(i * ch + l) * d + j] = 1;
      count++;
    }
  const onehot = imp.konst({ dtype: DT.FLOAT, dims: x.shape, data: mask }, `${lossName}.onehot`);
  const lpId = imp.add('softmax_axis', [imp.onnx(x)], { axis: 1, log: 1 }, probName);
  const logProb = imp.fromGpu(probName, x.dtype, x.shape, lpId, 'nchw');
  let loss = imp.unary(`${lossName}.neg`, 'neg', imp.reduce(`${lossName}.pick`, imp.binary(`${lossName}.m`, 'mul', logProb, onehot), [1], 'sum', false));
  let denom: Val | undefined;
  if (w) {
    if (w.shape.length !== 1 || w.shape[0] !== ch) c.fail(`weights must be [${ch}], got ${shapeStr(w.shape)}`);
    const wb = imp.reshape(`${w.name}.b`, w, [ch, ...rest.map(() => 1)]);
    const gw = imp.reduce(`${lossName}.gw`, imp.binary(`${lossName}.wm`, 'mul', onehot, wb), [1], 'sum', false);
    loss = imp.binary(`${lossName}.w`, 'mul', loss, gw);
    denom = imp.reduce(`${lossName}.wsum`, gw, gw.shape.map((_, i) => i), 'sum', false);
  } else if (ignore !== undefined) denom = imp.konst(host(DT.FLOAT, [], [count]));
  const all = loss.shape.map((_, i) => i);
  if (reduction === 'sum') loss = imp.reduce(lossName, loss, all, 'sum', false);
  else if (reduction === 'mean') loss = denom ? imp.binary(lossName, 'div', imp.reduce(`${lossName}.sum`, loss, all, 'sum', false), denom) : imp.reduce(lossName, loss, all, 'mean', false);
  return [loss, logProb];
}

function normClamp(v: number, r: number): number {
  return Math.min(Math.max(v < 0 ? v + r : v, 0), r);
}

function globalPool(c: Ctx, mode: 'avg' | 'max'): Val[] {
  const x = c.in(0);
  need4d(c, x, 'X');
  const name = c.node.output![0];
  const id = c.imp.add('global_pool', [c.imp.nhwc(x)], { mode }, name);
  return [c.imp.fromGpu(name, x.dtype, [x.shape[0], x.shape[1], 1, 1], id, 'nhwc')];
}

function softmax(c: Ctx, mode: { log?: number; hard?: number }): Val[] {
  const x = c.in(0);
  const r = x.shape.length;
  const name = c.node.output![0];
  if (c.opset < 13) {
    // coerced to 2-D at axis (default 1): softmax over all trailing dimensions together
    const axis = normAxis(c.int('axis', 1), r);
    const flat = c.imp.reshape(`${name}.2d`, x, [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))]);
    const id = c.imp.add('softmax_axis', [c.imp.onnx(flat)], { axis: 1, ...mode }, `${name}.sm`);
    return [c.imp.reshape(name, c.imp.fromGpu(`${name}.sm`, x.dtype, flat.shape, id, 'nchw'), x.shape)];
  }
  const axis = normAxis(c.int('axis', -1), r);
  const id = c.imp.add('softmax_axis', [c.imp.onnx(x)], { axis, ...mode }, name);
  return [c.imp.fromGpu(name, x.dtype, x.shape, id, 'nchw')];
}

function reduceH(c: Ctx, mode: ReduceName, axesInputFrom = 18): Val[] {
  const x = c.in(0);
  const keep = c.int('keepdims', 1) === 1;
  const noop = c.int('noop_with_empty_axes', 0) === 1;
  let axes = axesArg(c, 1, axesInputFrom);
  if (!axes || axes.length === 0) {
    if (noop) return [x];
    axes = x.shape.map((_, i) => i);
  }
  return [c.imp.reduce(c.node.output![0], x, axes, mode, keep)];
}

/** numpy matmul: 1-D operands are promoted (and the added axis removed from the result). */
function matmul(c: Ctx, a: Val, b: Val, name: string): Val {
  const a2 = a.shape.length === 1 ? c.imp.reshape(`${name}.a2`, a, [1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? c.imp.reshape(`${name}.b2`, b, [b.shape[0], 1]) : b;
  const id = c.imp.add('matmul', [c.imp.onnx(a2), c.imp.onnx(b2)], {}, name);
  let shape = [...c.imp.g.shape(id)];
  if (a.shape.length === 1) shape.splice(shape.length - 2, 1);
  if (b.shape.length === 1) shape.splice(shape.length - 1, 1);
  const y = c.imp.fromGpu(name, a.dtype, [...c.imp.g.shape(id)], id, 'nchw');
  return c.imp.reshape(name, y, shape);
}

/** The set of ONNX operators the importer knows. */
export function supportedOperators(): string[] {
  return Object.keys(HANDLERS).sort();
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
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new SlimError(`ONNX opset ${opset} is not supported (supported: ${MIN_OPSET}–${MAX_OPSET})`);
  return new Importer().run(model.graph, opset, opts);
}
