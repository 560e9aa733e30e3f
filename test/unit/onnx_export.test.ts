// Export → onnxruntime-node (the independent oracle) for graphs with the shapes of the zoo architectures, as
// given and after our inference fusion (fused act / shuffle attributes must export as their own nodes); then the
// exported file imported back must reproduce our outputs with at most a handful of layout transposes.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { expectClose, randn, runtime, TOL } from '../helpers.js';
import { ZOO } from '../zoo.js';
import { ortOutputs, type Feeds } from '../onnx_compare.js';

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('ONNX export vs onnxruntime-node (zoo architectures)', () => {
  for (const [name, build] of Object.entries(ZOO)) {
    it(name, async () => {
      const rt = await runtime();
      const g = build();
      const x = randn(
        g.shape(g.inputs[0]).reduce((a, b) => a * b, 1),
        7,
      );
      const ours = await compile(rt, g);
      const [y] = await ours.run([x]);
      ours.destroy();
      const feeds: Feeds = { [g.tensors[g.inputs[0]].name]: [x, g.shape(g.inputs[0])] };

      const [yOrt] = await ortOutputs(exportOnnx(g, { name }), feeds);
      expectClose(yOrt, y, TOL.model, `${name} ours vs onnxruntime`);
      const [yOrtFused] = await ortOutputs(exportOnnx(optimizeForInference(g).graph, { name }), feeds);
      expectClose(yOrtFused, y, TOL.model, `${name} fused export vs onnxruntime`);

      const back = importOnnx(exportOnnx(g, { name }));
      const transposes = back.graph.nodes.filter((n) => n.op === 'transpose').length;
      const m = await compile(rt, back.graph);
      const [yBack] = await m.run([x]);
      m.destroy();
      expectClose(yBack, y, TOL.model, `${name} round trip`);
      console.log(
        `${name}: max |ours − onnxruntime| = ${maxAbs(y, yOrt).toExponential(2)} (fused export ${maxAbs(y, yOrtFused).toExponential(2)}), round trip ${maxAbs(y, yBack).toExponential(2)}, ${transposes} transposes after re-import`,
      );
      expect(transposes).toBe(0); // the NHWC↔NCHW transposes at the exported edges cancel on import
    });
  }
});
