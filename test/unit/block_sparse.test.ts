// Block-sparse conv against the float64 reference on the same (pruned) dense weights, every block shape and tile;
// plus the BSR encoding round trip and the pruning count.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/graph/ir.js';
import { compile } from '../../src/graph/executor.js';
import { BLOCK_SHAPES, fromBsr, toBsr } from '../../src/ops/block_sparse.js';
import type { Attrs } from '../../src/ops/registry.js';
import { addBsrConv, pruneBlocks } from '../../src/compress/sparse.js';
import { conv2dRef } from '../ref/ops.js';
import { expectClose, expectExact, randn, runtime, TOL } from '../helpers.js';

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  attrs: Attrs;
  sparsity: number;
}

const cases: Case[] = [
  { name: '3x3 s1 p1 odd W', x: [1, 6, 7, 16], k: [3, 3], cout: 16, attrs: { pads: [1, 1, 1, 1], act: 1 }, sparsity: 0.75 },
  { name: '3x3 s2 p(0,1,1,0) n2', x: [2, 9, 7, 8], k: [3, 3], cout: 24, attrs: { stride: [2, 2], pads: [0, 1, 1, 0] }, sparsity: 0.5 },
  { name: 'pointwise n2', x: [2, 5, 3, 32], k: [1, 1], cout: 32, attrs: { act: 2 }, sparsity: 0.9 },
  { name: 'all blocks pruned but one row', x: [1, 3, 4, 8], k: [1, 1], cout: 8, attrs: {}, sparsity: 0.95 },
];

describe('conv2d_bsr vs float64 reference', () => {
  for (const c of cases) {
    for (const block of BLOCK_SHAPES) {
      const ws = [c.k[0], c.k[1], c.x[3], c.cout];
      if (c.x[3] % block[1] !== 0 || c.cout % block[0] !== 0) continue;
      for (const v of [2, 4, 8, ...(block[0] >= 4 ? ['unrolled', 'unrolled8'] : [])].map((t) => (typeof t === 'number' ? `tm${t}` : t))) {
        it(`${c.name} block ${block.join('x')} ${v}`, async () => {
          const x = randn(
            c.x.reduce((a, b) => a * b),
            31,
          );
          const w = pruneBlocks(
            randn(
              ws.reduce((a, b) => a * b),
              32,
              0.5,
            ),
            ws,
            block,
            c.sparsity,
          );
          const bias = randn(c.cout, 33);
          const bsr = toBsr(w, ws, block);
          expectExact(fromBsr(bsr, ws), w, 'BSR round trip');
          expect(bsr.totalBlocks - bsr.nnzb).toBeGreaterThanOrEqual(Math.floor(c.sparsity * bsr.totalBlocks));
          const g = new Graph();
          g.markOutput(addBsrConv(g, g.addInput('x', c.x), bsr, bias, { ...c.attrs, kernel: c.k, cout: c.cout }, 'conv'));
          const m = await compile(await runtime(), g, { tune: 'off', forceVariant: `bsr_${block.join('x')}_${v}` });
          const [out] = await m.run([x]);
          m.destroy();
          expectClose(out, conv2dRef(x, c.x, w, ws, bias, c.attrs), TOL.f32, `${c.name} ${block.join('x')}`);
        });
      }
    }
  }
});

describe('conv2d_bsr pointwise quad kernel (GEMM-shaped) vs float64 and the dense kernel on the same zeroed blocks', () => {
  const pw: Case[] = [
    { name: 'one pixel', x: [1, 1, 1, 16], k: [1, 1], cout: 24, attrs: { act: 1 }, sparsity: 0.5 },
    { name: 'many pixels, M not a multiple of the tile', x: [2, 15, 13, 24], k: [1, 1], cout: 16, attrs: {}, sparsity: 0.75 },
    { name: 'fully connected shape, 90%', x: [3, 1, 1, 64], k: [1, 1], cout: 40, attrs: { act: 2 }, sparsity: 0.9 },
    { name: 'a row with no blocks', x: [1, 3, 5, 8], k: [1, 1], cout: 16, attrs: {}, sparsity: 0.95 },
    // rows with different block counts, M = 37 odd, Cin 40 = 5 block columns of 8
    { name: 'odd pixel count, odd block counts', x: [1, 1, 37, 40], k: [1, 1], cout: 24, attrs: { act: 1 }, sparsity: 0.4 },
  ];
  for (const c of pw)
    for (const block of [
      [8, 4],
      [8, 8],
    ] as [number, number][]) {
      const ws = [1, 1, c.x[3], c.cout];
      if (c.x[3] % block[1] !== 0) continue;
      // the whole-block kernels on the awkward cases only (each pipeline compile costs a second or more here)
      const awkward = c.name.startsWith('odd') || c.name.startsWith('many');
      for (const v of ['pwquad4', 'pwquad8', ...(awkward ? ['pwblk4', 'pwblk8'] : [])]) {
        it(`${c.name} block ${block.join('x')} ${v}`, async () => {
          const x = randn(
            c.x.reduce((a, b) => a * b),
            41,
          );
          const w = pruneBlocks(randn(c.x[3] * c.cout, 42, 0.5), ws, block, c.sparsity);
          const bias = randn(c.cout, 43);
          const bsr = toBsr(w, ws, block);
          const rt = await runtime();
          const g = new Graph();
          g.markOutput(addBsrConv(g, g.addInput('x', c.x), bsr, bias, { ...c.attrs, kernel: c.k, cout: c.cout }, 'conv'));
          const m = await compile(rt, g, { tune: 'off', forceVariant: `bsr_${block.join('x')}_${v}` });
          const [out] = await m.run([x]);
          m.destroy();
          expectClose(out, conv2dRef(x, c.x, w, ws, bias, c.attrs), TOL.f32, `${c.name} vs float64`);
          // the dense fp32 kernel on the same weights (pruned blocks are zeros)
          const d = new Graph();
          d.markOutput(
            d.add1('conv2d', [d.addInput('x', c.x), d.addParam('w', ws, w), d.addParam('b', [c.cout], bias)], { ...c.attrs }, 'conv'),
          );
          const dm = await compile(rt, d, { tune: 'off' });
          const [dense] = await dm.run([x]);
          dm.destroy();
          expectClose(out, dense, TOL.f32, `${c.name} vs dense`);
        });
      }
    }
});
