// Glue cost of imported (PyTorch-exported) mobile networks, before and after the glue work of issue 11:
//   before  the old path: no glue passes, every `binary` and `transpose` node on the general strided kernels
//           (attr strided = 1)
//   fast    binary fast paths and the 2-D transpose kernel only, no glue passes
//   after   fast paths + glue passes (hard-swish patterns, affine folding, fused_elementwise kernels)
// For each exported model (test/exported_models.ts) and config: median wall ms of `runs` forward passes (the configs
// interleaved round by round), GPU ms from the per-node profile (timestamp queries) and the glue share: GPU time of
// elementwise nodes (activation, unary, binary, add, batchnorm, channel_scale, fused_elementwise) over all nodes.
// Layout nodes (transpose, reshape) are counted apart. Also the exported-and-imported MobileNetV2 against the zoo's
// MobileNetV2 (buildModel), interleaved in the same rounds.
//
//   npx vite build --config vite.exported.config.ts && node dist/exported.mjs [runs=5] [res=224]

import { compile, type CompiledGraph } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { importOnnx } from '../src/io/onnx/import.js';
import { median, sampleInput } from '../src/models/measure.js';
import { buildModel } from '../src/models/zoo.js';
import { Runtime } from '../src/runtime/runtime.js';
import { exportedMobilenetV2, exportedMobilenetV3 } from '../test/exported_models.js';

const GLUE = new Set(['activation', 'unary', 'binary', 'add', 'batchnorm', 'channel_scale', 'fused_elementwise', 'special']);
const LAYOUT = new Set(['transpose', 'reshape']);

interface Entry {
  label: string;
  model: CompiledGraph;
  inputs: Float32Array[];
  times: number[];
}

function withStrided(g: Graph): Graph {
  const c = g.clone();
  for (const n of c.nodes) if (n.op === 'binary' || n.op === 'transpose') n.attrs.strided = 1;
  return c;
}

async function main() {
  const runs = Number(process.argv[2] ?? 5);
  const res = Number(process.argv[3] ?? 224);
  const rt = await Runtime.create();
  console.log(`adapter: ${JSON.stringify(rt.ctx.adapter)}; runs ${runs}; resolution ${res}`);
  const entries: Entry[] = [];
  const add = async (label: string, g: Graph, opts: { glue: boolean }) => {
    const model = await compile(rt, g, { glue: opts.glue, tune: 'cached' });
    const inputs = sampleInput(g);
    await model.run(inputs);
    entries.push({ label, model, inputs, times: [] });
  };
  const exported: [string, Graph][] = [
    ['mobilenet_v2 exported (BN folded)', importOnnx(exportedMobilenetV2({ res }).bytes()).graph],
    ['mobilenet_v2 exported (Conv+BN)', importOnnx(exportedMobilenetV2({ res, bn: true }).bytes()).graph],
    ['mobilenet_v3_small exported', importOnnx(exportedMobilenetV3({ res }).bytes()).graph],
  ];
  for (const [name, g] of exported) {
    await add(`${name} | before`, withStrided(g), { glue: false });
    await add(`${name} | fast`, g, { glue: false });
    await add(`${name} | after`, g, { glue: true });
  }
  await add('mobilenet_v2 zoo | after', buildModel({ model: 'mobilenet_v2', res }), { glue: true });
  for (let r = 0; r < runs; r++) {
    for (const e of entries) {
      const t0 = performance.now();
      await e.model.run(e.inputs);
      e.times.push(performance.now() - t0);
    }
  }
  console.log('model | config | median ms | GPU ms (profile) | glue % of GPU | layout % of GPU | nodes | dispatches');
  const med: Record<string, number> = {};
  for (const e of entries) {
    const p = await e.model.profile(e.inputs);
    const total = p.nodes.reduce((a, n) => a + n.ms, 0);
    const glue = p.nodes.filter((n) => GLUE.has(n.op)).reduce((a, n) => a + n.ms, 0);
    const layout = p.nodes.filter((n) => LAYOUT.has(n.op)).reduce((a, n) => a + n.ms, 0);
    med[e.label] = median(e.times);
    console.log(
      `${e.label} | ${med[e.label].toFixed(1)} | ${total.toFixed(1)} | ${((100 * glue) / total).toFixed(1)}% | ${((100 * layout) / total).toFixed(1)}% | ${
        e.model.graph.nodes.length
      } | ${e.model.dispatchCount}`,
    );
    if (process.env.SLIMGPU_GLUE_DETAIL) {
      const byKernel = new Map<string, number>();
      for (const n of p.nodes)
        if (GLUE.has(n.op)) for (const k of n.kernels) byKernel.set(k, (byKernel.get(k) ?? 0) + n.ms / n.kernels.length);
      for (const [k, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${k}: ${ms.toFixed(2)} ms`);
    }
  }
  const zoo = med['mobilenet_v2 zoo | after'];
  for (const cfg of ['before', 'after']) {
    const imp = med[`mobilenet_v2 exported (BN folded) | ${cfg}`];
    console.log(`mobilenet_v2 exported+imported (${cfg}) / zoo: ${(imp / zoo).toFixed(3)} (${imp.toFixed(1)} / ${zoo.toFixed(1)} ms)`);
  }
  for (const e of entries) e.model.destroy();
  rt.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
