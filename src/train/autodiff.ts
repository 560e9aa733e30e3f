// Reverse-mode differentiation of slimgpu graphs: one table of derivative rules, one entry per forward op, each
// emitting ordinary backward nodes (src/ops/*_backward.ts, norm.ts) into the same graph, which compile() runs.
//
//   addModel(dst, model, opts)  replays a zoo graph into a step graph under a name prefix, in training form
//                               (batchnorm → batchnorm_train, which takes the activation after it; other fused
//                               activations split out) or frozen (inference form: a distillation teacher),
//                               reusing parameter tensors when given a map.
//   backward(g, seeds, wrt)     gradients of the weighted loss (seeds: gradient contributions of loss nodes)
//                               with respect to the tensors in `wrt`; contributions to one tensor are summed.

import { Graph, type Node } from '../graph/ir.js';
import { SlimError, check } from '../runtime/errors.js';
import { attrInts, attrNum, numel, type Attrs } from '../ops/registry.js';
import { batchnormMaxpoolFits } from '../ops/norm.js';
import { convGeom, type ConvGeom } from '../ops/conv.js';
import { dwImplicitPays, im2colFits, winogradDwFirst } from '../ops/conv_backward.js';
import { binaryConvNodes } from '../compress/binarize.js';
import { isDepthwise } from '../compress/prune.js';

export type Mode = 'train' | 'frozen' | 'recompute';

export interface AddedModel {
  /** The model's output (logits) in the destination graph. */
  output: number;
  /** Source parameter name (without prefix) → destination tensor id. */
  params: Map<string, number>;
  /** Trainable parameters (weights, biases, γ, β; not the running statistics). */
  trainable: number[];
  /** Pruning masks (state tensors `<weight>@mask`, 1 = kept) by source weight name. */
  masks: Map<string, number>;
}

export interface AddModelOptions {
  prefix: string;
  /** Destination tensor for the model's input. */
  input: number;
  /** 'train': batch statistics and running-average updates; 'recompute': batch statistics, no update (deep
   *  mutual learning recomputing a peer); 'frozen': inference form (running statistics). */
  mode: Mode;
  /** Reuse these destination parameters (a second forward of the same model). */
  params?: Map<string, number>;
  bnMomentum?: number;
  /** Compression-aware training of the convolution weights (see qatTargets). */
  qat?: Qat;
  /** Pruning: multiply the pruneTargets parameters by mask state tensors (reused when given). */
  prune?: PruneKind;
  masks?: Map<string, number>;
}

/** 'weights': single weights or blocks of conv/FC weights; 'filters': whole output channels (Li et al. 2016). */
export type PruneKind = 'none' | 'weights' | 'filters';

/**
 * Parameters that iterative pruning masks.
 * weights: conv/FC weights with more than 27 weights per output (not the first layer nor depthwise filters, too small
 *          to prune) except the classifier.
 * filters: everything that carries an output channel of a regular or grouped conv — its weights and bias — and the
 *          batch-norm γ and β (a dropped channel must be exactly 0 downstream, as in the thinned model, so batch-norm
 *          may not turn it into β). Which channels are dropped is src/compress/prune.ts's plan (planFilterPruning).
 */
export function pruneTargets(model: Graph, kind: PruneKind = 'weights'): Set<string> {
  const out = new Set<string>();
  for (const n of model.nodes) {
    if (kind === 'filters') {
      if (n.op === 'batchnorm') [1, 2].forEach((i) => out.add(model.tensors[n.inputs[i]].name));
      if (n.op !== 'conv2d') continue;
      if (isDepthwise(model, n)) continue; // its channels follow its input
      [1, 2].forEach((i) => n.inputs[i] !== undefined && out.add(model.tensors[n.inputs[i]].name));
      continue;
    }
    if (kind !== 'weights' || n.op !== 'conv2d') continue;
    const w = model.tensors[n.inputs[1]];
    if (w.shape[2] * w.shape[0] * w.shape[1] <= 27 || n.name.startsWith('classifier')) continue;
    out.add(w.name);
  }
  return out;
}

export type Qat = 'none' | 'int8' | 'binary';

/**
 * Names of the weights that compression-aware training quantizes: every conv/FC weight for int8; for binary, the
 * convolutions the XNOR converter binarizes (binaryConvNodes: ungrouped, not the first layer nor the classifier,
 * which binary networks keep in full precision). A binary layer sees sign(x) and α·sign(W), as conv2d_xnor does.
 */
export function qatTargets(model: Graph, qat: Qat | undefined): Set<string> {
  const out = new Set<string>();
  if (!qat || qat === 'none') return out;
  const convs = qat === 'binary' ? [...binaryConvNodes(model)] : model.nodes.filter((n) => n.op === 'conv2d');
  for (const n of convs) out.add(model.tensors[n.inputs[1]].name);
  return out;
}

/** Running statistics are the 4th and 5th inputs of a batch-norm node: state, not trainable. */
const BN_STATS = new Set([3, 4]);

export function addModel(dst: Graph, src: Graph, o: AddModelOptions): AddedModel {
  check(src.inputs.length === 1 && src.outputs.length === 1, 'training needs a model with one input and one output');
  const map = new Map<number, number>();
  map.set(src.inputs[0], o.input);
  const params = o.params ?? new Map<string, number>();
  const nonTrainable = new Set<number>();
  for (const n of src.nodes) if (n.op === 'batchnorm') BN_STATS.forEach((k) => nonTrainable.add(n.inputs[k]));
  const trainable: number[] = [];
  for (const t of src.tensors) {
    if (t.role !== 'param' || !src.isUsed(t.id)) continue;
    let id = params.get(t.name);
    if (id === undefined) {
      id = dst.addParam(`${o.prefix}${t.name}`, t.shape, t.data!);
      params.set(t.name, id);
    }
    map.set(t.id, id);
    if (!nonTrainable.has(t.id)) trainable.push(id);
  }
  const name = (n: Node) => `${o.prefix}${n.name}`;
  const quantized = qatTargets(src, o.qat); // frozen too: evaluating a compression-aware model as it was trained
  const pruned = o.mode === 'frozen' || !o.prune || o.prune === 'none' ? new Set<string>() : pruneTargets(src, o.prune);
  const masks = o.masks ?? new Map<string, number>();
  const bnAct = o.mode === 'frozen' ? new Map<Node, Node | null>() : batchnormActivations(src);
  const bnPool = batchnormPools(src, bnAct);
  const absorbed = new Set<Node | null>([...bnAct.values(), ...bnPool.values()]);
  for (const n of src.nodes) {
    if (absorbed.has(n)) continue; // the activation / max-pool after a batch-norm: done inside batchnorm_train
    const ins = n.inputs.map((t) => {
      const m = map.get(t);
      if (m === undefined) throw new SlimError(`addModel: tensor '${src.tensors[t].name}' used before it is defined`);
      return m;
    });
    const wName = n.op === 'conv2d' ? src.tensors[n.inputs[1]].name : '';
    n.inputs.forEach((t, i) => {
      const pName = src.tensors[t].name;
      if (src.tensors[t].role !== 'param' || !pruned.has(pName)) return;
      let mask = masks.get(pName);
      if (mask === undefined) {
        mask = dst.addState(`${o.prefix}${pName}@mask`, src.shape(t), new Float32Array(numel(src.shape(t))).fill(1));
        masks.set(pName, mask);
      }
      ins[i] = dst.add1('mul', [ins[i], mask], {}, `${name(n)}.${pName.split('.').pop()}_masked`);
    });
    if (n.op === 'conv2d' && quantized.has(wName)) {
      if (o.qat === 'binary') {
        ins[0] = dst.add1('sign_ste', [ins[0]], {}, `${name(n)}.x_sign`);
        ins[1] = dst.add1('binarize_weights', [ins[1]], {}, `${name(n)}.w_bin`);
      } else ins[1] = dst.add1('fake_quant', [ins[1]], { bits: 8 }, `${name(n)}.w_q`);
    }
    if (o.mode === 'frozen') {
      const plainConv = n.op === 'conv2d' && attrNum(n.attrs, 'act', 0) === 0 && attrNum(n.attrs, 'shuffle', 1) === 1;
      const op =
        plainConv &&
        im2colFits(
          n.inputs.map((t) => src.shape(t)),
          n.attrs,
        )
          ? 'conv2d_gemm'
          : n.op;
      const outs = dst.add(op, ins, n.attrs, name(n));
      n.outputs.forEach((t, k) => map.set(t, outs[k]));
      continue;
    }
    const act = attrNum(n.attrs, 'act', 0);
    const attrs: Attrs = { ...n.attrs };
    delete attrs.act;
    check(attrNum(n.attrs, 'shuffle', 1) === 1, `node '${n.name}': a fused channel shuffle cannot be trained (train the unfused graph)`);
    let y: number;
    if (n.op === 'batchnorm') {
      const a = bnAct.get(n);
      const fusedAct = a === undefined ? 0 : attrNum((a ?? n).attrs, 'act');
      const pool = bnPool.get(n);
      y = dst.add(
        'batchnorm_train',
        ins,
        {
          eps: attrNum(n.attrs, 'eps', 1e-5),
          momentum: o.bnMomentum ?? 0.1,
          update: o.mode === 'train' ? 1 : 0,
          act: fusedAct,
          ...(pool ? { pool: attrInts(pool.attrs, 'kernel', 2) } : {}),
        },
        name(n),
      )[0];
      if (pool) {
        map.set(pool.outputs[0], y); // the max-pool's output: the fused node's
        continue;
      }
      if (a !== undefined) {
        map.set((a ?? n).outputs[0], y); // the activation's output (its own fused one: the node's): the fused node's
        continue;
      }
    } else if (
      n.op === 'conv2d' &&
      im2colFits(
        n.inputs.map((t) => src.shape(t)),
        attrs,
      )
    ) {
      y = dst.add1('conv2d_gemm', ins, attrs, name(n));
    } else if (n.op === 'activation') {
      y = dst.add1('activation', ins, n.attrs, name(n));
    } else {
      const outs = dst.add(n.op, ins, attrs, name(n));
      check(outs.length === 1, `op '${n.op}' with several outputs is not trainable`);
      y = outs[0];
    }
    if (act !== 0 && n.op !== 'activation') y = dst.add1('activation', [y], { act }, `${name(n)}.act`);
    map.set(n.outputs[0], y);
  }
  return { output: map.get(src.outputs[0])!, params, trainable, masks };
}

/**
 * Batch-norms of a training graph that take their activation (codes 1–7) into batchnorm_train: node → the
 * activation node it absorbs (its sole consumer), or null for its own fused `act` attribute. Saves the activation's
 * forward pass and its backward pass (batchnorm_backward takes act' as a prologue, recomputing the activation's
 * input from x, so nothing more is stored or read).
 */
function batchnormActivations(src: Graph): Map<Node, Node | null> {
  const out = new Map<Node, Node | null>();
  const consumers = src.consumers();
  const isAct = (a: number) => Number.isInteger(a) && a >= 1 && a <= 7;
  for (const n of src.nodes) {
    if (n.op !== 'batchnorm') continue;
    if (attrNum(n.attrs, 'act', 0) !== 0) {
      if (isAct(attrNum(n.attrs, 'act', 0))) out.set(n, null);
      continue;
    }
    const users = consumers.get(n.outputs[0]) ?? [];
    const a = users[0];
    if (users.length !== 1 || src.outputs.includes(n.outputs[0]) || a.op !== 'activation' || !isAct(attrNum(a.attrs, 'act', 0))) continue;
    out.set(n, a);
  }
  return out;
}

/**
 * Batch-norms (with their activation, batchnormActivations) that also take the max-pool after them: the pool is the
 * sole consumer, its windows tile the input (stride = kernel, no padding or dilation) and C % 4 = 0
 * (batchnormMaxpoolFits). The full-size activation is then never stored nor read back: the backward recomputes it
 * from x (src/ops/norm.ts), saving the pool's forward and backward passes.
 */
function batchnormPools(src: Graph, bnAct: Map<Node, Node | null>): Map<Node, Node> {
  const out = new Map<Node, Node>();
  const consumers = src.consumers();
  for (const [bn, act] of bnAct) {
    const t = (act ?? bn).outputs[0];
    const users = consumers.get(t) ?? [];
    const p = users[0];
    if (users.length !== 1 || src.outputs.includes(t) || p.op !== 'pool2d' || (p.attrs.mode ?? 'max') !== 'max') continue;
    const k = attrInts(p.attrs, 'kernel', 2);
    const stride = attrInts(p.attrs, 'stride', 2, k);
    const pads = attrInts(p.attrs, 'pads', 4, [0, 0, 0, 0]);
    const dil = attrInts(p.attrs, 'dilation', 2, [1, 1]);
    if (stride[0] !== k[0] || stride[1] !== k[1] || pads.some((v) => v !== 0) || dil.some((v) => v !== 1)) continue;
    if (!batchnormMaxpoolFits(src.shape(bn.inputs[0]), k)) continue;
    out.set(bn, p);
  }
  return out;
}

/**
 * A fully connected layer as a convolution (1×1 kernel on a 1×1 image, ungrouped; x [N,1,1,K], w [1,1,K,C]) with
 * K % 4 = 0 and C % 4 = 0: its gradients are matmuls reading wᵀ and xᵀ in place (convInputGrad, convWeightGrad)
 * instead of a transposed copy (the weight flip, the patch matrix) and a 1×1 convolution.
 */
function denseFits(geo: ConvGeom): boolean {
  return (
    geo.h === 1 &&
    geo.w === 1 &&
    geo.kh === 1 &&
    geo.kw === 1 &&
    geo.oh === 1 &&
    geo.ow === 1 &&
    geo.groups === 1 &&
    geo.cin % 4 === 0 &&
    geo.cout % 4 === 0
  );
}

/**
 * dx of a convolution. A fully connected layer (denseFits): dx = dy·wᵀ, one matmul reading w [K, C] as transB.
 * Stride 1: a forward convolution of dy with flipped, transposed weights (so the fast forward
 * kernels serve the backward pass too); otherwise the gathering conv2d_backward_input kernel.
 */
function convInputGrad(g: Graph, n: Node, dy: number): number {
  const [x, w] = n.inputs;
  const geo = convGeom([g.shape(x), g.shape(w)], n.attrs);
  const pads = [
    geo.dh * (geo.kh - 1) - geo.pt,
    geo.dw * (geo.kw - 1) - geo.pl,
    geo.dh * (geo.kh - 1) - geo.pb,
    geo.dw * (geo.kw - 1) - geo.pr,
  ];
  if (denseFits(geo)) {
    const dy2 = g.add1('reshape', [dy], { shape: [geo.n, geo.cout] }, `${n.name}.dy_rows`);
    // w [1,1,K,C] as it is: a matmul batch of one ([N,C]·[K,C]ᵀ broadcast to [1,1,N,K]), so no view of a parameter
    // 8-row tiles first: at batch 32, [32,128]·[3136,128]ᵀ ran in 0.80× the CPU time of 4-row ones (round 6)
    const dx = g.add1('matmul', [dy2, w], { transB: 1, tile_rows: 8 }, `${n.name}.dx`);
    return g.add1('reshape', [dx], { shape: g.shape(x) }, `${n.name}.dx_nhwc`);
  }
  if (geo.sh === 1 && geo.sw === 1 && pads.every((p) => p >= 0)) {
    const wt = g.add1('conv2d_backward_input_flip', [w], { groups: geo.groups }, `${n.name}.wflip`);
    const attrs = { groups: geo.groups, pads, dilation: [geo.dh, geo.dw] };
    return g.add1(im2colFits([g.shape(dy), g.shape(wt)], attrs) ? 'conv2d_gemm' : 'conv2d', [dy, wt], attrs, `${n.name}.dx`);
  }
  return g.add1('conv2d_backward_input', [dy, w], { ...n.attrs, in_shape: g.shape(x) }, `${n.name}.dx`);
}

/**
 * Chunks of the reduction for a weight-gradient GEMM [r, m]·[m, cout] whose output is too small to fill the adapter:
 * the pointwise kernels give each invocation a 4-row × 4/8-column tile, so r·cout ≤ 2048 outputs is at most a few
 * 64-wide workgroups, each looping over all m (cnn_tiny's conv1: 9×8 outputs, m = 25088, one workgroup, so one
 * SwiftShader thread). Split into s ≤ 64 chunks of ≥ 256 (m/s a multiple of 4) so there are ≥ 512 tiles; 1 = no split.
 */
export function splitK(m: number, r: number, cout: number): number {
  if (cout % 4 !== 0 || r * cout > 2048) return 1;
  let s = 1;
  while (s < 64 && (r * cout * s) / 16 < 512 && m % (4 * s * 2) === 0 && m / (s * 2) >= 256) s *= 2;
  return s;
}

/**
 * Chunks of the output rows (N·OH) for the implicit-im2col weight gradient: enough invocations to fill the adapter
 * (≥ 4096 tiles of 4 input × 8 output channels: the default quad 16×8 kernel then still has ≥ 1024 invocations,
 * which balance better over a CPU adapter's threads than 2048 tiles did) with ≥ 4 rows per chunk;
 * S = ⌈rows / ⌈rows/S⌉⌉ (equal chunks). One input channel (conv2d_backward_weight_cin1: every tap × 8 output
 * channels per invocation, so only Cout / 8 invocations per chunk): ≥ 1024 invocations with ≥ 2 rows per chunk.
 * Where the Winograd kernel goes first below 32 input channels (winogradDwFirst): ≥ 14 chunks of ≤ 64 rows.
 */
export function dwChunks(geo: ConvGeom): number {
  const rows = geo.n * geo.oh;
  if (geo.cin < 32 && winogradDwFirst(geo)) {
    // the Winograd weight gradient below 32 input channels: ≥ 14 chunks of at most 64 rows (≥ 4 rows a chunk)
    const want = Math.max(1, Math.min(Math.floor(rows / 4), Math.max(14, Math.ceil(rows / 64))));
    return Math.ceil(rows / Math.ceil(rows / want));
  }
  if (geo.cin === 1) {
    const want = Math.max(1, Math.min(Math.floor(rows / 2), Math.ceil((1024 * (geo.cout % 8 === 0 ? 8 : 4)) / geo.cout)));
    return Math.ceil(rows / Math.ceil(rows / want));
  }
  const tiles = ((geo.kh * geo.kw * geo.cin) / 4) * (geo.cout / 8);
  const want = Math.max(1, Math.min(Math.floor(rows / 4), Math.ceil(4096 / tiles)));
  return Math.ceil(rows / Math.ceil(rows / want));
}

/**
 * dw of a convolution. A fully connected layer (denseFits): dw = xᵀ·dy, one matmul reading x [N, K] as transA.
 * Ungrouped spatial with Cin % 4 == 0 and Cout % 8 == 0, or Cin = 1 with a 3×3 kernel and
 * Cout % 4 == 0 (dwImplicitPays): the implicit-im2col
 * kernel over S chunks of the output rows, then the sum of the chunks. Otherwise ungrouped with N·OH·OW a multiple
 * of 4: one GEMM of the transposed patch matrix with dy (the pointwise GEMM kernels); otherwise the
 * conv2d_backward_weight kernel.
 */
function convWeightGrad(g: Graph, n: Node, dy: number): number {
  const [x, w] = n.inputs;
  const ws = g.shape(w);
  const geo = convGeom([g.shape(x), ws], n.attrs);
  const m = geo.n * geo.oh * geo.ow;
  if (denseFits(geo)) {
    const x2 = g.add1('reshape', [x], { shape: [geo.n, geo.cin] }, `${n.name}.x_mat`);
    const dy2 = g.add1('reshape', [dy], { shape: [geo.n, geo.cout] }, `${n.name}.dy_mat`);
    const dw = g.add1('matmul', [x2, dy2], { transA: 1 }, `${n.name}.dw_gemm`);
    return g.add1('reshape', [dw], { shape: ws }, `${n.name}.dw`);
  }
  if (dwImplicitPays(geo)) {
    const s = dwChunks(geo);
    const part = g.add1('conv2d_backward_weight_partial', [x, dy], { ...n.attrs, w_shape: ws, chunks: s }, `${n.name}.dw_part`);
    if (s === 1) return g.add1('reshape', [part], { shape: ws }, `${n.name}.dw`);
    const dw = g.add1('reduce', [part], { axis: 1, mode: 'sum', keepdims: 0 }, `${n.name}.dw_sum`);
    return g.add1('reshape', [dw], { shape: ws }, `${n.name}.dw`);
  }
  if (geo.groups === 1 && m % 4 === 0) {
    const r = geo.kh * geo.kw * geo.cin;
    const s = splitK(m, r, geo.cout);
    if (s > 1) {
      // split-K: chunk k of the reduction (rows m ≡ k mod s) is group k of a grouped 1×1 conv; the patches come in
      // chunk order and dy viewed as [m/s, s·Cout] is already the grouped weight; the s partial products are summed
      const p = g.add1('conv2d_backward_weight_patches', [x], { ...n.attrs, w_shape: ws, chunks: s }, `${n.name}.patches`);
      const wS = g.add1('reshape', [dy], { shape: [1, 1, m / s, s * geo.cout] }, `${n.name}.dy_grouped`);
      const part = g.add1('conv2d', [p, wS], { groups: s }, `${n.name}.dw_gemm_split`);
      const part3 = g.add1('reshape', [part], { shape: [r, s, geo.cout] }, `${n.name}.dw_parts`);
      const dw = g.add1('reduce', [part3], { axis: 1, mode: 'sum', keepdims: 0 }, `${n.name}.dw_sum`);
      return g.add1('reshape', [dw], { shape: ws }, `${n.name}.dw`);
    }
    const p = g.add1('conv2d_backward_weight_patches', [x], { ...n.attrs, w_shape: ws }, `${n.name}.patches`);
    const dyMat = g.add1('reshape', [dy], { shape: [1, 1, m, geo.cout] }, `${n.name}.dy_mat`);
    const dw = g.add1('conv2d', [p, dyMat], {}, `${n.name}.dw_gemm`);
    return g.add1('reshape', [dw], { shape: ws }, `${n.name}.dw`);
  }
  return g.add1('conv2d_backward_weight', [x, dy], { ...n.attrs, w_shape: ws }, `${n.name}.dw`);
}

type Rule = (g: Graph, n: Node, dy: number, need: boolean[]) => (number | undefined)[];

/** The derivative rules: gradients of a node's inputs from the gradient of its (first) output. */
export const RULES: Record<string, Rule> = {
  conv2d: (g, n, dy, need) => {
    return [
      need[0] ? convInputGrad(g, n, dy) : undefined,
      need[1] ? convWeightGrad(g, n, dy) : undefined,
      need[2] ? g.add1('conv2d_backward_bias', [dy], {}, `${n.name}.db`) : undefined,
    ];
  },
  batchnorm_train: (g, n, dy) => {
    const [x, gamma, beta] = n.inputs;
    const [, mean, rstd] = n.outputs;
    const act = attrNum(n.attrs, 'act', 0);
    const pool = n.attrs.pool;
    const ins = act === 0 && !pool ? [x, dy, mean, rstd, gamma] : [x, dy, mean, rstd, gamma, beta];
    const [dx, dgamma, dbeta] = g.add('batchnorm_backward', ins, { act, ...(pool ? { pool } : {}) }, `${n.name}.backward`);
    return [dx, dgamma, dbeta];
  },
  conv2d_gemm: (g, n, dy, need) => RULES.conv2d(g, n, dy, need),
  fake_quant: (_g, _n, dy) => [dy], // straight-through estimator
  binarize_weights: (g, n, dy) => [g.add1('binarize_weights_backward', [n.inputs[0], dy], {}, `${n.name}.dw`)],
  sign_ste: (g, n, dy) => [g.add1('sign_ste_backward', [n.inputs[0], dy], {}, `${n.name}.dx`)],
  activation: (g, n, dy) => [g.add1('activation_backward', [n.inputs[0], dy], { act: attrNum(n.attrs, 'act') }, `${n.name}.dx`)],
  add: (_g, _n, dy) => [dy, dy],
  mul: (g, n, dy, need) => [
    need[0] ? g.add1('mul', [dy, n.inputs[1]], {}, `${n.name}.da`) : undefined,
    need[1] ? g.add1('mul', [dy, n.inputs[0]], {}, `${n.name}.db`) : undefined,
  ],
  pool2d: (g, n, dy) => [g.add1('pool2d_backward', [n.inputs[0], dy], n.attrs, `${n.name}.dx`)],
  global_pool: (g, n, dy) => [g.add1('global_pool_backward', [n.inputs[0], dy], n.attrs, `${n.name}.dx`)],
  reshape: (g, n, dy) => [g.add1('reshape', [dy], { shape: g.shape(n.inputs[0]) }, `${n.name}.dx`)],
  concat: (g, n, dy) => g.add('concat_backward', [dy], { sizes: n.inputs.map((t) => g.shape(t).at(-1)!) }, `${n.name}.dx`),
  channel_shuffle: (g, n, dy) => {
    const c = g.shape(n.inputs[0]).at(-1)!;
    return [g.add1('channel_shuffle', [dy], { groups: c / attrNum(n.attrs, 'groups') }, `${n.name}.dx`)];
  },
  channel_scale: (g, n, dy, need) => [
    need[0] ? g.add1('channel_scale', [dy, n.inputs[1]], {}, `${n.name}.dx`) : undefined,
    need[1] ? g.add1('channel_scale_backward', [n.inputs[0], dy], {}, `${n.name}.ds`) : undefined,
  ],
};

/**
 * Append the backward pass: `seeds` maps tensors (logits) to gradient contributions from loss nodes; returns the
 * gradient of every tensor in `wrt` that the loss depends on. Only nodes between `wrt` and the seeds are visited.
 */
export function backward(g: Graph, seeds: Map<number, number[]>, wrt: number[]): Map<number, number> {
  const wrtSet = new Set(wrt);
  const depends = new Set<number>(wrt); // tensors that depend on a tensor in wrt
  const forward = [...g.nodes];
  for (const n of forward) if (n.inputs.some((t) => depends.has(t))) n.outputs.forEach((t) => depends.add(t));
  const contrib = new Map<number, number[]>();
  for (const [t, gs] of seeds) contrib.set(t, [...gs]);
  const total = (t: number): number | undefined => {
    const gs = contrib.get(t);
    if (!gs || gs.length === 0) return undefined;
    let s = gs[0];
    for (let k = 1; k < gs.length; k++) s = g.add1('add', [s, gs[k]], {}, `grad_${g.tensors[t].name}`);
    contrib.set(t, [s]);
    return s;
  };
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k];
    if (!n.inputs.some((t) => depends.has(t))) continue;
    const dy = total(n.outputs[0]);
    if (dy === undefined) continue;
    const rule = RULES[n.op];
    if (!rule) throw new SlimError(`no derivative rule for op '${n.op}' (node '${n.name}')`);
    const need = n.inputs.map((t) => depends.has(t));
    const dxs = rule(g, n, dy, need);
    n.inputs.forEach((t, i) => {
      const d = dxs[i];
      if (d === undefined || !need[i]) return;
      const l = contrib.get(t) ?? [];
      l.push(d);
      contrib.set(t, l);
    });
  }
  const out = new Map<number, number>();
  for (const t of wrtSet) {
    const d = total(t);
    if (d !== undefined) out.set(t, d);
  }
  return out;
}
