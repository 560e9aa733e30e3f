// Roofline arithmetic: each profiled layer's work (FLOP = 2·MACs), minimum traffic (every input, weight and
// output touched once, 4 bytes per f32), arithmetic intensity, achieved GFLOP/s and GB/s, and the roof it sits
// under: min(peak FLOP/s, intensity · bandwidth) from the measured ceilings (micro.ts).

import type { NodeProfile } from '../src/graph/executor.js';
import type { Graph } from '../src/graph/ir.js';
import { numel } from '../src/ops/registry.js';
import type { Ceilings } from './micro.js';
import { round } from '../src/models/measure.js';

export interface LayerPoint {
  name: string;
  op: string;
  kernels: string[];
  ms: number;
  flops: number;
  bytes: number;
  /** FLOP per byte */
  intensity: number;
  gflops: number;
  gbps: number;
  /** the roof at this intensity, GFLOP/s (null without ceilings) */
  roof_gflops: number | null;
  /** achieved / roof, 0..1 */
  of_roof: number | null;
  bound: 'compute' | 'memory' | null;
}

/** Bytes a node must move at least once: its inputs (activations and parameters) and outputs. */
export function nodeBytes(g: Graph, name: string): number {
  const n = g.nodes.find((x) => x.name === name);
  if (!n) return 0;
  return [...n.inputs, ...n.outputs].reduce((a, t) => a + numel(g.shape(t)) * 4, 0);
}

export function layerPoints(g: Graph, nodes: NodeProfile[], ceil: Ceilings | null): LayerPoint[] {
  return nodes.map((p) => {
    const flops = 2 * p.macs;
    const bytes = nodeBytes(g, p.name);
    const intensity = bytes ? flops / bytes : 0;
    const s = p.ms > 0 ? p.ms * 1e6 : NaN;
    const roof = ceil ? Math.min(ceil.f32_gflops, intensity * ceil.bandwidth_gbps) : null;
    const gflops = flops / s;
    return {
      name: p.name,
      op: p.op,
      kernels: p.kernels,
      ms: p.ms,
      flops,
      bytes,
      intensity: round(intensity, 4),
      gflops: round(gflops, 4),
      gbps: round(bytes / s, 4),
      roof_gflops: roof === null ? null : round(roof, 4),
      of_roof: roof ? round(gflops / roof, 4) : null,
      bound: ceil ? (intensity >= ceil.ridge_flop_per_byte ? 'compute' : 'memory') : null,
    };
  });
}

/** Whole-model totals over the profiled layers. */
export function modelRoofline(points: LayerPoint[]): { ms: number; gflops: number; gbps: number; intensity: number } {
  const ms = points.reduce((a, p) => a + p.ms, 0);
  const flops = points.reduce((a, p) => a + p.flops, 0);
  const bytes = points.reduce((a, p) => a + p.bytes, 0);
  return { ms: round(ms), gflops: round(flops / (ms * 1e6), 4), gbps: round(bytes / (ms * 1e6), 4), intensity: round(flops / bytes, 4) };
}
