// `--onnx FILE [--shape NAME=DIMS ...]` for run and bench: the file read with its size checked first, the import
// with shapes bound (src/io/onnx/user_model.ts), a model with unsupported operators reported as a list, and the
// sizes of its tensors checked against host memory and, once a device exists, the adapter's buffer limits.

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Graph } from '../graph/ir.js';
import { numel } from '../graph/ir.js';
import { UnsupportedOpsError, type ImportedModel, type UnsupportedOp } from '../io/onnx/import.js';
import { loadUserOnnx, parseShapeList } from '../io/onnx/user_model.js';
import { SlimError } from '../runtime/errors.js';
import { hostBudget } from './checks.js';
import type { Flag } from './flags.js';

export const ONNX_FLAGS = {
  onnx: { type: 'string', arg: 'FILE', file: 'in', help: 'your own ONNX model instead of a zoo --model' },
  shape: {
    type: 'string',
    arg: 'NAME=1x3x224x224',
    multiple: true,
    help: "--onnx: an input's shape (repeat per input); binds symbolic dimensions (a symbolic first dimension defaults to 1)",
  },
} satisfies Record<string, Flag>;

const GB = 2 ** 30;
const fmt = (b: number) => (b >= GB ? `${(b / GB).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);
/** protobuf's own limit on one message; models past it keep their weights in external data files (not supported) */
const MAX_FILE = 2 * GB;

export interface OnnxFile {
  path: string;
  name: string;
  bytes: Uint8Array;
  model: ImportedModel;
}

/** One line for a model whose operators are not all supported (the full list goes to the JSON record). */
export function unsupportedLine(what: string, ops: UnsupportedOp[]): string {
  const items = ops.map((o) => `${o.domain ? `${o.domain}.` : ''}${o.op} (opset ${o.opset}${o.count > 1 ? `, ${o.count} nodes` : ''})`);
  return `${what}: ${ops.length} operator${ops.length > 1 ? 's are' : ' is'} not supported: ${items.join(', ')}`;
}

/**
 * Read and import `--onnx FILE`. Unsupported operators: `onUnsupported` sees the list (the JSON record), then
 * the error is one line naming them.
 */
export function readOnnxFile(path: string, shapeText: string | undefined, onUnsupported?: (ops: UnsupportedOp[]) => void): OnnxFile {
  const what = `--onnx ${path}`;
  const size = statSync(path).size;
  if (size === 0) throw new SlimError(`${what}: the file is empty`);
  if (size >= MAX_FILE)
    throw new SlimError(`${what}: ${fmt(size)}, over protobuf's 2 GiB limit (ONNX external data files are not supported)`);
  if (3 * size > hostBudget())
    throw new SlimError(
      `${what}: ${fmt(size)} of model needs about ${fmt(3 * size)} of host memory, over the budget of ${fmt(hostBudget())}`,
    );
  const bytes = new Uint8Array(readFileSync(path));
  const shapes = shapeText === undefined ? {} : parseShapeList(shapeText);
  let model: ImportedModel;
  try {
    model = loadUserOnnx(bytes, shapes, what);
  } catch (e) {
    if (e instanceof UnsupportedOpsError) {
      onUnsupported?.(e.ops);
      throw new SlimError(unsupportedLine(what, e.ops));
    }
    throw e;
  }
  checkGraphSize(model.graph, what);
  return { path, name: basename(path), bytes, model };
}

/** The largest tensor of a graph (bytes as f32), and all of them together. */
export function graphSizes(g: Graph): { largest: { name: string; shape: number[]; bytes: number }; total: number } {
  let largest = { name: '', shape: [] as number[], bytes: 0 };
  let total = 0;
  for (const t of g.tensors) {
    const bytes = 4 * numel(t.shape);
    total += bytes;
    if (bytes > largest.bytes) largest = { name: t.name, shape: t.shape, bytes };
  }
  return { largest, total };
}

/** Host memory: every tensor once plus a copy of the weights (what compile uploads from). */
export function checkGraphSize(g: Graph, what: string): void {
  const { largest, total } = graphSizes(g);
  if (total > hostBudget())
    throw new SlimError(
      `${what}: its tensors take ${fmt(total)} (largest '${largest.name}' [${largest.shape}]), over the host-memory budget of ${fmt(hostBudget())}; ` +
        'give smaller input shapes with --shape (or set SLIMGPU_MEMORY_BUDGET_MB)',
    );
}

/** The largest tensor must fit one buffer binding of the adapter (checked before anything is allocated). */
export function checkGraphDeviceLimits(g: Graph, limits: GPUSupportedLimits, what: string): void {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const { largest } = graphSizes(g);
  if (largest.bytes > cap)
    throw new SlimError(
      `${what}: tensor '${largest.name}' [${largest.shape}] takes ${fmt(largest.bytes)}, over the adapter's limit of ${fmt(cap)} per buffer ` +
        '(maxStorageBufferBindingSize); give smaller input shapes with --shape',
    );
}
