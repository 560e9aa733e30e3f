// Graph IR: tensors (inputs, parameters, activations) and nodes (op + attributes), in topological order.
//
// Activations use one layout everywhere: NHWC (channels last), f32 by default. A node's output shapes come from
// its op's `infer` at insertion, so a graph is always shape-checked.
//
// Element types (DType): activations are 'f32' unless an op says otherwise (OpDef.dtypes); compressed ops pass
// packed tensors between layers without float round trips:
//   'q8'  int8 values, 4 per u32 along the channel axis (channel c in byte c % 4 of word c / 4, little-endian),
//         channels padded to a multiple of 4: N·H·W·⌈C/4⌉ words.
//   'b1'  sign bits, 32 per u32 along channels (channel c is bit c % 32 of word c / 32, bit = 1 ⇔ value < 0),
//         channels padded to a multiple of 32 with 0 bits: N·H·W·⌈C/32⌉ words.
//   'i32' / 'u32' parameters stored as 32-bit integers (packed weights, requantization tables) in `raw`;
//         their shape is the storage shape.
// `tensorBytes` is the one place that turns (shape, dtype) into bytes; the memory planner and executor use it.
// Training adds backward and optimizer nodes to the same structure (they are just more ops), so the executor and
// planner serve both.

import { check, shapeStr, SlimError } from '../runtime/errors.js';
import '../ops/all.js';
import { getOp, numel, type Attrs, type DType } from '../ops/registry.js';

export { numel };
export type { Attrs };

export type { DType };

/** Bytes of a tensor of this shape and element type (see DType for the packed layouts). */
export function tensorBytes(shape: readonly number[], dtype: DType): number {
  const c = shape.length ? shape[shape.length - 1] : 1;
  const rows = numel(shape) / c;
  switch (dtype) {
    case 'q8':
      return rows * Math.ceil(c / 4) * 4;
    case 'b1':
      return rows * Math.ceil(c / 32) * 4;
    default:
      return numel(shape) * 4;
  }
}
/**
 * 'state': a tensor that keeps its own GPU buffer across runs like a parameter but is not a model weight
 * (optimizer moments); ops may update params and state in place (training graphs).
 */
export type TensorRole = 'input' | 'param' | 'state' | 'activation';

export interface TensorDesc {
  id: number;
  name: string;
  shape: number[];
  dtype: DType;
  role: TensorRole;
  /** Initial values (roles 'param' and 'state', dtype 'f32'). */
  data?: Float32Array;
  /** Parameter words (role 'param', dtype 'i32' | 'u32'): packed weights, integer tables. */
  raw?: Int32Array | Uint32Array;
}

export interface Node {
  id: number;
  op: string;
  name: string;
  inputs: number[];
  outputs: number[];
  attrs: Attrs;
}

export class Graph {
  tensors: TensorDesc[] = [];
  nodes: Node[] = [];
  inputs: number[] = [];
  outputs: number[] = [];
  private names = new Set<string>();

  private uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  private addTensor(name: string, shape: number[], role: TensorRole, data?: Float32Array, dtype: DType = 'f32'): number {
    for (const d of shape) {
      check(Number.isInteger(d) && d > 0, `tensor '${name}' has a bad shape ${shapeStr(shape)}: dimensions must be positive integers`);
    }
    const id = this.tensors.length;
    this.tensors.push({ id, name: this.uniqueName(name), shape: [...shape], dtype, role, data });
    return id;
  }

  addInput(name: string, shape: number[]): number {
    const id = this.addTensor(name, shape, 'input');
    this.inputs.push(id);
    return id;
  }

  addParam(name: string, shape: number[], data: Float32Array): number {
    check(data.length === numel(shape), `parameter '${name}' has ${data.length} values for shape ${shapeStr(shape)}`);
    return this.addTensor(name, shape, 'param', data);
  }

  /** An integer parameter (packed weights, requantization tables); `shape` is its storage shape. */
  addRawParam(name: string, shape: number[], raw: Int32Array | Uint32Array): number {
    check(raw.length === numel(shape), `parameter '${name}' has ${raw.length} words for shape ${shapeStr(shape)}`);
    const id = this.addTensor(name, shape, 'param', undefined, raw instanceof Int32Array ? 'i32' : 'u32');
    this.tensors[id].raw = raw;
    this.usedCache = null;
    return id;
  }

  dtype(id: number): DType {
    return this.tensors[id].dtype;
  }

  /** A persistent non-parameter tensor (optimizer state), initialised to `data` (zeros by default). */
  addState(name: string, shape: number[], data = new Float32Array(numel(shape))): number {
    check(data.length === numel(shape), `state '${name}' has ${data.length} values for shape ${shapeStr(shape)}`);
    this.usedCache = null;
    return this.addTensor(name, shape, 'state', data);
  }

  /** Add a node; its outputs are shape-inferred by the op. Returns the output tensor ids. */
  add(op: string, inputs: number[], attrs: Attrs = {}, name?: string): number[] {
    const def = getOp(op);
    for (const t of inputs) check(t >= 0 && t < this.tensors.length, `node '${name ?? op}': input tensor ${t} does not exist`);
    const nodeName = this.uniqueName(name ?? op);
    let shapes: number[][];
    try {
      shapes = def.infer(
        inputs.map((t) => this.tensors[t].shape),
        attrs,
      );
    } catch (e) {
      if (e instanceof SlimError) throw new SlimError(`node '${nodeName}' (${op}): ${e.message}`);
      throw e;
    }
    // Element types: ops that handle packed tensors declare them; every other op takes and makes f32.
    const inTypes = inputs.map((t) => this.tensors[t].dtype);
    let outTypes: DType[];
    if (def.dtypes) {
      try {
        outTypes = def.dtypes(inTypes, attrs);
      } catch (e) {
        if (e instanceof SlimError) throw new SlimError(`node '${nodeName}' (${op}): ${e.message}`);
        throw e;
      }
    } else {
      const bad = inputs.find((t) => this.tensors[t].dtype !== 'f32');
      if (bad !== undefined) {
        throw new SlimError(
          `node '${nodeName}' (${op}): input '${this.tensors[bad].name}' is ${this.tensors[bad].dtype}, the op takes f32`,
        );
      }
      outTypes = shapes.map(() => 'f32');
    }
    const outputs = shapes.map((s, k) =>
      this.addTensor(`${nodeName}${shapes.length > 1 ? `_out${k}` : ''}`, s, 'activation', undefined, outTypes[k]),
    );
    this.nodes.push({ id: this.nodes.length, op, name: nodeName, inputs: [...inputs], outputs, attrs: { ...attrs } });
    this.usedCache = null;
    return outputs;
  }

  add1(op: string, inputs: number[], attrs: Attrs = {}, name?: string): number {
    return this.add(op, inputs, attrs, name)[0];
  }

  markOutput(id: number): void {
    this.outputs.push(id);
  }

  shape(id: number): number[] {
    return this.tensors[id].shape;
  }

  /** Node that produces each tensor (undefined for inputs/params). */
  producers(): Map<number, Node> {
    const m = new Map<number, Node>();
    for (const n of this.nodes) for (const o of n.outputs) m.set(o, n);
    return m;
  }

  /** Nodes that consume each tensor. */
  consumers(): Map<number, Node[]> {
    const m = new Map<number, Node[]>();
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        const l = m.get(i) ?? [];
        l.push(n);
        m.set(i, l);
      }
    }
    return m;
  }

  paramCount(): number {
    return this.tensors.filter((t) => t.role === 'param' && this.isUsed(t.id)).reduce((a, t) => a + numel(t.shape), 0);
  }

  /** Multiply-accumulates of one forward pass, from each op's formula. */
  macs(): number {
    let total = 0;
    for (const n of this.nodes) {
      const def = getOp(n.op);
      if (def.macs)
        total += def.macs(
          n.inputs.map((t) => this.shape(t)),
          n.outputs.map((t) => this.shape(t)),
          n.attrs,
        );
    }
    return total;
  }

  private usedCache: Set<number> | null = null;
  isUsed(id: number): boolean {
    if (!this.usedCache || this.usedCache.size === 0) this.usedCache = new Set(this.nodes.flatMap((n) => n.inputs));
    return this.usedCache.has(id) || this.outputs.includes(id);
  }

  /** Deep-enough copy for rewriting passes (parameter arrays are shared until replaced). */
  clone(): Graph {
    const g = new Graph();
    g.tensors = this.tensors.map((t) => ({ ...t, shape: [...t.shape] }));
    g.nodes = this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } }));
    g.inputs = [...this.inputs];
    g.outputs = [...this.outputs];
    g.names = new Set(this.names);
    return g;
  }

  /** Add a parameter tensor to a cloned graph during a rewrite. */
  newParam(name: string, shape: number[], data: Float32Array): number {
    this.usedCache = null;
    return this.addParam(name, shape, data);
  }

  /** Drop nodes whose outputs nobody needs and renumber node ids (tensors keep their ids). */
  removeDeadNodes(): void {
    const needed = new Set<number>(this.outputs);
    const keep: Node[] = [];
    for (let k = this.nodes.length - 1; k >= 0; k--) {
      const n = this.nodes[k];
      if (n.outputs.some((o) => needed.has(o))) {
        keep.push(n);
        n.inputs.forEach((i) => needed.add(i));
      }
    }
    this.nodes = keep.reverse().map((n, id) => ({ ...n, id }));
    this.usedCache = null;
  }
}
