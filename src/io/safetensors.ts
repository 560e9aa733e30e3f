// Model weights in the safetensors format (https://github.com/huggingface/safetensors):
//   u64 LE N | N bytes of JSON header | data
// header: { "<name>": { "dtype": "F32" | "I32" | "U32", "shape": [...], "data_offsets": [begin, end] }, ...,
//           "__metadata__": { string: string } }   (offsets relative to the start of the data, little-endian data)
// The header is padded with spaces to a multiple of 8 bytes. Tensors are the graph's parameters, by name, in the
// layouts the runtime uses (conv weights HWIO [KH, KW, Cin/groups, Cout]; packed int8/XNOR weights as I32/U32).

import type { Graph } from '../graph/ir.js';
import { numel } from '../ops/registry.js';
import { SlimError, shapeStr } from '../runtime/errors.js';

export type WeightData = Float32Array | Int32Array | Uint32Array;
export interface NamedTensor {
  shape: number[];
  data: WeightData;
}

const DTYPES: Record<string, (b: ArrayBuffer, n: number) => WeightData> = {
  F32: (b, n) => new Float32Array(b, 0, n),
  I32: (b, n) => new Int32Array(b, 0, n),
  U32: (b, n) => new Uint32Array(b, 0, n),
};

function dtypeOf(a: WeightData): string {
  return a instanceof Float32Array ? 'F32' : a instanceof Int32Array ? 'I32' : 'U32';
}

export function encodeSafetensors(tensors: Map<string, NamedTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.data.length !== numel(t.shape))
      throw new SlimError(`tensor '${name}' has ${t.data.length} values for shape ${shapeStr(t.shape)}`);
    header[name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let o = 8 + head.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    o += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SlimError(`safetensors file too short (${bytes.length} bytes)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new SlimError(`safetensors header of ${n} bytes does not fit in a ${bytes.length}-byte file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(n))));
  } catch (e) {
    throw new SlimError(`safetensors header is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SlimError('safetensors header must be a JSON object');
  const dataStart = 8 + Number(n);
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new SlimError(`safetensors tensor '${name}': entry must be an object with dtype, shape and data_offsets`);
    // JSON: every field is checked below before it is used
    const info = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const make = DTYPES[info?.dtype as string];
    if (!make) throw new SlimError(`safetensors tensor '${name}': dtype ${JSON.stringify(info?.dtype)} is not supported (F32, I32, U32)`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new SlimError(`safetensors tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(info.data_offsets) || info.data_offsets.length !== 2)
      throw new SlimError(`safetensors tensor '${name}': data_offsets must be [begin, end] (got ${JSON.stringify(info.data_offsets)})`);
    const [begin, end] = info.data_offsets;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > dataLen) {
      throw new SlimError(
        `safetensors tensor '${name}': data_offsets ${JSON.stringify(info.data_offsets)} outside the ${dataLen}-byte data`,
      );
    }
    const count = numel(shape);
    if (end - begin !== count * 4)
      throw new SlimError(`safetensors tensor '${name}': ${end - begin} bytes for shape ${shapeStr(shape)} of ${info.dtype}`);
    const copy = bytes.slice(dataStart + begin, dataStart + end).buffer; // aligned copy
    tensors.set(name, { shape, data: make(copy, count) });
    spans.push([begin, end, name]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k][0] < spans[k - 1][1]) throw new SlimError(`safetensors tensors '${spans[k - 1][2]}' and '${spans[k][2]}' overlap`);
  }
  const meta = header.__metadata__ ?? {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string')) {
    throw new SlimError('safetensors __metadata__ must be an object of strings');
  }
  return { tensors, metadata: meta as Record<string, string> };
}

/** The graph's parameters (those in use) as a safetensors file. */
export function saveWeights(g: Graph, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const t of g.tensors) {
    if (t.role !== 'param' || !g.isUsed(t.id)) continue;
    tensors.set(t.name, { shape: t.shape, data: (t.data ?? t.raw)! });
  }
  return encodeSafetensors(tensors, { format: 'slimgpu', layout: 'NHWC activations, HWIO conv weights', ...metadata });
}

/**
 * Replace the graph's parameter values with those in a safetensors file. Every used parameter must be present with
 * its shape and dtype; names the graph does not have are an error too (a file for another model).
 */
export function loadWeights(g: Graph, bytes: Uint8Array): void {
  const { tensors } = decodeSafetensors(bytes);
  const params = g.tensors.filter((t) => t.role === 'param' && g.isUsed(t.id));
  const names = new Set(params.map((t) => t.name));
  const extra = [...tensors.keys()].filter((k) => !names.has(k));
  if (extra.length)
    throw new SlimError(`weights file has tensors this model does not: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  for (const t of params) {
    const w = tensors.get(t.name);
    if (!w) throw new SlimError(`weights file has no tensor '${t.name}' (shape ${shapeStr(t.shape)})`);
    if (w.shape.length !== t.shape.length || w.shape.some((d, i) => d !== t.shape[i])) {
      throw new SlimError(`weights tensor '${t.name}' has shape ${shapeStr(w.shape)}, the model needs ${shapeStr(t.shape)}`);
    }
    const want = t.data ? 'F32' : dtypeOf(t.raw!);
    if (dtypeOf(w.data) !== want) throw new SlimError(`weights tensor '${t.name}' is ${dtypeOf(w.data)}, the model needs ${want}`);
    if (t.data) t.data = w.data as Float32Array;
    else t.raw = w.data as Int32Array | Uint32Array;
  }
}
