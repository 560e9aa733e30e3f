// Block-sparse int8 convolution (conv2d_bsr_int8) against the CPU integer reference on the same pruned int8
// weights, exactly, over block shapes, strides, padding and zero points; and sparsity combined with int8 in
// compress() (pruned and quantized layers run conv2d_bsr_int8; export writes the dense QDQ equivalent).
import { describe, expect, it } from 'vitest';
import { smoothImage } from '../../src/compress/agreement.js';
import { compress } from '../../src/compress/compress.js';
import { calibrate, quantizeGraph } from '../../src/compress/quantize.js';
import { pruneBlocks } from '../../src/compress/sparse.js';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { exportCompressed } from '../../src/io/onnx/export.js';
import { fromBsr, type BlockShape } from '../../src/ops/block_sparse.js';
import { int8ConvTables, toBsrInt8 } from '../../src/ops/int8.js';
import type { Attrs } from '../../src/ops/registry.js';
import { buildModel } from '../../src/models/zoo.js';
import { ortOutputs } from '../onnx_compare.js';
import { conv2dInt8Ref } from '../ref/int8.js';
import { expectExact, randInt, runtime } from '../helpers.js';

const MULTS = [2.5, 0.75, 0.3, 0.001, 0.02, 0.0049, 0.26, 0.12];

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  block: BlockShape;
  sparsity: number;
  attrs: Attrs;
}

const cases: Case[] = [
  {
    name: '3x3 s1 p1, 4x4 blocks 75%',
    x: [1, 5, 7, 8],
    k: [3, 3],
    cout: 8,
    block: [4, 4],
    sparsity: 0.75,
    attrs: { pads: [1, 1, 1, 1], xZero: 5, yZero: -3 },
  },
  {
    name: '3x3 s2 p(0,1,1,0) n2, 8x8 blocks 50%, relu',
    x: [2, 9, 6, 16],
    k: [3, 3],
    cout: 16,
    block: [8, 8],
    sparsity: 0.5,
    attrs: { stride: [2, 2], pads: [0, 1, 1, 0], xZero: -128, yZero: -20, qmin: -20 },
  },
  {
    name: '1x1 odd W, 8x4 blocks 90%',
    x: [1, 3, 5, 12],
    k: [1, 1],
    cout: 24,
    block: [8, 4],
    sparsity: 0.9,
    attrs: { xZero: -3, yZero: 4 },
  },
  {
    name: '3x3 dil2 p2, 4x8 blocks 60%, relu6',
    x: [1, 6, 9, 8],
    k: [3, 3],
    cout: 12,
    block: [4, 8],
    sparsity: 0.6,
    attrs: { dilation: [2, 2], pads: [2, 2, 2, 2], xZero: 7, yZero: 0, qmin: 0, qmax: 90 },
  },
  { name: 'every block pruned', x: [1, 2, 3, 4], k: [1, 1], cout: 4, block: [4, 4], sparsity: 0.99, attrs: { xZero: 9, yZero: 1 } },
  {
    // fma: f32 sums flushed to i32 whenever the next 8-column block (2 words) could pass 3 words: after every block
    name: '3x3 s2 odd, 8x8 blocks 50%, fma flush 3',
    x: [1, 7, 9, 16],
    k: [3, 3],
    cout: 16,
    block: [8, 8],
    sparsity: 0.5,
    attrs: { stride: [2, 2], pads: [1, 0, 1, 1], xZero: -77, yZero: 5, int8Flush4: 3 },
  },
];

describe('conv2d_bsr_int8 vs CPU integer reference (exact)', () => {
  for (const c of cases) {
    for (const flavour of ['dot4', 'unpack', 'fma']) {
      it(`${c.name} [${flavour}]`, async () => {
        const rt = await runtime();
        const ws = [c.k[0], c.k[1], c.x[3], c.cout];
        const n = ws.reduce((a, b) => a * b);
        const zx = (c.attrs.xZero as number) ?? 0;
        const xq = Int8Array.from(
          randInt(
            c.x.reduce((a, b) => a * b),
            11,
            -128,
            127,
          ),
        );
        // int8 weights with whole blocks zero (the smallest blocks of a random draw)
        const pruned = pruneBlocks(Float32Array.from(randInt(n, 12, -127, 127)), ws, c.block, c.sparsity);
        const wq = Int8Array.from(pruned);
        expect(wq.some((v) => v !== 0) || c.sparsity > 0.95).toBe(true);
        const bq = Int32Array.from(randInt(c.cout, 13, -5000, 5000));
        const M = Array.from({ length: c.cout }, (_, i) => MULTS[i % MULTS.length]);
        const folded = new Int32Array(c.cout);
        for (let co = 0; co < c.cout; co++) {
          let s = 0;
          for (let j = 0; j < n / c.cout; j++) s += wq[j * c.cout + co];
          folded[co] = bq[co] - zx * s;
        }
        const bsr = toBsrInt8(wq, ws, c.block);
        const g = new Graph();
        const q = g.add1('quantize', [g.addInput('x', c.x)], { scale: 1, zero: zx });
        const idx = g.addRawParam('idx', [bsr.idx.length], bsr.idx);
        const val = g.addRawParam('val', [bsr.val.length], bsr.val);
        const tables = int8ConvTables(folded, M);
        const t = g.addRawParam('qp', [tables.length], tables);
        const y = g.add1('conv2d_bsr_int8', [q, idx, val, t], { ...c.attrs, kernel: c.k, cout: c.cout, block: c.block });
        g.markOutput(g.add1('dequantize', [y], { scale: 1, zero: 0 }));
        const m = await compile(rt, g, { tune: 'off', forceVariant: `int8_bsr_${c.block.join('x')}_${flavour}` });
        const [out] = await m.run([Float32Array.from(xq, (v) => v - zx)]);
        m.destroy();
        expectExact(out, conv2dInt8Ref(xq, c.x, wq, ws, bq, M, c.attrs), `${c.name} ${flavour}`);
      });
    }
  }

  it('fma flavour: exact with the i32 flush, off past 2^24 without it', async () => {
    // as the dense fma test (int8.test.ts): K = 2400 input channels of 127, weights (127, 127, 127, 126) per word for
    // the first half and negated after; the running f32 sum would peak past 2^24 without the flush every 256 words
    const K = 2400;
    const cout = 8;
    const wq = new Int8Array(K * cout);
    for (let k = 0; k < K; k++) for (let co = 0; co < cout; co++) wq[k * cout + co] = (k % 4 === 3 ? 126 : 127) * (k < K / 2 ? 1 : -1);
    const rt = await runtime();
    const run = async (flush4?: number) => {
      const bsr = toBsrInt8(wq, [1, 1, K, cout], [4, 4]);
      const g = new Graph();
      const q = g.add1('quantize', [g.addInput('x', [1, 1, 1, K])], { scale: 1, zero: 0 });
      const tables = int8ConvTables(new Int32Array(cout), new Array(cout).fill(1));
      const y = g.add1(
        'conv2d_bsr_int8',
        [
          q,
          g.addRawParam('idx', [bsr.idx.length], bsr.idx),
          g.addRawParam('val', [bsr.val.length], bsr.val),
          g.addRawParam('qp', [tables.length], tables),
        ],
        { kernel: [1, 1], cout, block: [4, 4], ...(flush4 ? { int8Flush4: flush4 } : {}) },
      );
      g.markOutput(g.add1('dequantize', [y], { scale: 1, zero: 0 }));
      const m = await compile(rt, g, { tune: 'off', forceVariant: 'int8_bsr_4x4_fma' });
      const [out] = await m.run([new Float32Array(K).fill(127)]);
      m.destroy();
      return out;
    };
    expectExact(await run(), new Float32Array(cout), 'flushed');
    const unflushed = await run(1 << 20);
    expect(
      [...unflushed].every((e) => e !== 0),
      `without flush: ${[...unflushed].join(',')}`,
    ).toBe(true);
  });

  it('block shapes the int8 kernel does not offer, and values of the wrong size: clear errors', () => {
    const ws = [1, 1, 8, 8];
    expect(() => toBsrInt8(new Int8Array(64), ws, [1, 4])).toThrow(/block 1x4 is not offered for int8/);
    const g = new Graph();
    const q = g.add1('quantize', [g.addInput('x', [1, 2, 2, 8])], { scale: 1, zero: 0 });
    const idx = g.addRawParam('idx', [3], new Uint32Array([0, 0, 0]));
    const val = g.addRawParam('val', [4], new Uint32Array(4));
    const t = g.addRawParam('qp', [24], new Int32Array(24));
    expect(() => g.add1('conv2d_bsr_int8', [q, idx, val, t], { kernel: [1, 1], cout: 8, block: [1, 8] })).toThrow(
      /block 1×8 is not offered/,
    );
    const val8 = g.addRawParam('val8', [8], new Uint32Array(8));
    expect(() => g.add1('conv2d_bsr_int8', [q, idx, val8, t], { kernel: [1, 1], cout: 8, block: [4, 4] })).toThrow(
      /values must hold 0 blocks/,
    );
  });
});

async function run(g: Graph, inputs: Float32Array[]): Promise<Float32Array> {
  const m = await compile(await runtime(), g, { tune: 'cached' });
  try {
    return (await m.run(inputs))[0];
  } finally {
    m.destroy();
  }
}

/** The float graph with every conv2d_bsr written back as the dense conv2d it computes (same tensor ids). */
function densified(g: Graph): Graph {
  const d = g.clone();
  for (const n of d.nodes) {
    if (n.op !== 'conv2d_bsr') continue;
    const [kh, kw] = n.attrs.kernel as number[];
    const shape = [kh, kw, d.shape(n.inputs[0])[3], n.attrs.cout as number];
    const idx = d.tensors[n.inputs[1]].raw as Uint32Array;
    const w = fromBsr({ block: n.attrs.block as BlockShape, idx, val: d.tensors[n.inputs[2]].data!, nnzb: 0, totalBlocks: 0 }, shape);
    n.op = 'conv2d';
    n.inputs = [n.inputs[0], d.newParam(`${n.name}.dense`, shape, w), ...n.inputs.slice(3)];
    for (const a of ['kernel', 'cout', 'block']) delete n.attrs[a];
  }
  return d;
}

describe('sparsity combined with int8 in compress()', () => {
  it('pruned and quantized layers run conv2d_bsr_int8, equal to dense int8 on the same weights; the export is dense QDQ', async () => {
    const rt = await runtime();
    const g = buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32, batch: 1, classes: 16 });
    const batches = [0, 1].map((i) => [smoothImage(32, 3, 300 + i)]);
    const c = await compress(g, { quantize: 'int8', prune: { sparsity: 0.75, block: [4, 4] }, calibration: { batches }, runtime: rt });
    const sparseLayers = c.report.sparse!.layers.length;
    expect(sparseLayers).toBeGreaterThan(5);
    expect(c.report.int8!.int8SparseConvs).toBe(sparseLayers);
    expect(c.graph.nodes.filter((n) => n.op === 'conv2d_bsr_int8').length).toBe(sparseLayers);
    expect(c.graph.nodes.some((n) => n.op === 'conv2d_bsr')).toBe(false);
    // the same float weights, calibration statistics and quantization, dense: every output bit equal
    const float = c.int8!.float;
    const stats = await calibrate(rt, float, batches);
    const sparse = quantizeGraph(float, stats).graph;
    const dense = quantizeGraph(densified(float), stats).graph;
    expect(dense.nodes.some((n) => n.op === 'conv2d_bsr_int8')).toBe(false);
    const x = smoothImage(32, 3, 999);
    expectExact(await run(sparse, [x]), await run(dense, [x]), 'bsr int8 vs dense int8');
    // export: the dense QDQ equivalent, in onnxruntime within one output step of ours
    const ours = await run(c.graph, [x]);
    const [ort] = await ortOutputs(exportCompressed(c), { input: [x, [1, 32, 32, 3]] });
    const step = c.int8!.layers.at(-1)!.outQ.scale;
    const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - ort[i])), 0);
    expect(worst).toBeLessThanOrEqual(step * 1.001);
    // size: int8 blocks plus indices, smaller than dense int8
    const denseInt8 = await compress(g, { quantize: 'int8', calibration: { batches }, runtime: rt });
    console.log(`mobilenet_v1 0.25-32: fp32 ${c.fp32Bytes} B, int8 ${denseInt8.bytes} B, int8 + 75% 4x4 blocks ${c.bytes} B`);
    expect(c.bytes).toBeLessThan(denseInt8.bytes);
  }, 300_000);

  it('clear errors: a block shape int8 does not offer, binary with sparsity', async () => {
    const rt = await runtime();
    const g = buildModel({ model: 'cnn_tiny', batch: 1 });
    await expect(compress(g, { quantize: 'int8', prune: { sparsity: 0.5, block: [1, 4] }, runtime: rt })).rejects.toThrow(
      /prune.block 1x4 is not offered with int8/,
    );
    await expect(compress(g, { quantize: 'int8', sparse: { block: [1, 8] }, runtime: rt })).rejects.toThrow(
      /sparse.block 1x8 is not offered with int8/,
    );
    await expect(compress(g, { quantize: 'binary', prune: { sparsity: 0.5 } })).rejects.toThrow(
      /block sparsity and binary quantization cannot be combined/,
    );
  });
});
