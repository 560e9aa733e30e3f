// Glue ops: the binary kernel's broadcast fast paths, the generated fused_elementwise kernels and the glue passes
// (graph/fuse_elementwise.ts) — each against a float64 CPU reference, the unfused graph, and onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { fuseElementwise, matchHardActivations } from '../../src/graph/fuse_elementwise.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { blockPattern } from '../../src/ops/elementwise.js';
import { fusedRef, type FusedProgram } from '../../src/ops/fused_elementwise.js';
import { BINARY, binaryRef, broadcastShapes, broadcastStrides, type BinaryName } from '../../src/ops/tensor.js';
import { exportedMobilenetV2, exportedMobilenetV3 } from '../exported_models.js';
import { expectClose, randn, runOp, runtime, TOL } from '../helpers.js';
import { OnnxBuilder } from '../onnx_builder.js';
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

describe('binary kernel fast paths', () => {
  // [a shape, b shape]: odd sizes, size-1 dims, ranks 1–6, scalars on either side, per-channel, NCHW channel, strided
  const cases: [number[], number[]][] = [
    [[7], [7]],
    [[7], [1]],
    [[1], [9]],
    [[8], []],
    [[3, 5], [5]],
    [[3, 8], [8]],
    [[3, 8], [3, 1]],
    [[2, 3, 5], [2, 3, 5]],
    [[1, 4, 4, 12], [1, 1, 1, 12]],
    [[1, 1, 1, 12], [1, 4, 4, 12]],
    [[1, 3, 5, 5], [3, 1, 1]],
    [[2, 3, 4, 4], [3, 1, 1]],
    [[2, 5, 5, 3], [2, 1, 1, 3]],
    [[2, 1, 3, 1, 5], [2, 4, 3, 1, 5]],
    [[2, 1, 3, 2, 1, 3], [1, 2, 3, 1, 2, 1]],
    [[1, 2, 1, 3, 2, 4], [4]],
    [[5, 1, 7], [1]],
  ];
  it('agrees with the float64 reference on every path (vec4, fast, strided) for every function', async () => {
    for (const [as, bs] of cases) {
      for (const fn of (as.length + bs.length < 6 ? Object.keys(BINARY) : ['sub', 'div', 'pow', 'prelu']) as BinaryName[]) {
        const a = randn(numel(as.length ? as : [1]), 3, 2);
        const b = fn === 'pow' ? randn(numel(bs.length ? bs : [1]), 4, 1).map((v) => Math.round(3 * v)) : randn(numel(bs.length ? bs : [1]), 4, 2);
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
  const ops = c.graph.nodes.map((n) => n.op);
  const kernels = (await c.profile(m.inputs.map((i) => feeds[i.name][0]))).nodes.flatMap((n) => n.kernels);
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
      console.log(name, glue.report, glue.ops.length, plain.ops.length, [...new Set(glue.kernels)].filter((k) => k.includes('fused')));
      expectClose(glue.ys[0], ref[0], { atol: 1e-4, rtol: 1e-4 }, `${name} fused vs onnxruntime`);
      expectClose(glue.ys[0], plain.ys[0], { atol: 1e-4, rtol: 1e-4 }, `${name} fused vs unfused`);
    }, 60_000);
  }
});
