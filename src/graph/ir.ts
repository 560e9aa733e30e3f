// Graph IR: tensors (inputs, parameters, activations) and nodes (op + attributes), in topological order.
//
// Activations use one layout everywhere: NHWC (channels last), f32. A node's output shapes come from its op's
// `infer` at insertion, so a graph is always shape-checked. Training adds backward and optimizer nodes to the
// same structure (they are just more ops), so the executor and planner serve both.

import { check, shapeStr, SlimError } from '../runtime/errors.js';
import '../ops/all.js';
import { getOp, numel, type Attrs } from '../ops/registry.js';

export { numel };
export type { Attrs };

export type DType = 'f32';
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
  /** Initial values (roles 'param' and 'state'). */
  data?: Float32Array;
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

  private addTensor(name: string, shape: number[], role: TensorRole, data?: Float32Array): number {
    for (const d of shape) {
      check(Number.isInteger(d) && d > 0, `tensor '${name}' has a bad shape ${shapeStr(shape)}: dimensions must be positive integers`);
    }
    const id = this.tensors.length;
    this.tensors.push({ id, name: this.uniqueName(name), shape: [...shape], dtype: 'f32', role, data });
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
    const outputs = shapes.map((s, k) => this.addTensor(`${nodeName}${shapes.length > 1 ? `_out${k}` : ''}`, s, 'activation'));
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
      if (def.macs) total += def.macs(n.inputs.map((t) => this.shape(t)), n.outputs.map((t) => this.shape(t)), n.attrs);
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
  prune(): void {
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
