// XNOR kernels against the CPU bit-level reference: integer dot products and output signs must match exactly.
// Inputs enter as floats through `binarize`; b1 outputs leave through `unpack_signs` (±1).
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Attrs } from '../../src/ops/registry.js';
import { packSigns, xnorAffine, xnorThresholds } from '../../src/ops/xnor.js';
import { xnorDotRef, xnorSignRef } from '../ref/xnor.js';
import { expectClose, expectExact, randn, runtime } from '../helpers.js';

interface Case {
  name: string;
  x: number[];
  k: [number, number];
  cout: number;
  attrs: Attrs;
}

// Cin 3, 32, 45 (padding to 64), 70; odd sizes, stride 2, padding, dilation, batch 2.
const cases: Case[] = [
  { name: '3x3 s1 p1 cin45', x: [1, 7, 9, 45], k: [3, 3], cout: 32, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 s2 p(0,1,1,0) n2 cin32', x: [2, 9, 7, 32], k: [3, 3], cout: 64, attrs: { stride: [2, 2], pads: [0, 1, 1, 0] } },
  { name: '1x1 cin70 odd HW', x: [1, 5, 7, 70], k: [1, 1], cout: 32, attrs: {} },
  { name: '1x1 one pixel cin33', x: [1, 1, 1, 33], k: [1, 1], cout: 64, attrs: {} },
  { name: '1x1 many pixels n2 cin100', x: [2, 13, 11, 100], k: [1, 1], cout: 96, attrs: {} },
  // 10 and 17 words per pixel, an odd pixel count
  { name: '1x1 cin300 odd pixels', x: [1, 3, 7, 300], k: [1, 1], cout: 64, attrs: {} },
  { name: '1x1 cin520 n2', x: [2, 3, 3, 520], k: [1, 1], cout: 32, attrs: {} },
  { name: '5x3 dil2 cin3', x: [1, 11, 10, 3], k: [5, 3], cout: 32, attrs: { dilation: [2, 2], pads: [2, 1, 2, 1] } },
];

async function runGraph(g: Graph, inputs: Float32Array[], variant?: string): Promise<Float32Array> {
  const m = await compile(await runtime(), g, { tune: 'off', forceVariant: variant });
  const [out] = await m.run(inputs);
  m.destroy();
  return out;
}

function data(c: Case) {
  const ws = [c.k[0], c.k[1], c.x[3], c.cout];
  const x = randn(
    c.x.reduce((a, b) => a * b),
    11,
  );
  x[0] = 0;
  x[1] = -0; // +0 and −0 are both +1
  const w = randn(
    ws.reduce((a, b) => a * b),
    12,
  );
  return { ws, x, w, dot: xnorDotRef(x, c.x, w, ws, c.attrs) };
}

describe('conv2d_xnor vs CPU bit-level reference (exact)', () => {
  for (const c of cases) {
    for (const tw of [2, 4, 8]) {
      it(`${c.name} float out: dot products [xnor_float_tw${tw}]`, async () => {
        const { ws, x, w, dot } = data(c);
        const g = new Graph();
        const b = g.add1('binarize', [g.addInput('x', c.x)]);
        const pw = packSigns(w, ws);
        const aff = xnorAffine(new Array(c.cout).fill(1), new Array(c.cout).fill(0));
        const y = g.add1('conv2d_xnor', [b, g.addRawParam('w', [pw.length], pw), g.addParam('aff', [aff.length], aff)], {
          ...c.attrs,
          kernel: c.k,
          cout: c.cout,
          out: 'f32',
        });
        g.markOutput(y);
        expectExact(await runGraph(g, [x], `xnor_float_tw${tw}`), dot, `${c.name} dot`);
      });
    }
    const pointwise = c.k[0] === 1 && c.k[1] === 1 && !c.attrs.stride && !c.attrs.pads;
    for (const v of [
      'xnor_bits_tw1',
      'xnor_bits_tw2',
      'xnor_bits_tw4',
      'xnor_bits_unrolled',
      ...(pointwise ? [] : ['xnor_bits_quad2', 'xnor_bits_quad4']),
      ...(pointwise
        ? [
            'xnor_bits_pwquad2',
            'xnor_bits_pwquad4',
            'xnor_bits_pwquadrt2',
            'xnor_bits_pwquadrt4',
            'xnor_bits_pwquadrt8',
            'xnor_bits_pwquadfo4',
            'xnor_bits_pwquadfo8',
          ]
        : []),
    ]) {
      it(`${c.name} b1 out: batch-norm + sign thresholds [${v}]`, async () => {
        const { ws, x, w, dot } = data(c);
        // A of both signs and zero, B chosen so thresholds fall inside the dot range (and on integers)
        const A = Array.from({ length: c.cout }, (_, i) => [0.37, -1.2, 0, 2, -0.5][i % 5]);
        const B = Array.from({ length: c.cout }, (_, i) => [1.3, -4.2, -0.1, 6, 0, 3.5][i % 6]);
        const g = new Graph();
        const b = g.add1('binarize', [g.addInput('x', c.x)]);
        const pw = packSigns(w, ws);
        const thr = xnorThresholds(A, B);
        const y = g.add1('conv2d_xnor', [b, g.addRawParam('w', [pw.length], pw), g.addRawParam('thr', [thr.length], thr)], {
          ...c.attrs,
          kernel: c.k,
          cout: c.cout,
          out: 'b1',
        });
        g.markOutput(g.add1('unpack_signs', [y]));
        expectExact(await runGraph(g, [x], v), xnorSignRef(dot, c.cout, A, B), `${c.name} signs`);
      });
    }
  }

  it('float out with α and shift and ReLU (fp32 tolerance)', async () => {
    const c = cases[0];
    const { ws, x, w, dot } = data(c);
    const alpha = Array.from({ length: c.cout }, (_, i) => 0.01 + 0.003 * i);
    const shift = Array.from({ length: c.cout }, (_, i) => -0.5 + 0.04 * i);
    const g = new Graph();
    const b = g.add1('binarize', [g.addInput('x', c.x)]);
    const pw = packSigns(w, ws);
    const aff = xnorAffine(alpha, shift);
    g.markOutput(
      g.add1('conv2d_xnor', [b, g.addRawParam('w', [pw.length], pw), g.addParam('aff', [aff.length], aff)], {
        ...c.attrs,
        kernel: c.k,
        cout: c.cout,
        out: 'f32',
        act: 1,
      }),
    );
    const want = Float32Array.from(dot, (d, i) => Math.max(0, alpha[i % c.cout] * d + shift[i % c.cout]));
    expectClose(await runGraph(g, [x]), want, { atol: 1e-5, rtol: 1e-6 }, 'alpha');
  });

  it('two binary layers chained packed (b1 → b1 → f32)', async () => {
    const xs = [1, 6, 5, 40];
    const x = randn(
      xs.reduce((a, b) => a * b),
      21,
    );
    const w1s = [3, 3, 40, 64];
    const w2s = [1, 1, 64, 32];
    const w1 = randn(
      w1s.reduce((a, b) => a * b),
      22,
    );
    const w2 = randn(
      w2s.reduce((a, b) => a * b),
      23,
    );
    const A = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? -0.2 : 0.3));
    const B = Array.from({ length: 64 }, (_, i) => ((i * 7) % 11) - 5);
    const g = new Graph();
    const b = g.add1('binarize', [g.addInput('x', xs)]);
    const p1 = packSigns(w1, w1s);
    const p2 = packSigns(w2, w2s);
    const thr = xnorThresholds(A, B);
    const aff = xnorAffine(new Array(32).fill(1), new Array(32).fill(0));
    const h = g.add1('conv2d_xnor', [b, g.addRawParam('w1', [p1.length], p1), g.addRawParam('t1', [thr.length], thr)], {
      kernel: [3, 3],
      cout: 64,
      pads: [1, 1, 1, 1],
      out: 'b1',
    });
    expect(g.dtype(h)).toBe('b1');
    g.markOutput(
      g.add1('conv2d_xnor', [h, g.addRawParam('w2', [p2.length], p2), g.addParam('a2', [aff.length], aff)], {
        kernel: [1, 1],
        cout: 32,
        out: 'f32',
      }),
    );
    const hRef = xnorSignRef(xnorDotRef(x, xs, w1, w1s, { pads: [1, 1, 1, 1] }), 64, A, B);
    expectExact(await runGraph(g, [x]), xnorDotRef(hRef, [1, 6, 5, 64], w2, w2s, {}), 'chain');
  });
});
