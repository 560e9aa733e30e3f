// Shapes and values chosen so that symmetric mistakes show: the tables below are generated as products of
// unequal strides (2,1)/(1,2), pads whose four sides differ, unequal dilations and groups (plain and depthwise),
// and every rounding rule gets inputs that land exactly on its ties.
//
//   conv backward kernels     conv2d_backward_input / _weight / _weight_patches vs the float64 references
//   conv layers in training   a step graph (buildStepGraph) with the generated conv in the middle of a small net:
//                             one SGD step at lr = 1 against central differences of a float64 loss
//                             (test/ref/train_oracle.ts) — covers the stride-1 input gradient (flipped-weight
//                             forward conv) and the gathering kernel, and both weight-gradient paths
//   depthwise forward         every depthwise variant that takes a dilation, fp32 and int8, with dh ≠ dw; the 3×3
//                             kernels with top ≠ left and bottom ≠ right
//   rounding ties             quantize (half to even), requantization (half up, each shift branch), fake_quant
//                             (half to even), add_int8 (half up)

import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { ModelBuilder } from '../../src/models/builder.js';
import { convGeom } from '../../src/ops/conv.js';
import { int8ConvTables, packInt8ConvWeights, quantizeMultiplier } from '../../src/ops/int8.js';
import type { Attrs } from '../../src/ops/registry.js';
import { buildStepGraph } from '../../src/train/step_graph.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../../src/train/optim.js';
import { expectClose, expectExact, randInt, randn, runNode, runOp, runtime, TOL } from '../helpers.js';
import { conv2dBackwardInputRef, conv2dBackwardWeightRef, convPatchesRef } from '../ref/backward.js';
import { addInt8Ref, conv2dInt8Ref, quantizeRef } from '../ref/int8.js';
import { conv2dRef } from '../ref/ops.js';
import { clone, convF64, fdGrad, gapDense, meanCE, type ConvGeomF64, type Params } from '../ref/train_oracle.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const product = <A, B>(as: A[], bs: B[]): [A, B][] => as.flatMap((a) => bs.map((b): [A, B] => [a, b]));

type Pads = [number, number, number, number];
const STRIDES: [number, number][] = [
  [1, 1],
  [2, 1],
  [1, 2],
];
/** top ≠ bottom and left ≠ right, in both senses */
const PADS: Pads[] = [
  [0, 2, 1, 0],
  [2, 0, 0, 1],
];

interface ConvRow {
  name: string;
  x: number[];
  ws: number[];
  attrs: Attrs;
}

/** Every stride × pads, for a plain conv (dilation (1,1) and (2,1)) and a depthwise one (dilation (1,2)). */
function convRows(): ConvRow[] {
  const rows: ConvRow[] = [];
  for (const [stride, pads] of product(STRIDES, PADS)) {
    const tag = `s${stride.join(',')} p${pads.join(',')}`;
    rows.push({ name: `plain ${tag}`, x: [2, 6, 7, 3], ws: [3, 3, 3, 5], attrs: { stride, pads, dilation: [1, 1], groups: 1 } });
    rows.push({ name: `plain dil(2,1) ${tag}`, x: [1, 7, 6, 4], ws: [3, 3, 4, 4], attrs: { stride, pads, dilation: [2, 1], groups: 1 } });
    rows.push({
      name: `depthwise dil(1,2) ${tag}`,
      x: [2, 6, 7, 4],
      ws: [3, 3, 1, 4],
      attrs: { stride, pads, dilation: [1, 2], groups: 4 },
    });
  }
  return rows;
}

describe('conv backward kernels over generated strides, pads, dilations and groups', () => {
  for (const c of convRows()) {
    it(c.name, async () => {
      const geo = convGeom([c.x, c.ws], c.attrs);
      const ys = [c.x[0], geo.oh, geo.ow, c.ws[3]];
      const x = randn(size(c.x), 1),
        w = randn(size(c.ws), 2, 0.5),
        dy = randn(size(ys), 3);
      const [dx] = await runNode(
        'conv2d_backward_input',
        [
          { shape: ys, data: dy },
          { shape: c.ws, data: w },
        ],
        { ...c.attrs, in_shape: c.x },
      );
      expectClose(dx, conv2dBackwardInputRef(dy, w, c.ws, c.x, c.attrs), TOL.grad, `${c.name} dx`);
      const [dw] = await runNode(
        'conv2d_backward_weight',
        [
          { shape: c.x, data: x },
          { shape: ys, data: dy },
        ],
        { ...c.attrs, w_shape: c.ws },
      );
      expectClose(dw, conv2dBackwardWeightRef(x, c.x, dy, c.ws, c.attrs), TOL.grad, `${c.name} dw`);
      if (c.attrs.groups === 1) {
        const [p] = await runNode('conv2d_backward_weight_patches', [{ shape: c.x, data: x }], { ...c.attrs, w_shape: c.ws });
        expectClose(p, convPatchesRef(x, c.x, { ...c.attrs, w_shape: c.ws }), TOL.f32, `${c.name} patches`);
      }
    });
  }
});

// The generated conv as the middle layer of input [2,5,6,2] → conv 3×3 'same' 2→4 + bias, tanh → (row) + bias,
// tanh → global average → fully connected → 3 logits. The first conv's gradient flows through the row's input
// gradient, so a wrong input-gradient path (either one) shows in its update.
describe('conv layers in a training step over generated shapes (Δw at lr = 1 vs −∇loss, float64 differences)', () => {
  const SGD1: OptimConfig = {
    ...DEFAULT_OPTIM,
    kind: 'sgd',
    lr: 1,
    momentum: 0,
    nesterov: false,
    weightDecay: 0,
    l1: 0,
    maxNorm: 0,
    schedule: 'constant',
    warmupSteps: 0,
  };
  const xs = [2, 5, 6, 2];
  const X = randn(size(xs), 21, 1.5);
  const LABELS = Float32Array.of(2, 0);
  const rows: { name: string; geo: ConvGeomF64 }[] = [];
  for (const [stride, pads] of product(STRIDES, PADS)) {
    const tag = `s${stride.join(',')} p${pads.join(',')}`;
    rows.push({ name: `plain ${tag}`, geo: { stride, pads, dilation: [1, 1], groups: 1 } });
    rows.push({ name: `depthwise dil(2,1) ${tag}`, geo: { stride, pads, dilation: [2, 1], groups: 4 } });
  }
  for (const r of rows) {
    it(r.name, async () => {
      const b = new ModelBuilder(5);
      let y = b.conv(b.input('input', xs), 4, { k: 3, bn: false, bias: true, act: 'tanh', name: 'a' });
      const wsB = [3, 3, 4 / r.geo.groups, 4];
      const wB = b.g.addParam('b.w', wsB, randn(size(wsB), 22, 0.6));
      const bB = b.g.addParam('b.b', [4], randn(4, 23, 0.1));
      y = b.act(b.g.add1('conv2d', [y, wB, bB], { ...r.geo }, 'b'), 'tanh');
      const model = b.finish(b.classifier(b.globalAvgPool(y), 3));
      const before: Params = new Map(model.tensors.filter((t) => t.role === 'param').map((t) => [t.name, Float64Array.from(t.data!)]));
      const loss = (p: Params) => {
        const a = convF64(Float64Array.from(X), xs, p.get('a.w')!, [3, 3, 2, 4], p.get('a.b')!, {
          stride: [1, 1],
          pads: [1, 1, 1, 1],
          dilation: [1, 1],
          groups: 1,
        });
        const l = convF64(a.y.map(Math.tanh), a.shape, p.get('b.w')!, wsB, p.get('b.b')!, r.geo);
        return meanCE(gapDense(l.y.map(Math.tanh), l.shape, p.get('classifier.w')!, p.get('classifier.b')!, 3), LABELS, 3);
      };
      const sg = buildStepGraph({ kind: 'plain', model }, SGD1);
      const c = await compile(await runtime(), sg.graph, { fuse: false });
      await c.run([X, LABELS, hyperFor(SGD1, 0)]);
      const grad = fdGrad(clone(before), loss);
      for (const [name, id] of sg.models[0].params) {
        const after = await c.readTensor(id);
        const step = Float32Array.from(before.get(name)!, (w, i) => w - after[i]);
        expectClose(step, Float32Array.from(grad.get(name)!), TOL.grad, `${r.name}: −Δ${name} vs ∇loss`);
      }
      c.destroy();
    });
  }
});

describe('depthwise forward: every variant that takes a dilation, with unequal dilations and strides', () => {
  const DILS: [number, number][] = [
    [1, 2],
    [2, 1],
    [2, 3],
  ];
  const STR: [number, number][] = [
    [1, 1],
    [2, 1],
    [1, 2],
  ];
  for (const [dilation, stride] of product(DILS, STR)) {
    const attrs: Attrs = { groups: 8, stride, dilation, pads: [2, 1, 1, 3] };
    const xs = [1, 9, 11, 8],
      ws = [3, 3, 1, 8];
    for (const v of ['depthwise_regtile', 'conv2d_direct']) {
      it(`fp32 d${dilation} s${stride} [${v}]`, async () => {
        const x = randn(size(xs), 31),
          w = randn(size(ws), 32, 0.5),
          b = randn(8, 33);
        const { out } = await runOp(
          'conv2d',
          [
            { shape: xs, data: x },
            { shape: ws, data: w, param: true },
            { shape: [8], data: b, param: true },
          ],
          attrs,
          v,
        );
        expectClose(out, conv2dRef(x, xs, w, ws, b, attrs), TOL.f32, `${v}`);
      });
    }
    for (const v of ['int8_depthwise_dot4', 'int8_depthwise_unpack']) {
      it(`int8 d${dilation} s${stride} [${v}]`, async () => {
        const M = [0.011, 0.0043, 0.02, 0.0007, 0.013, 0.009, 0.0031, 0.017];
        const out = await int8Conv(xs, ws, { ...attrs, xZero: 3, yZero: -2 }, M, v, 41);
        expectExact(out.gpu, out.ref, v);
      });
    }
  }
});

describe('depthwise 3×3 kernels (dilation 1, equal strides) with every side of the padding different', () => {
  const PADS3: Pads[] = [
    [0, 1, 1, 0],
    [1, 0, 0, 1],
    [1, 1, 0, 0],
  ];
  for (const [s, pads] of product([1, 2], PADS3)) {
    const attrs: Attrs = { groups: 8, stride: [s, s], pads };
    const xs = [2, 7, 9, 8],
      ws = [3, 3, 1, 8];
    for (const v of [`depthwise_3x3_s${s}`, 'depthwise_regtile']) {
      it(`s${s} p${pads} [${v}]`, async () => {
        const x = randn(size(xs), 34),
          w = randn(size(ws), 35, 0.5),
          b = randn(8, 36);
        const { out } = await runOp(
          'conv2d',
          [
            { shape: xs, data: x },
            { shape: ws, data: w, param: true },
            { shape: [8], data: b, param: true },
          ],
          attrs,
          v,
        );
        expectClose(out, conv2dRef(x, xs, w, ws, b, attrs), TOL.f32, v);
      });
    }
  }
});

/** One int8 conv through quantize → conv2d_int8 → dequantize (scale 1), pinned to `variant`; and the CPU reference. */
async function int8Conv(
  xs: number[],
  ws: number[],
  attrs: Attrs,
  M: number[],
  variant: string,
  seed: number,
  range = { x: 128, w: 127, b: 5000 },
) {
  const groups = (attrs.groups as number) ?? 1,
    cout = ws[3],
    zx = (attrs.xZero as number) ?? 0;
  const xq = Int8Array.from(randInt(size(xs), seed, -range.x, Math.min(127, range.x)));
  const wq = Int8Array.from(randInt(size(ws), seed + 1, -range.w, range.w));
  const bq = Int32Array.from(randInt(cout, seed + 2, -range.b, range.b));
  const folded = bq.map((b, co) => {
    let s = 0;
    for (let j = 0; j < ws[0] * ws[1] * ws[2]; j++) s += wq[j * cout + co];
    return b - zx * s;
  });
  const g = new Graph();
  const q = g.add1('quantize', [g.addInput('x', xs)], { scale: 1, zero: zx });
  const packed = packInt8ConvWeights(wq, ws, groups);
  const w = g.addRawParam('w', [packed.length], packed);
  const tables = int8ConvTables(folded, M);
  const t = g.addRawParam('qp', [tables.length], tables);
  g.markOutput(g.add1('dequantize', [g.add1('conv2d_int8', [q, w, t], { ...attrs, kernel: [ws[0], ws[1]], cout })], { scale: 1, zero: 0 }));
  const m = await compile(await runtime(), g, { tune: 'off', forceVariant: variant });
  const [gpu] = await m.run([Float32Array.from(xq, (v) => v - zx)]);
  m.destroy();
  return { gpu, ref: conv2dInt8Ref(xq, xs, wq, ws, bq, M, attrs), xq, wq, bq };
}

describe('rounding rules at their exact ties', () => {
  it('quantize rounds half to even (x·(1/scale) exactly k + ½, both signs)', async () => {
    const shape = [1, 2, 4, 5];
    for (const scale of [0.5, 0.25]) {
      const x = Float32Array.from({ length: size(shape) }, (_, i) => (i - 20 + 0.5) * scale); // −19.5 … 19.5 after scaling
      const g = new Graph();
      g.markOutput(g.add1('dequantize', [g.add1('quantize', [g.addInput('x', shape)], { scale, zero: 3 })], { scale: 1, zero: 0 }));
      const m = await compile(await runtime(), g, { tune: 'off' });
      const [out] = await m.run([x]);
      m.destroy();
      const ref = quantizeRef(x, scale, 3);
      expect(ref[19] - 3, 'the reference: −0.5 → 0').toBe(0);
      expect(ref[21] - 3, 'the reference: 1.5 → 2').toBe(2);
      expectExact(out, Float32Array.from(ref), `quantize scale ${scale}`);
    }
  });

  // Multipliers m·2^−s with m = 3·2^13 or 2^14 (many trailing zero bits), so that acc·m ≡ 2^(s−1) (mod 2^s) — an
  // exact tie — for one small accumulator in 2 to 32: two channels on each shift branch of requant4 (s = 14, 15
  // below 16; s = 16; s = 17, 17, 18, 19 above).
  const TIES = [1.5, 0.75, 0.375, 0.25, 0.1875, 0.125, 0.0625, 0.03125];
  const BRANCHES = { 's < 16': [0, 1], 's = 16': [2, 3], 's ≥ 17': [4, 5, 6, 7] };
  const tieCount = (acc: number, M: number) => {
    const [m, s] = quantizeMultiplier(M);
    return (((acc * m) % 2 ** s) + 2 ** s) % 2 ** s === 2 ** (s - 1) ? 1 : 0;
  };
  const tieCases: { name: string; xs: number[]; ws: number[]; attrs: Attrs; variants: string[] }[] = [
    {
      name: 'pointwise',
      xs: [2, 5, 7, 8],
      ws: [1, 1, 8, 8],
      attrs: { xZero: 0 },
      variants: ['int8_pointwise_dot4_tm4', 'int8_pointwise_unpack_tm4', 'int8_conv2d_dot4', 'int8_conv2d_unpack'],
    },
    {
      name: 'depthwise 3x3',
      xs: [1, 8, 9, 8],
      ws: [3, 3, 1, 8],
      attrs: { groups: 8, pads: [1, 1, 1, 1], xZero: 0 },
      variants: ['int8_depthwise_dot4', 'int8_depthwise_unpack'],
    },
  ];
  for (const c of tieCases) {
    for (const v of c.variants) {
      // small inputs, weights and biases keep most outputs inside int8, so the rounding is what is compared
      it(`requantization half up at ties, every shift branch: ${c.name} [${v}]`, async () => {
        const r = await int8Conv(c.xs, c.ws, c.attrs, TIES, v, 51, { x: 6, w: 3, b: 20 });
        expectExact(r.gpu, r.ref, `${c.name} ${v}`);
        const ties = TIES.map((M, co) => {
          let n = 0;
          for (let i = co; i < r.ref.length; i += c.ws[3]) if (Math.abs(r.ref[i]) < 127) n += tieCount(accOf(r, c, i), M);
          return n;
        });
        for (const [branch, chans] of Object.entries(BRANCHES)) {
          expect(
            chans.reduce((u, co) => u + ties[co], 0),
            `unsaturated ties on the ${branch} branch (per channel ${ties})`,
          ).toBeGreaterThan(0);
        }
      });
    }
  }

  it('fake_quant rounds half to even (w/s exactly k + ½ with s = 1)', async () => {
    const ws = [3, 3, 2, 4];
    const w = Float32Array.from({ length: size(ws) }, (_, i) => (i < 4 ? 127 : (i % 41) - 20 + 0.5)); // channel max 127: s = 1
    const [q] = await runNode('fake_quant', [{ shape: ws, data: w }], { bits: 8 });
    const even = (v: number) => (Math.floor(v) % 2 === 0 ? Math.floor(v) : Math.floor(v) + 1);
    expectExact(
      q,
      Float32Array.from(w, (v, i) => (i < 4 ? 127 : even(v))),
      'fake_quant',
    );
  });

  it('add_int8 rounds half up at ties ((sum + 2^13) >> 14)', async () => {
    const shape = [1, 3, 5, 8];
    const n = size(shape);
    const a = Int8Array.from(randInt(n, 61, -100, 100));
    const b = Int8Array.from(randInt(n, 62, -100, 100));
    // a/2 + (b−1)/4: ties when a + (b−1)/2 is odd/2
    const attrs = { aZero: 0, bZero: 1, ka: 8192, kb: 4096, yZero: 0, qmin: -128, qmax: 127 };
    const g = new Graph();
    const qa = g.add1('quantize', [g.addInput('a', shape)], { scale: 1, zero: 0 });
    const qb = g.add1('quantize', [g.addInput('b', shape)], { scale: 1, zero: 1 });
    g.markOutput(g.add1('dequantize', [g.add1('add_int8', [qa, qb], attrs)], { scale: 1, zero: 0 }));
    const m = await compile(await runtime(), g, { tune: 'off' });
    const [out] = await m.run([Float32Array.from(a), Float32Array.from(b, (v) => v - 1)]);
    m.destroy();
    const ties = [...a].filter((v, i) => (((v * 8192 + (b[i] - 1) * 4096) % 16384) + 16384) % 16384 === 8192).length;
    expect(ties).toBeGreaterThan(0);
    expectExact(out, Float32Array.from(addInt8Ref(a, b, attrs)), 'add_int8');
  });
});

/** The int32 accumulator of output element i of an int8 conv (bias + Σ (x − zx)·w), from the definition. */
function accOf(r: { xq: Int8Array; wq: Int8Array; bq: Int32Array }, c: { xs: number[]; ws: number[]; attrs: Attrs }, i: number): number {
  const g = convGeom([c.xs, c.ws], c.attrs);
  const zx = (c.attrs.xZero as number) ?? 0;
  const co = i % g.cout;
  let rest = Math.floor(i / g.cout);
  const ow = rest % g.ow;
  rest = Math.floor(rest / g.ow);
  const oh = rest % g.oh;
  const n = Math.floor(rest / g.oh);
  const cg = g.cin / g.groups,
    grp = Math.floor(co / (g.cout / g.groups));
  let acc = r.bq[co];
  for (let kh = 0; kh < g.kh; kh++)
    for (let kw = 0; kw < g.kw; kw++) {
      const ih = oh * g.sh - g.pt + kh * g.dh,
        iw = ow * g.sw - g.pl + kw * g.dw;
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
      for (let ci = 0; ci < cg; ci++)
        acc += (r.xq[((n * g.h + ih) * g.w + iw) * g.cin + grp * cg + ci] - zx) * r.wq[((kh * g.kw + kw) * cg + ci) * g.cout + co];
    }
  return acc;
}
