// A user's own ONNX file, for `slimgpu run --onnx`, `slimgpu bench --onnx` and the bench page's file picker: its
// graph inputs, symbolic dimensions bound from `--shape NAME=1x3x224x224` (a symbolic first dimension, the batch,
// defaults to 1; any other must be given), the import with errors that name the file, and a seeded input.
// Browser-safe (no node:*): the CLI reads the file, the page gets it from a file picker or a drop.

import { SlimError } from '../../runtime/errors.js';
import { seededRandom } from '../../models/builder.js';
import { importOnnx, UnsupportedOpsError, type ImportedModel } from './import.js';
import { decodeModel, DT, dtypeName, toNum } from './proto.js';

export interface OnnxInputInfo {
  name: string;
  /** ONNX element type (proto.DT) */
  dtype: number;
  /** a number per fixed dimension, the dimension's name (or '?') per symbolic one */
  dims: (number | string)[];
}

const dimsText = (dims: (number | string)[]) => `[${dims.join(',')}]`;

/** The graph inputs a caller must feed (initializers listed as inputs are not among them). */
export function onnxInputs(bytes: Uint8Array): OnnxInputInfo[] {
  const model = decodeModel(bytes);
  if (!model.graph) throw new SlimError('the ONNX model has no graph');
  const inits = new Set((model.graph.initializer ?? []).map((t) => t.name));
  return (model.graph.input ?? [])
    .filter((vi) => !inits.has(vi.name ?? ''))
    .map((vi) => ({
      name: vi.name ?? '',
      dtype: vi.type?.tensorType?.elemType ?? 0,
      dims: (vi.type?.tensorType?.shape?.dim ?? []).map((d) => {
        const v = d.dimValue !== undefined && d.dimValue !== null ? toNum(d.dimValue) : 0;
        return v > 0 ? v : d.dimParam || '?';
      }),
    }));
}

/** `a=1x3x224x224,b=1x128` (also `;`-separated) → { a: [1,3,224,224], b: [1,128] }. */
export function parseShapeList(text: string, flag = '--shape'): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const item of text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.lastIndexOf('=');
    const name = item.slice(0, eq).trim();
    const dims = item
      .slice(eq + 1)
      .split('x')
      .map((d) => Number(d.trim()));
    if (eq <= 0 || !dims.length || !dims.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 24))
      throw new SlimError(`${flag} '${item}' must look like NAME=1x3x224x224 (the input's name, then positive whole dimensions)`);
    if (name in out) throw new SlimError(`${flag}: input '${name}' is given twice`);
    out[name] = dims;
  }
  return out;
}

/**
 * A concrete shape for every input: the given ones (checked against the model's fixed dimensions by the
 * importer), else the model's, with a symbolic first dimension as 1. Names no input, or leaves a symbolic
 * dimension unbound: an error naming the input and how to give it.
 */
export function bindShapes(
  inputs: OnnxInputInfo[],
  given: Record<string, number[]>,
  what: string,
  flag = '--shape',
): Record<string, number[]> {
  const list = inputs.map((i) => `${i.name} ${dimsText(i.dims)}`).join(', ') || 'none';
  for (const name of Object.keys(given))
    if (!inputs.some((i) => i.name === name))
      throw new SlimError(`${what}: ${flag} names '${name}', the model has no such input (its inputs: ${list})`);
  const out: Record<string, number[]> = {};
  for (const inp of inputs) {
    if (given[inp.name]) {
      if (given[inp.name].length !== inp.dims.length)
        throw new SlimError(
          `${what}: ${flag} ${inp.name}=${given[inp.name].join('x')} has rank ${given[inp.name].length}, input '${inp.name}' ${dimsText(inp.dims)} has rank ${inp.dims.length}`,
        );
      out[inp.name] = given[inp.name];
      continue;
    }
    const unbound = inp.dims.findIndex((d, i) => typeof d === 'string' && i > 0);
    if (unbound >= 0) {
      const example = inp.dims.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 'N')).join('x');
      throw new SlimError(
        `${what}: input '${inp.name}' ${dimsText(inp.dims)} has a symbolic dimension ${unbound} ('${inp.dims[unbound]}'): give its shape with ${flag} ${inp.name}=${example}`,
      );
    }
    out[inp.name] = inp.dims.map((d) => (typeof d === 'number' ? d : 1));
  }
  return out;
}

/** Import a user's ONNX file with its input shapes bound; every error names `what` (the file). */
export function loadUserOnnx(bytes: Uint8Array, given: Record<string, number[]>, what: string, flag = '--shape'): ImportedModel {
  let inputs: OnnxInputInfo[];
  try {
    inputs = onnxInputs(bytes);
  } catch (e) {
    if (e instanceof SlimError) throw new SlimError(`${what}: ${e.message}`);
    throw e;
  }
  const inputShapes = bindShapes(inputs, given, what, flag);
  try {
    return importOnnx(bytes, { inputShapes });
  } catch (e) {
    if (e instanceof UnsupportedOpsError) throw new UnsupportedOpsError(`${what}: ${e.message}`, e.ops);
    if (e instanceof SlimError) throw new SlimError(`${what}: ${e.message}`);
    throw e;
  }
}

const INTEGER_TYPES: number[] = [DT.INT8, DT.UINT8, DT.INT16, DT.UINT16, DT.INT32, DT.INT64, DT.UINT32, DT.UINT64, DT.BOOL];

/** Seeded inputs in the imported graph's order: floats uniform in [-1, 1), integer and bool inputs 0 or 1. */
export function seededOnnxInputs(m: ImportedModel, seed = 7): Float32Array[] {
  const r = seededRandom(seed);
  return m.inputs.map((inp) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const int = INTEGER_TYPES.includes(inp.dtype);
    return Float32Array.from({ length: n }, () => (int ? (r() < 0.5 ? 0 : 1) : r() * 2 - 1));
  });
}

/** The inputs of `m` as text, for records: name, ONNX element type, shape. */
export function describeInputs(m: ImportedModel): { name: string; dtype: string; shape: number[] }[] {
  return m.inputs.map((i) => ({ name: i.name, dtype: dtypeName(i.dtype), shape: i.shape }));
}
