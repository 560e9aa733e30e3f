// The model the onnxruntime-web peer of the benchmarks runs (bench/ort_peer.ts: our inference graph written by
// exportOnnx) computes the same network as slimgpu: onnxruntime-node (CPU, an independent engine) running it on
// our input agrees with slimgpu's output, for every zoo architecture the bench page offers.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { ortModelBytes } from '../../bench/ort_peer.js';
import { compile } from '../../src/graph/executor.js';
import { buildModel, type ModelSpec } from '../../src/models/zoo.js';
import { sampleInput } from '../../src/models/measure.js';
import { runtime } from '../helpers.js';

const specs: ModelSpec[] = [
  { model: 'mobilenet_v1', res: 32, classes: 10 },
  { model: 'mobilenet_v2', res: 32, classes: 10 },
  { model: 'shufflenet', groups: 3, res: 32, classes: 10 },
  { model: 'efficientnet', res: 32, classes: 10 },
  { model: 'cnn_small', classes: 10 },
];

describe('the ORT peer runs our network (its ONNX checked with onnxruntime-node)', () => {
  for (const spec of specs) {
    it(spec.model, async () => {
      const rt = await runtime();
      const g = buildModel(spec);
      const [x] = sampleInput(g);
      const m = await compile(rt, g);
      const [ours] = await m.run([x]);
      m.destroy();
      const session = await ort.InferenceSession.create(ortModelBytes(g));
      expect(session.inputNames).toHaveLength(1);
      expect(session.outputNames).toHaveLength(1);
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, g.shape(g.inputs[0])) });
      const theirs = out[session.outputNames[0]].data as Float32Array;
      expect(theirs.length).toBe(ours.length);
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < ours.length; i++) {
        scale = Math.max(scale, Math.abs(ours[i]));
        worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      }
      expect(worst / scale).toBeLessThan(1e-4);
      await session.release();
    });
  }
});
