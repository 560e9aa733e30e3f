// TensorProto decoding: raw_data and every typed field (float_data, int32_data for small ints, int64_data,
// double_data), little-endian integers, float16, and size checks; initializers stored in typed fields import
// the same as raw_data ones.
import { describe, expect, it } from 'vitest';
import {
  checkDims,
  decodeModel,
  decodeTensor,
  DT,
  dtypeName,
  encodeModel,
  encodeTensor,
  MAX_ELEMENTS,
  tensorFromProto,
  tensorToProto,
  toNum,
  type TensorProto,
} from '../../src/io/onnx/proto.js';
import { SlimError } from '../../src/runtime/errors.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { OnnxBuilder } from '../onnx_builder.js';

const rt = (t: TensorProto) => tensorFromProto(decodeTensor(encodeTensor(t)));

describe('TensorProto', () => {
  it('float_data', () =>
    expect([...rt({ dims: [2, 2], dataType: DT.FLOAT, floatData: [1, -2.5, 3, 0.125] }).data]).toEqual([1, -2.5, 3, 0.125]));
  it('int32_data holds int8 / uint8 / int16 / bool', () => {
    expect([...rt({ dims: [3], dataType: DT.INT8, int32Data: [-128, 0, 127] }).data]).toEqual([-128, 0, 127]);
    expect([...rt({ dims: [2], dataType: DT.UINT8, int32Data: [0, 255] }).data]).toEqual([0, 255]);
    expect([...rt({ dims: [2], dataType: DT.BOOL, int32Data: [1, 0] }).data]).toEqual([1, 0]);
  });
  it('int64_data (beyond 2^32)', () =>
    expect([...rt({ dims: [3], dataType: DT.INT64, int64Data: [-1, 2 ** 40, 7] }).data]).toEqual([-1, 2 ** 40, 7]));
  it('double_data', () => expect([...rt({ dims: [2], dataType: DT.DOUBLE, doubleData: [1e-300, 3.5] }).data]).toEqual([1e-300, 3.5]));
  it('float16 in int32_data', () =>
    expect([...rt({ dims: [3], dataType: DT.FLOAT16, int32Data: [0x3c00, 0xc000, 0x3555] }).data]).toEqual([1, -2, 0.333251953125]));
  it('raw_data round trip for each integer type', () => {
    for (const dt of [DT.UINT8, DT.INT8, DT.INT16, DT.UINT16, DT.INT32, DT.INT64]) {
      const vals = dt === DT.UINT8 || dt === DT.UINT16 ? [0, 1, 200] : [-100, 0, 100];
      expect([...rt(tensorToProto('t', { dtype: dt, dims: [3], data: Float64Array.from(vals) })).data]).toEqual(vals);
    }
  });
  it('scalar (no dims) holds one value', () => expect([...rt({ dataType: DT.FLOAT, floatData: [4] }).data]).toEqual([4]));
  it('typed field with the wrong count is an error', () =>
    expect(() => rt({ dims: [3], dataType: DT.FLOAT, floatData: [1, 2] })).toThrow(/has 2 values, dims \[3\] need 3/));
  it('string and complex tensors are reported', () => {
    expect(() => rt({ dims: [1], dataType: DT.STRING, stringData: [new Uint8Array([65])] })).toThrow(SlimError);
    expect(() => rt({ dims: [1], dataType: 14, floatData: [1, 2] })).toThrow(/complex64 is not supported/);
  });
  it('weights in float_data import like raw_data', async () => {
    const b = new OnnxBuilder(13);
    b.output(b.node1('Conv', [b.input('x', [1, 1, 3, 3]), b.init([1, 1, 1, 1], [2])]));
    const m = importOnnx(b.bytes());
    b.inits[0] = { name: b.inits[0].name, dims: [1, 1, 1, 1], dataType: DT.FLOAT, floatData: [2] };
    const m2 = importOnnx(b.bytes());
    const w = (g: typeof m.graph) => [...g.tensors.find((t) => t.role === 'param')!.data!];
    expect(w(m2.graph)).toEqual(w(m.graph));
  });
});

describe('proto.ts table: every element type, raw and typed, limits and errors (issue 17)', () => {
  /** raw_data written by hand with a DataView (not by tensorToProto). */
  const raw = (size: number, vals: number[], set: (dv: DataView, o: number, v: number) => void) => {
    const b = new Uint8Array(size * vals.length);
    const dv = new DataView(b.buffer);
    vals.forEach((v, i) => set(dv, i * size, v));
    return b;
  };
  const rawCases: [string, number, number, number[], (dv: DataView, o: number, v: number) => void, number[]?][] = [
    ['float', DT.FLOAT, 4, [1.5, -2, 3.25], (dv, o, v) => dv.setFloat32(o, v, true)],
    ['uint8', DT.UINT8, 1, [0, 7, 255], (dv, o, v) => dv.setUint8(o, v)],
    ['bool', DT.BOOL, 1, [1, 0, 1], (dv, o, v) => dv.setUint8(o, v)],
    ['int8', DT.INT8, 1, [-128, 5, 127], (dv, o, v) => dv.setInt8(o, v)],
    ['uint16', DT.UINT16, 2, [0, 40000, 65535], (dv, o, v) => dv.setUint16(o, v, true)],
    ['int16', DT.INT16, 2, [-32768, 300, 32767], (dv, o, v) => dv.setInt16(o, v, true)],
    ['int32', DT.INT32, 4, [-(2 ** 31), 70000, 2 ** 31 - 1], (dv, o, v) => dv.setInt32(o, v, true)],
    ['uint32', DT.UINT32, 4, [0, 2 ** 31 + 5, 2 ** 32 - 1], (dv, o, v) => dv.setUint32(o, v, true)],
    ['int64', DT.INT64, 8, [-(2 ** 40), 0, 2 ** 50], (dv, o, v) => dv.setBigInt64(o, BigInt(v), true)],
    ['uint64', DT.UINT64, 8, [0, 2 ** 63, 2 ** 40], (dv, o, v) => dv.setBigUint64(o, BigInt(v), true)],
    ['double', DT.DOUBLE, 8, [1e-300, -2.5, 1e300], (dv, o, v) => dv.setFloat64(o, v, true)],
    // float16: 1, −2, the smallest subnormal ±2^-24, a subnormal 3·2^-24, ±Inf, NaN
    [
      'float16',
      DT.FLOAT16,
      2,
      [0x3c00, 0xc000, 0x0001, 0x8001, 0x0003, 0x7c00, 0xfc00, 0x7e00],
      (dv, o, v) => dv.setUint16(o, v, true),
      [1, -2, 2 ** -24, -(2 ** -24), 3 * 2 ** -24, Infinity, -Infinity, NaN],
    ],
  ];
  for (const [name, dt, size, vals, set, want] of rawCases)
    it(`raw_data ${name}`, () => {
      const t = rt({ name: 'r', dims: [vals.length], dataType: dt, rawData: raw(size, vals, set) });
      expect(t.dtype).toBe(dt);
      expect(t.dims).toEqual([vals.length]);
      expect([...t.data]).toEqual(want ?? vals);
      // float tensors stay float32 (not doubled in memory); everything else is float64
      expect(t.data).toBeInstanceOf(dt === DT.FLOAT ? Float32Array : Float64Array);
    });
  it('raw_data float at an odd byte offset (a view into a larger buffer) is copied, not misread', () => {
    const b = new Uint8Array(13);
    new DataView(b.buffer).setFloat32(1, 6.5, true);
    new DataView(b.buffer).setFloat32(5, -1, true);
    new DataView(b.buffer).setFloat32(9, 0.25, true);
    expect([...tensorFromProto({ dims: [3], dataType: DT.FLOAT, rawData: b.subarray(1) }).data]).toEqual([6.5, -1, 0.25]);
  });
  const typed: [string, TensorProto, number[]][] = [
    ['uint16 in int32_data', { dims: [2], dataType: DT.UINT16, int32Data: [0, 65535] }, [0, 65535]],
    ['int16 in int32_data', { dims: [2], dataType: DT.INT16, int32Data: [-5, 7] }, [-5, 7]],
    ['int32 in int32_data', { dims: [2], dataType: DT.INT32, int32Data: [-(2 ** 31), 12] }, [-(2 ** 31), 12]],
    ['uint32 in uint64_data', { dims: [2], dataType: DT.UINT32, uint64Data: [2 ** 32 - 1, 3] }, [2 ** 32 - 1, 3]],
    ['uint64 in uint64_data', { dims: [2], dataType: DT.UINT64, uint64Data: [2 ** 40, 9] }, [2 ** 40, 9]],
  ];
  for (const [what, t, want] of typed) it(what, () => expect([...rt(t).data]).toEqual(want));
  it('float_data stays float32, double_data float64', () => {
    expect(rt({ dims: [1], dataType: DT.FLOAT, floatData: [0.1] }).data).toBeInstanceOf(Float32Array);
    expect(rt({ dims: [1], dataType: DT.DOUBLE, doubleData: [0.1] }).data).toBeInstanceOf(Float64Array);
    expect(rt({ dims: [1], dataType: DT.DOUBLE, doubleData: [0.1] }).data[0]).toBe(0.1);
  });
  for (const dt of [DT.FLOAT, DT.DOUBLE, DT.INT64, DT.UINT32, DT.UINT64, DT.FLOAT16, DT.INT32, DT.UINT8, DT.BOOL])
    it(`an empty ${dtypeName(dt)} tensor (dims [0]) needs no data field`, () => {
      const t = tensorFromProto({ dims: [0], dataType: dt });
      expect(t.dims).toEqual([0]);
      expect(t.data.length).toBe(0);
    });
  it('toNum: absent → 0, numbers, Long objects (signed and unsigned, via toNumber), plain {low, high}', () => {
    expect(toNum(undefined)).toBe(0);
    expect(toNum(null)).toBe(0);
    expect(toNum(-7)).toBe(-7);
    // an unsigned Long of 2^63 stores high as the signed 32-bit -2^31: only its toNumber gives the value
    const long = { low: 0, high: -(2 ** 31), unsigned: true, toNumber: () => 2 ** 63 };
    expect(toNum(long as never)).toBe(2 ** 63);
    expect(toNum({ low: -1, high: -1 } as never)).toBe(-1);
    expect(toNum({ low: 5, high: 2 } as never)).toBe(2 * 2 ** 32 + 5);
  });
  it('checkDims: rank, dimensions and element limits, each named', () => {
    expect(checkDims(new Array(32).fill(1), 'x')).toBe(1);
    expect(() => checkDims(new Array(33).fill(1), 'x')).toThrow(new SlimError('x: rank 33 is over the limit of 32'));
    expect(() => checkDims([2, -1], 'w')).toThrow(new SlimError('w: bad dimension -1 in [2,-1]'));
    expect(() => checkDims([1.5], 'w')).toThrow(new SlimError('w: bad dimension 1.5 in [1.5]'));
    expect(checkDims([2, 0, 3], 'w')).toBe(0);
    expect(checkDims([4, 4], 'w', 16)).toBe(16);
    expect(() => checkDims([17, 1], 'w', 16)).toThrow(new SlimError('w: 17 elements in [17,1] is over the limit of 16'));
    expect(() => checkDims([1 << 15, 1 << 14], 'w')).toThrow(`is over the limit of ${MAX_ELEMENTS}`);
  });
  const bad: [string, TensorProto, string][] = [
    [
      'external data (data_location 1)',
      { name: 'w', dims: [1], dataType: DT.FLOAT, dataLocation: 1 },
      "tensor 'w': external data (stored outside the .onnx file) is not supported; save the model with all tensors inside",
    ],
    [
      'external data (entries)',
      { name: 'w', dims: [1], dataType: DT.FLOAT, externalData: [{ key: 'location', value: 'w.bin' }] },
      "tensor 'w': external data (stored outside the .onnx file) is not supported; save the model with all tensors inside",
    ],
    [
      'an unknown element type',
      { name: 'u', dims: [1], dataType: 99, floatData: [1] },
      "tensor 'u': element type data type 99 is not supported",
    ],
    [
      'raw_data of the wrong length',
      { name: 'h', dims: [2, 1], dataType: DT.INT16, rawData: new Uint8Array(5) },
      "tensor 'h': raw_data has 5 bytes, dims [2,1] of int16 need 4",
    ],
    ['no name', { dims: [3, 1], dataType: DT.FLOAT, floatData: [1] }, "tensor '': has 1 values, dims [3,1] need 3"],
  ];
  for (const [what, t, msg] of bad) it(`${what}: ${msg}`, () => expect(() => tensorFromProto(t)).toThrow(new SlimError(msg)));
  it('decodeTensor / decodeModel / encodeModel errors', () => {
    const junk = Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f);
    expect(() => decodeTensor(junk)).toThrow(/^tensor: not a valid ONNX TensorProto \(protobuf decode failed: /);
    expect(() => decodeTensor(junk, 'init w')).toThrow(/^init w: not a valid ONNX TensorProto/);
    expect(() => decodeModel([1, 2] as never)).toThrow(new SlimError('ONNX model must be given as bytes (Uint8Array)'));
    expect(() => encodeModel({ irVersion: 'x' } as never)).toThrow(/^internal: ONNX model does not verify: /);
  });
  const write: [number, number[]][] = [
    [DT.FLOAT, [1.5, -2]],
    [DT.DOUBLE, [1e-300, 2.5]],
    [DT.BOOL, [1, 0]],
    [DT.UINT8, [0, 255]],
    [DT.INT8, [-128, 127]],
    [DT.UINT16, [65535, 1]],
    [DT.INT16, [-32768, 2]],
    [DT.INT32, [-(2 ** 31), 3]],
    [DT.UINT32, [2 ** 32 - 1, 4]],
    [DT.INT64, [-(2 ** 40), 5]],
    [DT.UINT64, [2 ** 40, 6]],
  ];
  for (const [dt, vals] of write)
    it(`tensorToProto ${dtypeName(dt)}: raw_data of ${vals.length} values that read back`, () => {
      const p = tensorToProto('t', { dtype: dt, dims: [2], data: Float64Array.from(vals) });
      expect(p.rawData!.length % vals.length).toBe(0);
      const back = tensorFromProto(p);
      expect(back.dtype).toBe(dt);
      expect([...back.data]).toEqual(vals);
    });
  it('no dims field: a scalar', () => {
    const t = tensorFromProto({ dataType: DT.FLOAT, floatData: [4] });
    expect(t.dims).toEqual([]);
    expect([...t.data]).toEqual([4]);
  });
  it('tensorToProto refuses types it cannot write, by name', () => {
    expect(() => tensorToProto('e', { dtype: DT.STRING, dims: [0], data: new Float64Array(0) })).toThrow(
      new SlimError("cannot write tensor 'e' of type string"),
    );
    expect(() => tensorToProto('s', { dtype: DT.STRING, dims: [1], data: new Float64Array(1) })).toThrow(
      new SlimError("cannot write tensor 's' of type string"),
    );
    expect(() => tensorToProto('h', { dtype: DT.FLOAT16, dims: [1], data: new Float64Array(1) })).toThrow(
      new SlimError("cannot write tensor 'h' of type float16"),
    );
  });
});
