// A minimal ONNX writer for the benchmark's peer (onnxruntime-web), standing in until the real exporter lands
// (branch `onnx`: `exportOnnx(graph)` in src/io/onnx/export.ts has the same shape: Graph → model bytes, NHWC
// at the interface). Swap `exportOnnxMinimal` for it then; nothing else here depends on this file.
//
// Scope: the inference graphs of the zoo — conv2d (groups, stride, pads, dilation, fused act, fused shuffle),
// pool2d, global_pool, add, concat, activation, channel_scale, channel_shuffle, softmax, reshape, batchnorm.
// Layout: ONNX CNN ops are NCHW, so the model takes our NHWC input, transposes once to NCHW, and every 4-D
// tensor inside is NCHW; reshape goes through NHWC so the flattened order matches ours exactly. Opset 13.
// Protobuf is written by hand (a dozen fields of ModelProto/GraphProto/NodeProto/TensorProto).

import type { Graph } from '../src/graph/ir.js';
import { optimizeForInference } from '../src/graph/passes.js';
import { batchnormAffine } from '../src/ops/elementwise.js';
import { attrInts, attrNum } from '../src/ops/registry.js';
import { SlimError } from '../src/runtime/errors.js';

// ---- protobuf wire format --------------------------------------------------------------------------------
class Pb {
  private parts: Uint8Array[] = [];
  private len = 0;
  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.length;
  }
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x) byte |= 0x80;
      out.push(byte);
    } while (x);
    this.push(Uint8Array.from(out));
  }
  int(field: number, v: number): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }
  float(field: number, v: number): this {
    this.varint((field << 3) | 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const FLOAT = 1;
const INT64 = 7;
type AttrV = number | number[] | { f: number };

function attribute(name: string, v: AttrV): Pb {
  const a = new Pb().str(1, name);
  if (typeof v === 'number') return a.int(3, v).int(20, 2); // INT
  if (Array.isArray(v)) {
    v.forEach((x) => a.int(8, x));
    return a.int(20, 7); // INTS
  }
  return a.float(2, v.f).int(20, 1); // FLOAT
}

function tensor(name: string, dims: number[], data: Float32Array | BigInt64Array): Pb {
  const t = new Pb();
  dims.forEach((d) => t.int(1, d));
  t.int(2, data instanceof Float32Array ? FLOAT : INT64).str(8, name);
  return t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(name: string, dims: number[]): Pb {
  const shape = new Pb();
  dims.forEach((d) => shape.msg(1, new Pb().int(1, d)));
  return new Pb().str(1, name).msg(2, new Pb().msg(1, new Pb().int(1, FLOAT).msg(2, shape)));
}

// ---- graph translation -----------------------------------------------------------------------------------
/** ONNX model bytes of `src` (optimized for inference first): input NHWC [N,H,W,C] named 'input', output 'output'. */
export function exportOnnxMinimal(src: Graph): Uint8Array {
  const { graph: g } = optimizeForInference(src);
  const nodes: Pb[] = [];
  const inits: Pb[] = [];
  let uid = 0;
  const fresh = (base: string) => `${base}__${uid++}`;
  const node = (op: string, inputs: string[], attrs: Record<string, AttrV> = {}, out?: string): string => {
    const o = out ?? fresh(op);
    const n = new Pb();
    inputs.forEach((i) => n.str(1, i));
    n.str(2, o).str(3, fresh(`n_${op}`)).str(4, op);
    for (const [k, v] of Object.entries(attrs)) n.msg(5, attribute(k, v));
    nodes.push(n);
    return o;
  };
  const init = (base: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    const name = fresh(base);
    inits.push(tensor(name, dims, data));
    return name;
  };
  const act = (x: string, code: number): string => {
    switch (code) {
      case 0: return x;
      case 1: return node('Relu', [x]);
      case 2: return node('Clip', [x, init('zero', [], Float32Array.of(0)), init('six', [], Float32Array.of(6))]);
      case 3: return node('Mul', [x, node('HardSigmoid', [x], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } })]);
      case 4: return node('Mul', [x, node('Sigmoid', [x])]);
      case 5: return node('Sigmoid', [x]);
      case 6: return node('Tanh', [x]);
      case 7: return node('LeakyRelu', [x], { alpha: { f: 0.01 } });
      default: throw new SlimError(`onnx writer: unknown activation code ${code}`);
    }
  };
  const shuffle = (x: string, shape4: number[], groups: number): string => {
    const [n, h, w, c] = shape4;
    const a = node('Reshape', [x, init('shape', [5], BigInt64Array.from([n, groups, c / groups, h, w].map(BigInt)))]);
    const b = node('Transpose', [a], { perm: [0, 2, 1, 3, 4] });
    return node('Reshape', [b, init('shape', [4], BigInt64Array.from([n, c, h, w].map(BigInt)))]);
  };
  /** NCHW dims of one of our (NHWC) shapes */
  const onnxDims = (s: number[]) => (s.length === 4 ? [s[0], s[3], s[1], s[2]] : s);

  const name = new Map<number, string>();
  const inT = g.inputs[0];
  const inShape = g.shape(inT);
  if (g.inputs.length !== 1 || g.outputs.length !== 1) throw new SlimError('onnx writer: one input and one output expected');
  name.set(inT, inShape.length === 4 ? node('Transpose', ['input'], { perm: [0, 3, 1, 2] }) : 'input');

  for (const n of g.nodes) {
    const x = (i: number) => name.get(n.inputs[i])!;
    const code = attrNum(n.attrs, 'act', 0);
    let y: string;
    switch (n.op) {
      case 'conv2d': {
        const w = g.tensors[n.inputs[1]];
        const [kh, kw, cg, cout] = w.shape;
        const oihw = new Float32Array(w.data!.length);
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++)
            for (let i = 0; i < cg; i++)
              for (let o = 0; o < cout; o++) oihw[((o * cg + i) * kh + a) * kw + b] = w.data![((a * kw + b) * cg + i) * cout + o];
        const inputs = [x(0), init(`${n.name}.w`, [cout, cg, kh, kw], oihw)];
        if (n.inputs[2] !== undefined) inputs.push(init(`${n.name}.b`, [cout], g.tensors[n.inputs[2]].data!));
        const [pt, pl, pb, pr] = attrInts(n.attrs, 'pads', 4, [0, 0, 0, 0]);
        y = act(
          node('Conv', inputs, {
            kernel_shape: [kh, kw],
            strides: attrInts(n.attrs, 'stride', 2, [1, 1]),
            pads: [pt, pl, pb, pr],
            dilations: attrInts(n.attrs, 'dilation', 2, [1, 1]),
            group: attrNum(n.attrs, 'groups', 1),
          }),
          code,
        );
        const sh = attrNum(n.attrs, 'shuffle', 1);
        if (sh > 1) y = shuffle(y, g.shape(n.outputs[0]), sh);
        break;
      }
      case 'pool2d': {
        const kernel = attrInts(n.attrs, 'kernel', 2);
        const attrs: Record<string, AttrV> = {
          kernel_shape: kernel,
          strides: attrInts(n.attrs, 'stride', 2, kernel),
          pads: attrInts(n.attrs, 'pads', 4, [0, 0, 0, 0]),
          ceil_mode: n.attrs.ceil ? 1 : 0,
        };
        const dil = attrInts(n.attrs, 'dilation', 2, [1, 1]);
        if ((n.attrs.mode ?? 'max') === 'max') y = node('MaxPool', [x(0)], { ...attrs, dilations: dil });
        else {
          if (dil.some((d) => d !== 1)) throw new SlimError('onnx writer: dilated average pooling');
          y = node('AveragePool', [x(0)], { ...attrs, count_include_pad: n.attrs.countIncludePad ? 1 : 0 });
        }
        break;
      }
      case 'global_pool':
        y = node(n.attrs.mode === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x(0)]);
        break;
      case 'add':
        y = act(node('Add', [x(0), x(1)]), code);
        break;
      case 'activation':
        y = act(x(0), code);
        break;
      case 'concat':
        y = node('Concat', n.inputs.map((_, i) => x(i)), { axis: g.shape(n.inputs[0]).length === 4 ? 1 : -1 });
        break;
      case 'channel_scale':
        y = node('Mul', [x(0), x(1)]);
        break;
      case 'channel_shuffle':
        y = shuffle(x(0), g.shape(n.inputs[0]), attrNum(n.attrs, 'groups'));
        break;
      case 'softmax': {
        const s = g.shape(n.inputs[0]);
        if (s.length === 4) throw new SlimError('onnx writer: softmax over a 4-D tensor');
        y = node(n.attrs.log ? 'LogSoftmax' : 'Softmax', [x(0)], { axis: -1 });
        break;
      }
      case 'batchnorm': {
        const c = g.shape(n.inputs[0]).at(-1)!;
        const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => g.tensors[n.inputs[i]].data!);
        const { scale, shift } = batchnormAffine(gamma, beta, mean, variance, attrNum(n.attrs, 'eps', 1e-5));
        const dims = g.shape(n.inputs[0]).length === 4 ? [c, 1, 1] : [c];
        y = act(node('Add', [node('Mul', [x(0), init('bn_scale', dims, scale)]), init('bn_shift', dims, shift)]), code);
        break;
      }
      case 'reshape': {
        const from = g.shape(n.inputs[0]);
        const to = g.shape(n.outputs[0]);
        let t = x(0);
        if (from.length === 4 && from[1] * from[2] > 1) t = node('Transpose', [t], { perm: [0, 2, 3, 1] });
        const spatial = to.length === 4 && to[1] * to[2] > 1;
        t = node('Reshape', [t, init('shape', [to.length], BigInt64Array.from((spatial ? to : onnxDims(to)).map(BigInt)))]);
        y = spatial ? node('Transpose', [t], { perm: [0, 3, 1, 2] }) : t;
        break;
      }
      default:
        throw new SlimError(`onnx writer: op '${n.op}' (node '${n.name}') is not supported`);
    }
    name.set(n.outputs[0], y);
  }
  const outT = g.outputs[0];
  const outShape = g.shape(outT);
  node(outShape.length === 4 ? 'Transpose' : 'Identity', [name.get(outT)!], outShape.length === 4 ? { perm: [0, 2, 3, 1] } : {}, 'output');

  const graph = new Pb();
  nodes.forEach((n) => graph.msg(1, n));
  graph.str(2, 'slimgpu');
  inits.forEach((t) => graph.msg(5, t));
  graph.msg(11, valueInfo('input', inShape));
  graph.msg(12, valueInfo('output', outShape));
  return new Pb()
    .int(1, 8) // ir_version
    .str(2, 'slimgpu-bench')
    .msg(8, new Pb().str(1, '').int(2, 13)) // opset_import
    .msg(7, graph)
    .finish();
}
