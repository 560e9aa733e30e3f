// ShuffleNet filter pruning: whole filters removed through grouped 1×1 convs and the channel shuffle, kept equally
// in every group on both sides of the shuffle; the thinned graph computes what the original computes with the
// pruned channels masked out (CPU float64 reference), and it still runs as int8.
import { describe, expect, it } from 'vitest';
import { compress } from '../../src/compress/compress.js';
import { filterPrune } from '../../src/compress/prune.js';
import { Graph } from '../../src/graph/ir.js';
import { convGeom } from '../../src/ops/conv.js';
import { buildModel } from '../../src/models/zoo.js';
import { runGraphRef } from '../ref/graph.js';
import { randn, runtime } from '../helpers.js';

/** The original with every non-depthwise conv's weights zeroed on input channels the plan drops. */
function masked(g: Graph, keep: Map<number, number[]>): Graph {
  const m = g.clone();
  for (const n of m.nodes) {
    if (n.op !== 'conv2d') continue;
    const geo = convGeom(
      n.inputs.map((t) => m.shape(t)),
      n.attrs,
    );
    const k = keep.get(n.inputs[0]);
    if (!k || (geo.groups === geo.cin && geo.groups > 1)) continue;
    const kept = new Set(k);
    const cg = geo.cin / geo.groups;
    const ng = geo.cout / geo.groups;
    const w = Float32Array.from(m.tensors[n.inputs[1]].data!, (v, i) => {
      const co = i % geo.cout;
      return kept.has(Math.floor(co / ng) * cg + (Math.floor(i / geo.cout) % cg)) ? v : 0;
    });
    n.inputs[1] = m.newParam(`${n.name}.masked`, m.tensors[n.inputs[1]].shape, w);
  }
  return m;
}

describe('ShuffleNet filter pruning', () => {
  for (const groups of [3, 2]) {
    it(`groups ${groups}: the bottlenecks thinned equally per group around the shuffle; = masked original`, () => {
      const g = buildModel({ model: 'shufflenet', groups, scale: 0.5, res: 32, classes: 10, batch: 1 });
      const { graph, plan, report } = filterPrune(g, { ratio: 0.5 });
      expect(report.spacesPruned).toBeGreaterThan(0);
      expect(report.paramsAfter).toBeLessThan(report.paramsBefore);
      // every grouped conv of the thinned graph has equal, whole groups, and every shuffle divides its channels
      let shuffles = 0;
      for (const n of graph.nodes) {
        if (n.op === 'channel_shuffle') {
          shuffles++;
          const c = graph.shape(n.inputs[0])[3];
          expect(c % groups).toBe(0);
          // the thinned shuffle's input was pruned (the bottleneck shrank)
          expect(c).toBeLessThan(g.shape(g.nodes.find((m) => m.name === n.name)!.inputs[0])[3]);
        }
        if (n.op === 'conv2d') {
          const geo = convGeom(
            n.inputs.map((t) => graph.shape(t)),
            n.attrs,
          );
          expect(geo.cout % geo.groups).toBe(0);
          expect(geo.cin % geo.groups).toBe(0);
        }
      }
      console.log(
        `shufflenet g${groups} 0.5-32, filter pruning 0.5: ${report.spacesPruned} spaces, params ${report.paramsBefore} → ${report.paramsAfter}`,
      );
      expect(shuffles).toBe(16);
      const x = randn(32 * 32 * 3, 77);
      const [ours] = runGraphRef(graph, [x]);
      const [want] = runGraphRef(masked(g, plan.keep), [x]);
      const [orig] = runGraphRef(g, [x]);
      const scale = Math.max(...want.map(Math.abs));
      const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
      expect(worst).toBeLessThanOrEqual(1e-5 * scale);
      expect(
        orig.some((v, i) => Math.abs(v - want[i]) > 1e-3 * scale),
        'pruning changed nothing',
      ).toBe(true);
    });
  }

  it('compress(): filter pruning then int8 on ShuffleNet (the thinned groups stay int8-eligible)', async () => {
    const rt = await runtime();
    // scale 1, g 3: 20 bottleneck channels per group, kept 12 (a multiple of 4 and of 3)
    const g = buildModel({ model: 'shufflenet', res: 32, classes: 12, batch: 1 });
    const c = await compress(g, { filterPrune: { ratio: 0.5 }, quantize: 'int8', runtime: rt });
    expect(c.report.filterPrune!.spacesPruned).toBeGreaterThan(0);
    expect(c.report.int8!.int8Shuffles).toBe(16);
    expect(c.graph.nodes.filter((n) => n.op === 'conv2d').length).toBe(0); // every conv int8
  }, 240_000);
});
