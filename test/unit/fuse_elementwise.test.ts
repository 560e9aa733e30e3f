// Glue ops: the binary kernel's broadcast fast paths, the generated fused_elementwise kernels and the glue passes
// (graph/fuse_elementwise.ts) — each against a float64 CPU reference, the unfused graph, and onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { foldChannelAffine, fuseElementwise, matchHardActivations } from '../../src/graph/fuse_elementwise.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { blockPattern } from '../../src/ops/elementwise.js';
import { fusedRef, type FusedProgram } from '../../src/ops/fused_elementwise.js';
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
