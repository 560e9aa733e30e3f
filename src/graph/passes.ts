// Inference rewrites, run on a copy of the graph before compiling:
//   foldBatchNorm   conv2d → batchnorm            ⇒ conv2d with w' = w·s[co], b' = b·s + t  (s, t from the stats)
//   fuseActivation  conv2d|add|batchnorm → act    ⇒ producer with attr act
//   fuseShuffle     pointwise conv2d → channel_shuffle ⇒ conv2d with attr shuffle (store permuted)
//   fuseMatmulBias  matmul → add(constant bias vector) ⇒ matmul with a bias input (the ONNX importer runs it)
//   glue (option, on in compile): graph/fuse_elementwise.ts — hard-sigmoid / hard-swish written out as Add/Clip/Mul/Div
//                  ⇒ activation codes, per-channel Mul/Add after a conv ⇒ its weights and bias, then chains of
//                  elementwise ops ⇒ one generated fused_elementwise kernel each
// A producer is only rewritten when the intermediate tensor has exactly one consumer and is not a graph output.

import { pointwiseFits, convGeom } from '../ops/conv.js';
import { batchnormAffine } from '../ops/elementwise.js';
import { attrNum } from '../ops/registry.js';
import { Graph, numel, type Node } from './ir.js';
import { foldChannelAffine, fuseElementwise, matchHardActivations } from './fuse_elementwise.js';

function soleConsumer(g: Graph, consumers: Map<number, Node[]>, t: number): Node | null {
  if (g.outputs.includes(t)) return null;
  const c = consumers.get(t);
  return c && c.length === 1 ? c[0] : null;
}

/** Make `producer` write `consumer`'s output and drop `consumer`. */
function absorb(g: Graph, producer: Node, consumer: Node): void {
  producer.outputs = [consumer.outputs[0]];
  g.nodes = g.nodes.filter((n) => n !== consumer);
}

export function foldBatchNorm(g: Graph): number {
  let folded = 0;
  const producers = g.producers();
  for (const bn of [...g.nodes]) {
    if (bn.op !== 'batchnorm') continue;
    const conv = producers.get(bn.inputs[0]);
    if (!conv || conv.op !== 'conv2d' || attrNum(conv.attrs, 'act', 0) !== 0 || attrNum(conv.attrs, 'shuffle', 1) !== 1) continue;
    if (soleConsumer(g, g.consumers(), bn.inputs[0]) !== bn) continue;
    const stats = bn.inputs.slice(1).map((t) => g.tensors[t].data);
    const w = g.tensors[conv.inputs[1]];
    const b = conv.inputs[2] !== undefined ? g.tensors[conv.inputs[2]] : null;
    if (stats.some((s) => !s) || !w.data || (b && !b.data)) continue;
    const { scale, shift } = batchnormAffine(stats[0]!, stats[1]!, stats[2]!, stats[3]!, attrNum(bn.attrs, 'eps', 1e-5));
    const cout = w.shape[3];
    const nw = new Float32Array(w.data.length);
    for (let i = 0; i < nw.length; i++) nw[i] = w.data[i] * scale[i % cout];
    const nb = new Float32Array(cout);
    for (let c = 0; c < cout; c++) nb[c] = (b ? b.data![c] : 0) * scale[c] + shift[c];
    conv.inputs = [conv.inputs[0], g.newParam(`${conv.name}.w_bnfold`, w.shape, nw), g.newParam(`${conv.name}.b_bnfold`, [cout], nb)];
    conv.attrs.act = attrNum(bn.attrs, 'act', 0);
    absorb(g, conv, bn);
    folded++;
  }
  return folded;
}

export function fuseActivation(g: Graph): number {
  let fused = 0;
  const producers = g.producers();
  for (const act of [...g.nodes]) {
    if (act.op !== 'activation') continue;
    const p = producers.get(act.inputs[0]);
    if (!p || !['conv2d', 'add', 'batchnorm'].includes(p.op) || attrNum(p.attrs, 'act', 0) !== 0) continue;
    if (p.op === 'conv2d' && attrNum(p.attrs, 'shuffle', 1) !== 1) continue;
    if (soleConsumer(g, g.consumers(), act.inputs[0]) !== act) continue;
    p.attrs.act = attrNum(act.attrs, 'act');
    absorb(g, p, act);
    fused++;
  }
  return fused;
}

export function fuseShuffle(g: Graph): number {
  let fused = 0;
  const producers = g.producers();
  for (const sh of [...g.nodes]) {
    if (sh.op !== 'channel_shuffle') continue;
    const p = producers.get(sh.inputs[0]);
    if (!p || p.op !== 'conv2d' || attrNum(p.attrs, 'shuffle', 1) !== 1) continue;
    if (
      !pointwiseFits(
        convGeom(
          p.inputs.map((t) => g.shape(t)),
          p.attrs,
        ),
      )
    )
      continue;
    if (soleConsumer(g, g.consumers(), sh.inputs[0]) !== sh) continue;
    p.attrs.shuffle = attrNum(sh.attrs, 'groups');
    absorb(g, p, sh);
    fused++;
  }
  return fused;
}

/**
 * MatMul → Add of a constant bias vector (how exporters often write a fully connected layer) becomes one matmul
 * with a bias input, when the product has no other consumer. The add may be the same-shape `add` or a
 * broadcasting `binary` add, with the product on either side.
 */
export function fuseMatmulBias(g: Graph): number {
  const producers = g.producers();
  const consumers = g.consumers();
  const absorbed = new Set<Node>();
  for (const add of g.nodes) {
    if (add.op !== 'binary' && add.op !== 'add') continue;
    if (add.op === 'binary' && add.attrs.fn !== 'add') continue;
    for (const k of [0, 1]) {
      const mm = producers.get(add.inputs[k]);
      const bias = g.tensors[add.inputs[1 - k]];
      if (!mm || mm.op !== 'matmul' || mm.inputs.length !== 2 || bias.role !== 'param') continue;
      const out = g.shape(mm.outputs[0]);
      const n = out[out.length - 1];
      if (numel(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n || g.shape(add.outputs[0]).join() !== out.join()) continue;
      if (soleConsumer(g, consumers, mm.outputs[0]) !== add) continue;
      mm.inputs.push(bias.shape.length === 1 ? bias.id : g.newParam(`${bias.name}.v`, [n], bias.data!));
      mm.outputs = add.outputs;
      absorbed.add(add);
      break;
    }
  }
  if (absorbed.size) {
    g.nodes = g.nodes.filter((n) => !absorbed.has(n));
    g.removeDeadNodes();
  }
  return absorbed.size;
}

export interface FusionReport {
  batchnormsFolded: number;
  activationsFused: number;
  shufflesFused: number;
  /** with `glue`: hard-sigmoid/hard-swish patterns matched, constant affine steps folded into convs, nodes fused away */
  hardActivations?: number;
  affinesFolded?: number;
  elementwiseFused?: number;
}

/** The inference graph: a rewritten copy (the original, e.g. a training graph, is untouched). */
export function optimizeForInference(src: Graph, opts: { glue?: boolean } = {}): { graph: Graph; report: FusionReport } {
  const g = src.clone();
  const batchnormsFolded = foldBatchNorm(g);
  const glue = opts.glue ? { hardActivations: matchHardActivations(g), affinesFolded: foldChannelAffine(g) } : {};
  const activationsFused = fuseActivation(g);
  const shufflesFused = fuseShuffle(g);
  const fused = opts.glue ? { elementwiseFused: fuseElementwise(g) } : {};
  g.removeDeadNodes();
  return { graph: g, report: { batchnormsFolded, activationsFused, shufflesFused, ...glue, ...fused } };
}
