// ONNX import checked on the CPU: the imported graph run by the float64 references (test/ref/graph.ts) against
// onnxruntime-node running the same model bytes (no WebGPU). Written for the sampled mutation survivors of
// src/io/onnx/import.ts (issue 17): the layout shortcuts of rank-4 Transpose, and graph inputs without a shape.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../../src/graph/executor.js'; // registers the ops (shape inference only)
import { importOnnx } from '../../src/io/onnx/import.js';
import { OnnxBuilder, attr } from '../onnx_builder.js';
import { runGraphRef } from '../ref/graph.js';
import { randn } from '../helpers.js';

async function ortRun(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await s.run(f);
  const res = s.outputNames.map((n) => out[n].data as Float32Array);
  await s.release();
  return res;
}

function expectNear(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i]))))
      expect.fail(`${what}: element ${i} is ${got[i]}, onnxruntime gives ${want[i]}`);
}

describe('ONNX import on the CPU references vs onnxruntime-node', () => {
  it('rank-4 Transposes of a conv output and of an input: the NHWC/NCHW shortcuts and general permutations', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 3, 4, 5]);
    const c = b.conv(x, 3, 4, 3);
    for (const perm of [
      [0, 2, 3, 1],
      [0, 3, 1, 2],
      [1, 2, 3, 0],
      [2, 3, 0, 1],
      [3, 0, 2, 1],
    ]) {
      b.output(b.node1('Transpose', [c], [attr.ints('perm', perm)]));
      b.output(b.node1('Transpose', [x], [attr.ints('perm', perm)]));
    }
    // a transpose of a transpose (the NHWC view read back)
    b.output(b.node1('Transpose', [b.node1('Transpose', [c], [attr.ints('perm', [0, 2, 3, 1])])], [attr.ints('perm', [0, 3, 1, 2])]));
    const bytes = b.bytes();
    const xin = randn(120, 8);
    const want = await ortRun(bytes, { x: { data: xin, dims: [2, 3, 4, 5] } });
    const m = importOnnx(bytes);
    const got = runGraphRef(m.graph, [xin]);
    expect(m.outputs).toHaveLength(want.length);
    m.outputs.forEach((o, k) => expectNear(got[o.output!], want[k], `output ${k} (${o.name})`));
  });

  it('a graph input without a shape takes the one given in inputShapes, and is refused without it', async () => {
    const b = new OnnxBuilder(13);
    b.inputs.push({ name: 'x', type: { tensorType: { elemType: 1 } } });
    b.output(b.node1('Neg', ['x']));
    const bytes = b.bytes();
    expect(() => importOnnx(bytes)).toThrow("graph input 'x' has no shape; pass it in inputShapes");
    const m = importOnnx(bytes, { inputShapes: { x: [2, 3] } });
    expect(m.graph.shape(m.graph.inputs[0])).toEqual([2, 3]);
    const xin = randn(6, 2);
    const [want] = await ortRun(bytes, { x: { data: xin, dims: [2, 3] } });
    expectNear(runGraphRef(m.graph, [xin])[m.outputs[0].output!], want, 'neg');
  });
});
