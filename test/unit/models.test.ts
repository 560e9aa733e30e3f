// Whole models: the compiled GPU graph (batch-norm folded, activations and shuffles fused, memory planned) against
// the CPU float64 reference run on the unfused training-form graph.
import { describe, expect, it } from 'vitest';
import { sampleInput } from '../../src/models/measure.js';
import { compile } from '../../src/graph/executor.js';
import { buildModel, type ModelSpec } from '../../src/models/zoo.js';
import { runGraphRef } from '../ref/graph.js';
import { expectClose, runtime, TOL } from '../helpers.js';

const specs: ModelSpec[] = [
  { model: 'cnn_small', batch: 3 },
  { model: 'cnn_tiny', batch: 2 },
  { model: 'mobilenet_v1', alpha: 0.25, res: 32, batch: 2 },
  { model: 'mobilenet_v1', alpha: 1, res: 32 },
  { model: 'mobilenet_v2', alpha: 0.35, res: 32, batch: 2 },
  { model: 'shufflenet', groups: 3, scale: 1, res: 32 },
  { model: 'shufflenet', groups: 3, scale: 0.25, res: 32 },
  { model: 'shufflenet', groups: 8, scale: 0.5, res: 32 },
  { model: 'efficientnet', phi: 0, res: 32, batch: 2 },
];

describe('zoo models on the GPU vs the float64 reference', () => {
  for (const spec of specs) {
    it(JSON.stringify(spec), async () => {
      const rt = await runtime();
      const g = buildModel({ ...spec, classes: 10 });
      const inputs = sampleInput(g);
      const m = await compile(rt, g, { tune: 'off' });
      const [out] = await m.run(inputs);
      const [ref] = runGraphRef(g, inputs);
      const scale = Math.max(...ref.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expectClose(out, ref, { atol: TOL.model.atol * scale, rtol: TOL.model.rtol }, JSON.stringify(spec));
      // fusion happened and memory was reused
      expect(m.fusion!.batchnormsFolded).toBeGreaterThan(0);
      expect(m.memory.totalBytes).toBeLessThan(m.memory.naiveBytes);
      m.destroy();
    });
  }
});
