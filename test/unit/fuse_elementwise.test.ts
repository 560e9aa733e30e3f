// Glue ops: the binary kernel's broadcast fast paths, the generated fused_elementwise kernels and the glue passes
// (graph/fuse_elementwise.ts) — each against a float64 CPU reference, the unfused graph, and onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph, type Node } from '../../src/graph/ir.js';
import { foldChannelAffine, fuseElementwise, matchHardActivations } from '../../src/graph/fuse_elementwise.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { blockPattern } from '../../src/ops/elementwise.js';
import { fusedRef, parseProgram, type FusedProgram } from '../../src/ops/fused_elementwise.js';
import { ACTIVATIONS, activationRef } from '../../src/ops/activation.js';
import { attrNum } from '../../src/ops/registry.js';
import { check } from '../../src/runtime/errors.js';
import { BINARY, binaryRef, blockSwap, broadcastShapes, broadcastStrides, type BinaryName } from '../../src/ops/tensor.js';
import { exportedMobilenetV2, exportedMobilenetV3 } from '../exported_models.js';
import { expectClose, randn, runOp, runtime, TOL } from '../helpers.js';
import { attr, OnnxBuilder } from '../onnx_builder.js';
import { feedsOf, ortOutputs } from '../onnx_compare.js';

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** float64 numpy-broadcast reference of a binary op. */
function binaryCpu(fn: BinaryName, a: Float32Array, as: number[], b: Float32Array, bs: number[]): Float32Array {
  const out = broadcastShapes(as, bs);
  const sa = broadcastStrides(as, out);
  const sb = broadcastStrides(bs, out);
  const y = new Float32Array(numel(out));
  for (let i = 0; i < y.length; i++) {
    let r = i;
    let ia = 0;
    let ib = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const c = r % out[d];
      r = Math.floor(r / out[d]);
      ia += c * sa[d];
      ib += c * sb[d];
    }
    y[i] = binaryRef(fn, a[ia], b[ib]);
  }
  return y;
}

describe('blockPattern', () => {
  it('classifies same-shape, scalar, per-channel and NCHW-channel operands; null for the rest', () => {
    expect(blockPattern([2, 3, 4], [2, 3, 4])).toEqual({ inner: 1, count: 24 });
    expect(blockPattern([1], [2, 3, 4])).toEqual({ inner: 1, count: 1 });
    expect(blockPattern([], [5])).toEqual({ inner: 1, count: 1 });
    expect(blockPattern([4], [2, 3, 4])).toEqual({ inner: 1, count: 4 });
    expect(blockPattern([1, 1, 1, 7], [1, 5, 5, 7])).toEqual({ inner: 1, count: 7 });
    expect(blockPattern([3, 1, 1], [1, 3, 5, 5])).toEqual({ inner: 25, count: 3 });
    expect(blockPattern([2, 1, 1], [2, 3, 1])).toEqual({ inner: 3, count: 2 });
    expect(blockPattern([2, 1, 4], [2, 3, 4])).toBeNull(); // two blocks: strided
    expect(blockPattern([3, 1], [3, 4])).toEqual({ inner: 4, count: 3 });
    expect(blockPattern([2, 1, 1, 3], [2, 5, 5, 3])).toBeNull(); // SE scale with N > 1
    expect(blockPattern([1, 3, 1, 4], [1, 3, 1, 4])).toEqual({ inner: 1, count: 12 });
    expect(blockPattern([3, 1, 4], [3, 1, 4])).toEqual({ inner: 1, count: 12 });
    expect(blockPattern([2, 3, 4, 5], [3, 4, 5])).toBeNull(); // higher rank than the output
  });
});

describe('transpose: block swaps (NCHW ↔ NHWC, …) as a batched 2-D transpose, the rest strided', () => {
  it('agrees with the index formula for every permutation kind, odd sizes', async () => {
    const cases: [number[], number[], boolean][] = [
      [[1, 3, 5, 7], [0, 2, 3, 1], true],
      [[2, 5, 3, 3], [0, 3, 1, 2], true],
      [[5, 7], [1, 0], true],
      [[3, 2, 5], [2, 0, 1], true],
      [[2, 3, 5, 1, 3], [0, 1, 4, 2, 3], true],
      [[2, 3, 5, 7], [0, 2, 1, 3], false],
      [[3, 4, 5], [2, 1, 0], false],
    ];
    for (const [shape, perm, swap] of cases) {
      expect(blockSwap(perm, shape) !== null, JSON.stringify(perm)).toBe(swap);
      const x = randn(numel(shape), 21, 1);
      const { out, shape: os } = await runOp('transpose', [{ shape, data: x }], { perm });
      const xs = broadcastStrides(shape, shape);
      const want = new Float32Array(out.length);
      for (let i = 0; i < want.length; i++) {
        let r = i;
        let xi = 0;
        for (let d = os.length - 1; d >= 0; d--) {
          xi += (r % os[d]) * xs[perm[d]];
          r = Math.floor(r / os[d]);
        }
        want[i] = x[xi];
      }
      expectClose(out, want, { atol: 0, rtol: 0 }, `transpose ${JSON.stringify(shape)} ${JSON.stringify(perm)}`);
    }
  }, 60_000);
});

describe('binary kernel fast paths', () => {
  // [a shape, b shape]: odd sizes, size-1 dims, ranks 1–6, scalars on either side, per-channel, NCHW channel, strided
  const cases: [number[], number[]][] = [
    [[7], [7]],
    [[7], [1]],
    [[1], [9]],
    [[8], []],
    [[3, 5], [5]],
    [[3, 8], [8]],
    [
      [3, 8],
      [3, 1],
    ],
    [
      [2, 3, 5],
      [2, 3, 5],
    ],
    [
      [1, 4, 4, 12],
      [1, 1, 1, 12],
    ],
    [
      [1, 1, 1, 12],
      [1, 4, 4, 12],
    ],
    [
      [1, 3, 5, 5],
      [3, 1, 1],
    ],
    [
      [2, 3, 4, 4],
      [3, 1, 1],
    ],
    [
      [2, 5, 5, 3],
      [2, 1, 1, 3],
    ],
    [
      [2, 1, 3, 1, 5],
      [2, 4, 3, 1, 5],
    ],
    [
      [2, 1, 3, 2, 1, 3],
      [1, 2, 3, 1, 2, 1],
    ],
    [[1, 2, 1, 3, 2, 4], [4]],
    [[5, 1, 7], [1]],
  ];
  it('agrees with the float64 reference on every path (vec4, fast, strided) for every function', async () => {
    for (const [as, bs] of cases) {
      const all = JSON.stringify([as, bs]) === '[[7],[1]]' || JSON.stringify([as, bs]) === '[[3,8],[8]]';
      for (const fn of (all ? Object.keys(BINARY) : ['sub', 'prelu']) as BinaryName[]) {
        const a = randn(numel(as.length ? as : [1]), 3, 2);
        const b =
          fn === 'pow' ? randn(numel(bs.length ? bs : [1]), 4, 1).map((v) => Math.round(3 * v)) : randn(numel(bs.length ? bs : [1]), 4, 2);
        if (fn === 'div') b.forEach((v, i) => (b[i] = v + (v >= 0 ? 0.5 : -0.5)));
        const want = binaryCpu(fn, a, as, b, bs);
        for (const strided of [0, 1]) {
          const { out } = await runOp(
            'binary',
            [
              { shape: as.length ? as : [1], data: a },
              { shape: bs.length ? bs : [1], data: b },
            ],
            { fn, strided },
          );
          expectClose(out, want, TOL.f32, `${fn} ${JSON.stringify(as)} ${JSON.stringify(bs)} strided=${strided}`);
        }
      }
    }
  }, 120_000);
});

/** An imported model's outputs: glue passes on (default), glue off, or no fusion at all. */
async function importedRun(bytes: Uint8Array, feeds: ReturnType<typeof feedsOf>, mode: 'glue' | 'noglue' | 'nofuse') {
  const m = importOnnx(bytes);
  const c = await compile(await runtime(), m.graph, { fuse: mode !== 'nofuse', glue: mode === 'glue', tune: 'off' });
  const ys = await c.run(m.inputs.map((i) => feeds[i.name][0]));
  const ops = c.graph.nodes.map((n) => n.op).filter((o) => o !== 'transpose' && o !== 'reshape'); // layout at the edges
  const kernels = mode === 'glue' ? (await c.profile(m.inputs.map((i) => feeds[i.name][0]))).nodes.flatMap((n) => n.kernels) : [];
  c.destroy();
  return { ys, ops, kernels, report: c.fusion };
}

describe('exported mobile networks (PyTorch-style ONNX) with the glue passes', () => {
  for (const [name, build] of [
    ['mobilenet_v3_small', exportedMobilenetV3],
    ['mobilenet_v2', exportedMobilenetV2],
  ] as const) {
    it(`${name} 0.25 at 32×32: fused = unfused = onnxruntime`, async () => {
      const b = build({ res: 32, width: 0.25, classes: 10 });
      const feeds = feedsOf(b);
      const bytes = b.bytes();
      const ref = await ortOutputs(bytes, feeds);
      const glue = await importedRun(bytes, feeds, 'glue');
      const plain = await importedRun(bytes, feeds, 'nofuse');
      // v3: 19 hard-swish and 9 hard-sigmoid written out; v2 has none (ReLU6 is one Clip, imported as relu6)
      expect(glue.report?.hardActivations).toBe(name === 'mobilenet_v2' ? 0 : 28);
      expect(glue.ops.length).toBeLessThanOrEqual(plain.ops.length);
      if (name !== 'mobilenet_v2')
        expect(glue.ops.filter((o) => o === 'binary').length).toBeLessThan(plain.ops.filter((o) => o === 'binary').length / 3);
      expectClose(glue.ys[0], ref[0], { atol: 1e-4, rtol: 1e-4 }, `${name} fused vs onnxruntime`);
      expectClose(glue.ys[0], plain.ys[0], { atol: 1e-4, rtol: 1e-4 }, `${name} fused vs unfused`);
    }, 60_000);
  }
});

describe('fused_elementwise kernels (generated WGSL) vs the float64 reference', () => {
  // every activation-table code on a signed value (and log/sqrt/reciprocal on a positive one), summed, then every
  // binary function with an input, a per-channel parameter, a scalar input and literal constants on either side
  const unarySteps = (): FusedProgram['steps'] => {
    const steps: FusedProgram['steps'] = [
      { b: BINARY.mul, x: 'i0', y: 'i1' }, // s0 signed
      { u: 13, alpha: 0, beta: 0, x: 's0' }, // s1 = |s0|
      { b: BINARY.add, x: 's1', y: 0.25 }, // s2 positive
      { b: BINARY.mul, x: 's0', y: 0 }, // s3 = 0: the running sum
    ];
    let acc = 3;
    for (let code = 0; code <= 22; code++) {
      const positive = code === 16 || code === 17 || code === 22;
      const [alpha, beta] = code === 9 ? [0.2, 0.5] : code === 12 ? [-0.5, 0.75] : code === 7 || code === 8 ? [0.1, 0] : [1, 0];
      steps.push({ u: code, alpha, beta, x: positive ? 's2' : 's0' });
      steps.push({ b: BINARY.add, x: `s${acc}`, y: `s${steps.length - 1}` });
      acc = steps.length - 1;
    }
    return steps;
  };
  const binarySteps = (): FusedProgram['steps'] => {
    const steps: FusedProgram['steps'] = [{ u: 13, alpha: 0, beta: 0, x: 'i0' }]; // s0 = |x|
    const acc = () => `s${steps.length - 1}`;
    for (const fn of ['add', 'sub', 'mul', 'div', 'max', 'min', 'prelu'] as const) {
      steps.push({ b: BINARY[fn], x: 'i0', y: 'i1' });
      steps.push({ b: BINARY.add, x: acc(), y: `s${steps.length - 1}` });
      steps.push({ b: BINARY[fn], x: 1.5, y: 'i2' });
      steps.push({ b: BINARY.add, x: acc(), y: `s${steps.length - 1}` });
    }
    steps.push({ b: BINARY.pow, x: 's0', y: 1.5 });
    steps.push({ b: BINARY.pow, x: 'i0', y: 3 });
    steps.push({ b: BINARY.add, x: `s${steps.length - 2}`, y: `s${steps.length - 1}` });
    return steps;
  };
  // [output shape, per-channel parameter shape]: vec4 (C % 4 = 0), odd C, NCHW channel with inner 25 (not vec4) and 16
  // (vec4 splat), rank 1 and rank 6
  const shapes: [number[], number[]][] = [
    [[1, 4, 4, 12], [12]],
    [
      [1, 3, 5, 7],
      [1, 1, 1, 7],
    ],
    [
      [1, 3, 5, 5],
      [3, 1, 1],
    ],
    [
      [2, 3, 4, 4],
      [3, 1, 1],
    ],
    [[9], [9]],
    [[2, 1, 3, 2, 1, 5], [5]],
  ];
  for (const [shape, cs] of shapes) {
    it(`every unary code and binary function, output ${JSON.stringify(shape)}, channel operand ${JSON.stringify(cs)}`, async () => {
      for (const steps of [unarySteps(), binarySteps()]) {
        const prog: FusedProgram = { steps };
        const x = randn(numel(shape), 11, 1.5);
        const c = randn(numel(cs), 12, 1).map((v) => (v >= 0 ? v + 0.5 : v - 0.5));
        const sc = Float32Array.of(-0.75);
        const g = new Graph();
        const ids = [g.addInput('x', shape), g.addParam('c', cs, c), g.addInput('s', [1])];
        const y = g.add1('fused_elementwise', ids, { shape, prog: JSON.stringify(prog) });
        g.markOutput(y);
        const m = await compile(await runtime(), g, { fuse: false });
        const [out] = await m.run([x, sc]);
        m.destroy();
        const want = fusedRef(
          prog,
          [
            { shape, data: x },
            { shape: cs, data: c },
            { shape: [1], data: sc },
          ],
          shape,
        );
        expectClose(out, Float32Array.from(want), { atol: 2e-4, rtol: 2e-4 }, `${JSON.stringify(shape)} ${steps.length} steps`);
      }
    }, 60_000);
  }
});

/** A one-conv NCHW model, then `tail` adds nodes after the conv's output. */
function convThen(tail: (b: OnnxBuilder, y: string, c: (v: number) => string) => string, cin = 3, cout = 8, res = 6): OnnxBuilder {
  const b = new OnnxBuilder(13);
  const x = b.input('x', [1, cin, res, res]);
  const consts: Record<string, string> = {};
  const c = (v: number) => (consts[String(v)] ??= b.init([], [v], 1, 'c'));
  b.output(tail(b, b.conv(x, cin, cout, 3), c));
  return b;
}

/** Compile with the glue passes and without; both against onnxruntime at rtol 1e-4. Returns the glued graph's ops. */
async function checkAgainstOrt(b: OnnxBuilder, what: string) {
  const feeds = feedsOf(b);
  const bytes = b.bytes();
  const ref = await ortOutputs(bytes, feeds);
  const glue = await importedRun(bytes, feeds, 'glue');
  const plain = await importedRun(bytes, feeds, 'noglue');
  expectClose(glue.ys[0], ref[0], TOL.f32, `${what}: glue passes vs onnxruntime`);
  expectClose(plain.ys[0], ref[0], TOL.f32, `${what}: no glue passes vs onnxruntime`);
  return glue;
}

describe('glue pattern matching (exact constants) and epilogue folding', () => {
  const hsw = (b: OnnxBuilder, y: string, c: (v: number) => string, add = 3, hi = 6, div = 6, mulSixth = false) => {
    const r = b.node1('Clip', [b.node1('Add', [y, c(add)]), c(0), c(hi)]);
    const m = b.node1('Mul', [y, r]);
    return mulSixth ? b.node1('Mul', [m, c(1 / 6)]) : b.node1('Div', [m, c(div)]);
  };
  it('hard-swish written out (Add 3, Clip 0 6, Mul, Div 6 or ×1/6) folds into the conv as activation 3', async () => {
    for (const mulSixth of [false, true]) {
      const r = await checkAgainstOrt(
        convThen((b, y, c) => hsw(b, y, c, 3, 6, 6, mulSixth)),
        `hardswish mulSixth=${mulSixth}`,
      );
      expect(r.report?.hardActivations, 'patterns matched').toBe(1);
      expect(r.ops).toEqual(['conv2d']);
    }
  }, 60_000);
  it('x · HardSigmoid(α 1/6, β 1/2)(x) and a written-out hard-sigmoid are recognised', async () => {
    const r = await checkAgainstOrt(
      convThen((b, y) => b.node1('Mul', [y, b.node1('HardSigmoid', [y], [attr.f('alpha', 1 / 6), attr.f('beta', 0.5)])])),
      'x·hardsigmoid(x)',
    );
    expect(r.ops).toEqual(['conv2d']);
    const h = await checkAgainstOrt(
      convThen((b, y, c) => b.node1('Div', [b.node1('Clip', [b.node1('Add', [y, c(3)]), c(0), c(6)]), c(6)])),
      'hardsigmoid',
    );
    expect(h.report?.hardActivations).toBe(1);
    expect(h.ops).toEqual(['conv2d', 'unary']);
  }, 60_000);
  it('a wrong constant (Clip 0..5, Add 2.9, Div 5, Mul 0.17) is left alone, and the result still matches onnxruntime', async () => {
    for (const [add, hi, div] of [
      [3, 5, 6],
      [2.9, 6, 6],
      [3, 6, 5],
    ]) {
      const r = await checkAgainstOrt(
        convThen((b, y, c) => hsw(b, y, c, add, hi, div)),
        `add ${add} clip ${hi} div ${div}`,
      );
      expect(r.report?.hardActivations, `add ${add} clip ${hi} div ${div}`).toBe(0);
      expect(r.ops.filter((o) => o === 'activation' || o === 'conv2d')).toEqual(['conv2d']);
      expect(r.ops, 'the chain still runs as one fused kernel').toContain('fused_elementwise');
    }
    const m = await checkAgainstOrt(
      convThen((b, y, c) => b.node1('Mul', [b.node1('Mul', [y, b.node1('Clip', [b.node1('Add', [y, c(3)]), c(0), c(6)])]), c(0.17)])),
      'mul 0.17',
    );
    expect(m.report?.hardActivations).toBe(0);
  }, 60_000);
  it('per-channel Mul / Div / Add / Sub by constants after a conv fold into its weights and bias', async () => {
    const ch = (b: OnnxBuilder, seed: number) =>
      b.init(
        [8, 1, 1],
        Array.from({ length: 8 }, (_, i) => 0.5 + ((i * seed) % 7) / 5),
      );
    const r = await checkAgainstOrt(
      convThen((b, y, c) => {
        const a = b.node1('Mul', [ch(b, 3), y]);
        const d = b.node1('Div', [a, ch(b, 5)]);
        const e = b.node1('Sub', [b.node1('Add', [d, ch(b, 2)]), c(0.3)]);
        return b.node1('Clip', [e, c(0), c(6)]);
      }),
      'affine chain',
    );
    expect(r.report?.affinesFolded).toBe(4);
    expect(r.ops).toEqual(['conv2d']);
    // a Div with the conv as divisor, and Sub from a constant, are not affine in the conv output: left alone
    const n = await checkAgainstOrt(
      convThen((b, y) => b.node1('Sub', [ch(b, 3), b.node1('Div', [ch(b, 4), y])])),
      'not affine',
    );
    expect(n.report?.affinesFolded).toBe(0);
  }, 60_000);
  it('an elementwise chain in NCHW (no conv) becomes one fused kernel named after its ops', async () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [1, 3, 5, 5]);
    const s = b.init([3, 1, 1], [0.5, -1.25, 2]);
    const m = b.node1('Mul', [x, s]);
    const t = b.node1('Tanh', [b.node1('Add', [m, b.init([], [0.5], 1, 'c')])]);
    b.output(b.node1('Mul', [b.node1('Sigmoid', [t]), x]));
    const r = await checkAgainstOrt(b, 'nchw chain');
    expect(r.ops).toEqual(['fused_elementwise']);
    expect(r.kernels).toEqual([expect.stringMatching(/^fused_elementwise\[mul,add,tanh,sigmoid,mul\](#\d+)?$/)]);
  }, 60_000);
  it("residual 'add' nodes (one with its ReLU fused) first and last in a chain: each sum is a step of the fused kernel", async () => {
    // fuse_elementwise.ts:237 (the add's own step; a survivor of the fresh mutation sample seed 2028)
    const shape = [1, 2, 3, 4];
    const s = Float32Array.of(0.5, -1, 2, 1.5);
    const g = new Graph();
    const x = g.addInput('x', shape);
    const y = g.addInput('y', shape);
    const r = g.add1('activation', [g.add1('add', [x, y], {}, 'res')], { act: 1 }, 'relu');
    const m = g.add1('binary', [r, g.addParam('s', [4], s)], { fn: 'mul' }, 'scale');
    g.markOutput(g.add1('add', [m, x], {}, 'res2'));
    const c = await compile(await runtime(), g, { tune: 'off' });
    expect(c.graph.nodes.map((n) => n.op)).toEqual(['fused_elementwise']);
    const xs = randn(24, 21, 2);
    const ys = randn(24, 22, 2);
    const [out] = await c.run([xs, ys]);
    c.destroy();
    const want = Float32Array.from(xs, (v, i) => Math.max(0, v + ys[i]) * s[i % 4] + v);
    expectClose(out, want, TOL.f32, 'relu(x + y)·s + x');
  }, 60_000);
  it('a squeeze-excitation gate (GlobalAveragePool → Conv → hard-sigmoid written out → Mul) runs as one fused kernel', async () => {
    const r = await checkAgainstOrt(
      convThen((b, y, c) => {
        const p = b.node1('GlobalAveragePool', [y]);
        const gate = b.node1('Div', [b.node1('Clip', [b.node1('Add', [b.conv(p, 8, 8, 1), c(3)]), c(0), c(6)]), c(6)]);
        return b.node1('Mul', [y, gate]);
      }),
      'SE',
    );
    expect(r.ops).toEqual(['conv2d', 'global_pool', 'conv2d', 'fused_elementwise']);
    // names are per process: another chain of the same ops and other shapes gets a '#k' suffix
    expect(r.kernels.filter((k) => k.startsWith('fused'))).toEqual([
      expect.stringMatching(/^fused_elementwise\[hardsigmoid,mul\](#\d+)?$/),
    ]);
  }, 60_000);
  it('a value read twice inside a chain or a graph output in the middle stops fusion there', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 8]);
    const a = g.add1('activation', [x], { act: 1 });
    const b = g.add1('unary', [a], { fn: 'exp' });
    const c = g.add1('binary', [a, b], { fn: 'add' }); // a has two consumers
    g.markOutput(g.add1('activation', [c], { act: 5 }));
    const o = optimizeForInference(g, { glue: true }).graph;
    expect(o.nodes.map((n) => n.op)).toEqual(['activation', 'fused_elementwise']);
    expect(matchHardActivations(o.clone())).toBe(0);
    const h = new Graph();
    const y = h.addInput('y', [6]);
    const p = h.add1('unary', [y], { fn: 'abs' });
    h.markOutput(p);
    h.markOutput(h.add1('unary', [p], { fn: 'sqrt' }));
    expect(fuseElementwise(h)).toBe(0);
  });
});

describe('glue pattern guards on hand-built graphs (CPU)', () => {
  /** x [1,4,4,8] and scalar constants; `tail` builds the rest and returns the graph outputs. */
  const build = (tail: (g: Graph, x: number, c: (v: number) => number) => number[]) => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 8]);
    let k = 0;
    const c = (v: number) => g.addParam(`c${k++}`, [1], Float32Array.of(v));
    for (const o of tail(g, x, c)) g.markOutput(o);
    return g;
  };
  const bin = (g: Graph, fn: string, a: number, b: number) => g.add1('binary', [a, b], { fn });
  const relu6 = (g: Graph, t: number) => g.add1('unary', [t], { fn: 'clip', alpha: 0, beta: 6 });
  const cases: [string, (g: Graph, x: number, c: (v: number) => number) => number[], number][] = [
    ['hard-swish written out', (g, x, c) => [bin(g, 'div', bin(g, 'mul', x, relu6(g, bin(g, 'add', x, c(3)))), c(6))], 1],
    ['hard-sigmoid written out', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), c(6))], 1],
    [
      'hard-swish whose relu6 is read again: left alone',
      (g, x, c) => {
        const r = relu6(g, bin(g, 'add', x, c(3)));
        return [bin(g, 'div', bin(g, 'mul', x, r), c(6)), g.add1('unary', [r], { fn: 'exp' })];
      },
      0,
    ],
    [
      'hard-swish whose relu6 is a graph output: left alone',
      (g, x, c) => {
        const r = relu6(g, bin(g, 'add', x, c(3)));
        return [bin(g, 'div', bin(g, 'mul', x, r), c(6)), r];
      },
      0,
    ],
    [
      "a unary with Clip's α 0, β 6 that is not Clip (hardsigmoid): not relu6",
      (g, x, c) => [bin(g, 'div', g.add1('unary', [bin(g, 'add', x, c(3))], { fn: 'hardsigmoid', alpha: 0, beta: 6 }), c(6))],
      0,
    ],
    [
      'y · relu6(x + 3) / 6 with y ≠ x: not hard-swish',
      (g, x, c) => {
        const y = g.add1('unary', [x], { fn: 'exp' });
        return [bin(g, 'div', bin(g, 'mul', y, relu6(g, bin(g, 'add', x, c(3)))), c(6))];
      },
      0,
    ],
  ];
  for (const [what, tail, want] of cases)
    it(`matchHardActivations: ${what} (${want})`, () => {
      const g = build(tail);
      const before = g.nodes.length;
      expect(matchHardActivations(g)).toBe(want);
      if (want === 0) expect(g.nodes.length).toBe(before);
      // every node input still has a producer or is an input/param
      const made = new Set([
        ...g.inputs,
        ...g.tensors.filter((t) => t.role === 'param').map((t) => t.id),
        ...g.nodes.flatMap((n) => n.outputs),
      ]);
      for (const n of g.nodes) for (const t of n.inputs) expect(made.has(t), `${n.name} reads ${g.tensors[t].name}`).toBe(true);
    });

  /** conv2d (8 → 8 channels, no bias) then `tail` with a per-channel constant [8]. */
  const convG = (tail: (g: Graph, y: number, ch: number) => number) => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 8]);
    const w = g.addParam(
      'w',
      [3, 3, 8, 8],
      Float32Array.from({ length: 576 }, (_, i) => ((i * 37) % 11) / 10 - 0.5),
    );
    const y = g.add1('conv2d', [x, w], { stride: [1, 1], pad: [1, 1, 1, 1] }, 'conv');
    const ch = g.addParam(
      'ch',
      [8],
      Float32Array.from({ length: 8 }, (_, i) => 0.5 + i / 4),
    );
    g.markOutput(tail(g, y, ch));
    return g;
  };
  const affine: [string, (g: Graph, y: number, ch: number) => number, number][] = [
    ['conv · c', (g, y, ch) => bin(g, 'mul', y, ch), 1],
    ['c · conv', (g, y, ch) => bin(g, 'mul', ch, y), 1],
    ['conv + c', (g, y, ch) => bin(g, 'add', y, ch), 1],
    ['c + conv', (g, y, ch) => bin(g, 'add', ch, y), 1],
    ['conv − c', (g, y, ch) => bin(g, 'sub', y, ch), 1],
    ['c − conv (not affine in the conv for folding)', (g, y, ch) => bin(g, 'sub', ch, y), 0],
    ['conv / c', (g, y, ch) => bin(g, 'div', y, ch), 1],
    ['c / conv', (g, y, ch) => bin(g, 'div', ch, y), 0],
    ['conv · scalar', (g, y) => bin(g, 'mul', y, g.addParam('s', [1], Float32Array.of(2))), 1],
    // fuse_elementwise.ts:187 and :177 (survivors of the fresh mutation sample seed 2028)
    [
      'conv / c with a zero channel: left alone (unfused, y/0 is ±Inf; folded, w/0 would put ±Inf and 0/0 = NaN in the weights)',
      (g, y) =>
        bin(
          g,
          'div',
          y,
          g.addParam(
            'z',
            [8],
            Float32Array.from({ length: 8 }, (_, i) => (i === 3 ? 0 : 1 + i / 4)),
          ),
        ),
      0,
    ],
    [
      'conv · a state tensor (its values change between runs: not a constant to fold)',
      (g, y) =>
        bin(
          g,
          'mul',
          y,
          g.addState(
            'st',
            [8],
            Float32Array.from({ length: 8 }, (_, i) => 0.5 + i / 4),
          ),
        ),
      0,
    ],
    [
      'conv · c[2, 8] (varies with the column too): not per-channel, left alone',
      (g, y) =>
        bin(
          g,
          'mul',
          y,
          g.addParam(
            'c28',
            [2, 8],
            Float32Array.from({ length: 16 }, (_, i) => 1 + i / 8),
          ),
        ),
      0,
    ],
  ];
  for (const [what, tail, want] of affine)
    it(`foldChannelAffine: ${what} (${want})`, () => {
      const g = convG(tail);
      expect(foldChannelAffine(g)).toBe(want);
      expect(g.nodes.map((n) => n.op)).toEqual(want ? ['conv2d'] : ['conv2d', 'binary']);
      // the folded weights and bias are new parameters named after the conv (the originals stay untouched)
      if (want) {
        const conv = g.nodes[0];
        const names = conv.inputs.slice(1).map((t) => g.tensors[t].name);
        expect(names).toEqual(what.includes('+') || what.includes('−') ? ['w', 'conv.b_affine'] : ['conv.w_affine', 'conv.b_affine']);
      }
    });

  it('fuseElementwise: a view or other non-elementwise node is never part of a chain', () => {
    const h = new Graph();
    const y = h.addInput('y', [6]);
    const r = h.add1('reshape', [y], { shape: [6] });
    h.markOutput(h.add1('unary', [h.add1('unary', [r], { fn: 'exp' })], { fn: 'sqrt' }));
    expect(fuseElementwise(h)).toBe(1);
    expect(h.nodes.map((n) => n.op)).toEqual(['reshape', 'fused_elementwise']);
  });
});

/**
 * float64 CPU interpreter of the graphs below (elementwise ops, fused_elementwise through its own reference, and an
 * NHWC conv2d, stride 1, no padding, weights [KH,KW,Cin,Cout], fused activation, no shuffle): the value of
 * every graph output for the given input data.
 */
function evalCpu(g: Graph, feeds: Float32Array[]): number[][] {
  const v = new Map<number, ArrayLike<number>>();
  g.inputs.forEach((t, k) => v.set(t, feeds[k]));
  for (const d of g.tensors) if (d.role !== 'activation' && d.data) v.set(d.id, d.data);
  const val = (t: number) => v.get(t)!;
  for (const n of g.nodes) {
    const os = g.shape(n.outputs[0]);
    const y = new Float64Array(numel(os));
    const at = (t: number, i: number) => {
      const p = blockPattern(g.shape(t), os)!;
      return val(t)[Math.floor(i / p.inner) % p.count];
    };
    const slope = (act: number) => (act === ACTIVATIONS.leakyrelu ? 0.01 : 1);
    if (n.op === 'fused_elementwise') {
      const prog = parseProgram(n.attrs.prog, n.inputs.length);
      y.set(
        fusedRef(
          prog,
          n.inputs.map((t) => ({ shape: g.shape(t), data: val(t) })),
          n.attrs.shape as number[],
        ),
      );
    } else if (n.op === 'reshape') y.set(val(n.inputs[0]));
    else if (n.op === 'conv2d') {
      const [, h, w, cin] = g.shape(n.inputs[0]);
      const [kh, kw, , cout] = g.shape(n.inputs[1]);
      const [x, wt] = [val(n.inputs[0]), val(n.inputs[1])];
      const b = n.inputs[2] !== undefined ? val(n.inputs[2]) : null;
      const [oh, ow] = [h - kh + 1, w - kw + 1];
      const act = attrNum(n.attrs, 'act', 0);
      check(attrNum(n.attrs, 'shuffle', 1) === 1, 'evalCpu: no channel shuffle');
      for (let r = 0; r < oh; r++)
        for (let c = 0; c < ow; c++)
          for (let o = 0; o < cout; o++) {
            let s = b ? b[o] : 0;
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++)
                for (let ci = 0; ci < cin; ci++) s += x[((r + i) * w + c + j) * cin + ci] * wt[((i * kw + j) * cin + ci) * cout + o];
            y[(r * ow + c) * cout + o] = activationRef(act, s, slope(act));
          }
    } else {
      for (let i = 0; i < y.length; i++) {
        const a = at(n.inputs[0], i);
        if (n.op === 'activation') y[i] = activationRef(attrNum(n.attrs, 'act'), a, slope(attrNum(n.attrs, 'act')));
        else if (n.op === 'unary') {
          const code = ACTIVATIONS[n.attrs.fn as keyof typeof ACTIVATIONS];
          y[i] = activationRef(code, a, attrNum(n.attrs, 'alpha', 0), attrNum(n.attrs, 'beta', 0));
        } else if (n.op === 'binary') y[i] = binaryRef(n.attrs.fn as BinaryName, a, at(n.inputs[1], i));
        else if (n.op === 'add') {
          const act = attrNum(n.attrs, 'act', 0);
          y[i] = activationRef(act, a + at(n.inputs[1], i), slope(act));
        } else throw new Error(`evalCpu: no reference for ${n.op}`);
      }
    }
    v.set(n.outputs[0], y);
  }
  return g.outputs.map((t) => Array.from(val(t)));
}

/** Inputs of g: fixed pseudo-random normal values, σ 2.5 (hard-swish's kinks at -3 and 3 well inside). */
const feedsFor = (g: Graph) => g.inputs.map((t, k) => randn(numel(g.shape(t)), 40 + k, 2.5));

/** The graph after a pass computes what it computed before (float64, the outputs in order). */
function expectSameValues(before: Graph, after: Graph, what: string) {
  const feeds = feedsFor(before);
  const [a, b] = [evalCpu(before, feeds), evalCpu(after, feeds)];
  expect(b.length, what).toBe(a.length);
  a.forEach((o, k) => {
    // NaN where the reference is NaN (x · NaN), equal values elsewhere
    expect(b[k].map(Number.isNaN), `${what}: NaN at the same places, output ${k}`).toEqual(o.map(Number.isNaN));
    const noNaN = (v: number[]) => Float32Array.from(v, (e) => (Number.isNaN(e) ? 0 : e));
    expectClose(noNaN(b[k]), noNaN(o), { atol: 1e-5, rtol: 1e-5 }, `${what}: output ${k}`);
  });
}

// Every pattern and guard of graph/fuse_elementwise.ts, one row each (CPU only): a row that must not match leaves the
// graph exactly as it was; a row that matches gives the expected structure and the same values as before (float64
// interpreter above). Rows marked with a line number are survivors of the fresh mutation sample seed 2029.
describe('glue passes guard by guard: negative rows leave the graph alone, positive rows keep its values (CPU; two GPU runs)', () => {
  type Tail = (g: Graph, x: number, c: (v: number) => number) => number[];
  /** x [1,4,4,8] and scalar constants [1]; `tail` builds the rest and returns the graph outputs. */
  const build = (tail: Tail) => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 8]);
    let k = 0;
    const c = (v: number) => g.addParam(`c${k++}`, [1], Float32Array.of(v));
    for (const o of tail(g, x, c)) g.markOutput(o);
    return g;
  };
  const bin = (g: Graph, fn: string, a: number, b: number) => g.add1('binary', [a, b], { fn });
  const un = (g: Graph, fn: string, t: number, alpha = 0, beta = 0) => g.add1('unary', [t], { fn, alpha, beta });
  const act = (g: Graph, a: number, t: number) => g.add1('activation', [t], { act: a });
  const relu6 = (g: Graph, t: number) => un(g, 'clip', t, 0, 6);
  const hsig = (g: Graph, x: number, alpha = 1 / 6, beta = 0.5) => un(g, 'hardsigmoid', x, alpha, beta);
  /** Nodes numbered in order; each node the pass made writes a tensor an old node wrote, and is named after it. */
  const expectNewNodesNamed = (before: Graph, g: Graph, suffix: (n: Node) => string) => {
    expect(g.nodes.map((n) => n.id)).toEqual(g.nodes.map((_, i) => i));
    const old = new Set(before.nodes.map((n) => n.name));
    const producers = before.producers();
    for (const n of g.nodes.filter((m) => !old.has(m.name))) expect(n.name).toBe(`${producers.get(n.outputs[0])!.name}.${suffix(n)}`);
  };
  /** the graph's op list, with each node's op */
  const ops = (g: Graph) =>
    g.nodes.map((n) => (n.op === 'activation' ? `act${attrNum(n.attrs, 'act')}` : n.op === 'unary' ? String(n.attrs.fn) : n.op));

  // [what, graph, patterns matched, the ops after]
  const hard: [string, Tail, number, string[]][] = [
    // bySix: Div by a scalar 6 on the right, or Mul by 1/6 on either side
    ['relu6(x + 3) / 6', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), c(6))], 1, ['hardsigmoid']],
    ['relu6(x + 3) · (1/6)', (g, x, c) => [bin(g, 'mul', relu6(g, bin(g, 'add', x, c(3))), c(1 / 6))], 1, ['hardsigmoid']],
    // :49 (withScalar, the constant on the left of a commutative op)
    [
      '(1/6) · relu6(3 + x): constants on the left',
      (g, x, c) => [bin(g, 'mul', c(1 / 6), relu6(g, bin(g, 'add', c(3), x)))],
      1,
      ['hardsigmoid'],
    ],
    // :62 (Div is not commutative: 6 / v is not v / 6)
    ['6 / relu6(x + 3): the 6 is the dividend', (g, x, c) => [bin(g, 'div', c(6), relu6(g, bin(g, 'add', x, c(3))))], 0, []],
    ['relu6(x + 3) / 5', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), c(5))], 0, []],
    ['relu6(x + 3) · 0.17', (g, x, c) => [bin(g, 'mul', relu6(g, bin(g, 'add', x, c(3))), c(0.17))], 0, []],
    ['relu6(x + 3) − 6 (neither Div nor Mul)', (g, x, c) => [bin(g, 'sub', relu6(g, bin(g, 'add', x, c(3))), c(6))], 0, []],
    [
      'relu6(x + 3) / 6 written as 0.16666667 · … (f32 rounding of 1/6)',
      (g, x, c) => [bin(g, 'mul', relu6(g, bin(g, 'add', x, c(3))), c(0.16666667))],
      1,
      ['hardsigmoid'],
    ],
    // constIs: to 1e-6 relative (at least 1e-6 absolute), after f32 rounding
    [
      'relu6(x + 3) / 6.000004 (f32 6.0000038: inside 1e-6·6)',
      (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), c(6.000004))],
      1,
      ['hardsigmoid'],
    ],
    ['relu6(x + 3) / 6.00001', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), c(6.00001))], 0, []],
    ['relu6(x + 3.00001) / 6', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3.00001))), c(6))], 0, []],
    [
      'Clip(1e-7, 6): α 0 to within 1e-6',
      (g, x, c) => [bin(g, 'div', un(g, 'clip', bin(g, 'add', x, c(3)), 1e-7, 6), c(6))],
      1,
      ['hardsigmoid'],
    ],
    // a hand-built graph's attributes are doubles: α 1e-6 is exactly at the slack (|α − 0| ≤ 1e-6·1)
    [
      'Clip(1e-6, 6): α exactly 1e-6 from 0 still matches',
      (g, x, c) => [bin(g, 'div', un(g, 'clip', bin(g, 'add', x, c(3)), 1e-6, 6), c(6))],
      1,
      ['hardsigmoid'],
    ],
    ['Clip(1e-5, 6)', (g, x, c) => [bin(g, 'div', un(g, 'clip', bin(g, 'add', x, c(3)), 1e-5, 6), c(6))], 0, []],
    // the new node takes the place of the last node of the pattern
    [
      'exp(x) made between x + 3 and its clip: the hard-sigmoid comes after it',
      (g, x, c) => {
        const a = bin(g, 'add', x, c(3));
        const e = un(g, 'exp', x);
        return [bin(g, 'div', relu6(g, a), c(6)), e];
      },
      1,
      ['exp', 'hardsigmoid'],
    ],
    // scalarParam: a one-element f32 parameter
    [
      'relu6(x + 3) / six where six is a graph input [1]',
      (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), g.addInput('six', [1]))],
      0,
      [],
    ],
    [
      'relu6(x + 3) / six where six is a state tensor [1] holding 6',
      (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), g.addState('six', [1], Float32Array.of(6)))],
      0,
      [],
    ],
    [
      'relu6(x + 3) / a per-channel constant of eight 6s',
      (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), g.addParam('six8', [8], new Float32Array(8).fill(6)))],
      0,
      [],
    ],
    // isRelu6: the activation relu6, or Clip(0, 6)
    [
      'relu6 as the activation op',
      (g, x, c) => [bin(g, 'div', act(g, ACTIVATIONS.relu6, bin(g, 'add', x, c(3))), c(6))],
      1,
      ['hardsigmoid'],
    ],
    ['relu instead of relu6', (g, x, c) => [bin(g, 'div', act(g, ACTIVATIONS.relu, bin(g, 'add', x, c(3))), c(6))], 0, []],
    ['Clip(0, 5)', (g, x, c) => [bin(g, 'div', un(g, 'clip', bin(g, 'add', x, c(3)), 0, 5), c(6))], 0, []],
    ['Clip(-1, 6)', (g, x, c) => [bin(g, 'div', un(g, 'clip', bin(g, 'add', x, c(3)), -1, 6), c(6))], 0, []],
    // relu6PlusThree: a binary Add by a scalar 3, read only by the clip
    ['relu6(x) / 6 (no + 3: the clip reads a graph input)', (g, x, c) => [bin(g, 'div', relu6(g, x), c(6))], 0, []],
    ['x + 2.9', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'add', x, c(2.9))), c(6))], 0, []],
    ['x − 3 (Sub, not Add)', (g, x, c) => [bin(g, 'div', relu6(g, bin(g, 'sub', x, c(-3))), c(6))], 0, []],
    [
      '(x + 3) also a graph output',
      (g, x, c) => {
        const a = bin(g, 'add', x, c(3));
        return [bin(g, 'div', relu6(g, a), c(6)), a];
      },
      0,
      [],
    ],
    [
      '(x + 3) also read by another node',
      (g, x, c) => {
        const a = bin(g, 'add', x, c(3));
        return [bin(g, 'div', relu6(g, a), c(6)), un(g, 'exp', a)];
      },
      0,
      [],
    ],
    [
      'relu6(x + 3) read again (hard-sigmoid)',
      (g, x, c) => {
        const r = relu6(g, bin(g, 'add', x, c(3)));
        return [bin(g, 'div', r, c(6)), un(g, 'exp', r)];
      },
      0,
      [],
    ],
    // hard-swish (x · relu6(x + 3)) / 6, x on either side
    [
      'relu6(x + 3) · x / 6 (x on the right)',
      (g, x, c) => [bin(g, 'div', bin(g, 'mul', relu6(g, bin(g, 'add', x, c(3))), x), c(6))],
      1,
      ['act3'],
    ],
    ['(1/6) · (x · relu6(3 + x))', (g, x, c) => [bin(g, 'mul', c(1 / 6), bin(g, 'mul', x, relu6(g, bin(g, 'add', c(3), x))))], 1, ['act3']],
    [
      'x · relu6(x + 3) / 6, relu6(x + 3) read again',
      (g, x, c) => {
        const r = relu6(g, bin(g, 'add', x, c(3)));
        return [bin(g, 'div', bin(g, 'mul', x, r), c(6)), un(g, 'exp', r)];
      },
      0,
      [],
    ],
    [
      'x · relu6(x + 3) read again before the / 6',
      (g, x, c) => {
        const m = bin(g, 'mul', x, relu6(g, bin(g, 'add', x, c(3))));
        return [bin(g, 'div', m, c(6)), un(g, 'exp', m)];
      },
      0,
      [],
    ],
    ['x · relu6(x + 3) − 6 (no / 6)', (g, x, c) => [bin(g, 'sub', bin(g, 'mul', x, relu6(g, bin(g, 'add', x, c(3)))), c(6))], 0, []],
    ['x + relu6(x + 3), / 6 (Add, not Mul)', (g, x, c) => [bin(g, 'div', bin(g, 'add', x, relu6(g, bin(g, 'add', x, c(3)))), c(6))], 0, []],
    [
      'exp(x) · relu6(x + 3) / 6 (the factor is not the x of x + 3)',
      (g, x, c) => [bin(g, 'div', bin(g, 'mul', un(g, 'exp', x), relu6(g, bin(g, 'add', x, c(3)))), c(6))],
      0,
      [],
    ],
    // x · hardsigmoid_{1/6, 1/2}(x), either side
    ['x · hardsigmoid(x)', (g, x) => [bin(g, 'mul', x, hsig(g, x))], 1, ['act3']],
    ['hardsigmoid(x) · x', (g, x) => [bin(g, 'mul', hsig(g, x), x)], 1, ['act3']],
    ['x · hardsigmoid(x) with α 0.2', (g, x) => [bin(g, 'mul', x, hsig(g, x, 0.2))], 0, []],
    ['x · hardsigmoid(x) with β 0.6', (g, x) => [bin(g, 'mul', x, hsig(g, x, 1 / 6, 0.6))], 0, []],
    ['x · hardsigmoid(y), y ≠ x', (g, x) => [bin(g, 'mul', x, hsig(g, un(g, 'exp', x)))], 0, []],
    ['x · sigmoid-like unary that is not hardsigmoid (clip)', (g, x) => [bin(g, 'mul', x, un(g, 'clip', x, 1 / 6, 0.5))], 0, []],
    ['x + hardsigmoid(x) (Add, not Mul)', (g, x) => [bin(g, 'add', x, hsig(g, x))], 0, []],
    [
      'hardsigmoid(x) read again',
      (g, x) => {
        const h = hsig(g, x);
        return [bin(g, 'mul', x, h), h];
      },
      0,
      [],
    ],
    // the pass repeats until nothing matches: hard-sigmoid then x · hardsigmoid(x), and two patterns in a row
    [
      'x · (relu6(x + 3) / 6): hard-sigmoid, then hard-swish',
      (g, x, c) => [bin(g, 'mul', x, bin(g, 'div', relu6(g, bin(g, 'add', x, c(3))), c(6)))],
      2,
      ['act3'],
    ],
    [
      'two hard-swishes in a row',
      (g, x, c) => {
        const h = bin(g, 'div', bin(g, 'mul', x, relu6(g, bin(g, 'add', x, c(3)))), c(6));
        return [bin(g, 'div', bin(g, 'mul', h, relu6(g, bin(g, 'add', h, c(3)))), c(6))];
      },
      2,
      ['act3', 'act3'],
    ],
  ];
  for (const [what, tail, want, after] of hard)
    it(`matchHardActivations: ${what} (${want})`, () => {
      const g = build(tail);
      const before = g.clone();
      expect(matchHardActivations(g)).toBe(want);
      if (want === 0) expect(g.nodes).toEqual(before.nodes);
      else {
        // the nodes that compute other graph outputs stay; the pattern's own nodes are one node now, in the place of
        // the last of them, named after it
        expect(ops(g)).toEqual(after);
        expectNewNodesNamed(before, g, (n) => (n.op === 'unary' ? 'hardsigmoid' : 'hardswish'));
        expectSameValues(before, g, what);
      }
    });

  /** x [1,res,res,8] (res 5) → conv2d (8 → 8 channels, kernel k, `attrs`, optional bias) → `tail` with a constant [8]. */
  const convG = (
    tail: (g: Graph, y: number, ch: number) => number[],
    opts: { k?: number; res?: number; bias?: boolean; attrs?: Record<string, number> } = {},
  ) => {
    const g = new Graph();
    const k = opts.k ?? 3;
    const x = g.addInput('x', [1, opts.res ?? 5, opts.res ?? 5, 8]);
    const w = g.addParam(
      'w',
      [k, k, 8, 8],
      Float32Array.from({ length: k * k * 64 }, (_, i) => ((i * 37) % 11) / 10 - 0.5),
    );
    const b = opts.bias
      ? [
          g.addParam(
            'b',
            [8],
            Float32Array.from({ length: 8 }, (_, i) => i / 3 - 1),
          ),
        ]
      : [];
    const y = g.add1('conv2d', [x, w, ...b], { ...opts.attrs }, 'conv');
    const ch = g.addParam(
      'ch',
      [8],
      Float32Array.from({ length: 8 }, (_, i) => (i % 2 ? 0.5 + i / 4 : -0.75 - i / 8)),
    );
    for (const o of tail(g, y, ch)) g.markOutput(o);
    return g;
  };
  // [what, graph, conv options, folds, the ops after]
  const affine: [string, (g: Graph, y: number, ch: number) => number[], Parameters<typeof convG>[1], number, string[]][] = [
    ['conv · c, with a bias', (g, y, ch) => [bin(g, 'mul', y, ch)], { bias: true }, 1, ['conv2d']],
    ['c · conv, with a bias', (g, y, ch) => [bin(g, 'mul', ch, y)], { bias: true }, 1, ['conv2d']],
    ['conv / c, with a bias', (g, y, ch) => [bin(g, 'div', y, ch)], { bias: true }, 1, ['conv2d']],
    ['conv + c, with a bias', (g, y, ch) => [bin(g, 'add', y, ch)], { bias: true }, 1, ['conv2d']],
    ['conv − c, with a bias', (g, y, ch) => [bin(g, 'sub', y, ch)], { bias: true }, 1, ['conv2d']],
    ['conv / c, no bias', (g, y, ch) => [bin(g, 'div', y, ch)], {}, 1, ['conv2d']],
    ['conv − c, no bias', (g, y, ch) => [bin(g, 'sub', y, ch)], {}, 1, ['conv2d']],
    ['conv · scalar 2, with a bias', (g, y) => [bin(g, 'mul', y, g.addParam('s', [1], Float32Array.of(2)))], { bias: true }, 1, ['conv2d']],
    ['conv / scalar 0.5', (g, y) => [bin(g, 'div', y, g.addParam('s', [1], Float32Array.of(0.5)))], {}, 1, ['conv2d']],
    [
      'conv · c[1,1,1,8]',
      (g, y) => [
        bin(
          g,
          'mul',
          y,
          g.addParam(
            'c4',
            [1, 1, 1, 8],
            Float32Array.from({ length: 8 }, (_, i) => 1 + i),
          ),
        ),
      ],
      {},
      1,
      ['conv2d'],
    ],
    [
      '(conv · c + c) − c: three steps fold, one at a time',
      (g, y, ch) => [bin(g, 'sub', bin(g, 'add', bin(g, 'mul', y, ch), ch), ch)],
      { bias: true },
      3,
      ['conv2d'],
    ],
    ['a 1×1 conv · c', (g, y, ch) => [bin(g, 'mul', y, ch)], { k: 1 }, 1, ['conv2d']],
    // the pass looks past a binary node that folds nothing (ch + ch, made before the Mul)
    [
      'ch + ch made first, then conv · c',
      (g, y, ch) => {
        const d = bin(g, 'add', ch, ch);
        return [bin(g, 'mul', y, ch), d];
      },
      {},
      1,
      ['conv2d', 'binary'],
    ],
    // the op: one of Mul / Div / Add / Sub, with the conv where the step is affine in it
    ['max(conv, c)', (g, y, ch) => [bin(g, 'max', y, ch)], {}, 0, []],
    ['conv ^ c (Pow)', (g, y, ch) => [bin(g, 'pow', y, ch)], {}, 0, []],
    ['c / conv', (g, y, ch) => [bin(g, 'div', ch, y)], {}, 0, []],
    ['c − conv', (g, y, ch) => [bin(g, 'sub', ch, y)], {}, 0, []],
    // the producer: a conv2d without a fused activation or channel shuffle
    ['relu(conv) · c (not a conv)', (g, y, ch) => [bin(g, 'mul', act(g, ACTIVATIONS.relu, y), ch)], {}, 0, []],
    ['conv with its ReLU fused (act 1) · c', (g, y, ch) => [bin(g, 'mul', y, ch)], { attrs: { act: 1 } }, 0, []],
    // :176 (a fused shuffle permutes the output channels: the scale of channel j belongs to another conv column)
    ['1×1 conv with a fused channel shuffle (2 groups) · c', (g, y, ch) => [bin(g, 'mul', y, ch)], { k: 1, attrs: { shuffle: 2 } }, 0, []],
    ['1×1 conv with a fused channel shuffle (2 groups) + c', (g, y, ch) => [bin(g, 'add', ch, y)], { k: 1, attrs: { shuffle: 2 } }, 0, []],
    // the conv output read only by the step, not a graph output
    ['conv · c, the conv output also a graph output', (g, y, ch) => [bin(g, 'mul', y, ch), y], {}, 0, []],
    ['conv · c, the conv output also read by another node', (g, y, ch) => [bin(g, 'mul', y, ch), un(g, 'exp', y)], {}, 0, []],
    // the constant: an f32 parameter with data, a scalar or per-channel block of the conv output
    ['conv · an input [8]', (g, y) => [bin(g, 'mul', y, g.addInput('s', [8]))], {}, 0, []],
    ['conv · a state [8]', (g, y) => [bin(g, 'mul', y, g.addState('s', [8], new Float32Array(8).fill(2)))], {}, 0, []],
    [
      'conv · c[3,1,8] (per row and channel)',
      (g, y) => [bin(g, 'mul', y, g.addParam('c318', [3, 1, 8], new Float32Array(24).fill(2)))],
      {},
      0,
      [],
    ],
    [
      'conv · c[3,1,1] (per row: a block, not per channel)',
      (g, y) => [bin(g, 'mul', y, g.addParam('c311', [3, 1, 1], Float32Array.of(1, 2, 3)))],
      {},
      0,
      [],
    ],
    [
      'conv · c[2,1,1,1] (broadcasts the output to batch 2)',
      (g, y) => [bin(g, 'mul', y, g.addParam('c2', [2, 1, 1, 1], Float32Array.of(1, 2)))],
      {},
      0,
      [],
    ],
    [
      'conv · c with a zero channel (only a Div needs a nonzero constant)',
      (g, y) => [bin(g, 'mul', y, g.addParam('z', [8], Float32Array.of(1, 2, 3, 0, 1, 2, 3, 4)))],
      {},
      1,
      ['conv2d'],
    ],
    [
      '1×1 conv [1,8,8,8] · c[8,1,1] (per row, with as many rows as channels)',
      (g, y) => [
        bin(
          g,
          'mul',
          y,
          g.addParam(
            'c811',
            [8, 1, 1],
            Float32Array.from({ length: 8 }, (_, i) => 1 + i),
          ),
        ),
      ],
      { k: 1, res: 8 },
      0,
      [],
    ],
    [
      'conv / c with a zero channel',
      (g, y) => [bin(g, 'div', y, g.addParam('z', [8], Float32Array.of(1, 2, 3, 0, 1, 2, 3, 4)))],
      {},
      0,
      [],
    ],
  ];
  for (const [what, tail, opts, want, after] of affine)
    it(`foldChannelAffine: ${what} (${want})`, () => {
      const g = convG(tail, opts);
      const before = g.clone();
      expect(foldChannelAffine(g)).toBe(want);
      if (want === 0) expect(g.nodes).toEqual(before.nodes);
      else {
        expect(ops(g)).toEqual(after);
        expectSameValues(before, g, what);
      }
    });
  it('foldChannelAffine: a conv whose weights or bias are graph inputs (no data to fold) is left alone', () => {
    for (const side of ['w', 'b']) {
      const g = new Graph();
      const x = g.addInput('x', [1, 3, 3, 8]);
      const w = side === 'w' ? g.addInput('w', [1, 1, 8, 8]) : g.addParam('w', [1, 1, 8, 8], new Float32Array(64).fill(0.5));
      const b = side === 'b' ? g.addInput('b', [8]) : g.addParam('b', [8], new Float32Array(8).fill(1));
      g.markOutput(bin(g, 'mul', g.add1('conv2d', [x, w, b]), g.addParam('s', [8], new Float32Array(8).fill(2))));
      expect(foldChannelAffine(g), side).toBe(0);
      expect(g.nodes.map((n) => n.op)).toEqual(['conv2d', 'binary']);
    }
  });

  /** the fused node's program */
  const progOf = (g: Graph) => JSON.parse(g.nodes.find((n) => n.op === 'fused_elementwise')!.attrs.prog as string) as FusedProgram;
  // [what, graph, nodes removed, the ops after]
  const fuse: [string, Tail, number, string[]][] = [
    ['exp → sqrt → tanh', (g, x) => [un(g, 'tanh', un(g, 'sqrt', un(g, 'exp', x)))], 2, ['fused_elementwise']],
    ['one elementwise node alone: nothing to fuse', (g, x) => [un(g, 'exp', x)], 0, ['exp']],
    // nodeSteps: each kind of node, with its parameters
    [
      'leaky ReLU activation (slope 0.01) → · 2',
      (g, x, c) => [bin(g, 'mul', act(g, ACTIVATIONS.leakyrelu, x), c(2))],
      1,
      ['fused_elementwise'],
    ],
    [
      'ReLU6 activation → Clip(-1, 2.5) → hardsigmoid(0.3, 0.4)',
      (g, x) => [hsig(g, un(g, 'clip', act(g, ACTIVATIONS.relu6, x), -1, 2.5), 0.3, 0.4)],
      2,
      ['fused_elementwise'],
    ],
    [
      'add (leaky ReLU fused) → tanh: x + eˣ < 0 for x < −0.57',
      (g, x) => [un(g, 'tanh', g.add1('add', [x, un(g, 'exp', x)], { act: ACTIVATIONS.leakyrelu }))],
      2,
      ['fused_elementwise'],
    ],
    [
      'exp → add with ReLU6 fused, the add last',
      (g, x) => [g.add1('add', [un(g, 'exp', x), x], { act: ACTIVATIONS.relu6 })],
      1,
      ['fused_elementwise'],
    ],
    [
      'every binary function, the constant on either side',
      (g, x, c) => {
        let t = un(g, 'abs', x);
        for (const fn of Object.keys(BINARY)) t = bin(g, fn, bin(g, fn, t, c(1.25)), c(0.75));
        return [t];
      },
      16,
      ['fused_elementwise'],
    ],
    [
      'x · per-channel c[8] → − scalar input [1] → · c[1,4,1,1] (rows)',
      (g, x) => [
        bin(
          g,
          'mul',
          bin(
            g,
            'sub',
            bin(
              g,
              'mul',
              x,
              g.addParam(
                'c8',
                [8],
                Float32Array.from({ length: 8 }, (_, i) => i - 3),
              ),
            ),
            g.addInput('s', [1]),
          ),
          g.addParam('r', [1, 4, 1, 1], Float32Array.of(1, -2, 3, 0.5)),
        ),
      ],
      2,
      ['fused_elementwise'],
    ],
    // :216 (a non-finite scalar constant is read as an input: a literal inf or NaN is no WGSL, nor JSON)
    [
      'min(x, +∞) → max(…, −∞) → tanh',
      (g, x, c) => [un(g, 'tanh', bin(g, 'max', bin(g, 'min', x, c(Infinity)), c(-Infinity)))],
      2,
      ['fused_elementwise'],
    ],
    ['x · NaN → abs', (g, x, c) => [un(g, 'abs', bin(g, 'mul', x, c(NaN)))], 1, ['fused_elementwise']],
    ['swish activation (α 1) → neg', (g, x) => [un(g, 'neg', act(g, ACTIVATIONS.swish, x))], 1, ['fused_elementwise']],
    // the fused node takes the place of the last node of its chain (it may read a tensor made in between)
    [
      'exp(x) · reshape(x) made after the exp → tanh',
      (g, x) => {
        const e = un(g, 'exp', x);
        return [un(g, 'tanh', bin(g, 'mul', e, g.add1('reshape', [x], { shape: [1, 4, 4, 8] })))];
      },
      2,
      ['reshape', 'fused_elementwise'],
    ],
    // fusable: which nodes may be steps
    [
      'exp → x · (a strided block c[4,1,8]) → tanh: the Mul is no step',
      (g, x) => [un(g, 'tanh', bin(g, 'mul', un(g, 'exp', x), g.addParam('c', [4, 1, 8], new Float32Array(32).fill(2))))],
      0,
      ['exp', 'binary', 'tanh'],
    ],
    [
      'a chain across a reshape: two chains of one node',
      (g, x) => [un(g, 'tanh', g.add1('reshape', [un(g, 'exp', x)], { shape: [16, 8] }))],
      0,
      ['exp', 'reshape', 'tanh'],
    ],
    [
      'exp → reshape to the same shape → tanh: the reshape is no step',
      (g, x) => [un(g, 'tanh', g.add1('reshape', [un(g, 'exp', x)], { shape: [1, 4, 4, 8] }))],
      0,
      ['exp', 'reshape', 'tanh'],
    ],
    // joining a group: its last value read once, not a graph output
    [
      'exp read twice: exp, then (exp + exp·2) → tanh',
      (g, x, c) => {
        const e = un(g, 'exp', x);
        return [un(g, 'tanh', bin(g, 'add', e, bin(g, 'mul', e, c(2))))];
      },
      2,
      ['exp', 'fused_elementwise'],
    ],
    [
      'exp also a graph output',
      (g, x) => {
        const e = un(g, 'exp', x);
        return [un(g, 'tanh', e), e];
      },
      0,
      ['exp', 'tanh'],
    ],
    [
      'two chains meet in a Mul: the Mul joins the first, the second is a kernel of its own',
      (g, x) => [bin(g, 'mul', un(g, 'tanh', un(g, 'exp', x)), un(g, 'sigmoid', un(g, 'abs', x)))],
      3,
      ['fused_elementwise', 'fused_elementwise'],
    ],
    // a group's value may be a broadcast block of the next node's output (SE gate)
    [
      'an SE gate: (sigmoid(g[1,1,1,8]) → · 2) · x',
      (g, x, c) => {
        const gate = bin(g, 'mul', un(g, 'sigmoid', g.addInput('gate', [1, 1, 1, 8])), c(2));
        return [bin(g, 'mul', x, gate)];
      },
      2,
      ['fused_elementwise'],
    ],
    [
      'x · the gate, then the result read by the gate? no: gate[1,1,1,8] chain → · x[1,4,4,8] → exp',
      (g, x) => {
        const gate = un(g, 'sigmoid', un(g, 'neg', g.addInput('gate', [1, 1, 1, 8])));
        return [un(g, 'exp', bin(g, 'mul', gate, x))];
      },
      3,
      ['fused_elementwise'],
    ],
  ];
  for (const [what, tail, want, after] of fuse)
    it(`fuseElementwise: ${what} (${want})`, () => {
      const g = build(tail);
      const before = g.clone();
      expect(fuseElementwise(g)).toBe(want);
      expect(ops(g)).toEqual(after);
      if (want === 0) expect(g.nodes).toEqual(before.nodes);
      else {
        expectNewNodesNamed(before, g, () => 'fused');
        for (const n of g.nodes.filter((m) => m.op === 'fused_elementwise')) expect(n.attrs.shape).toEqual(g.shape(n.outputs[0]));
        expectSameValues(before, g, what);
      }
    });
  it('fuseElementwise: every fused step reads each external tensor once as an input; finite scalar constants become literals', () => {
    const g = build((g, x, c) => [bin(g, 'mul', bin(g, 'add', bin(g, 'mul', x, x), c(0.5)), x)]);
    fuseElementwise(g);
    expect(g.nodes[0].inputs).toEqual([g.inputs[0]]);
    expect(progOf(g).steps).toEqual([
      { b: BINARY.mul, x: 'i0', y: 'i0' },
      { b: BINARY.add, x: 's0', y: 0.5 },
      { b: BINARY.mul, x: 's1', y: 'i0' },
    ]);
    // an add without a fused activation is one step, no identity after it
    const h = build((g, x) => [un(g, 'tanh', g.add1('add', [un(g, 'exp', x), x]))]);
    fuseElementwise(h);
    expect(progOf(h).steps).toEqual([
      { u: ACTIVATIONS.exp, alpha: 0, beta: 0, x: 'i0' },
      { b: BINARY.add, x: 's0', y: 'i0' },
      { u: ACTIVATIONS.tanh, alpha: 0, beta: 0, x: 's1' },
    ]);
  });
  // :250 (Graph.add refuses non-f32 inputs for these ops; a graph edited by hand, or by a pass that rewires inputs to
  // packed tensors, can still hold one, and the generated kernel reads every input as f32)
  it('fuseElementwise: a node with a tensor that is not f32 is no step (a hand-edited graph)', () => {
    for (const which of ['input', 'output'] as const) {
      const g = new Graph();
      const x = g.addInput('x', [1, 4, 4, 8]);
      const e = un(g, 'exp', x);
      g.markOutput(un(g, 'tanh', un(g, 'sqrt', e)));
      g.tensors[which === 'input' ? x : e].dtype = 'q8';
      const before = g.clone();
      expect(fuseElementwise(g), which).toBe(which === 'input' ? 1 : 0);
      expect(ops(g), which).toEqual(which === 'input' ? ['exp', 'fused_elementwise'] : ['exp', 'sqrt', 'tanh']);
      if (which === 'output') expect(g.nodes).toEqual(before.nodes);
    }
  });
  it('on the GPU: conv + bias, · c (folded), hard-swish with its constants on the left, min(·, +∞), max(·, −∞) → tanh = the float64 reference', async () => {
    const g = convG(
      (g, y, ch) => {
        const s = bin(g, 'mul', ch, y);
        const h = bin(
          g,
          'mul',
          g.addParam('sixth', [1], Float32Array.of(1 / 6)),
          bin(g, 'mul', s, relu6(g, bin(g, 'add', g.addParam('three', [1], Float32Array.of(3)), s))),
        );
        const inf = (v: number) => g.addParam('inf', [1], Float32Array.of(v));
        return [un(g, 'tanh', bin(g, 'max', bin(g, 'min', h, inf(Infinity)), inf(-Infinity)))];
      },
      { bias: true },
    );
    const c = await compile(await runtime(), g, { tune: 'off' });
    expect(c.fusion).toMatchObject({ hardActivations: 1, affinesFolded: 1, elementwiseFused: 2 });
    expect(c.graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'fused_elementwise']);
    const feeds = feedsFor(g);
    const [out] = await c.run(feeds);
    c.destroy();
    expectClose(out, Float32Array.from(evalCpu(g, feeds)[0]), TOL.f32, 'conv → affine → hard-swish → ±∞ clamps → tanh');
  }, 60_000);
  // :176 (reached when a graph already optimized, its channel shuffle fused into the conv, is compiled: compile
  // optimizes again, and the Mul that followed the shuffle now follows the conv)
  it('on the GPU: an optimized graph (shuffle fused into its 1×1 conv, then · c) compiled again = compiled once', async () => {
    const g = convG((g, y, ch) => [bin(g, 'mul', g.add1('channel_shuffle', [y], { groups: 2 }), ch)], { k: 1, bias: true });
    const once = optimizeForInference(g, { glue: true });
    expect(once.report).toMatchObject({ shufflesFused: 1, affinesFolded: 0 });
    expect(once.graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'binary']);
    const feeds = feedsFor(g);
    const outs: Float32Array[] = [];
    const folded: (number | undefined)[] = [];
    for (const graph of [g, once.graph]) {
      const c = await compile(await runtime(), graph, { tune: 'off' });
      folded.push(c.fusion?.affinesFolded);
      outs.push((await c.run(feeds))[0]);
      c.destroy();
    }
    // folded into the weights, the scale of output channel j would go to the conv column that the shuffle moves to j'
    expectClose(outs[1], outs[0], TOL.f32, 'compiled twice vs once');
    expect(folded).toEqual([0, 0]);
  }, 60_000);
});
