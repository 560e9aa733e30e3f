// Browser kernel tests: a representative set of the kernel checks of test/unit/*.test.ts, run in the page on the
// browser's own WebGPU (navigator.gpu) against the float64 CPU references of test/ref/. Each case is one op
// as a one-node graph (no fusion), its kernel variant pinned like the unit tests do. Results go to the table
// and to `window.__kernelResults` for Playwright (test/unit/browser_kernels.test.ts).
//
// Covered: conv2d direct and register-tiled (stride 2, asymmetric pads, dilation, groups, Cin 1/3), depthwise,
// pointwise GEMM variants (register tiles, unrolled 4x8/8x8, fused channel shuffle), max/avg/global pooling,
// softmax and log-softmax, concat, channel shuffle, residual add, activation, batch-norm.

import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import type { Attrs } from '../../src/ops/registry.js';
import { applyAct } from '../../src/ops/activation.js';
import { seededRandom } from '../../src/models/builder.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { batchnormRef, channelShuffleRef, concatRef, conv2dRef, globalPoolRef, pool2dRef, softmaxRef } from '../ref/ops.js';

// the same tolerance as TOL.f32 in test/helpers.ts (that module imports vitest, so it cannot load here)
const TOL = { atol: 1e-4, rtol: 1e-4 };

function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface In {
  shape: number[];
  data: Float32Array;
  param?: boolean;
}
interface Case {
  name: string;
  op: string;
  inputs: In[];
  attrs: Attrs;
  variants: (string | undefined)[];
  ref: () => Float32Array;
}

function convCase(name: string, x: number[], k: [number, number], cout: number, attrs: Attrs, variants: string[]): Case {
  const groups = (attrs.groups as number) ?? 1;
  const ws = [k[0], k[1], x[3] / groups, cout];
  const xd = randn(numel(x), 1);
  const wd = randn(numel(ws), 2, 0.5);
  const bd = randn(cout, 3);
  return {
    name,
    op: 'conv2d',
    attrs,
    variants,
    inputs: [
      { shape: x, data: xd },
      { shape: ws, data: wd, param: true },
      { shape: [cout], data: bd, param: true },
    ],
    ref: () => conv2dRef(xd, x, wd, ws, bd, attrs),
  };
}

function unary(name: string, op: string, shape: number[], attrs: Attrs, ref: (x: Float32Array) => Float32Array): Case {
  const x = randn(numel(shape), 11);
  return { name, op, attrs, variants: [undefined], inputs: [{ shape, data: x }], ref: () => ref(x) };
}

const cases: Case[] = [
  convCase('conv 3x3 s1 p1 cin3', [1, 7, 9, 3], [3, 3], 8, { pads: [1, 1, 1, 1] }, ['conv2d_regtile_vec0', 'conv2d_direct']),
  convCase('conv 3x3 s2 pads(0,1,1,0) n2', [2, 9, 7, 8], [3, 3], 12, { stride: [2, 2], pads: [0, 1, 1, 0] }, [
    'conv2d_regtile_vec1',
    'conv2d_direct',
  ]),
  convCase('conv 5x3 dil2 cin1', [1, 11, 10, 1], [5, 3], 4, { dilation: [2, 2], pads: [2, 1, 2, 1] }, ['conv2d_regtile_vec0']),
  convCase('conv grouped g2 relu6', [2, 6, 5, 8], [3, 3], 16, { groups: 2, pads: [1, 1, 1, 1], act: 2 }, [
    'conv2d_regtile_vec1',
    'conv2d_direct',
  ]),
  convCase('depthwise 3x3 s1 relu6', [2, 7, 6, 12], [3, 3], 12, { groups: 12, pads: [1, 1, 1, 1], act: 2 }, [
    'depthwise_regtile',
    'conv2d_direct',
  ]),
  convCase('depthwise 3x3 s2 odd', [1, 9, 11, 8], [3, 3], 8, { groups: 8, stride: [2, 2], pads: [0, 0, 1, 1] }, ['depthwise_regtile']),
  convCase('pointwise n2 odd HW relu', [2, 5, 7, 12], [1, 1], 20, { act: 1 }, ['pointwise_regtile_tm4', 'pointwise_regtile_tm8']),
  convCase('pointwise M=15 cout 24', [1, 3, 5, 16], [1, 1], 24, { act: 2 }, [
    'pointwise_unrolled4x8',
    'pointwise_unrolled8x8',
    'pointwise_regtile_tm8',
  ]),
  convCase('pointwise g3 + shuffle', [1, 3, 3, 48], [1, 1], 48, { groups: 3, shuffle: 3 }, [
    'pointwise_unrolled4x8',
    'pointwise_regtile_tm4',
  ]),
  convCase('fully connected as 1x1', [3, 1, 1, 40], [1, 1], 10, {}, ['conv2d_direct']),
  unary('maxpool 3x3 s2 p1', 'pool2d', [1, 9, 8, 5], { mode: 'max', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }, (x) =>
    pool2dRef(x, [1, 9, 8, 5], { mode: 'max', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }),
  ),
  unary('avgpool 3x3 s2 p1', 'pool2d', [2, 7, 7, 4], { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }, (x) =>
    pool2dRef(x, [2, 7, 7, 4], { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }),
  ),
  unary(
    'avgpool count_include_pad ceil',
    'pool2d',
    [1, 6, 7, 3],
    { mode: 'avg', kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true, ceil: true },
    (x) =>
      pool2dRef(x, [1, 6, 7, 3], { mode: 'avg', kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true, ceil: true }),
  ),
  unary('global avg pool', 'global_pool', [2, 5, 3, 7], { mode: 'avg' }, (x) => globalPoolRef(x, [2, 5, 3, 7], 'avg')),
  unary('global max pool', 'global_pool', [1, 4, 4, 9], { mode: 'max' }, (x) => globalPoolRef(x, [1, 4, 4, 9], 'max')),
  unary('softmax 3x10', 'softmax', [3, 10], {}, (x) => softmaxRef(x, 10)),
  unary('log-softmax 2x1000', 'softmax', [2, 1000], { log: true }, (x) => softmaxRef(x, 1000, true)),
  unary('channel shuffle g3', 'channel_shuffle', [1, 3, 2, 12], { groups: 3 }, (x) => channelShuffleRef(x, 12, 3)),
  unary('activation swish', 'activation', [1, 3, 3, 5], { act: 4 }, (x) => x.map((v) => applyAct(4, v))),
  (() => {
    const s = [
      [1, 3, 4, 5],
      [1, 3, 4, 3],
      [1, 3, 4, 8],
    ];
    const xs = s.map((sh, k) => randn(numel(sh), 20 + k));
    return {
      name: 'concat 3 inputs',
      op: 'concat',
      attrs: {},
      variants: [undefined],
      inputs: xs.map((d, k) => ({ shape: s[k], data: d })),
      ref: () => concatRef(xs, s),
    };
  })(),
  (() => {
    const sh = [2, 3, 3, 6];
    const a = randn(numel(sh), 30);
    const b = randn(numel(sh), 31);
    return {
      name: 'add + relu',
      op: 'add',
      attrs: { act: 1 },
      variants: [undefined],
      inputs: [
        { shape: sh, data: a },
        { shape: sh, data: b },
      ],
      ref: () => a.map((v, i) => applyAct(1, v + b[i])),
    };
  })(),
  (() => {
    const c = 6;
    const sh = [1, 4, 3, c];
    const x = randn(numel(sh), 40);
    const [g, b, m] = [41, 42, 43].map((s) => randn(c, s));
    const v = randn(c, 44).map((t) => 1 + Math.abs(t));
    const p = (d: Float32Array) => ({ shape: [c], data: d, param: true });
    return {
      name: 'batchnorm relu6',
      op: 'batchnorm',
      attrs: { eps: 1e-5, act: 2 },
      variants: [undefined],
      inputs: [{ shape: sh, data: x }, p(g), p(b), p(m), p(v)],
      ref: () => batchnormRef(x, c, g, b, m, v, 1e-5, 2),
    };
  })(),
];

export interface KernelResult {
  name: string;
  variant: string;
  pass: boolean;
  maxErr: number;
  detail: string;
}

function compare(actual: Float32Array, expected: Float32Array): { pass: boolean; maxErr: number; detail: string } {
  if (actual.length !== expected.length) return { pass: false, maxErr: Infinity, detail: `length ${actual.length} ≠ ${expected.length}` };
  const bad: string[] = [];
  let maxErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    maxErr = Math.max(maxErr, err);
    if (!(err <= TOL.atol + TOL.rtol * Math.abs(expected[i])) && bad.length < 3)
      bad.push(`[${i}] expected ${expected[i]}, got ${actual[i]}`);
  }
  return { pass: bad.length === 0, maxErr, detail: bad.join('; ') };
}

async function runCase(rt: Runtime, c: Case, variant: string | undefined): Promise<KernelResult> {
  const label = variant ?? 'default';
  try {
    const g = new Graph();
    const ids = c.inputs.map((x, k) => (x.param ? g.addParam(`p${k}`, x.shape, x.data) : g.addInput(`x${k}`, x.shape)));
    g.markOutput(g.add1(c.op, ids, c.attrs));
    const m = await compile(rt, g, { fuse: false, tune: 'off', forceVariant: variant });
    const [out] = await m.run(c.inputs.filter((x) => !x.param).map((x) => x.data));
    m.destroy();
    return { name: c.name, variant: label, ...compare(out, c.ref()) };
  } catch (e) {
    return { name: c.name, variant: label, pass: false, maxErr: NaN, detail: String((e as Error).message ?? e) };
  }
}

async function main(): Promise<void> {
  const status = document.getElementById('status')!;
  const tbody = document.querySelector('#results tbody')!;
  const results: KernelResult[] = [];
  let adapter = null;
  try {
    const rt = await Runtime.create();
    adapter = rt.ctx.adapter;
    for (const c of cases) {
      for (const v of c.variants) {
        const r = await runCase(rt, c, v);
        results.push(r);
        const tr = document.createElement('tr');
        for (const text of [r.name, r.variant, r.pass ? 'pass' : 'FAIL', r.maxErr.toExponential(2), r.detail]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.appendChild(td);
        }
        tr.className = r.pass ? 'pass' : 'fail';
        tbody.appendChild(tr);
      }
    }
    rt.destroy();
    const failed = results.filter((r) => !r.pass).length;
    status.textContent = `${results.length - failed}/${results.length} passed on ${adapter.description || adapter.architecture}`;
    (window as any).__kernelResults = { done: true, adapter, results };
  } catch (e) {
    status.textContent = `error: ${(e as Error).message}`;
    (window as any).__kernelResults = { done: true, adapter, results, error: String((e as Error).message ?? e) };
  }
}

main();
