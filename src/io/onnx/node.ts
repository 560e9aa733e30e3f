// What an ONNX op handler sees of one node (OnnxOpContext) and what it returns (OnnxValue per output).
//
// A handler reads inputs (`in`, `opt`, `konst`) and attributes (`int`, `float`, `str`, `ints`, `floats`, `tensor`;
// every attribute the node carries must be read or `ignore`d, or the import fails naming it), builds its result
// with the importer's layout-aware blocks (`c.imp.unary`, `binary`, `reshape`, `transpose`, `reduce`, `konst`,
// `scalar`, or `c.imp.add` of any graph op on `c.imp.onnx(v)` / `c.imp.nhwc(v)` inputs), and returns one value per
// node output. `c.fail(msg)` throws an error that names the node, op and opset. Handlers are registered per op
// type in registry.ts.

import { SlimError } from '../../runtime/errors.js';
import type { Importer } from './import.js';
import { ATTR, tensorFromProto, toNum, type AttributeProto, type HostTensor, type NodeProto } from './proto.js';

/** One ONNX value: a host constant, or a GPU tensor of the graph held in ONNX (NCHW) layout, NHWC, or both. */
export interface OnnxValue {
  name: string;
  /** ONNX element type (proto.DT). */
  dtype: number;
  /** ONNX logical shape. */
  shape: number[];
  /** The values, when known at import (initializers, constants and everything folded from them). */
  konst?: HostTensor;
  /** Graph tensor id in ONNX layout. */
  nchw?: number;
  /** Graph tensor id in NHWC layout (rank-4 values only). */
  nhwc?: number;
}

/** A handler's own failure: its message already names the node. */
export class NodeError extends SlimError {}

export type Attr = {
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: HostTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
};

export function parseAttr(a: AttributeProto, where: string): Attr {
  const type = a.type ?? 0;
  // a reference to an attribute of an enclosing function (whatever its type): its value is not here
  if (a.refAttrName) throw new SlimError(`${where}: attribute '${a.name}' refers to a function attribute (not supported)`);
  const dec = (b?: Uint8Array | number[]) =>
    b && b.length ? new TextDecoder().decode(b instanceof Uint8Array ? b : Uint8Array.from(b)) : '';
  switch (type) {
    case ATTR.FLOAT:
      return { type, f: a.f ?? 0 };
    case ATTR.INT:
      return { type, i: toNum(a.i) };
    case ATTR.STRING:
      return { type, s: dec(a.s) };
    case ATTR.TENSOR:
      return { type, t: a.t ? tensorFromProto(a.t, `${where}: attribute '${a.name}'`) : undefined };
    case ATTR.FLOATS:
      return { type, floats: a.floats ?? [] };
    case ATTR.INTS:
      return { type, ints: (a.ints ?? []).map(toNum) };
    case ATTR.STRINGS:
      return { type, strings: (a.strings ?? []).map(dec) };
    case 0:
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
export class OnnxOpContext {
  /** Attributes read so far: the importer rejects the node if it carries any other. */
  used = new Set<string>();
  constructor(
    /** The importer: graph building blocks (unary, binary, reshape, …) and the graph itself (`imp.g`). */
    readonly imp: Importer,
    readonly node: NodeProto,
    /** One value per node input; undefined for an omitted optional input. */
    readonly ins: (OnnxValue | undefined)[],
    readonly attrs: Map<string, Attr>,
    /** The model's opset for the node's domain. */
    readonly opset: number,
    /** "node 'name' (Op, opset N)": the prefix of every error about this node. */
    readonly label: string,
  ) {}

  fail(msg: string): never {
    throw new NodeError(`${this.label}: ${msg}`);
  }
  in(i: number, what = `input ${i}`): OnnxValue {
    const v = this.ins[i];
    if (!v) this.fail(`${what} is required`);
    return v;
  }
  opt(i: number): OnnxValue | undefined {
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
  /** Outputs past `n` may be declared but must not be read (e.g. Dropout's mask, MaxPool's indices). */
  onlyOutputs(n: number): void {
    (this.node.output ?? []).slice(n).forEach((o, k) => {
      if (o && this.imp.isConsumed(o)) this.fail(`output ${n + k} ('${o}') is not supported`);
    });
  }
}

/** Imports one node: a value per node output (undefined for an output it does not produce). */
export type OnnxOpHandler = (c: OnnxOpContext) => (OnnxValue | undefined)[];
