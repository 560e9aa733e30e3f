// Which handler imports an ONNX node: one table, keyed by (domain, op type), each entry with the opset range it
// supports. The importer core asks `resolveOp` and nothing else. Built-in handlers live in ops/<family>.ts, one
// table per family; users add or replace handlers with `registerOnnxOp` (a later registration wins over an
// earlier one, so a user handler overrides a built-in for the opsets it covers).

import { SlimError } from '../../runtime/errors.js';
import type { OnnxOpHandler } from './node.js';
import { CONV_POOL_OPS } from './ops/conv_pool.js';
import { ELEMENTWISE_OPS } from './ops/elementwise.js';
import { MATMUL_OPS } from './ops/matmul.js';
import { NORM_OPS } from './ops/norm.js';
import { QUANTIZED_OPS } from './ops/quantized.js';
import { REDUCE_OPS } from './ops/reduce.js';
import { RESIZE_OPS } from './ops/resize.js';
import { TENSOR_OPS } from './ops/tensor.js';
import { TRAINING_OPS } from './ops/training.js';

/** The default-domain (ai.onnx) opsets a model may declare. */
export const MIN_OPSET = 1;
export const MAX_OPSET = 25;

export interface OnnxOpOptions {
  /** Operator domain; default '' (ai.onnx, also accepted as 'ai.onnx'). */
  domain?: string;
  /** Inclusive [first, last] opset of `domain` the handler supports; default every opset. */
  opsets?: [number, number];
}

interface Registration {
  handler: OnnxOpHandler;
  opsets: [number, number];
}

/** `${domain}\u0000${opType}` → registrations, the latest first. */
const TABLE = new Map<string, Registration[]>();
const ALL_OPSETS: [number, number] = [1, Number.MAX_SAFE_INTEGER];

const canonDomain = (d: string | undefined) => (!d || d === 'ai.onnx' ? '' : d);
const keyOf = (domain: string | undefined, opType: string) => `${canonDomain(domain)}\u0000${opType}`;

/**
 * Register a handler for an ONNX operator: the importer then calls it for every node of that op type (in that
 * domain, at an opset within `opsets`). Returns a function that removes the registration again.
 */
export function registerOnnxOp(opType: string, handler: OnnxOpHandler, options: OnnxOpOptions = {}): () => void {
  const [lo, hi] = options.opsets ?? ALL_OPSETS;
  if (!opType) throw new SlimError('registerOnnxOp: the op type is empty');
  if (typeof handler !== 'function') throw new SlimError(`registerOnnxOp('${opType}'): the handler is not a function`);
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && lo <= hi))
    throw new SlimError(`registerOnnxOp('${opType}'): opsets [${lo}, ${hi}] is not a range of opset versions`);
  const key = keyOf(options.domain, opType);
  const reg: Registration = { handler, opsets: [lo, hi] };
  TABLE.set(key, [reg, ...(TABLE.get(key) ?? [])]);
  return () => {
    const rest = (TABLE.get(key) ?? []).filter((r) => r !== reg);
    if (rest.length) TABLE.set(key, rest);
    else TABLE.delete(key);
  };
}

/** Whether any handler is registered in `domain` (the default domain always has some). */
export function knowsDomain(domain: string | undefined): boolean {
  const d = canonDomain(domain);
  for (const key of TABLE.keys()) if (key.slice(0, key.indexOf('\u0000')) === d) return true;
  return false;
}

/** The handler for a node, or an error saying why there is none. */
export function resolveOp(domain: string | undefined, opType: string, opset: number): OnnxOpHandler {
  const regs = TABLE.get(keyOf(domain, opType));
  if (!regs) throw new SlimError(`operator '${opType}' is not supported`);
  const reg = regs.find((r) => opset >= r.opsets[0] && opset <= r.opsets[1]);
  if (!reg)
    throw new SlimError(
      `operator '${opType}' is not supported at opset ${opset} (handlers cover ${regs.map((r) => `${r.opsets[0]}–${r.opsets[1]}`).join(', ')})`,
    );
  return reg.handler;
}

/** The default-domain ONNX operators the importer knows (built-in and registered), sorted. */
export function supportedOperators(): string[] {
  return [...TABLE.keys()]
    .filter((k) => k.startsWith('\u0000'))
    .map((k) => k.slice(1))
    .sort();
}

// Built-in handlers: every op type in exactly one family table. Each covers opsets 1–MAX_OPSET: importOnnx admits
// MIN_OPSET–MAX_OPSET, and a handler reads the older attribute forms where it says so (`c.opset < …`).
const BUILTIN = [TENSOR_OPS, ELEMENTWISE_OPS, REDUCE_OPS, MATMUL_OPS, CONV_POOL_OPS, NORM_OPS, QUANTIZED_OPS, TRAINING_OPS, RESIZE_OPS];
for (const table of BUILTIN) {
  for (const [op, handler] of Object.entries(table)) {
    if (TABLE.has(keyOf('', op))) throw new Error(`internal: ONNX op '${op}' has two built-in handlers`);
    registerOnnxOp(op, handler, { opsets: [1, MAX_OPSET] });
  }
}
