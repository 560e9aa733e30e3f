// slimgpu Graph → ONNX model (opset 19), loadable by onnxruntime and by our own importer.
//
// The exported model keeps our interface exactly: graph inputs and outputs have the shapes and layout of the
// slimgpu graph (NHWC for images), so the same input arrays give the same outputs. Inside, CNN ops (conv,
// pooling, batch-norm, channel shuffle, channel concat, LRN) are written in ONNX's NCHW form, and each tensor is
// converted only when a consumer needs the other layout (one Transpose per conversion, shared by consumers),
// mirroring the importer: a conv chain exports as Transpose → Conv → … → Conv → Transpose.
// Weights become initializers (HWIO → OIHW). Fused attributes (act, shuffle) become their own nodes; the
// channel shuffle uses the Reshape → Transpose → Reshape pattern that importers (ours included) recognise.
//
// Compressed graphs (exportCompressed): block-sparse convs (conv2d_bsr) export as the dense Conv they compute
// (zero blocks written out); filter-pruned graphs are dense already. int8 graphs export as QDQ: the fused float
// graph with QuantizeLinear → DequantizeLinear on every tensor the int8 model holds in int8 (the activation
// scale / zero point it was calibrated with; per-channel activation scales as axis-1 QuantizeLinear, then a
// DequantizeLinear with scale 1, the weights carrying those scales as our kernels do), int8 weights as
// DequantizeLinear(int8 OIHW, per-output-channel scale, axis 0) and int32 biases as DequantizeLinear(int32,
// s_x·s_w, axis 0) — the layout ONNX Runtime's QDQ quantizer writes and fuses into QLinearConv.

import { SlimError } from '../../runtime/errors.js';
import type { Graph, Node } from '../../graph/ir.js';
import type { CompressedModel } from '../../compress/compress.js';
import type { QParams, QuantLayer } from '../../compress/quantize.js';
import { fromBsr, type BlockShape } from '../../ops/block_sparse.js';
import { attrInts, attrNum } from '../../ops/registry.js';
import {
  DT,
  encodeModel,
  tensorToProto,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
import { transposeHost } from './fold.js';

export const EXPORT_OPSET = 19;
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

function attr(name: string, v: number | number[] | string, float = false): AttributeProto {
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return float ? { name, type: 1, f: v } : { name, type: 2, i: v };
}

function valueInfo(name: string, shape: number[]): ValueInfoProto {
  return { name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } };
}

const UNARY_OPS: Record<string, string> = {
  identity: 'Identity',
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  hardswish: 'HardSwish',
  softplus: 'Softplus',
  mish: 'Mish',
  abs: 'Abs',
  neg: 'Neg',
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  sign: 'Sign',
  round: 'Round',
  floor: 'Floor',
  ceil: 'Ceil',
  reciprocal: 'Reciprocal',
};
const BINARY_OPS: Record<string, string> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  max: 'Max',
  min: 'Min',
  prelu: 'PRelu',
};
const REDUCE_OPS: Record<string, string> = { sum: 'ReduceSum', mean: 'ReduceMean', max: 'ReduceMax', min: 'ReduceMin' };

/** QDQ annotations of a float graph (exportOnnx's `qdq` option). */
export interface QdqSpec {
  /** Float-graph tensors held in int8, and their parameters. */
  tensors: Map<number, QParams>;
  /** Conv nodes (by node id) with their int8 weights (HWIO, folded with per-channel input scales) and scales. */
  weights: Map<number, { wq: Int8Array; scale: Float64Array; inScale: number; bias?: Float32Array }>;
}

/** The QDQ annotations of quantizeGraph's layers (on the float graph it was given). */
export function qdqFromLayers(g: Graph, layers: QuantLayer[]): QdqSpec {
  const tensors = new Map<number, QParams>();
  const weights: QdqSpec['weights'] = new Map();
  const producer = g.producers();
  for (const l of layers) {
    l.inputs.forEach((t, k) => tensors.set(t, l.inQ[k]));
    tensors.set(l.output, l.outQ);
    if (l.weights)
      weights.set(producer.get(l.output)!.id, { wq: l.weights.wq, scale: l.weights.scale, inScale: l.inQ[0].scale, bias: l.weights.bias });
  }
  return { tensors, weights };
}

class Exporter {
  nodes: NodeProto[] = [];
  inits: TensorProto[] = [];
  private n = 0;
  /** ONNX value name of each slimgpu tensor in our layout, and (rank 4) in NCHW. */
  private ours = new Map<number, string>();
  private nchw = new Map<number, string>();

  constructor(
    readonly g: Graph,
    readonly qdq?: QdqSpec,
  ) {}

  /** QuantizeLinear → DequantizeLinear of value x (channel axis `axis` for per-channel scales). */
  qdqValue(x: string, q: QParams, axis: number): string {
    // zero points past the int8 range (and the bias folding that goes with them) have no QDQ form
    if (q.channelZeros)
      throw new SlimError('ONNX export: per-channel affine int8 activations (channelAffine) have no QDQ form; quantize without it');
    if (q.channelScales) {
      const c = q.channelScales.length;
      const qv = this.node(
        'QuantizeLinear',
        [x, this.init('act_scale', DT.FLOAT, [c], q.channelScales), this.init('act_zero', DT.INT8, [c], new Array(c).fill(q.zero))],
        [attr('axis', axis)],
      );
      // the consumers' int8 weights carry the channel scales: dequantize to (q − z)
      return this.node('DequantizeLinear', [qv, this.scalar('one', 1), this.init('act_zero', DT.INT8, [], [q.zero])]);
    }
    const s = this.scalar('act_scale', q.scale);
    const z = this.init('act_zero', DT.INT8, [], [q.zero]);
    return this.node('DequantizeLinear', [this.node('QuantizeLinear', [x, s, z]), s, z]);
  }

  /** After node n: QDQ on its outputs that the int8 model holds in int8 (in whichever layout they were made). */
  qdqOutputs(ts: number[]): void {
    for (const t of ts) {
      const q = this.qdq?.tensors.get(t);
      if (!q) continue;
      const rank = this.shape(t).length;
      if (this.hasNchw(t)) this.setNchw(t, this.qdqValue(this.nchw.get(t)!, q, 1));
      else this.setOurs(t, this.qdqValue(this.get(t), q, rank - 1));
    }
  }

  /** OIHW weights of a conv: float, or DequantizeLinear of int8 (QDQ). */
  convWeights(node: Node, shape: number[], data: Float32Array): string {
    const [kh, kw, cg, cout] = shape;
    const q = this.qdq?.weights.get(node.id);
    const oihw = (dtype: number, d: ArrayLike<number>) =>
      this.init(
        `${node.name}_w_oihw`,
        dtype,
        [cout, cg, kh, kw],
        transposeHost({ dtype, dims: shape, data: Float64Array.from(d) }, [3, 2, 0, 1]).data,
      );
    if (!q) return oihw(DT.FLOAT, data);
    return this.node(
      'DequantizeLinear',
      [oihw(DT.INT8, q.wq), this.init('w_scale', DT.FLOAT, [cout], q.scale), this.init('w_zero', DT.INT8, [cout], new Array(cout).fill(0))],
      [attr('axis', 0)],
    );
  }

  /** A conv's bias: float, or DequantizeLinear of int32 round(b / (s_x·s_w)) (QDQ, as our int8 kernels round it). */
  convBias(node: Node, b: number): string {
    const q = this.qdq?.weights.get(node.id);
    // the int8 layer's bias (bias-corrected) when it has one
    const data = q?.bias ?? this.g.tensors[b].data;
    if (!q || !data) return this.get(b);
    const s = Array.from(q.scale, (sw) => q.inScale * sw);
    const bq = Array.from(data, (v, co) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / s[co]))));
    return this.node(
      'DequantizeLinear',
      [
        this.init(`${node.name}_b_int32`, DT.INT32, [bq.length], bq),
        this.init('b_scale', DT.FLOAT, [s.length], s),
        this.init('b_zero', DT.INT32, [s.length], new Array(s.length).fill(0)),
      ],
      [attr('axis', 0)],
    );
  }

  fresh(base: string): string {
    return `${base.replace(/[^A-Za-z0-9_.]/g, '_')}__${this.n++}`;
  }

  node(op: string, inputs: string[], attrs: AttributeProto[] = [], out?: string): string {
    const o = out ?? this.fresh(op);
    this.nodes.push({ opType: op, name: this.fresh(`${op}_node`), input: inputs, output: [o], attribute: attrs });
    return o;
  }

  init(base: string, dtype: number, dims: number[], data: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.inits.push(tensorToProto(name, { dtype, dims, data: Float64Array.from(data) }));
    return name;
  }

  ints(base: string, v: number[]): string {
    return this.init(base, DT.INT64, [v.length], v);
  }

  scalar(base: string, v: number): string {
    return this.init(base, DT.FLOAT, [], [v]);
  }

  shape(t: number): number[] {
    return this.g.shape(t);
  }

  /** Name of tensor t in our layout. */
  get(t: number): string {
    let s = this.ours.get(t);
    if (s !== undefined) return s;
    const desc = this.g.tensors[t];
    if (desc.role === 'param') {
      s = this.init(desc.name, DT.FLOAT, desc.shape, desc.data!);
    } else {
      const c = this.nchw.get(t);
      if (c === undefined) throw new SlimError(`internal: tensor '${desc.name}' was not exported`);
      s = this.node('Transpose', [c], [attr('perm', NCHW_TO_NHWC)], this.fresh(`${desc.name}_nhwc`));
    }
    this.ours.set(t, s);
    return s;
  }

  /** Name of the rank-4 tensor t in NCHW. */
  getNchw(t: number): string {
    let s = this.nchw.get(t);
    if (s !== undefined) return s;
    const desc = this.g.tensors[t];
    if (desc.shape.length !== 4) throw new SlimError(`internal: '${desc.name}' is not rank 4`);
    if (desc.role === 'param')
      s = this.init(
        desc.name,
        DT.FLOAT,
        NHWC_TO_NCHW.map((p) => desc.shape[p]),
        transposeHost({ dtype: DT.FLOAT, dims: desc.shape, data: Float64Array.from(desc.data!) }, NHWC_TO_NCHW).data,
      );
    else s = this.node('Transpose', [this.get(t)], [attr('perm', NHWC_TO_NCHW)], this.fresh(`${desc.name}_nchw`));
    this.nchw.set(t, s);
    return s;
  }

  hasNchw(t: number): boolean {
    return this.nchw.has(t) && !this.ours.has(t);
  }

  setOurs(t: number, name: string): void {
    this.ours.set(t, name);
  }
  setNchw(t: number, name: string): void {
    this.nchw.set(t, name);
  }

  /** ONNX nodes for activation code `act` applied to `x`. */
  act(x: string, act: number): string {
    switch (act) {
      case 0:
        return x;
      case 1:
        return this.node('Relu', [x]);
      case 2:
        return this.node('Clip', [x, this.scalar('zero', 0), this.scalar('six', 6)]);
      case 3:
        return this.node('HardSwish', [x]);
      case 4:
        return this.node('Mul', [x, this.node('Sigmoid', [x])]);
      case 5:
        return this.node('Sigmoid', [x]);
      case 6:
        return this.node('Tanh', [x]);
      case 7:
        return this.node('LeakyRelu', [x], [attr('alpha', 0.01, true)]);
      default:
        throw new SlimError(`activation code ${act} has no ONNX export`);
    }
  }

  /** NCHW channel shuffle with `groups` on a [N,C,H,W] value. */
  shuffle(x: string, shape: number[], groups: number): string {
    const [n, c, h, w] = shape;
    const r = this.node('Reshape', [x, this.ints('shape5', [n, groups, c / groups, h, w])]);
    const t = this.node('Transpose', [r], [attr('perm', [0, 2, 1, 3, 4])]);
    return this.node('Reshape', [t, this.ints('shape4', [n, c, h, w])]);
  }

  /** Elementwise node in whichever layout its inputs already have. */
  elementwise(node: Node, op: string, extraInputs: string[], attrs: AttributeProto[], act = 0): void {
    const x = node.inputs;
    const y = node.outputs[0];
    const rank4 = this.shape(y).length === 4 && x.every((t) => this.shape(t).join() === this.shape(y).join());
    if (rank4 && x.some((t) => this.hasNchw(t))) {
      this.setNchw(y, this.act(this.node(op, [...x.map((t) => this.getNchw(t)), ...extraInputs], attrs), act));
    } else this.setOurs(y, this.act(this.node(op, [...x.map((t) => this.get(t)), ...extraInputs], attrs), act));
  }

  exportNode(node: Node): void {
    const a = node.attrs;
    const [x] = node.inputs;
    const y = node.outputs[0];
    switch (node.op) {
      case 'conv2d':
      case 'conv2d_bsr': {
        const bsr = node.op === 'conv2d_bsr';
        let w = this.g.tensors[node.inputs[1]];
        let bias = node.inputs[2];
        if (bsr) {
          // the dense conv the block-sparse one computes (zero blocks written out)
          const [kh, kw] = attrInts(a, 'kernel', 2);
          const shape = [kh, kw, this.shape(x)[3], attrNum(a, 'cout')];
          const idx = this.g.tensors[node.inputs[1]].raw as Uint32Array;
          const val = this.g.tensors[node.inputs[2]].data!;
          const dense = fromBsr({ block: attrInts(a, 'block', 2) as BlockShape, idx, val, nnzb: 0, totalBlocks: 0 }, shape);
          w = { ...w, role: 'param', shape, data: dense, dtype: 'f32' };
          bias = node.inputs[3];
        }
        const [kh, kw] = w.shape;
        const wName =
          w.role === 'param'
            ? this.convWeights(node, w.shape, w.data!)
            : this.node('Transpose', [this.get(w.id)], [attr('perm', [3, 2, 0, 1])]);
        const ins = [this.getNchw(x), wName];
        if (bias !== undefined) ins.push(this.convBias(node, bias));
        const pads = attrInts(a, 'pads', 4, [0, 0, 0, 0]);
        let out = this.node('Conv', ins, [
          attr('kernel_shape', [kh, kw]),
          attr('strides', attrInts(a, 'stride', 2, [1, 1])),
          attr('dilations', attrInts(a, 'dilation', 2, [1, 1])),
          attr('pads', pads),
          attr('group', attrNum(a, 'groups', 1)),
        ]);
        out = this.act(out, attrNum(a, 'act', 0));
        const sh = attrNum(a, 'shuffle', 1);
        const os = this.shape(y);
        if (sh > 1) out = this.shuffle(out, [os[0], os[3], os[1], os[2]], sh);
        this.setNchw(y, out);
        return;
      }
      case 'batchnorm': {
        if (this.shape(x).length !== 4) throw new SlimError(`batchnorm '${node.name}': only 4-D inputs export`);
        const stats = node.inputs.slice(1).map((t) => this.get(t));
        this.setNchw(
          y,
          this.act(
            this.node('BatchNormalization', [this.getNchw(x), ...stats], [attr('epsilon', attrNum(a, 'eps', 1e-5), true)]),
            attrNum(a, 'act', 0),
          ),
        );
        return;
      }
      case 'activation': {
        const rank4 = this.shape(x).length === 4 && this.hasNchw(x);
        const out = this.act(rank4 ? this.getNchw(x) : this.get(x), attrNum(a, 'act'));
        if (rank4) this.setNchw(y, out);
        else this.setOurs(y, out);
        return;
      }
      case 'add':
        this.elementwise(node, 'Add', [], [], attrNum(a, 'act', 0));
        return;
      case 'pool2d': {
        const kernel = attrInts(a, 'kernel', 2);
        const attrs = [
          attr('kernel_shape', kernel),
          attr('strides', attrInts(a, 'stride', 2, kernel)),
          attr('pads', attrInts(a, 'pads', 4, [0, 0, 0, 0])),
          attr('ceil_mode', a.ceil ? 1 : 0),
        ];
        const dil = attrInts(a, 'dilation', 2, [1, 1]);
        if (dil[0] !== 1 || dil[1] !== 1) attrs.push(attr('dilations', dil));
        if ((a.mode ?? 'max') === 'avg') attrs.push(attr('count_include_pad', a.countIncludePad ? 1 : 0));
        this.setNchw(y, this.node((a.mode ?? 'max') === 'avg' ? 'AveragePool' : 'MaxPool', [this.getNchw(x)], attrs));
        return;
      }
      case 'global_pool':
        this.setNchw(y, this.node((a.mode ?? 'avg') === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [this.getNchw(x)]));
        return;
      case 'channel_scale':
        this.setOurs(y, this.node('Mul', [this.get(x), this.get(node.inputs[1])]));
        return;
      case 'channel_shuffle': {
        const s = this.shape(x);
        if (s.length === 4) this.setNchw(y, this.shuffle(this.getNchw(x), [s[0], s[3], s[1], s[2]], attrNum(a, 'groups')));
        else {
          const g = attrNum(a, 'groups');
          const c = s[s.length - 1];
          const r = this.node('Reshape', [this.get(x), this.ints('shape', [...s.slice(0, -1), g, c / g])]);
          const perm = [...s.slice(0, -1).map((_, i) => i), s.length, s.length - 1];
          this.setOurs(y, this.node('Reshape', [this.node('Transpose', [r], [attr('perm', perm)]), this.ints('shape', s)]));
        }
        return;
      }
      case 'concat': {
        const r = this.shape(y).length;
        if (r === 4)
          this.setNchw(
            y,
            this.node(
              'Concat',
              node.inputs.map((t) => this.getNchw(t)),
              [attr('axis', 1)],
            ),
          );
        else
          this.setOurs(
            y,
            this.node(
              'Concat',
              node.inputs.map((t) => this.get(t)),
              [attr('axis', r - 1)],
            ),
          );
        return;
      }
      case 'softmax':
        this.setOurs(y, this.node(a.log ? 'LogSoftmax' : 'Softmax', [this.get(x)], [attr('axis', -1)]));
        return;
      case 'reshape':
        this.setOurs(y, this.node('Reshape', [this.get(x), this.ints('shape', this.shape(y))]));
        return;
      case 'unary': {
        const fn = a.fn as string;
        const alpha = attrNum(a, 'alpha', 0);
        const beta = attrNum(a, 'beta', 0);
        let op = UNARY_OPS[fn];
        let extra: string[] = [];
        let attrs: AttributeProto[] = [];
        if (fn === 'leakyrelu' || fn === 'elu') [op, attrs] = [fn === 'elu' ? 'Elu' : 'LeakyRelu', [attr('alpha', alpha, true)]];
        else if (fn === 'hardsigmoid') [op, attrs] = ['HardSigmoid', [attr('alpha', alpha, true), attr('beta', beta, true)]];
        else if (fn === 'clip') [op, extra] = ['Clip', [this.scalar('min', alpha), this.scalar('max', beta)]];
        else if (fn === 'swish') {
          const xi = this.get(x);
          this.setOurs(y, this.node('Mul', [xi, this.node('Sigmoid', [this.node('Mul', [xi, this.scalar('alpha', alpha)])])]));
          return;
        }
        if (!op) throw new SlimError(`unary function '${fn}' has no ONNX export`);
        this.elementwise(node, op, extra, attrs);
        return;
      }
      case 'binary': {
        const op = BINARY_OPS[a.fn as string];
        if (!op) throw new SlimError(`binary function '${a.fn}' has no ONNX export`);
        this.elementwise(node, op, [], []);
        return;
      }
      case 'transpose':
        this.setOurs(y, this.node('Transpose', [this.get(x)], [attr('perm', a.perm as number[])]));
        return;
      case 'slice': {
        const s = a.starts as number[];
        const steps = (a.steps as number[] | undefined) ?? s.map(() => 1);
        this.setOurs(
          y,
          this.node('Slice', [
            this.get(x),
            this.ints('starts', s),
            this.ints('ends', a.ends as number[]),
            this.ints(
              'axes',
              s.map((_, i) => i),
            ),
            this.ints('steps', steps),
          ]),
        );
        return;
      }
      case 'concat_axis':
        this.setOurs(
          y,
          this.node(
            'Concat',
            node.inputs.map((t) => this.get(t)),
            [attr('axis', attrNum(a, 'axis'))],
          ),
        );
        return;
      case 'pad': {
        const value =
          node.inputs[1] !== undefined
            ? this.node('Reshape', [this.get(node.inputs[1]), this.ints('scalar', [])])
            : this.scalar('value', attrNum(a, 'value', 0));
        this.setOurs(
          y,
          this.node('Pad', [this.get(x), this.ints('pads', a.pads as number[]), value], [attr('mode', (a.mode as string) ?? 'constant')]),
        );
        return;
      }
      case 'matmul': {
        const t2 = (t: number, flag: unknown) => {
          const r = this.shape(t).length;
          return flag ? this.node('Transpose', [this.get(t)], [attr('perm', [...Array(r - 2).keys(), r - 1, r - 2])]) : this.get(t);
        };
        let out = this.node('MatMul', [t2(node.inputs[0], a.transA), t2(node.inputs[1], a.transB)]);
        const alpha = attrNum(a, 'alpha', 1);
        if (alpha !== 1) out = this.node('Mul', [out, this.scalar('alpha', alpha)]);
        if (node.inputs[2] !== undefined) out = this.node('Add', [out, this.get(node.inputs[2])]);
        this.setOurs(y, out);
        return;
      }
      case 'reduce': {
        const op = REDUCE_OPS[a.mode as string];
        const r = this.shape(x).length;
        const axis = attrNum(a, 'axis');
        const keep = attrNum(a, 'keepdims', 1);
        let out = this.node(op, [this.get(x), this.ints('axes', [axis < 0 ? axis + r : axis])], [attr('keepdims', keep)]);
        if (!keep && r === 1) out = this.node('Reshape', [out, this.ints('shape', [1])]);
        this.setOurs(y, out);
        return;
      }
      case 'softmax_axis':
        this.setOurs(
          y,
          this.node(a.hard ? 'Hardmax' : a.log ? 'LogSoftmax' : 'Softmax', [this.get(x)], [attr('axis', attrNum(a, 'axis'))]),
        );
        return;
      case 'lrn': {
        const s = this.shape(x);
        if (s.length !== 4) throw new SlimError(`lrn '${node.name}': only 4-D inputs export`);
        this.setNchw(
          y,
          this.node(
            'LRN',
            [this.getNchw(x)],
            [
              attr('size', attrNum(a, 'size')),
              attr('alpha', attrNum(a, 'alpha', 1e-4), true),
              attr('beta', attrNum(a, 'beta', 0.75), true),
              attr('bias', attrNum(a, 'bias', 1), true),
            ],
          ),
        );
        return;
      }
      default:
        throw new SlimError(`op '${node.op}' (node '${node.name}') has no ONNX export`);
    }
  }
}

export interface ExportOptions {
  /** The ONNX graph's name. */
  name?: string;
  producer?: string;
  /** Export as QDQ: Q/DQ on these tensors, int8 weights on these convs (qdqFromLayers). */
  qdq?: QdqSpec;
}

/** The ONNX ModelProto bytes of a slimgpu graph (our layout at the interface: NHWC for images). */
export function exportOnnx(g: Graph, opts: ExportOptions = {}): Uint8Array {
  if (!g.outputs.length) throw new SlimError('graph has no outputs (call markOutput)');
  const e = new Exporter(g, opts.qdq);
  const inputs: ValueInfoProto[] = g.inputs.map((t) => {
    const d = g.tensors[t];
    e.setOurs(t, d.name);
    return valueInfo(d.name, d.shape);
  });
  e.qdqOutputs(g.inputs);
  for (const n of g.nodes) {
    e.exportNode(n);
    e.qdqOutputs(n.outputs);
  }
  const used = new Set<string>();
  const outputs: ValueInfoProto[] = g.outputs.map((t, k) => {
    const d = g.tensors[t];
    let name = e.get(t);
    if (used.has(name) || inputs.some((i) => i.name === name) || !name.length)
      name = e.node('Identity', [name], [], `output${k}_${d.name}`);
    used.add(name);
    return valueInfo(name, d.shape);
  });
  const model: ModelProto = {
    irVersion: 9,
    producerName: opts.producer ?? 'slimgpu',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: EXPORT_OPSET }],
    graph: { name: opts.name ?? 'slimgpu', node: e.nodes, initializer: e.inits, input: inputs, output: outputs },
  };
  return encodeModel(model);
}

/**
 * ONNX bytes of a compress() result: int8 → QDQ (from the float graph it was quantized from), block-sparse →
 * dense convs, filter-pruned → the thinned dense graph. Binary (XNOR) graphs have no ONNX form: an error.
 */
export function exportCompressed(c: CompressedModel, opts: ExportOptions = {}): Uint8Array {
  if (c.report.binary) throw new SlimError('ONNX export: binary (XNOR) models have no ONNX form; export the fp32 or int8 model');
  if (c.int8) return exportOnnx(c.int8.float, { ...opts, qdq: qdqFromLayers(c.int8.float, c.int8.layers) });
  return exportOnnx(c.graph, opts);
}
