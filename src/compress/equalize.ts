// Activation equalization before int8 calibration: per-channel ranges moved into the weights, exactly.
//
// A per-tensor activation scale spends its 256 levels on the widest channel: in MobileNetV1 the median channel of a
// depthwise output spans 7–15 % of the tensor's range (quant-debug's channel_range_ratio), so it is quantized with
// 4–5 bits. For a conv P whose activation is none or ReLU (positively homogeneous: relu(x/s) = relu(x)/s for s > 0)
// and whose output t is read only by convs C as their input, dividing channel c of t by s_c is exact in float:
//
//   P:  W_P[·,·,·,c] /= s_c,  b_P[c] /= s_c          (per-output-channel int8 weights: P's rounding is unchanged)
//   C:  W_C[·,·,ci,co] *= s_{g·Cg + ci}               (the input channel's scale folded into the consumer)
//
// (Nagel et al. 2019, "Data-Free Quantization", §4.1 cross-layer equalization; SmoothQuant, Xiao et al. 2023, for
// moving the difficulty between activations and weights with an exponent α.) With r_c the channel's calibrated range
// (max |t_c|) and w_c = max |W_C[·,·,c,·]| over every consumer's weights of that input channel:
//
//   every consumer depthwise   s_c = r_c                       each consumer output channel reads one input channel,
//                                                              so its per-channel weight scale absorbs s_c exactly
//   otherwise                  s_c = r_c^α / w_c^(1−α)         α = 1: equal activation ranges (the consumer's weights
//                                                              take all the spread), α = 0.5: shared (default)
//
// then normalized so that max_c r_c / s_c = max_c r_c (the tensor's range is unchanged), floored at FLOOR of the
// widest channel so that a channel that never fires is not blown up. A ReLU6 producer is not homogeneous (its clip
// at 6 would move) and is left alone, as are tensors read by anything other than a conv's input, shuffled outputs,
// and weights shared between nodes. The pass returns a new graph; calibrate it again before quantizing.

import type { Graph, Node } from '../graph/ir.js';
import { attrNum } from '../ops/registry.js';
import { check } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { calibrate, int8Eligible, type Int8Options, type TensorStats } from './quantize.js';

/** Channels scaled down to less than this fraction of the widest are left at it. */
export const FLOOR = 1 / 64;

export interface EqualizeOptions {
  /** Migration exponent for dense (non-depthwise) consumers, in [0, 1] (default 0.5). */
  alpha?: number;
}

export interface EqualizedTensor {
  producer: string;
  consumers: string[];
  /** s_c per channel (channel c of the tensor is divided by it). */
  scales: Float64Array;
  depthwise: boolean;
}

const isDepthwise = (g: Graph, n: Node): boolean => {
  const groups = attrNum(n.attrs, 'groups', 1);
  const cin = g.shape(n.inputs[0]).at(-1)!;
  return groups > 1 && groups === cin && g.tensors[n.inputs[1]].shape[3] === cin;
};

/** The conv → conv pairs the pass may rescale: the producer, and its consumers (all reading t as their input x). */
export function equalizablePairs(g: Graph, eligible: (n: Node) => boolean): { p: Node; t: number; cs: Node[] }[] {
  const consumers = g.consumers();
  const paramUses = new Map<number, number>();
  for (const n of g.nodes) for (const t of n.inputs) if (g.tensors[t].role === 'param') paramUses.set(t, (paramUses.get(t) ?? 0) + 1);
  const ownParams = (n: Node) => n.inputs.slice(1).every((t) => g.tensors[t].data && paramUses.get(t) === 1);
  const out: { p: Node; t: number; cs: Node[] }[] = [];
  for (const p of g.nodes) {
    if (p.op !== 'conv2d' || !eligible(p) || !ownParams(p)) continue;
    if (![0, 1].includes(attrNum(p.attrs, 'act', 0)) || attrNum(p.attrs, 'shuffle', 1) !== 1) continue;
    const t = p.outputs[0];
    const cs = consumers.get(t) ?? [];
    if (g.outputs.includes(t) || cs.length === 0) continue;
    if (!cs.every((c) => c.op === 'conv2d' && eligible(c) && ownParams(c) && c.inputs[0] === t && !c.inputs.slice(1).includes(t))) continue;
    out.push({ p, t, cs });
  }
  return out;
}

/**
 * The equalized graph (a clone; rescaled parameter arrays are new) and the scales per tensor. `stats` are the
 * calibration statistics of `g` (per-channel min/max needed); `eligible` says which convs will run int8.
 */
export function equalizeActivations(
  g: Graph,
  stats: Map<number, TensorStats>,
  eligible: (n: Node) => boolean,
  o: EqualizeOptions = {},
): { graph: Graph; tensors: EqualizedTensor[] } {
  const alpha = o.alpha ?? 0.5;
  check(alpha >= 0 && alpha <= 1, `equalize: alpha must be in [0, 1], got ${alpha}`);
  const pairs = equalizablePairs(g, eligible);
  const out = g.clone();
  const tensors: EqualizedTensor[] = [];
  for (const { p, t, cs } of pairs) {
    const s = stats.get(t);
    if (!s?.cmax || !s.cmin) continue;
    const c = s.cmax.length;
    const r = Float64Array.from(s.cmax, (hi, k) => Math.max(Math.abs(hi), Math.abs(s.cmin![k])));
    const rmax = Math.max(...r);
    if (!(rmax > 0)) continue;
    const depthwise = cs.every((n) => isDepthwise(g, n));
    const w = new Float64Array(c);
    if (!depthwise)
      for (const n of cs) {
        const [, , cg, cout] = g.tensors[n.inputs[1]].shape;
        const perGroup = cout / attrNum(n.attrs, 'groups', 1);
        const data = g.tensors[n.inputs[1]].data!;
        for (let i = 0; i < data.length; i++) {
          const co = i % cout;
          const ch = Math.floor(co / perGroup) * cg + (Math.floor(i / cout) % cg);
          w[ch] = Math.max(w[ch], Math.abs(data[i]));
        }
      }
    const a = depthwise ? 1 : alpha;
    const raw = Float64Array.from(r, (rc, k) => {
      const rr = Math.max(rc, FLOOR * rmax);
      return a === 1 ? rr : rr ** a / Math.max(w[k], 1e-30) ** (1 - a);
    });
    // normalize: the widest channel after scaling keeps the tensor's range
    let m = 0;
    for (let k = 0; k < c; k++) m = Math.max(m, r[k] / raw[k]);
    const scales = Float64Array.from(raw, (v) => (v * m) / rmax);
    // producer: output channel k (weights HWIO, Cout fastest) and bias divided by s_k
    const wp = out.tensors[p.inputs[1]];
    wp.data = Float32Array.from(wp.data!, (v, i) => v / scales[i % c]);
    if (p.inputs[2] !== undefined) {
      const bp = out.tensors[p.inputs[2]];
      bp.data = Float32Array.from(bp.data!, (v, k) => v / scales[k]);
    }
    // consumers: input channel g·Cg + ci of W_C multiplied by s
    for (const n of cs) {
      const wc = out.tensors[n.inputs[1]];
      const [, , cg, cout] = wc.shape;
      const perGroup = cout / attrNum(n.attrs, 'groups', 1);
      wc.data = Float32Array.from(wc.data!, (v, i) => v * scales[Math.floor((i % cout) / perGroup) * cg + (Math.floor(i / cout) % cg)]);
    }
    tensors.push({ producer: p.name, consumers: cs.map((n) => n.name), scales, depthwise });
  }
  return { graph: out, tensors };
}

/**
 * Calibration for quantizeGraph: statistics of `g` on `batches`; with `o.equalize` (α) the graph is equalized on
 * them and calibrated again (its ranges changed). The layers of `o.keepFloat` are left out of the pairs.
 */
export async function calibrateForInt8(
  rt: Runtime,
  g: Graph,
  batches: Float32Array[][],
  o: Int8Options = {},
): Promise<{ graph: Graph; stats: Map<number, TensorStats>; equalized?: EqualizedTensor[] }> {
  const stats = await calibrate(rt, g, batches);
  if (o.equalize === undefined) return { graph: g, stats };
  const keep = new Set(o.keepFloat ?? []);
  const e = equalizeActivations(g, stats, (n) => !keep.has(n.name) && int8Eligible(g, n), { alpha: o.equalize });
  return { graph: e.graph, stats: await calibrate(rt, e.graph, batches), equalized: e.tensors };
}
