// A tiny ONNX model writer for tests: graphs written the way PyTorch and the ONNX zoo write them (NCHW, OIHW
// weights as initializers, symbolic batch), encoded with our own protobuf schema.
import {
  encodeModel,
  tensorToProto,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../src/io/onnx/proto.js';
import { randn } from './helpers.js';

export const attr = {
  i: (name: string, v: number): AttributeProto => ({ name, type: 2, i: v }),
  f: (name: string, v: number): AttributeProto => ({ name, type: 1, f: v }),
  s: (name: string, v: string): AttributeProto => ({ name, type: 3, s: new TextEncoder().encode(v) }),
  ints: (name: string, v: number[]): AttributeProto => ({ name, type: 7, ints: v }),
};

export class OnnxBuilder {
  nodes: NodeProto[] = [];
  inits: TensorProto[] = [];
  inputs: ValueInfoProto[] = [];
  outputs: ValueInfoProto[] = [];
  private n = 0;
  private seed = 50;
  constructor(readonly opset = 13) {}

  input(name: string, dims: (number | string)[], dtype = 1): string {
    this.inputs.push({
      name,
      type: {
        tensorType: { elemType: dtype, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
      },
    });
    return name;
  }
  init(dims: number[], data: ArrayLike<number>, dtype = 1, base = 'w'): string {
    const name = `${base}${this.n++}`;
    this.inits.push(tensorToProto(name, { dtype, dims, data: Float64Array.from(data) }));
    return name;
  }
  rand(dims: number[], scale: number): string {
    return this.init(
      dims,
      randn(
        dims.reduce((a, b) => a * b, 1),
        this.seed++,
        scale,
      ),
    );
  }
  ints(v: number[]): string {
    return this.init([v.length], v, 7, 'shape');
  }
  node(op: string, inputs: string[], attrs: AttributeProto[] = [], outs = 1): string[] {
    const o = Array.from({ length: outs }, () => `${op.toLowerCase()}_${this.n++}`);
    this.nodes.push({ opType: op, name: `${op}_${this.n++}`, input: inputs, output: o, attribute: attrs });
    return o;
  }
  node1(op: string, inputs: string[], attrs: AttributeProto[] = []): string {
    return this.node(op, inputs, attrs)[0];
  }
  output(name: string): void {
    this.outputs.push({ name, type: { tensorType: { elemType: 1 } } });
  }
  bytes(): Uint8Array {
    return encodeModel({
      irVersion: 7,
      producerName: 'slimgpu-test',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: { name: 'test', node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
  }

  // layers, PyTorch style
  conv(
    x: string,
    cin: number,
    cout: number,
    k: number,
    o: { stride?: number; pad?: number; group?: number; bias?: boolean; dil?: number } = {},
  ): string {
    const g = o.group ?? 1;
    const ins = [x, this.rand([cout, cin / g, k, k], Math.sqrt(3 / ((cin / g) * k * k)))];
    if (o.bias ?? true) ins.push(this.rand([cout], 0.1));
    const p = o.pad ?? Math.floor(k / 2);
    return this.node1('Conv', ins, [
      attr.ints('kernel_shape', [k, k]),
      attr.ints('strides', [o.stride ?? 1, o.stride ?? 1]),
      attr.ints('pads', [p, p, p, p]),
      attr.i('group', g),
      attr.ints('dilations', [o.dil ?? 1, o.dil ?? 1]),
    ]);
  }
  bn(x: string, c: number): string {
    const pos = () =>
      this.init(
        [c],
        Array.from({ length: c }, (_, i) => 0.5 + ((i * 7919) % 13) / 13),
      );
    return this.node1('BatchNormalization', [x, pos(), this.rand([c], 0.2), this.rand([c], 0.2), pos()], [attr.f('epsilon', 1e-5)]);
  }
  relu(x: string): string {
    return this.node1('Relu', [x]);
  }
  /** PyTorch's x.view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape. */
  torchFlatten(x: string): string {
    const shape = this.node1('Shape', [x]);
    const n = this.node1('Gather', [shape, this.init([], [0], 7, 'idx')], [attr.i('axis', 0)]);
    const u = this.opset >= 13 ? this.node1('Unsqueeze', [n, this.ints([0])]) : this.node1('Unsqueeze', [n], [attr.ints('axes', [0])]);
    const target = this.node1('Concat', [u, this.ints([-1])], [attr.i('axis', 0)]);
    return this.node1('Reshape', [x, target]);
  }
}
