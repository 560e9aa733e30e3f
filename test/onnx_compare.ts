// Run an ONNX model with our importer + GPU runtime and with onnxruntime-node (the oracle), every output.
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { compile } from '../src/graph/executor.js';
import { importOnnx } from '../src/io/onnx/import.js';
import { expectClose, randn, runtime, TOL } from './helpers.js';
import type { OnnxBuilder } from './onnx_builder.js';

export type Feeds = Record<string, [Float32Array, number[]]>;

/** onnxruntime-node's outputs, every one converted to f32, with its dims. */
export async function ortRunFull(bytes: Uint8Array, feeds: Feeds): Promise<{ data: Float32Array; dims: number[] }[]> {
  const s = await ort.InferenceSession.create(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, [d, dims]] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', d, dims);
  const out = await s.run(f);
  const ys = s.outputNames.map((n) => ({
    data: Float32Array.from(Array.from(out[n].data as ArrayLike<number | bigint>, Number)),
    dims: [...out[n].dims],
  }));
  await s.release();
  return ys;
}

export async function ortOutputs(bytes: Uint8Array, feeds: Feeds): Promise<Float32Array[]> {
  return (await ortRunFull(bytes, feeds)).map((o) => o.data);
}

export async function oursOutputs(bytes: Uint8Array, feeds: Record<string, [Float32Array, number[]]>): Promise<Float32Array[]> {
  const m = importOnnx(bytes);
  const compiled = await compile(await runtime(), m.graph);
  const ys = await compiled.run(m.inputs.map((i) => feeds[i.name][0]));
  compiled.destroy();
  return m.outputs.map((o) => (o.constant ? Float32Array.from(o.constant.data) : ys[o.output!]));
}

/** Random inputs for every graph input of a builder (f32). */
export function feedsOf(b: OnnxBuilder, seed = 1, scale = 1): Feeds {
  const f: Feeds = {};
  b.inputs.forEach((vi, k) => {
    const dims = (vi.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue ?? 1));
    f[vi.name!] = [
      randn(
        dims.reduce((a, c) => a * c, 1),
        seed + k,
        scale,
      ),
      dims,
    ];
  });
  return f;
}

/** Ours vs onnxruntime on every output, within `tol`; returns the largest absolute difference. */
export async function compareWithOrt(
  b: OnnxBuilder,
  what: string,
  tol: { atol: number; rtol: number } = TOL.f32,
  feeds = feedsOf(b),
): Promise<number> {
  const bytes = b.bytes();
  const ours = await oursOutputs(bytes, feeds);
  const ref = await ortOutputs(bytes, feeds);
  expect(ours.length).toBe(ref.length);
  let err = 0;
  ours.forEach((y, k) => {
    expect(y.length, `${what}: output ${k} size`).toBe(ref[k].length);
    expectClose(y, ref[k], tol, `${what} output ${k}`);
    err = Math.max(
      err,
      y.reduce((a, v, i) => Math.max(a, Math.abs(v - ref[k][i])), 0),
    );
  });
  return err;
}
