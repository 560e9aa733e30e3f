// Per-layer GPU time of our compiled model (CompiledGraph.profile: timestamp queries, one pass per node),
// placed on the roofline. The bench page and `slimgpu bench --profile` both use this.

import { compile } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { buildModel, type ModelSpec } from '../src/models/zoo.js';
import type { Runtime } from '../src/runtime/runtime.js';
import type { TuneMode } from '../src/runtime/tuner.js';
import { modelLabel, sampleInput } from '../src/models/measure.js';
import type { Ceilings } from './micro.js';
import { layerPoints, modelRoofline, type LayerPoint } from './roofline.js';

export interface ProfileResult {
  model: string;
  batch: number;
  method: string;
  layers: LayerPoint[];
  totals: ReturnType<typeof modelRoofline>;
}

export async function profileLayers(
  rt: Runtime,
  spec: ModelSpec,
  ceilings: Ceilings | null,
  tune: TuneMode = 'cached',
): Promise<ProfileResult> {
  const g = buildModel(spec);
  return profileGraph(rt, g, modelLabel(spec), spec.batch ?? 1, ceilings, tune);
}

/** The same for any graph (an imported ONNX model): seeded input, one warm run, then one pass per node. */
export async function profileGraph(
  rt: Runtime,
  g: Graph,
  label: string,
  batch: number,
  ceilings: Ceilings | null,
  tune: TuneMode = 'cached',
): Promise<ProfileResult> {
  const m = await compile(rt, g, { tune });
  const inputs = sampleInput(g);
  await m.run(inputs); // warm
  const p = await m.profile(inputs);
  const layers = layerPoints(m.graph, p.nodes, ceilings);
  m.destroy();
  return { model: label, batch, method: p.method, layers, totals: modelRoofline(layers) };
}
