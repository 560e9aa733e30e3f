// The inference rewrites of src/graph/passes.ts on small hand-built graphs, CPU only: for each case the fusion
// counts, the ops left, and the rewritten graph's output against the unrewritten graph's, both run by the float64
// CPU reference executor (test/ref/graph.ts). Cases where a rewrite must NOT happen (a second consumer, a graph
// output in between, an activation or shuffle already fused, a geometry the fused kernel cannot take) are rows too.
// StrykerJS (issue 17) showed graph.test.ts's zoo-size checks leave the folded values and most guards unchecked.
import { describe, expect, it } from 'vitest';
import '../../src/graph/executor.js'; // registers the ops
import { Graph } from '../../src/graph/ir.js';
import { fuseActivation, fuseMatmulBias, fuseShuffle, foldBatchNorm, optimizeForInference } from '../../src/graph/passes.js';
import { runGraphRef } from '../ref/graph.js';
import { expectClose, randn } from '../helpers.js';

const RELU = 1,
  SWISH = 4;

interface Case {
  name: string;
  build: (g: Graph, x: number) => void;
  report: [number, number, number]; // batchnorms folded, activations fused, shuffles fused
  ops: string[];
}

const C = 8;
let seed = 1;
const param = (g: Graph, name: string, shape: number[], positive = false) => {
  const d = randn(
    shape.reduce((a, b) => a * b, 1),
    seed++,
  );
  return g.addParam(name, shape, positive ? d.map((v) => 0.5 + Math.abs(v)) : d);
};
const conv = (g: Graph, x: number, attrs: Record<string, unknown> = {}, bias = true, k = 1, cout = C, groups = 1) =>
  g.add1(
    'conv2d',
    [x, param(g, 'w', [k, k, C / groups, cout]), ...(bias ? [param(g, 'b', [cout])] : [])],
    { groups, pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0], ...attrs },
    'conv',
  );
const bn = (g: Graph, x: number, act = 0, eps = 1e-3) =>
  g.add1(
    'batchnorm',
    [x, param(g, 'gamma', [C]), param(g, 'beta', [C]), param(g, 'mean', [C]), param(g, 'var', [C], true)],
    { eps, act },
    'bn',
  );
const act = (g: Graph, x: number, code = RELU) => g.add1('activation', [x], { act: code }, 'act');
const out = (g: Graph, t: number) => g.markOutput(t);

const CASES: Case[] = [
  { name: 'conv(bias) → bn', build: (g, x) => out(g, bn(g, conv(g, x))), report: [1, 0, 0], ops: ['conv2d'] },
  { name: 'conv(no bias, 3×3) → bn', build: (g, x) => out(g, bn(g, conv(g, x, {}, false, 3))), report: [1, 0, 0], ops: ['conv2d'] },
  {
    name: 'grouped conv → bn (eps 0.5)',
    build: (g, x) => out(g, bn(g, conv(g, x, {}, true, 1, C, 2), 0, 0.5)),
    report: [1, 0, 0],
    ops: ['conv2d'],
  },
  { name: 'conv → bn(act relu)', build: (g, x) => out(g, bn(g, conv(g, x), RELU)), report: [1, 0, 0], ops: ['conv2d'] },
  { name: 'conv → bn → relu', build: (g, x) => out(g, act(g, bn(g, conv(g, x)))), report: [1, 1, 0], ops: ['conv2d'] },
  {
    name: 'conv → bn(relu) → swish: the second activation stays',
    build: (g, x) => out(g, act(g, bn(g, conv(g, x), RELU), SWISH)),
    report: [1, 0, 0],
    ops: ['conv2d', 'activation'],
  },
  {
    name: 'conv(act) → bn: not folded',
    build: (g, x) => out(g, bn(g, conv(g, x, { act: RELU }))),
    report: [0, 0, 0],
    ops: ['conv2d', 'batchnorm'],
  },
  {
    name: 'conv(shuffle) → bn: not folded, conv(shuffle) → relu: not fused',
    build: (g, x) => {
      const c = conv(g, x, { shuffle: 2 });
      out(g, bn(g, c));
      out(g, act(g, conv(g, x, { shuffle: 2 })));
    },
    report: [0, 0, 0],
    ops: ['conv2d', 'batchnorm', 'conv2d', 'activation'],
  },
  {
    name: 'conv → bn with the conv output also a graph output: not folded',
    build: (g, x) => {
      const c = conv(g, x);
      out(g, bn(g, c));
      out(g, c);
    },
    report: [0, 0, 0],
    ops: ['conv2d', 'batchnorm'],
  },
  {
    name: 'conv → bn and conv → relu: neither rewritten (two consumers)',
    build: (g, x) => {
      const c = conv(g, x);
      out(g, bn(g, c));
      out(g, act(g, c));
    },
    report: [0, 0, 0],
    ops: ['conv2d', 'batchnorm', 'activation'],
  },
  {
    name: 'bn whose statistics are not parameters: not folded',
    build: (g, x) => {
      const c = conv(g, x);
      const gamma = g.add1('activation', [param(g, 'g0', [C])], { act: 0 }, 'gamma');
      out(g, g.add1('batchnorm', [c, gamma, param(g, 'beta', [C]), param(g, 'mean', [C]), param(g, 'var', [C], true)], {}, 'bn'));
    },
    report: [0, 0, 0],
    ops: ['conv2d', 'activation', 'batchnorm'],
  },
  {
    name: 'pool → bn: not folded (producer not a conv)',
    build: (g, x) => out(g, bn(g, g.add1('pool2d', [x], { kernel: [1, 1] }, 'p'))),
    report: [0, 0, 0],
    ops: ['pool2d', 'batchnorm'],
  },
  {
    name: 'conv whose bias is computed at run time → bn: not folded',
    build: (g, x) => {
      const bias = g.add1('activation', [param(g, 'b0', [C])], { act: 0 }, 'bias');
      out(g, bn(g, g.add1('conv2d', [x, param(g, 'w', [1, 1, C, C]), bias], {}, 'conv')));
    },
    report: [0, 0, 0],
    ops: ['activation', 'conv2d', 'batchnorm'],
  },
  { name: 'input → bn → relu: fused into the bn', build: (g, x) => out(g, act(g, bn(g, x))), report: [0, 1, 0], ops: ['batchnorm'] },
  {
    name: 'add → relu',
    build: (g, x) => out(g, act(g, g.add1('add', [conv(g, x), x], {}, 'add'))),
    report: [0, 1, 0],
    ops: ['conv2d', 'add'],
  },
  {
    name: 'add(act) → relu: not fused',
    build: (g, x) => out(g, act(g, g.add1('add', [x, x], { act: RELU }, 'add'))),
    report: [0, 0, 0],
    ops: ['add', 'activation'],
  },
  {
    name: 'relu → relu: not fused (an activation is no producer the passes take)',
    build: (g, x) => out(g, act(g, act(g, x))),
    report: [0, 0, 0],
    ops: ['activation', 'activation'],
  },
  {
    name: 'conv → relu with the conv output also a graph output: not fused',
    build: (g, x) => {
      const c = conv(g, x);
      out(g, act(g, c));
      out(g, c);
    },
    report: [0, 0, 0],
    ops: ['conv2d', 'activation'],
  },
  {
    name: 'pointwise conv → shuffle(2)',
    build: (g, x) => out(g, g.add1('channel_shuffle', [conv(g, x)], { groups: 2 }, 'sh')),
    report: [0, 0, 1],
    ops: ['conv2d'],
  },
  {
    name: 'grouped pointwise conv → relu → shuffle(4): both fused (an activation commutes with a permutation)',
    build: (g, x) => out(g, g.add1('channel_shuffle', [act(g, conv(g, x, {}, true, 1, 16, 2))], { groups: 4 }, 'sh')),
    report: [0, 1, 1],
    ops: ['conv2d'],
  },
  {
    name: 'grouped pointwise conv → shuffle(4) → relu',
    build: (g, x) => out(g, act(g, g.add1('channel_shuffle', [conv(g, x, {}, true, 1, 16, 2)], { groups: 4 }, 'sh'))),
    report: [0, 0, 1],
    ops: ['conv2d', 'activation'],
  },
  {
    name: '3×3 conv → shuffle: not fused (no fused kernel)',
    build: (g, x) => out(g, g.add1('channel_shuffle', [conv(g, x, {}, true, 3)], { groups: 2 }, 'sh')),
    report: [0, 0, 0],
    ops: ['conv2d', 'channel_shuffle'],
  },
  {
    name: 'pointwise conv, 2 channels per group → shuffle: not fused',
    build: (g, x) => out(g, g.add1('channel_shuffle', [conv(g, x, {}, true, 1, C, 4)], { groups: 2 }, 'sh')),
    report: [0, 0, 0],
    ops: ['conv2d', 'channel_shuffle'],
  },
  {
    name: 'conv(shuffle) → shuffle: not fused',
    build: (g, x) => out(g, g.add1('channel_shuffle', [conv(g, x, { shuffle: 2 })], { groups: 2 }, 'sh')),
    report: [0, 0, 0],
    ops: ['conv2d', 'channel_shuffle'],
  },
  {
    name: 'pool → shuffle: not fused (producer not a conv)',
    build: (g, x) => out(g, g.add1('channel_shuffle', [g.add1('pool2d', [x], { kernel: [1, 1] }, 'p')], { groups: 2 }, 'sh')),
    report: [0, 0, 0],
    ops: ['pool2d', 'channel_shuffle'],
  },
  {
    name: 'conv → shuffle with the conv output also a graph output: not fused',
    build: (g, x) => {
      const c = conv(g, x);
      out(g, g.add1('channel_shuffle', [c], { groups: 2 }, 'sh'));
      out(g, c);
    },
    report: [0, 0, 0],
    ops: ['conv2d', 'channel_shuffle'],
  },
  {
    name: 'dead branch is dropped',
    build: (g, x) => {
      act(g, x);
      out(g, conv(g, x));
    },
    report: [0, 0, 0],
    ops: ['conv2d'],
  },
];

describe('optimizeForInference on hand-built graphs (counts, ops left, outputs = the unrewritten graph on the CPU)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const g = new Graph();
      const x = g.addInput('x', [2, 3, 3, C]);
      c.build(g, x);
      const before = g.nodes.map((n) => n.op);
      const { graph, report } = optimizeForInference(g);
      expect([report.batchnormsFolded, report.activationsFused, report.shufflesFused]).toEqual(c.report);
      expect(graph.nodes.map((n) => n.op)).toEqual(c.ops);
      expect(graph.nodes.map((n) => n.id)).toEqual(c.ops.map((_, i) => i));
      expect(g.nodes.map((n) => n.op)).toEqual(before); // the source graph is untouched
      const input = randn(2 * 3 * 3 * C, 99);
      const want = runGraphRef(g, [input]);
      const got = runGraphRef(graph, [input]);
      expect(got.length).toBe(want.length);
      want.forEach((w, k) => expectClose(got[k], w, { atol: 1e-5, rtol: 1e-5 }, `output ${k}`));
    });
  }
  it('folded parameters are new tensors named after the conv; the old ones are left unused', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 2, 2, C]);
    out(g, bn(g, conv(g, x)));
    const { graph } = optimizeForInference(g);
    const [, w, b] = graph.nodes[0].inputs;
    expect([graph.tensors[w].name, graph.tensors[b].name]).toEqual(['conv.w_bnfold', 'conv.b_bnfold']);
    expect([graph.shape(w), graph.shape(b)]).toEqual([[1, 1, C, C], [C]]);
    expect(graph.paramCount()).toBe(C * C + C);
  });
  it('the glue passes run and report their counts only with glue: true', () => {
    const build = () => {
      const g = new Graph();
      out(g, bn(g, conv(g, g.addInput('x', [1, 2, 2, C]))));
      return g;
    };
    expect(optimizeForInference(build()).report).toEqual({ batchnormsFolded: 1, activationsFused: 0, shufflesFused: 0 });
    expect(optimizeForInference(build(), { glue: true }).report).toEqual({
      batchnormsFolded: 1,
      activationsFused: 0,
      shufflesFused: 0,
      hardActivations: 0,
      affinesFolded: 0,
      elementwiseFused: 0,
    });
  });
  it('the single passes return their counts and can be run one by one', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 2, 2, C]);
    out(g, g.add1('channel_shuffle', [act(g, bn(g, conv(g, x, {}, true, 1, C, 2)), RELU)], { groups: 2 }, 'sh'));
    expect(fuseShuffle(g)).toBe(0); // the activation sits between the conv and the shuffle
    expect(foldBatchNorm(g)).toBe(1);
    expect(foldBatchNorm(g)).toBe(0);
    expect(fuseActivation(g)).toBe(1);
    expect(fuseActivation(g)).toBe(0);
    expect(fuseShuffle(g)).toBe(1);
    expect(g.nodes.map((n) => n.op)).toEqual(['conv2d']);
    expect(g.nodes[0].attrs).toMatchObject({ act: RELU, shuffle: 2 });
  });
});

describe('fuseMatmulBias', () => {
  interface Row {
    name: string;
    out?: number[]; // the product's shape, [rows, n]
    bias?: number[];
    biasRole?: 'param' | 'input';
    fn?: string;
    op?: 'binary' | 'add';
    productFirst?: boolean;
    productAlsoRead?: boolean;
    productIsOutput?: boolean;
    matmulHasBias?: boolean;
    producer?: 'add';
    fused: boolean;
  }
  const rows: Row[] = [
    { name: 'binary add, bias [3] on the right', bias: [3], fused: true },
    { name: 'binary add, bias [1, 3] on the left: a [3] copy', bias: [1, 3], productFirst: false, fused: true },
    { name: 'binary add, bias [1, 1, 3]: the sum has another shape', bias: [1, 1, 3], fused: false },
    { name: 'same-shape add of a [1, 3] bias', out: [1, 3], bias: [1, 3], op: 'add', fused: true },
    { name: 'binary mul is no bias', bias: [3], fn: 'mul', fused: false },
    { name: 'binary sub is no bias', bias: [3], fn: 'sub', fused: false },
    { name: 'a bias that is a graph input', bias: [3], biasRole: 'input', fused: false },
    { name: 'bias [3, 1]: not a row vector', out: [3, 3], bias: [3, 1], fused: false },
    { name: 'bias [2, 3]: too many values', bias: [2, 3], fused: false },
    { name: 'the product is read elsewhere too', bias: [3], productAlsoRead: true, fused: false },
    { name: 'the product is a graph output', bias: [3], productIsOutput: true, fused: false },
    { name: 'the matmul already has a bias', bias: [3], matmulHasBias: true, fused: false },
    { name: 'the product of a two-input op that is not a matmul', out: [2, 3], bias: [3], producer: 'add', fused: false },
  ];
  it.each(rows)('$name', (r) => {
    const outShape = r.out ?? [2, 3];
    const g = new Graph();
    const x = g.addInput('x', [outShape[0], 4]);
    g.add1('activation', [x], { act: 1 }, 'dead'); // a dead node: dropped only when something was fused
    const wIn = [x, g.addParam('w', [4, outShape[1]], new Float32Array(4 * outShape[1]).fill(0.5))];
    if (r.matmulHasBias) wIn.push(g.addParam('b0', [outShape[1]], new Float32Array(outShape[1])));
    const x2 = g.addInput('x2', outShape);
    const mm = r.producer === 'add' ? g.add1('add', [x2, x2], {}, 'mm') : g.add1('matmul', wIn, {}, 'mm');
    const n = r.bias!.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: n }, (_, i) => i + 1);
    const bias = r.biasRole === 'input' ? g.addInput('bias', r.bias!) : g.addParam('bias', r.bias!, values);
    const ins = r.productFirst === false ? [bias, mm] : [mm, bias];
    const y = g.add1(r.op ?? 'binary', ins, r.op === 'add' ? {} : { fn: r.fn ?? 'add' }, 'y');
    g.markOutput(y);
    if (r.productAlsoRead) g.markOutput(g.add1('activation', [mm], { act: 1 }, 'r'));
    if (r.productIsOutput) g.markOutput(mm);
    const before = g.nodes.map((nd) => nd.op);
    expect(fuseMatmulBias(g)).toBe(r.fused ? 1 : 0);
    if (!r.fused) {
      expect(g.nodes.map((nd) => nd.op)).toEqual(before);
      return;
    }
    expect(g.nodes.map((nd) => nd.op)).toEqual(['matmul']);
    const m = g.nodes[0];
    expect(m.outputs).toEqual([y]);
    expect(m.inputs.slice(0, 2)).toEqual(wIn);
    const b = g.tensors[m.inputs[2]];
    expect(b.shape).toEqual([3]);
    expect(Array.from(b.data!)).toEqual(Array.from(values));
    if (r.bias!.length === 1) expect(b.id).toBe(bias);
    else expect(b.name).toBe('bias.v');
  });
  it('several heads in one graph: each fused, dead nodes dropped, ids renumbered', () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 4]);
    g.add1('activation', [x], { act: 1 }, 'dead');
    for (const k of [0, 1]) {
      const mm = g.add1('matmul', [x, g.addParam(`w${k}`, [4, 3], new Float32Array(12))], {}, `mm${k}`);
      g.markOutput(g.add1('binary', [mm, g.addParam(`b${k}`, [3], new Float32Array(3))], { fn: 'add' }, `y${k}`));
    }
    expect(fuseMatmulBias(g)).toBe(2);
    expect(g.nodes.map((nd) => [nd.id, nd.name])).toEqual([
      [0, 'mm0'],
      [1, 'mm1'],
    ]);
    expect(fuseMatmulBias(g)).toBe(0);
  });
});
