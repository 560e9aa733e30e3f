// TensorProto decoding: raw_data and every typed field (float_data, int32_data for small ints, int64_data,
// double_data), little-endian integers, float16, and size checks; initializers stored in typed fields import
// the same as raw_data ones.
import { describe, expect, it } from 'vitest';
import { decodeTensor, DT, encodeTensor, tensorFromProto, tensorToProto, type TensorProto } from '../../src/io/onnx/proto.js';
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
