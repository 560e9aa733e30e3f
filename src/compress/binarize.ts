// 1-bit conversion (XNOR-Net) of a fused inference graph.
//
// Every regular conv2d (groups = 1) except the first and the last conv of the graph becomes conv2d_xnor: inputs and
// weights binarized by sign, per-output-channel α = mean|W[·,co]| (XNOR-Net), optionally times a per-layer
// activation scale K = mean|x| from calibration. With batch-norm already folded into the conv (optimizeForInference),
// the layer computes v = α·dot + b:
//   - when every consumer is another binary conv (which only sees sign(v)), the output stays packed (b1) and
//     batch-norm + sign is the integer threshold of xnorThresholds (Larq Compute Engine's trick); ReLU-like
//     activations before a sign are folded exactly (relu/relu6 → always +1; tanh, leaky-relu keep the sign);
//   - otherwise the output is f32: act(α·dot + b).
// A binary conv whose input is f32 gets a `binarize` node in front (shared per tensor).

import { Graph, type Node } from '../graph/ir.js';
import { convGeom } from '../ops/conv.js';
import { attrNum, type Attrs } from '../ops/registry.js';
import { packSigns, xnorAffine, xnorThresholds } from '../ops/xnor.js';
import type { TensorStats } from './quantize.js';

export interface BinaryOptions {
  /** Multiply α by mean|x| of the layer input (XNOR-Net's K, one scalar per layer; needs calibration stats). */
  activationScale?: boolean;
}

export interface BinaryReport {
  binaryConvs: number;
  packedOutputs: number;
  floatConvs: number;
}

const SIGN_KEEPING = new Set([0, 6, 7]); // identity, tanh, leaky-relu: sign(act(v)) = sign(v)
const NON_NEGATIVE = new Set([1, 2, 5]); // relu, relu6, sigmoid: act(v) ≥ 0, so its sign is +1

export function binaryEligible(g: Graph, n: Node): boolean {
  if (n.op !== 'conv2d' || !g.tensors[n.inputs[1]].data) return false;
  const geo = convGeom(
    n.inputs.map((t) => g.shape(t)),
    n.attrs,
  );
  return geo.groups === 1 && geo.cout % 4 === 0 && attrNum(n.attrs, 'shuffle', 1) === 1;
}

/**
 * The convolutions a binary network binarizes: every eligible one except the first and the last conv of the graph.
 * One rule for both sides: binary training (src/train/autodiff.ts qatTargets, on the training graph) and this
 * converter (on the fused graph, where batch-norm folding keeps the conv nodes and their order).
 */
export function binaryConvNodes(g: Graph): Set<Node> {
  const convs = g.nodes.filter((n) => n.op === 'conv2d');
  const edge = new Set([convs[0], convs[convs.length - 1]]);
  return new Set(convs.filter((n) => !edge.has(n) && binaryEligible(g, n)));
}

export function binarizeGraph(
  g: Graph,
  opts: BinaryOptions = {},
  stats?: Map<number, TensorStats>,
): { graph: Graph; report: BinaryReport } {
  const binary = binaryConvNodes(g);
  const consumers = g.consumers();
  const report: BinaryReport = { binaryConvs: 0, packedOutputs: 0, floatConvs: 0 };
  const out = new Graph();
  const fId = new Map<number, number>();
  const bId = new Map<number, number>();
  const paramId = new Map<number, number>();
  for (const t of g.inputs) fId.set(t, out.addInput(g.tensors[t].name, g.shape(t)));
  const asFloat = (t: number): number => {
    const d = g.tensors[t];
    if (d.role === 'param') {
      let id = paramId.get(t);
      if (id === undefined) {
        id = d.data ? out.addParam(d.name, d.shape, d.data) : out.addRawParam(d.name, d.shape, d.raw!);
        paramId.set(t, id);
      }
      return id;
    }
    const id = fId.get(t);
    if (id === undefined) throw new Error(`binarize: tensor '${d.name}' has no float value`);
    return id;
  };
  const asBits = (t: number): number => {
    let id = bId.get(t);
    if (id === undefined) {
      id = out.add1('binarize', [asFloat(t)], {}, `${g.tensors[t].name}.sign`);
      bId.set(t, id);
    }
    return id;
  };
  for (const n of g.nodes) {
    if (!binary.has(n)) {
      const ids = out.add(n.op, n.inputs.map(asFloat), n.attrs, n.name);
      n.outputs.forEach((t, k) => fId.set(t, ids[k]));
      if (n.op === 'conv2d') report.floatConvs++;
      continue;
    }
    const geo = convGeom(
      n.inputs.map((t) => g.shape(t)),
      n.attrs,
    );
    const w = g.tensors[n.inputs[1]].data!;
    const b = n.inputs[2] !== undefined ? g.tensors[n.inputs[2]].data! : new Float32Array(geo.cout);
    const alpha = new Float64Array(geo.cout);
    for (let i = 0; i < w.length; i++) alpha[i % geo.cout] += Math.abs(w[i]);
    const K = opts.activationScale && stats?.get(n.inputs[0]) ? stats.get(n.inputs[0])!.meanAbs : 1;
    for (let c = 0; c < geo.cout; c++) alpha[c] = (alpha[c] / (w.length / geo.cout)) * K;
    const y = n.outputs[0];
    const act = attrNum(n.attrs, 'act', 0);
    const packedOut =
      geo.cout % 32 === 0 &&
      !g.outputs.includes(y) &&
      (consumers.get(y) ?? []).length > 0 &&
      (consumers.get(y) ?? []).every((c) => binary.has(c) && c.inputs[0] === y) &&
      (SIGN_KEEPING.has(act) || NON_NEGATIVE.has(act));
    const pw = packSigns(w, g.shape(n.inputs[1]));
    const attrs: Attrs = { kernel: [geo.kh, geo.kw], cout: geo.cout, out: packedOut ? 'b1' : 'f32' };
    for (const a of ['stride', 'pads', 'dilation'] as const) if (n.attrs[a] !== undefined) attrs[a] = n.attrs[a];
    const wId = out.addRawParam(`${n.name}.w_sign`, [pw.length], pw);
    if (packedOut) {
      const A = NON_NEGATIVE.has(act) ? new Float64Array(geo.cout) : alpha;
      const B = NON_NEGATIVE.has(act) ? new Float64Array(geo.cout).fill(1) : b;
      const thr = xnorThresholds(A, B);
      bId.set(
        y,
        out.add1('conv2d_xnor', [asBits(n.inputs[0]), wId, out.addRawParam(`${n.name}.thresholds`, [thr.length], thr)], attrs, n.name),
      );
      report.packedOutputs++;
    } else {
      const aff = xnorAffine(alpha, b);
      fId.set(
        y,
        out.add1('conv2d_xnor', [asBits(n.inputs[0]), wId, out.addParam(`${n.name}.affine`, [aff.length], aff)], { ...attrs, act }, n.name),
      );
    }
    report.binaryConvs++;
  }
  for (const t of g.outputs) out.markOutput(asFloat(t));
  return { graph: out, report };
}
