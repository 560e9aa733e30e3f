import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { decodeSafetensors, encodeSafetensors, loadWeights, saveWeights } from '../../src/io/safetensors.js';
import { buildModel } from '../../src/models/zoo.js';
import { sampleInput } from '../../src/models/measure.js';
import { runtime } from '../helpers.js';

describe('weights as safetensors', () => {
  it('save → load into a differently initialised model reproduces its outputs exactly', async () => {
    const rt = await runtime();
    const a = buildModel({ model: 'mobilenet_v2', alpha: 0.35, res: 32, classes: 10, seed: 1 });
    const b = buildModel({ model: 'mobilenet_v2', alpha: 0.35, res: 32, classes: 10, seed: 2 });
    const file = saveWeights(a);
    // the header is the documented format: u64 length, JSON with dtype/shape/data_offsets, 8-byte aligned
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
    expect(header['conv0.w']).toMatchObject({ dtype: 'F32', shape: [3, 3, 3, 16] });
    const x = sampleInput(a);
    const run = async (g: typeof a) => {
      const m = await compile(rt, g, { tune: 'off' });
      const [y] = await m.run(x);
      m.destroy();
      return y;
    };
    const ya = await run(a);
    expect(Array.from(await run(b))).not.toEqual(Array.from(ya));
    loadWeights(b, file);
    expect(Array.from(await run(b))).toEqual(Array.from(ya));
  });

  it('round-trips integer tensors and metadata', () => {
    const t = new Map([
      ['a', { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
      ['q', { shape: [3], data: new Int32Array([-1, 0, 7]) }],
    ]);
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(t, { k: 'v' }));
    expect(metadata).toEqual({ k: 'v' });
    expect(Array.from(tensors.get('q')!.data)).toEqual([-1, 0, 7]);
    expect(tensors.get('q')!.data).toBeInstanceOf(Int32Array);
  });

  it('bad files and mismatched models are clear errors', () => {
    const g = buildModel({ model: 'cnn_tiny' });
    const good = saveWeights(g);
    expect(() => decodeSafetensors(good.subarray(0, 5))).toThrow(/too short/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge)).toThrow(/does not fit/);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4))).toThrow(/outside the .*-byte data/);
    expect(() => loadWeights(buildModel({ model: 'cnn_small' }), good)).toThrow(/shape \[3,3,1,8\], the model needs \[3,3,1,32\]/);
    expect(() => loadWeights(buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32 }), good)).toThrow(/tensors this model does not/);
  });
});
