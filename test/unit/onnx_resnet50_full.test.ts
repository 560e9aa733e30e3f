// Opt-in scale check (SLIMGPU_BIG=1, minutes on SwiftShader): a full-size ResNet-50 in ONNX imported, compiled
// and run, against onnxruntime-node; prints import/compile/run times. Import alone always runs (a few seconds).
import { expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { compile } from '../../src/graph/executor.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { DEEP_TOL } from '../../src/io/onnx/backend_test.js';
import { expectClose, randn, runtime } from '../helpers.js';
import { resnet50Onnx } from '../resnet50_onnx.js';

const bytes = resnet50Onnx();

it('full-size ResNet-50 imports in seconds', () => {
  const t = performance.now();
  const m = importOnnx(bytes);
  const ms = performance.now() - t;
  console.log(`ResNet-50 ${(bytes.length / 2 ** 20).toFixed(1)} MB: import ${ms.toFixed(0)} ms, ${m.graph.nodes.length} nodes`);
  expect(m.graph.nodes.filter((n) => n.op === 'transpose').length).toBe(1);
});

it.skipIf(!process.env.SLIMGPU_BIG)('full-size ResNet-50 runs and matches onnxruntime-node', async () => {
  const rt = await runtime();
  const m = importOnnx(bytes);
  let t = performance.now();
  const c = await compile(rt, m.graph);
  const compileMs = performance.now() - t;
  const x = randn(3 * 224 * 224, 5);
  t = performance.now();
  const [y] = await c.run([x]);
  const runMs = performance.now() - t;
  c.destroy();
  const s = await ort.InferenceSession.create(bytes);
  const ref = (await s.run({ data: new ort.Tensor('float32', x, [1, 3, 224, 224]) }))[s.outputNames[0]].data as Float32Array;
  await s.release();
  const err = y.reduce((a, v, i) => Math.max(a, Math.abs(v - ref[i])), 0);
  console.log(
    `ResNet-50 full: compile ${compileMs.toFixed(0)} ms, run ${runMs.toFixed(0)} ms, max |ours − onnxruntime| = ${err.toExponential(2)}`,
  );
  expectClose(y, ref, DEEP_TOL, 'ResNet-50');
});
