// The subset of the ONNX protobuf schema (onnx/onnx.proto, IR version ≤ 10) that slimgpu reads and writes, as
// a protobufjs JSON descriptor: shipped in the repo, nothing is fetched at run time. Field numbers follow
// onnx.proto exactly; messages and fields we never use (training info, functions, sparse tensors' contents) are
// left out, and protobufjs skips unknown fields when decoding.
//
// Also here: TensorProto ⇄ typed arrays (raw_data little-endian or the typed repeated fields), with every size
// checked against the bytes actually present, so a corrupted file fails fast with a message instead of
// allocating what a bogus header claims.

import protobuf from 'protobufjs/light.js';
import { SlimError } from '../../runtime/errors.js';

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            refAttrName: { type: 'string', id: 21 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, docString: { type: 'string', id: 3 } },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: repeated('AttributeProto', 5),
            docString: { type: 'string', id: 6 },
          },
        },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: repeated('OperatorSetIdProto', 8),
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: { type: 'string', id: 2 },
            initializer: repeated('TensorProto', 5),
            sparseInitializer: repeated('SparseTensorProto', 15),
            docString: { type: 'string', id: 10 },
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        SparseTensorProto: { fields: { dims: repeated('int64', 3) } },
        TensorProto: {
          fields: {
            dims: { ...repeated('int64', 1), options: { packed: false } },
            dataType: { type: 'int32', id: 2 },
            floatData: repeated('float', 4),
            int32Data: repeated('int32', 5),
            stringData: repeated('bytes', 6),
            int64Data: repeated('int64', 7),
            name: { type: 'string', id: 8 },
            docString: { type: 'string', id: 12 },
            rawData: { type: 'bytes', id: 9 },
            externalData: repeated('StringStringEntryProto', 13),
            dataLocation: { type: 'int32', id: 14 },
            doubleData: repeated('double', 10),
            uint64Data: repeated('uint64', 11),
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 }, denotation: { type: 'string', id: 3 } },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            sequenceType: { type: 'Opaque', id: 4 },
            mapType: { type: 'Opaque', id: 5 },
            optionalType: { type: 'Opaque', id: 9 },
            sparseTensorType: { type: 'Opaque', id: 8 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
            Opaque: { fields: {} },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const ModelProtoT = root.lookupType('onnx.ModelProto');
const TensorProtoT = root.lookupType('onnx.TensorProto');

// ---- plain TypeScript views of the decoded messages (only what we use) ----
export type Int64 = number | { toNumber(): number } | { low: number; high: number; unsigned?: boolean };
export interface TensorProto {
  dims?: Int64[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: Int64[];
  name?: string;
  rawData?: Uint8Array;
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: Int64[];
}
export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  refAttrName?: string;
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
}
export interface DimProto {
  dimValue?: Int64;
  dimParam?: string;
}
export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: DimProto[] } };
  sequenceType?: unknown;
  mapType?: unknown;
  optionalType?: unknown;
  sparseTensorType?: unknown;
}
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
}
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}
export interface ModelProto {
  irVersion?: Int64;
  opsetImport?: { domain?: string; version?: Int64 }[];
  producerName?: string;
  producerVersion?: string;
  graph?: GraphProto;
  metadataProps?: { key: string; value: string }[];
}

/** Attribute type codes (onnx.AttributeProto.AttributeType). */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

/** Element type codes (onnx.TensorProto.DataType). */
export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;
const DT_NAMES: Record<number, string> = {
  1: 'float',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'double',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};
export function dtypeName(dt: number): string {
  return DT_NAMES[dt] ?? `data type ${dt}`;
}
const BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };
export function isIntegerType(dt: number): boolean {
  return [2, 3, 4, 5, 6, 7, 9, 12, 13].includes(dt);
}

/** Largest tensor we accept from a file (elements); a bigger claim is an error, not an allocation. */
export const MAX_ELEMENTS = 1 << 28;
/** Largest tensor the importer computes on the host (constant folding); shape sub-graphs are tiny. */
export const MAX_FOLD_ELEMENTS = 1 << 24;

export function toNum(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  const l = v as { low: number; high: number; unsigned?: boolean };
  return l.high * 4294967296 + (l.low >>> 0);
}

/** Decode a model file; protobuf errors (truncation, bad wire types) become one clear SlimError. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new SlimError('ONNX model must be given as bytes (Uint8Array)');
  if (bytes.length === 0) throw new SlimError('ONNX model file is empty');
  try {
    return ModelProtoT.decode(bytes) as unknown as ModelProto;
  } catch (e) {
    throw new SlimError(`not a valid ONNX model (protobuf decode failed at ${(e as Error).message})`);
  }
}

export function encodeModel(m: ModelProto): Uint8Array {
  const err = ModelProtoT.verify(m as unknown as Record<string, unknown>);
  if (err) throw new SlimError(`internal: ONNX model does not verify: ${err}`);
  return ModelProtoT.encode(ModelProtoT.fromObject(m as unknown as Record<string, unknown>)).finish();
}

export function decodeTensor(bytes: Uint8Array, what = 'tensor'): TensorProto {
  try {
    return TensorProtoT.decode(bytes) as unknown as TensorProto;
  } catch (e) {
    throw new SlimError(`${what}: not a valid ONNX TensorProto (protobuf decode failed: ${(e as Error).message})`);
  }
}

export function encodeTensor(t: TensorProto): Uint8Array {
  return TensorProtoT.encode(TensorProtoT.fromObject(t as unknown as Record<string, unknown>)).finish();
}

/**
 * A host tensor with its ONNX element type. Values are float64 (exact for every integer type up to 2^53), except
 * float32 tensors read from a file, which stay Float32Array so that large weights are not doubled in memory.
 */
export interface HostTensor {
  dtype: number;
  dims: number[];
  data: Float64Array | Float32Array;
}

export function checkDims(dims: number[], what: string, limit = MAX_ELEMENTS): number {
  if (dims.length > 32) throw new SlimError(`${what}: rank ${dims.length} is over the limit of 32`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new SlimError(`${what}: bad dimension ${d} in [${dims.join(',')}]`);
    n *= d;
  }
  if (n > limit) throw new SlimError(`${what}: ${n} elements in [${dims.join(',')}] is over the limit of ${limit}`);
  return n;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** TensorProto → HostTensor, checking that the data present matches the dims exactly. */
export function tensorFromProto(t: TensorProto, what = `tensor '${t.name ?? ''}'`): HostTensor {
  const dt = t.dataType ?? 0;
  const dims = (t.dims ?? []).map(toNum);
  const n = checkDims(dims, what);
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length)) {
    throw new SlimError(`${what}: external data (stored outside the .onnx file) is not supported; save the model with all tensors inside`);
  }
  if (!(dt in BYTES)) throw new SlimError(`${what}: element type ${dtypeName(dt)} is not supported`);
  const raw = t.rawData;
  if (raw && raw.length) {
    const size = BYTES[dt];
    if (raw.length !== n * size)
      throw new SlimError(`${what}: raw_data has ${raw.length} bytes, dims [${dims.join(',')}] of ${dtypeName(dt)} need ${n * size}`);
    if (dt === DT.FLOAT) {
      // little-endian hosts (every WebGPU platform): one copy of the bytes
      return { dtype: dt, dims, data: new Float32Array(new Uint8Array(raw).buffer) };
    }
    const out = new Float64Array(n);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (dt) {
        case DT.FLOAT:
          out[i] = dv.getFloat32(o, true);
          break;
        case DT.UINT8:
        case DT.BOOL:
          out[i] = dv.getUint8(o);
          break;
        case DT.INT8:
          out[i] = dv.getInt8(o);
          break;
        case DT.UINT16:
          out[i] = dv.getUint16(o, true);
          break;
        case DT.INT16:
          out[i] = dv.getInt16(o, true);
          break;
        case DT.INT32:
          out[i] = dv.getInt32(o, true);
          break;
        case DT.UINT32:
          out[i] = dv.getUint32(o, true);
          break;
        case DT.INT64:
          out[i] = Number(dv.getBigInt64(o, true));
          break;
        case DT.UINT64:
          out[i] = Number(dv.getBigUint64(o, true));
          break;
        case DT.FLOAT16:
          out[i] = halfToFloat(dv.getUint16(o, true));
          break;
        case DT.DOUBLE:
          out[i] = dv.getFloat64(o, true);
          break;
      }
    }
    return { dtype: dt, dims, data: out };
  }
  let src: ArrayLike<number | Int64>;
  let conv: (v: number | Int64) => number = (v) => v as number;
  switch (dt) {
    case DT.FLOAT:
      src = t.floatData ?? [];
      break;
    case DT.DOUBLE:
      src = t.doubleData ?? [];
      break;
    case DT.INT64:
      src = t.int64Data ?? [];
      conv = toNum;
      break;
    case DT.UINT32:
    case DT.UINT64:
      src = t.uint64Data ?? [];
      conv = toNum;
      break;
    case DT.FLOAT16:
      src = t.int32Data ?? [];
      conv = (v) => halfToFloat(v as number);
      break;
    default:
      src = t.int32Data ?? []; // int8/uint8/int16/uint16/int32/bool are stored in int32_data
  }
  if (src.length !== n) throw new SlimError(`${what}: has ${src.length} values, dims [${dims.join(',')}] need ${n}`);
  const out = dt === DT.FLOAT ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = conv(src[i]);
  return { dtype: dt, dims, data: out };
}

/** HostTensor → TensorProto with raw_data (little-endian). Integer types are rounded and saturated. */
export function tensorToProto(name: string, t: HostTensor): TensorProto {
  const size = BYTES[t.dtype];
  if (!size) throw new SlimError(`cannot write tensor '${name}' of type ${dtypeName(t.dtype)}`);
  const raw = new Uint8Array(t.data.length * size);
  const dv = new DataView(raw.buffer);
  t.data.forEach((v, i) => {
    const o = i * size;
    switch (t.dtype) {
      case DT.FLOAT:
        dv.setFloat32(o, v, true);
        break;
      case DT.DOUBLE:
        dv.setFloat64(o, v, true);
        break;
      case DT.UINT8:
      case DT.BOOL:
        dv.setUint8(o, v);
        break;
      case DT.INT8:
        dv.setInt8(o, v);
        break;
      case DT.UINT16:
        dv.setUint16(o, v, true);
        break;
      case DT.INT16:
        dv.setInt16(o, v, true);
        break;
      case DT.INT32:
        dv.setInt32(o, v, true);
        break;
      case DT.UINT32:
        dv.setUint32(o, v, true);
        break;
      case DT.INT64:
        dv.setBigInt64(o, BigInt(Math.round(v)), true);
        break;
      case DT.UINT64:
        dv.setBigUint64(o, BigInt(Math.round(v)), true);
        break;
      default:
        throw new SlimError(`cannot write tensor '${name}' of type ${dtypeName(t.dtype)}`);
    }
  });
  return { name, dataType: t.dtype, dims: t.dims, rawData: raw };
}
