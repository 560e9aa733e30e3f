// Op registry: one definition per op with shape inference, a MAC count, and a planner that turns a node into
// prepared GPU launches. Each op family lives in its own module under src/ops/ and registers itself here.

import { SlimError } from '../runtime/errors.js';
import type { BufferRange, Launch } from '../runtime/kernels.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tuner } from '../runtime/tuner.js';

/** Element types of tensors (the layouts are described in graph/ir.ts). */
export type DType = 'f32' | 'q8' | 'b1' | 'i32' | 'u32';

export type AttrValue = number | boolean | string | number[];
export type Attrs = Record<string, AttrValue>;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** What an op's planner sees of the compiled graph. */
export interface PlanContext {
  rt: Runtime;
  name: string;
  attrs: Attrs;
  inShapes: number[][];
  outShapes: number[][];
  inDtypes: DType[];
  inputCount: number;
  /** GPU storage of the node's i-th input / output. */
  input(i: number): BufferRange;
  output(i: number): BufferRange;
  /** Host values of the i-th input when it is a parameter (for work done once at compile time). */
  inputData(i: number): Float32Array | undefined;
  /** Host words of the i-th input when it is a raw (i32/u32) parameter: packed int8 weights, requantization tables. */
  inputRaw(i: number): Int32Array | Uint32Array | undefined;
  /** A constant buffer owned by the compiled graph (counted in its memory). */
  constant(data: Float32Array | Int32Array | Uint32Array, label: string): BufferRange;
  tuner: Tuner;
}

export interface OpDef {
  name: string;
  infer(inShapes: number[][], attrs: Attrs): number[][];
  macs?(inShapes: number[][], outShapes: number[][], attrs: Attrs): number;
  /** Output element types from the input types; absent: every input and output is f32. */
  dtypes?(inDtypes: DType[], attrs: Attrs): DType[];
  /** Prepared launches for one node. Absent for view ops. */
  plan?(pc: PlanContext): Promise<Launch[]>;
  /** The output is a view of input 0 (same bytes, new shape): no kernel, no memory. */
  view?: boolean;
}

const ops = new Map<string, OpDef>();

export function registerOp(def: OpDef): void {
  if (ops.has(def.name)) throw new Error(`op '${def.name}' registered twice`);
  ops.set(def.name, def);
}

export function getOp(name: string): OpDef {
  const d = ops.get(name);
  if (!d) throw new SlimError(`unsupported op '${name}' (known: ${[...ops.keys()].sort().join(', ')})`);
  return d;
}

export function opNames(): string[] {
  return [...ops.keys()].sort();
}

export function attrNum(attrs: Attrs, key: string, dflt?: number): number {
  const v = attrs[key];
  if (v === undefined) {
    if (dflt === undefined) throw new SlimError(`attribute '${key}' is required`);
    return dflt;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SlimError(`attribute '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function attrInts(attrs: Attrs, key: string, len: number, dflt?: number[]): number[] {
  const v = attrs[key] ?? dflt;
  if (v === undefined) throw new SlimError(`attribute '${key}' is required`);
  const arr = typeof v === 'number' ? new Array(len).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== len || !arr.every((x) => Number.isInteger(x))) {
    throw new SlimError(`attribute '${key}' must be ${len} integers, got ${JSON.stringify(v)}`);
  }
  return arr as number[];
}
