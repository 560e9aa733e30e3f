// Block sparsity: magnitude pruning of conv weights to a target fraction of zero blocks, BSR encoding, and the
// per-layer choice of block shape by measuring each candidate's kernel on the adapter.
//
// The weight matrix is Wm[co, k] (k = (kh·KW + kw)·Cin + ci, src/ops/block_sparse.ts); a block's magnitude is
// its L2 norm; the ⌊sparsity · blocks⌋ smallest blocks are zeroed (ties broken by position, deterministic).

import { compile } from '../graph/executor.js';
import { Graph } from '../graph/ir.js';
import { check } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { BLOCK_SHAPES, blockShapeFits, toBsr, type BlockShape, type Bsr } from '../ops/block_sparse.js';
import { int8ConvTables, toBsrInt8 } from '../ops/int8.js';
import type { Attrs } from '../ops/registry.js';

/** 0/1 mask of HWIO weights dropping the ⌊sparsity·blocks⌋ smallest-L2 blocks (also the training pruning mask). */
export function blockMask(w: Float32Array, wShape: number[], block: BlockShape, sparsity: number): Float32Array {
  check(sparsity >= 0 && sparsity < 1, `block sparsity must be in [0, 1), got ${sparsity}`);
  const [kh, kw, cin, cout] = wShape;
  const [br, bc] = block;
  check(blockShapeFits(wShape, block), `block ${br}×${bc} does not fit weights [${wShape}]`);
  const nbr = cout / br;
  const nbc = (kh * kw * cin) / bc;
  const norms: { n: number; r: number; c: number }[] = [];
  for (let r = 0; r < nbr; r++)
    for (let c = 0; c < nbc; c++) {
      let s = 0;
      for (let j = 0; j < bc; j++) for (let q = 0; q < br; q++) s += w[(c * bc + j) * cout + r * br + q] ** 2;
      norms.push({ n: s, r, c });
    }
  norms.sort((a, b) => a.n - b.n || a.r - b.r || a.c - b.c);
  const mask = new Float32Array(w.length).fill(1);
  const drop = Math.floor(sparsity * norms.length);
  for (let i = 0; i < drop; i++) {
    const { r, c } = norms[i];
    for (let j = 0; j < bc; j++) for (let q = 0; q < br; q++) mask[(c * bc + j) * cout + r * br + q] = 0;
  }
  return mask;
}

/** Copy of HWIO weights with the smallest-L2 blocks zeroed so that ⌊sparsity·blocks⌋ blocks are zero. */
export function pruneBlocks(w: Float32Array, wShape: number[], block: BlockShape, sparsity: number): Float32Array {
  const mask = blockMask(w, wShape, block, sparsity);
  return w.map((v, i) => v * mask[i]);
}

/** A one-node graph running conv2d_bsr on encoded weights (what the converter emits for one layer). */
export function addBsrConv(g: Graph, x: number, bsr: Bsr, bias: Float32Array | null, attrs: Attrs, name: string): number {
  const idx = g.addRawParam(`${name}.bsr_idx`, [bsr.idx.length], bsr.idx);
  const val = g.addParam(`${name}.bsr_val`, [bsr.val.length], bsr.val);
  const ins = [x, idx, val];
  if (bias) ins.push(g.addParam(`${name}.bias`, [bias.length], bias));
  return g.add1('conv2d_bsr', ins, { ...attrs, block: [...bsr.block] }, name);
}

// The minimum of the runs: other load on the machine only ever adds time.
async function timeGraph(rt: Runtime, g: Graph, input: Float32Array, runs: number): Promise<number> {
  const m = await compile(rt, g, { tune: 'off', fuse: false });
  await m.run([input]);
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await m.run([input]);
    ms.push(performance.now() - t0);
  }
  m.destroy();
  return Math.min(...ms);
}

export interface BlockChoice {
  block: BlockShape;
  ms: Record<string, number>;
}

/**
 * Choose the block shape for one conv layer at a target sparsity by measuring conv2d_bsr for each shape that fits
 * (each with its own pruning of the same weights) on this adapter, with each shape's default kernel (the tuner
 * then picks the tile for the chosen shape). `xShape` is the layer's input [N,H,W,Cin].
 */
export async function chooseBlockShape(
  rt: Runtime,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  attrs: Attrs,
  sparsity: number,
  shapes: BlockShape[] = BLOCK_SHAPES,
  runs = 2,
  int8 = false,
): Promise<BlockChoice> {
  const fits = shapes.filter((b) => blockShapeFits(wShape, b));
  check(fits.length > 0, `no block shape fits weights [${wShape}]`);
  const ms: Record<string, number> = {};
  let best: BlockShape = fits[0];
  const input = new Float32Array(xShape.reduce((a, b) => a * b)).fill(0.5);
  for (const b of fits) {
    const g = new Graph();
    const x = g.addInput('x', xShape);
    if (int8) {
      // the int8 kernel on the same pruning (weights ±1 where kept; unit requantization tables)
      const [kh, kw, , cout] = wShape;
      const wq = Int8Array.from(pruneBlocks(w, wShape, b, sparsity), (v) => Math.sign(v));
      const bsr = toBsrInt8(wq, wShape, b);
      const tables = int8ConvTables(new Int32Array(cout), new Float64Array(cout).fill(1 / 64));
      const ins = [
        g.add1('quantize', [x], { scale: 1 / 64, zero: 0 }),
        g.addRawParam('idx', [bsr.idx.length], bsr.idx),
        g.addRawParam('val', [bsr.val.length], bsr.val),
        g.addRawParam('qp', [tables.length], tables),
      ];
      g.markOutput(
        g.add1('dequantize', [g.add1('conv2d_bsr_int8', ins, { ...attrs, kernel: [kh, kw], cout, block: [...b] }, 'probe')], {
          scale: 1,
          zero: 0,
        }),
      );
      ms[b.join('x')] = await timeGraph(rt, g, input, runs);
      if (ms[b.join('x')] < ms[best.join('x')]) best = b;
      continue;
    }
    g.markOutput(
      addBsrConv(
        g,
        x,
        toBsr(pruneBlocks(w, wShape, b, sparsity), wShape, b),
        null,
        { ...attrs, kernel: [wShape[0], wShape[1]], cout: wShape[3] },
        'probe',
      ),
    );
    ms[b.join('x')] = await timeGraph(rt, g, input, runs);
    if (ms[b.join('x')] < ms[best.join('x')]) best = b;
  }
  return { block: best, ms };
}
