// Every op exportOnnx writes, checked on the CPU against an independent engine: small graphs are exported, run by
// onnxruntime-node and compared with the float64 CPU references of test/ref (no WebGPU: the zoo round trips of
// onnx_export.test.ts need the GPU). Written for the mutation survivors of src/io/onnx/export.ts (issue 17): Pad's
// value input, the block-sparse conv written dense, channel shuffle on any rank, channel scale, pooling dilations,
// the fused activations, the unary/binary tables, QDQ (int8 weights, int32 bias), output naming.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../../src/graph/executor.js'; // registers the ops (shape inference only: nothing runs on a GPU here)
import { Graph } from '../../src/graph/ir.js';
import { exportCompressed, exportOnnx, type QdqSpec } from '../../src/io/onnx/export.js';
import type { CompressedModel } from '../../src/compress/compress.js';
import { decodeModel } from '../../src/io/onnx/proto.js';
import { toBsr, type BlockShape } from '../../src/ops/block_sparse.js';
import { conv2dRef } from '../ref/ops.js';
import { runGraphRef } from '../ref/graph.js';
import type { BinaryName } from '../../src/ops/tensor.js';
import { randn } from '../helpers.js';

/** onnxruntime's outputs; each output's shape must be the graph output's (the exported interface is ours). */
async function ortRun(bytes: Uint8Array, g: Graph, inputs: Float32Array[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  g.inputs.forEach((t, k) => (feeds[g.tensors[t].name] = new ort.Tensor('float32', inputs[k], g.shape(t))));
  const out = await session.run(feeds);
  expect(session.outputNames.map((name) => [...out[name].dims])).toEqual(g.outputs.map((t) => g.shape(t)));
  const res = session.outputNames.map((name) => out[name].data as Float32Array);
  await session.release();
  return res;
}

function expectNear(got: Float32Array, want: Float32Array, what: string, tol = 1e-4): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  expect(worst, `${what}: worst relative error at ${at} (onnxruntime ${got[at]}, reference ${want[at]})`).toBeLessThanOrEqual(tol);
}

/** Graph inputs: random values (seeded), positive when `positive`. */
function feeds(g: Graph, seed: number, positive = false): Float32Array[] {
  return g.inputs.map((t, k) => {
    const v = randn(
      g.shape(t).reduce((p, d) => p * d, 1),
      seed + k,
    );
    return positive ? v.map((e) => Math.abs(e) + 0.25) : v;
  });
}

/** Export g, run it with onnxruntime, compare every output with the CPU references; the decoded model back. */
async function check(g: Graph, what: string, o: { seed?: number; positive?: boolean; want?: Float32Array[]; tol?: number } = {}) {
  const inputs = feeds(g, o.seed ?? 3, o.positive);
  const bytes = exportOnnx(g, { name: what });
  const got = await ortRun(bytes, g, inputs);
  const want = o.want ?? runGraphRef(g, inputs);
  expect(got.length).toBe(want.length);
  got.forEach((y, k) => expectNear(y, want[k], `${what} output ${k}`, o.tol));
  const m = decodeModel(bytes);
  // every initializer and node is named <what it is>__<n>: none with an empty stem, such as '__7' for Slice's starts
  // written under the name '' (export.ts:460, a survivor of the fresh sample seed 2027)
  for (const name of [...m.graph!.initializer!.map((t) => t.name!), ...m.graph!.node!.map((n) => n.name!)])
    expect(name, `${what}: a name with an empty stem`).toMatch(/^[A-Za-z0-9_.]*[A-Za-z0-9.]__\d+$/);
  return m;
}

let pseed = 40;
const param = (g: Graph, name: string, shape: number[], scale = 0.5) =>
  g.addParam(
    name,
    shape,
    randn(
      shape.reduce((p, d) => p * d, 1),
      pseed++,
      scale,
    ),
  );

describe('exportOnnx: each op against onnxruntime-node and the CPU references', () => {
  it('a conv chain exports as Transpose → Conv → Relu → Conv → Transpose, outputs named by their values', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 5, 6, 4]);
    const c1 = g.add1('conv2d', [x, param(g, 'w1', [3, 3, 4, 8]), param(g, 'b1', [8])], { pads: [1, 1, 1, 1], act: 1 });
    const c2 = g.add1('conv2d', [c1, param(g, 'w2', [1, 1, 8, 4])], {});
    g.markOutput(c2);
    const m = await check(g, 'chain');
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Transpose', 'Conv', 'Relu', 'Conv', 'Transpose']);
    // no Identity was needed: the graph output is the last Transpose's value
    expect(m.graph!.output!.map((v) => v.name)).toEqual(m.graph!.node!.at(-1)!.output);
  });

  it('activation, unary and binary nodes between convs stay in NCHW: transposes only at the edges', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 3, 4]);
    const c1 = g.add1('conv2d', [x, param(g, 'w1', [1, 1, 4, 4])], {});
    const a = g.add1('activation', [c1], { act: 3 });
    const u = g.add1('unary', [a], { fn: 'abs' });
    const b = g.add1('binary', [u, c1], { fn: 'max' });
    g.markOutput(g.add1('conv2d', [b, param(g, 'w2', [1, 1, 4, 4])], {}));
    const m = await check(g, 'nchw chain');
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Transpose', 'Conv', 'HardSwish', 'Abs', 'Max', 'Conv', 'Transpose']);
  });

  it('a broadcasting binary op on a conv output (rank 4 by rank 1) runs in our layout', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3, 2, 4]);
    const v = g.addInput('v', [4]);
    const c = g.add1('conv2d', [x, param(g, 'w', [1, 1, 4, 4])], {});
    g.markOutput(g.add1('binary', [c, v], { fn: 'sub' }));
    g.markOutput(g.add1('binary', [v, c], { fn: 'div' }));
    await check(g, 'broadcast on nchw', { positive: true, tol: 1e-3 });
  });

  for (let act = 1; act <= 7; act++)
    it(`conv with fused activation code ${act}, stride 2, dilation 2, 2 groups, uneven pads`, async () => {
      const g = new Graph();
      const x = g.addInput('x', [2, 9, 8, 4]);
      const y = g.add1('conv2d', [x, param(g, 'w', [3, 2, 2, 6], 1.5), param(g, 'b', [6])], {
        stride: [2, 1],
        dilation: [2, 1],
        pads: [1, 0, 2, 1],
        groups: 2,
        act,
      });
      g.markOutput(y);
      await check(g, `conv act ${act}`, { seed: act });
    });

  it('conv with a fused channel shuffle (3 groups)', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 5, 12]);
    g.markOutput(g.add1('conv2d', [x, param(g, 'w', [1, 1, 4, 12])], { groups: 3, shuffle: 3 }));
    await check(g, 'conv shuffle');
  });

  for (const [block, bias] of [
    [[4, 4], true],
    [[1, 8], false],
  ] as [BlockShape, boolean][])
    it(`a block-sparse conv (block ${block.join('×')}${bias ? ', bias' : ''}) exports as the dense conv it computes`, async () => {
      const wShape = [3, 3, 8, 8];
      const dense = randn(9 * 64, 5);
      // zero every other block column of the weight matrix, so the sparse form really drops blocks
      const [br, bc] = block;
      for (let k = 0; k < 72; k++) for (let co = 0; co < 8; co++) if (Math.floor(k / bc) % 2 === 1) dense[k * 8 + co] = 0;
      const bsr = toBsr(dense, wShape, block);
      expect(bsr.nnzb).toBeLessThan(bsr.totalBlocks);
      const b = randn(8, 6);
      const attrs = { kernel: [3, 3], cout: 8, stride: [2, 2], pads: [1, 1, 0, 0], act: 1 };
      const g = new Graph();
      const x = g.addInput('x', [1, 7, 6, 8]);
      const ins = [x, g.addRawParam('idx', [bsr.idx.length], bsr.idx), g.addParam('val', [bsr.val.length], bsr.val)];
      if (bias) ins.push(g.addParam('b', [8], b));
      g.markOutput(g.add1('conv2d_bsr', ins, { ...attrs, block: [br, bc] }));
      // the oracle: the dense conv on the weights before encoding
      const [xin] = feeds(g, 3);
      const want = conv2dRef(xin, [1, 7, 6, 8], dense, wShape, bias ? b : null, attrs);
      const m = await check(g, 'bsr', { want: [want] });
      expect(m.graph!.node!.filter((n) => n.opType === 'Conv')).toHaveLength(1);
    });

  it('batch norm with a fused relu6, on a conv output and on an input', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3, 3, 4]);
    const bn = (t: number, name: string) =>
      g.add1(
        'batchnorm',
        [
          t,
          param(g, `${name}g`, [4]),
          param(g, `${name}b`, [4]),
          param(g, `${name}m`, [4]),
          g.addParam(`${name}v`, [4], new Float32Array([0.5, 1, 2, 3])),
        ],
        { eps: 1e-3, act: 2 },
      );
    g.markOutput(bn(g.add1('conv2d', [x, param(g, 'w', [1, 1, 4, 4], 4)], {}), 'a'));
    g.markOutput(bn(x, 'c'));
    await check(g, 'batchnorm', { seed: 9 });
  });

  it('activation nodes in NCHW (after a conv) and in our layout (rank 2), adds with a fused activation', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 3, 4, 2]);
    const v = g.addInput('v', [3, 5]);
    const c = g.add1('conv2d', [x, param(g, 'w', [1, 1, 2, 2], 2)], {});
    g.markOutput(g.add1('activation', [c], { act: 3 }));
    g.markOutput(g.add1('activation', [v], { act: 7 }));
    g.markOutput(g.add1('add', [c, x], { act: 1 })); // one input NCHW, one NHWC
    g.markOutput(g.add1('add', [v, v], { act: 6 }));
    await check(g, 'activations');
  });

  it('pooling: max with dilations, average with and without counted pads, ceil mode, global pools', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 9, 8, 3]);
    g.markOutput(g.add1('pool2d', [x], { mode: 'max', kernel: [2, 3], stride: [1, 2], dilation: [3, 2] }));
    g.markOutput(g.add1('pool2d', [x], { mode: 'max', kernel: [2, 2], stride: [2, 2], dilation: [1, 2] }));
    g.markOutput(g.add1('pool2d', [x], { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true }));
    g.markOutput(g.add1('pool2d', [x], { mode: 'avg', kernel: [3, 3], stride: [2, 2], pads: [1, 0, 1, 1], ceil: true }));
    g.markOutput(g.add1('pool2d', [x], { kernel: [3, 2] }));
    g.markOutput(g.add1('global_pool', [x], { mode: 'max' }));
    g.markOutput(g.add1('global_pool', [x], {}));
    await check(g, 'pools');
  });

  it('channel scale (squeeze-excitation) of a conv output by per-example channel factors', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3, 4, 5]);
    const s = g.addInput('s', [2, 1, 1, 5]);
    g.markOutput(g.add1('channel_scale', [g.add1('conv2d', [x, param(g, 'w', [1, 1, 5, 5])], {}), s]));
    g.markOutput(g.add1('channel_scale', [x, s]));
    await check(g, 'channel scale');
  });

  it('channel shuffle on rank 4 (NCHW), rank 3 and rank 2', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3, 2, 6]);
    const v = g.addInput('v', [2, 3, 12]);
    const w = g.addInput('w', [4, 6]);
    g.markOutput(g.add1('channel_shuffle', [x], { groups: 3 }));
    g.markOutput(g.add1('channel_shuffle', [v], { groups: 4 }));
    g.markOutput(g.add1('channel_shuffle', [w], { groups: 2 }));
    await check(g, 'shuffle');
  });

  it('channel concat (rank 4 and rank 2), softmax and log-softmax, reshape', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 2, 3, 2]);
    const c = g.add1('conv2d', [x, param(g, 'w', [1, 1, 2, 3])], {});
    g.markOutput(g.add1('concat', [x, c, x]));
    const v = g.addInput('v', [3, 4]);
    g.markOutput(g.add1('concat', [v, v]));
    g.markOutput(g.add1('softmax', [v]));
    g.markOutput(g.add1('softmax', [v], { log: 1 }));
    g.markOutput(g.add1('reshape', [c], { shape: [6, 3] }));
    await check(g, 'concat softmax reshape');
  });

  const unaries: [string, Record<string, number>][] = [
    ['identity', {}],
    ['relu', {}],
    ['sigmoid', {}],
    ['tanh', {}],
    ['hardswish', {}],
    ['softplus', {}],
    ['mish', {}],
    ['abs', {}],
    ['neg', {}],
    ['exp', {}],
    ['log', {}],
    ['sqrt', {}],
    ['sign', {}],
    ['round', {}],
    ['floor', {}],
    ['ceil', {}],
    ['reciprocal', {}],
    ['leakyrelu', { alpha: 0.3 }],
    ['elu', { alpha: 0.7 }],
    ['hardsigmoid', { alpha: 0.3, beta: 0.4 }],
    ['clip', { alpha: -0.5, beta: 0.75 }],
    ['swish', { alpha: 1.5 }],
  ];
  for (const [fn, attrs] of unaries)
    it(`unary ${fn}${Object.keys(attrs).length ? ' ' + JSON.stringify(attrs) : ''} in both layouts`, async () => {
      const g = new Graph();
      const x = g.addInput('x', [2, 3, 2, 4]);
      g.markOutput(g.add1('unary', [x], { fn, ...attrs }));
      // on a conv's NCHW output too (the elementwise node stays in NCHW)
      const c = g.add1(
        'conv2d',
        [
          x,
          g.addParam(
            'w',
            [1, 1, 4, 4],
            new Float32Array(16).map((_, i) => (i % 5 === 0 ? 1 : 0)),
          ),
        ],
        {},
      );
      g.markOutput(g.add1('unary', [c], { fn, ...attrs }));
      const positive = fn === 'log' || fn === 'sqrt';
      const xin = feeds(g, 11, positive).map((v) => v.map((e) => e * 3));
      const bytes = exportOnnx(g);
      const got = await ortRun(bytes, g, xin);
      const want = runGraphRef(g, xin);
      got.forEach((y, k) => expectNear(y, want[k], `${fn} output ${k}`));
    });

  it('a unary function without an ONNX form is refused by name', () => {
    const g = new Graph();
    g.markOutput(g.add1('unary', [g.addInput('x', [4])], { fn: 'relu6' }));
    expect(() => exportOnnx(g)).toThrow("unary function 'relu6' has no ONNX export");
  });

  for (const fn of ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'prelu'] as BinaryName[])
    it(`binary ${fn}: same shapes, broadcasting, NCHW inputs`, async () => {
      const g = new Graph();
      const a = g.addInput('a', [2, 3, 4]);
      const b = g.addInput('b', [3, 1]);
      const c = g.addInput('c', [4]);
      g.markOutput(g.add1('binary', [a, b], { fn }));
      // ONNX PRelu broadcasts the slope to X only (one way): X smaller than the slope is not valid ONNX
      if (fn !== 'prelu') g.markOutput(g.add1('binary', [c, a], { fn }));
      const x = g.addInput('x', [1, 2, 3, 2]);
      const cv = g.add1('conv2d', [x, g.addParam('w', [1, 1, 2, 2], Float32Array.from([0.5, 0.25, 0.75, 1.5]))], {});
      g.markOutput(g.add1('binary', [cv, x], { fn }));
      await check(g, `binary ${fn}`, { positive: true });
    });

  it('transpose, slice with steps, concat along an axis', async () => {
    const g = new Graph();
    const x = g.addInput('x', [3, 4, 5]);
    g.markOutput(g.add1('transpose', [x], { perm: [2, 0, 1] }));
    g.markOutput(g.add1('slice', [x], { starts: [1, 0, 1], ends: [3, 4, 5], steps: [1, 2, 3] }));
    g.markOutput(g.add1('slice', [x], { starts: [0, 1, 2], ends: [2, 3, 4] }));
    g.markOutput(g.add1('concat_axis', [x, x], { axis: 1 }));
    await check(g, 'transpose slice concat');
  });

  it('pad: a constant from the attribute, from a value input, reflect and edge', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3, 4]);
    const v = g.addInput('v', [1]);
    g.markOutput(g.add1('pad', [x], { pads: [0, 1, 2, 1, 0, 1], value: 1.5 }));
    g.markOutput(g.add1('pad', [x, v], { pads: [1, 0, 1, 0, 2, 0] }));
    g.markOutput(g.add1('pad', [x, v], { pads: [0, 0, -1, 0, 1, 1] }));
    g.markOutput(g.add1('pad', [x], { pads: [0, 2, 1, 0, 1, 3], mode: 'reflect' }));
    g.markOutput(g.add1('pad', [x], { pads: [1, 0, 2, 1, 2, 0], mode: 'edge' }));
    const m = await check(g, 'pad');
    expect(m.graph!.node!.filter((n) => n.opType === 'Pad')).toHaveLength(5);
  });

  it('matmul: transposed operands, alpha, bias, batch broadcasting', async () => {
    const g = new Graph();
    const a = g.addInput('a', [2, 3, 4]);
    const at = g.addInput('at', [2, 4, 3]);
    const b = g.addInput('b', [4, 5]);
    const bt = g.addInput('bt', [5, 4]);
    g.markOutput(g.add1('matmul', [a, b], {}));
    g.markOutput(g.add1('matmul', [at, bt, param(g, 'bias', [5])], { transA: 1, transB: 1, alpha: 0.5 }));
    g.markOutput(g.add1('matmul', [a, bt], { transB: 1, alpha: 2 }));
    await check(g, 'matmul');
  });

  for (const mode of ['sum', 'mean', 'max', 'min'])
    it(`reduce ${mode}: kept and dropped axes, negative axis, rank 1`, async () => {
      const g = new Graph();
      const x = g.addInput('x', [2, 3, 4]);
      const v = g.addInput('v', [5]);
      g.markOutput(g.add1('reduce', [x], { mode, axis: 1 }));
      g.markOutput(g.add1('reduce', [x], { mode, axis: -1, keepdims: 0 }));
      g.markOutput(g.add1('reduce', [v], { mode, axis: 0, keepdims: 0 }));
      g.markOutput(g.add1('reduce', [v], { mode, axis: 0 }));
      const m = await check(g, `reduce ${mode}`);
      const outs = m.graph!.output!.map((o) => o.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue)));
      expect(outs).toEqual([[2, 1, 4], [2, 3], [1], [1]]);
    });

  it('softmax, log-softmax and hardmax along an inner axis; LRN across channels', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3, 4]);
    g.markOutput(g.add1('softmax_axis', [x], { axis: 1 }));
    g.markOutput(g.add1('softmax_axis', [x], { axis: 0, log: 1 }));
    g.markOutput(g.add1('softmax_axis', [x], { axis: 2, hard: 1 }));
    const y = g.addInput('y', [1, 3, 2, 7]);
    g.markOutput(g.add1('lrn', [y], { size: 3, alpha: 0.5, beta: 0.6, bias: 1.5 }));
    g.markOutput(g.add1('lrn', [g.add1('conv2d', [y, param(g, 'w', [1, 1, 7, 7])], {})], { size: 5 }));
    await check(g, 'softmax lrn');
  });

  it('an output that is a graph input, or listed twice, gets its own Identity', async () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3]);
    const y = g.add1('unary', [x], { fn: 'neg' });
    g.markOutput(x);
    g.markOutput(y);
    g.markOutput(y);
    const m = await check(g, 'identity outputs');
    const names = m.graph!.output!.map((o) => o.name);
    expect(new Set(names).size).toBe(3);
    expect(names[0]).not.toBe('x');
    expect(m.graph!.node!.filter((n) => n.opType === 'Identity')).toHaveLength(2);
  });

  it('exportCompressed: a non-int8 compressed model exports its graph; a binary one is refused', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 3, 3, 4]);
    g.markOutput(g.add1('conv2d', [x, param(g, 'w', [3, 3, 4, 4])], { pads: [1, 1, 1, 1], act: 1 }));
    const c = { graph: g, bytes: 1, fp32Bytes: 1, ratio: 1, report: {} } as unknown as CompressedModel;
    expect(exportCompressed(c, { name: 'pruned' })).toEqual(exportOnnx(g, { name: 'pruned' }));
    await check(g, 'compressed');
    const bin = { ...c, report: { binary: {} } } as unknown as CompressedModel;
    expect(() => exportCompressed(bin)).toThrow('ONNX export: binary (XNOR) models have no ONNX form; export the fp32 or int8 model');
  });

  it('a tensor no node makes (a training state) is refused by name', () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3]);
    g.markOutput(g.add1('add', [x, g.addState('running', [2, 3])]));
    expect(() => exportOnnx(g)).toThrow("internal: tensor 'running' was not exported");
  });

  it('refuses what has no ONNX form, naming it', () => {
    expect(() => exportOnnx(new Graph())).toThrow('graph has no outputs (call markOutput)');
    const bad = (build: (g: Graph, x: number) => number, msg: string) => {
      const g = new Graph();
      g.markOutput(build(g, g.addInput('x', [2, 4])));
      expect(() => exportOnnx(g)).toThrow(msg);
    };
    bad((g, x) => g.add1('activation', [x], { act: 9 }), 'activation code 9 has no ONNX export');
    bad(
      (g, x) => g.add1('batchnorm', [x, ...[1, 2, 3, 4].map((k) => g.addParam(`s${k}`, [4], new Float32Array(4).fill(1)))]),
      "batchnorm 'batchnorm",
    );
    bad((g, x) => g.add1('lrn', [x], { size: 3 }, 'norm1'), "lrn 'norm1': only 4-D inputs export");
    bad(
      (g, x) => g.add1('binary', [x, x], { fn: 'add' }) && g.add1('sign_ste', [x], {}, 'sgn'),
      "op 'sign_ste' (node 'sgn') has no ONNX export",
    );
  });
});

describe('exportOnnx with QDQ annotations: int8 weights and int32 biases as onnxruntime reads them', () => {
  it('QuantizeLinear/DequantizeLinear on the input and output, int8 OIHW weights, int32 bias', async () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 4, 4, 3]);
    const w = param(g, 'w', [3, 3, 3, 4]);
    const b = param(g, 'b', [4]);
    const y = g.add1('conv2d', [x, w, b], { pads: [1, 1, 1, 1] });
    g.markOutput(y);
    const wq = Int8Array.from({ length: 108 }, (_, i) => ((i * 37) % 255) - 127);
    const wScale = Float64Array.from([0.01, 0.02, 0.015, 0.03]);
    const qx = { scale: 0.05, zero: 3 };
    const qy = { scale: 0.1, zero: -2 };
    const bias = Float32Array.from([0.3, -0.2, 0.05, 0.7]);
    const qdq: QdqSpec = {
      tensors: new Map([
        [x, qx],
        [y, qy],
      ]),
      weights: new Map([[g.nodes[0].id, { wq, scale: wScale, inScale: qx.scale, bias }]]),
    };
    const [xin] = feeds(g, 21);
    const got = (await ortRun(exportOnnx(g, { qdq }), g, [xin]))[0];
    // the reference: quantize x (round half to even, saturate), dequantize, conv with the dequantized int8 weights
    // and the int32-rounded bias, then quantize/dequantize the output
    const qdqv = (v: number, q: { scale: number; zero: number }) => {
      const r = v / q.scale;
      const f = Math.floor(r);
      const even = r - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(r);
      return (Math.max(-128, Math.min(127, even + q.zero)) - q.zero) * q.scale;
    };
    const xd = xin.map((v) => qdqv(v, qx));
    const wd = Float32Array.from(wq, (v, i) => v * wScale[i % 4]);
    const bd = Float32Array.from(bias, (v, co) => Math.round(v / (qx.scale * wScale[co])) * qx.scale * wScale[co]);
    const want = conv2dRef(xd, [1, 4, 4, 3], wd, [3, 3, 3, 4], bd, { pads: [1, 1, 1, 1] }).map((v) => qdqv(v, qy));
    // onnxruntime's float32 conv may land a value on the other side of a rounding boundary: one step at most
    expectNear(got, want, 'qdq conv', qy.scale + 1e-6);
    const exact = got.filter((v, i) => Math.abs(v - want[i]) < 1e-5).length;
    expect(exact).toBeGreaterThanOrEqual(want.length - 2);
  });
});
