// The tfjs peer runs the same network as we do: same weights, same input, outputs agree (small resolutions so
// this stays quick on SwiftShader). This is what makes `slimgpu bench`'s ratios apples to apples.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { buildModel, type ModelSpec } from '../../src/models/zoo.js';
import { sampleInput } from '../../src/models/measure.js';
import { loadTfjsWebgpu } from '../../bench/tfjs_peer.js';
import { buildTfjsModel } from '../../bench/tfjs_model.js';
import { runtime } from '../helpers.js';

const specs: ModelSpec[] = [
  { model: 'mobilenet_v1', res: 32, classes: 10 },
  { model: 'mobilenet_v2', res: 32, classes: 10 },
  { model: 'shufflenet', groups: 3, res: 32, classes: 10 },
];

describe('tfjs-webgpu peer model matches slimgpu', () => {
  for (const spec of specs) {
    it(spec.model, async () => {
      const rt = await runtime();
      const peer = await loadTfjsWebgpu();
      expect(peer.backend).toBe('webgpu');
      const g = buildModel(spec);
      const [x] = sampleInput(g);
      const ours = await compile(rt, g);
      const [a] = await ours.run([x]);
      const theirs = buildTfjsModel(peer.tf, g);
      const b = await theirs.run(x);
      ours.destroy();
      theirs.dispose();
      expect(b.length).toBe(a.length);
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      // random, un-normalised weights make logits large; compare relative to the largest output
      expect(worst / scale).toBeLessThan(1e-4);
    });
  }
});
