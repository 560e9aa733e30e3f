// Mobile networks written the way PyTorch (torch.onnx.export, opset 13) writes them, for measuring imported-model
// glue cost (bench/exported.ts) and checking the glue passes against onnxruntime (test/unit/fuse_elementwise.test.ts).
// NCHW, OIHW weights as initializers, random seeded weights:
//   exportedMobilenetV2   MobileNetV2 (torchvision layout): Conv (+ BatchNormalization, or folded into the Conv's bias
//                         as export with constant folding gives), Clip(0, 6) for ReLU6 (min/max as inputs),
//                         residual Add, GlobalAveragePool, Flatten, Gemm 1280×classes.
//   exportedMobilenetV3   MobileNetV3-small (torchvision config): hard-swish written out as Add 3 → Clip 0 6 → Mul →
//                         Div 6, squeeze-excitation GlobalAveragePool → Conv → Relu → Conv → hard-sigmoid written out
//                         (Add 3 → Clip 0 6 → Div 6) → Mul; classifier Gemm → hard-swish → Gemm.
import { OnnxBuilder, attr } from './onnx_builder.js';

export interface ExportOptions {
  res?: number;
  width?: number;
  classes?: number;
  /** BatchNormalization nodes after bias-free convs (export without constant folding); default: folded into the bias */
  bn?: boolean;
}

const divisible = (v: number, d = 8) => Math.max(d, Math.floor((v + d / 2) / d) * d);

class Exporter {
  readonly b = new OnnxBuilder(13);
  private k: Record<string, string> = {};
  constructor(readonly bn: boolean) {}
  c(v: number): string {
    return (this.k[String(v)] ??= this.b.init([], [v], 1, 'c'));
  }
  conv(x: string, cin: number, cout: number, k: number, stride = 1, group = 1): string {
    const y = this.b.conv(x, cin, cout, k, { stride, group, bias: !this.bn });
    return this.bn ? this.b.bn(y, cout) : y;
  }
  relu6(x: string): string {
    return this.b.node1('Clip', [x, this.c(0), this.c(6)]);
  }
  hardswish(x: string): string {
    const r = this.relu6(this.b.node1('Add', [x, this.c(3)]));
    return this.b.node1('Div', [this.b.node1('Mul', [x, r]), this.c(6)]);
  }
  hardsigmoid(x: string): string {
    return this.b.node1('Div', [this.relu6(this.b.node1('Add', [x, this.c(3)])), this.c(6)]);
  }
  gemm(x: string, k: number, n: number): string {
    return this.b.node1('Gemm', [x, this.b.rand([n, k], Math.sqrt(3 / k)), this.b.rand([n], 0.1)], [attr.i('transB', 1)]);
  }
}

export function exportedMobilenetV2(o: ExportOptions = {}): OnnxBuilder {
  const w = o.width ?? 1;
  const e = new Exporter(o.bn ?? false);
  const b = e.b;
  let x = b.input('input', [1, 3, o.res ?? 224, o.res ?? 224]);
  let cin = divisible(32 * w);
  x = e.relu6(e.conv(x, 3, cin, 3, 2));
  const cfg: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  for (const [t, ch, n, s] of cfg) {
    const out = divisible(ch * w);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      let y = x;
      const hid = cin * t;
      if (t !== 1) y = e.relu6(e.conv(y, cin, hid, 1));
      y = e.relu6(e.conv(y, hid, hid, 3, stride, hid));
      y = e.conv(y, hid, out, 1);
      x = stride === 1 && cin === out ? b.node1('Add', [x, y]) : y;
      cin = out;
    }
  }
  const last = w > 1 ? divisible(1280 * w) : 1280;
  x = e.relu6(e.conv(x, cin, last, 1));
  x = b.node1('Flatten', [b.node1('GlobalAveragePool', [x])], [attr.i('axis', 1)]);
  b.output(e.gemm(x, last, o.classes ?? 1000));
  return b;
}

export function exportedMobilenetV3(o: ExportOptions = {}): OnnxBuilder {
  const w = o.width ?? 1;
  const e = new Exporter(o.bn ?? false);
  const b = e.b;
  let x = b.input('input', [1, 3, o.res ?? 224, o.res ?? 224]);
  let cin = divisible(16 * w);
  x = e.hardswish(e.conv(x, 3, cin, 3, 2));
  // kernel, expansion, out, SE, hard-swish, stride (torchvision mobilenet_v3_small)
  const cfg: [number, number, number, boolean, boolean, number][] = [
    [3, 16, 16, true, false, 2],
    [3, 72, 24, false, false, 2],
    [3, 88, 24, false, false, 1],
    [5, 96, 40, true, true, 2],
    [5, 240, 40, true, true, 1],
    [5, 240, 40, true, true, 1],
    [5, 120, 48, true, true, 1],
    [5, 144, 48, true, true, 1],
    [5, 288, 96, true, true, 2],
    [5, 576, 96, true, true, 1],
    [5, 576, 96, true, true, 1],
  ];
  for (const [k, ex, oc, se, hs, s] of cfg) {
    const [exp, out] = [divisible(ex * w), divisible(oc * w)];
    const act = (v: string) => (hs ? e.hardswish(v) : b.node1('Relu', [v]));
    let y = x;
    if (exp !== cin) y = act(e.conv(y, cin, exp, 1));
    y = act(e.conv(y, exp, exp, k, s, exp));
    if (se) {
      const sq = divisible(exp / 4);
      const p = b.node1('GlobalAveragePool', [y]);
      const r = b.node1('Relu', [b.conv(p, exp, sq, 1)]);
      y = b.node1('Mul', [e.hardsigmoid(b.conv(r, sq, exp, 1)), y]);
    }
    y = e.conv(y, exp, out, 1);
    x = s === 1 && cin === out ? b.node1('Add', [y, x]) : y;
    cin = out;
  }
  const last = divisible(576 * w);
  x = e.hardswish(e.conv(x, cin, last, 1));
  x = b.node1('Flatten', [b.node1('GlobalAveragePool', [x])], [attr.i('axis', 1)]);
  x = e.hardswish(e.gemm(x, last, 1024));
  b.output(e.gemm(x, 1024, o.classes ?? 1000));
  return b;
}
