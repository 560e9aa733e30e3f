import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { planFlatOptimizer } from '../../src/graph/flat_optim.js';
import { planMemory } from '../../src/graph/memory.js';
import { fuseMatmulBias, optimizeForInference } from '../../src/graph/passes.js';
import { getOp } from '../../src/ops/registry.js';
import { buildModel } from '../../src/models/zoo.js';
import { adapterKey } from '../../src/runtime/adapter_cache.js';
import { nodeGpuObject } from '../../src/runtime/device.js';
import { SlimError } from '../../src/runtime/errors.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { randn, runtime } from '../helpers.js';

describe('model zoo sizes match the papers (within 3%)', () => {
  // [spec, params (inference form, BN folded), mult-adds]
  const table: [Parameters<typeof buildModel>[0], number, number][] = [
    [{ model: 'mobilenet_v1', alpha: 1, res: 224 }, 4.2e6, 569e6],
    [{ model: 'mobilenet_v2', alpha: 1, res: 224 }, 3.4e6, 300e6],
    [{ model: 'shufflenet', groups: 3, scale: 1, res: 224 }, NaN, 140e6],
    [{ model: 'efficientnet', phi: 0 }, 5.3e6, 0.39e9],
  ];
  for (const [spec, params, macs] of table) {
    it(`${spec.model}`, () => {
      const g = buildModel(spec);
      const p = optimizeForInference(g).graph.paramCount();
      if (!Number.isNaN(params)) expect(Math.abs(p / params - 1)).toBeLessThan(0.03);
      expect(Math.abs(g.macs() / macs - 1)).toBeLessThan(0.03);
    });
  }
  it('mobilenet_v1 width multipliers scale parameters roughly by alpha²', () => {
    const p = (alpha: number) => optimizeForInference(buildModel({ model: 'mobilenet_v1', alpha })).graph.paramCount();
    // paper Table 6: 0.75 → 2.6M, 0.5 → 1.3M, 0.25 → 0.5M
    expect(Math.abs(p(0.75) / 2.6e6 - 1)).toBeLessThan(0.03);
    expect(Math.abs(p(0.5) / 1.3e6 - 1)).toBeLessThan(0.05);
    expect(Math.abs(p(0.25) / 0.47e6 - 1)).toBeLessThan(0.05);
  });
});

describe('memory planner', () => {
  for (const spec of [
    { model: 'mobilenet_v2', res: 64 },
    { model: 'shufflenet', res: 64 },
    { model: 'efficientnet', res: 64 },
  ]) {
    it(`no two live tensors share a buffer: ${spec.model}`, () => {
      const g = optimizeForInference(buildModel(spec)).graph;
      const plan = planMemory(g);
      // lifetime of each storage root, recomputed independently
      const live: [number, number, number][] = []; // [slot, first, last]
      const root = new Map<number, number>();
      for (const n of g.nodes) if (getOp(n.op).view) root.set(n.outputs[0], root.get(n.inputs[0]) ?? n.inputs[0]);
      const span = new Map<number, [number, number]>();
      const touch = (t: number, s: number) => {
        const r = root.get(t) ?? t;
        if (g.tensors[r].role === 'param') return;
        const cur = span.get(r) ?? [s, s];
        span.set(r, [Math.min(cur[0], s), Math.max(cur[1], s)]);
      };
      g.inputs.forEach((t) => touch(t, -1));
      g.nodes.forEach((n, s) => [...n.inputs, ...n.outputs].forEach((t) => touch(t, s)));
      g.outputs.forEach((t) => touch(t, g.nodes.length));
      for (const [r, [a, b]] of span) {
        live.push([plan.slot.get(r)!, a, b]);
        expect(plan.slotBytes[plan.slot.get(r)!]).toBeGreaterThanOrEqual(g.tensors[r].shape.reduce((x, y) => x * y, 4));
      }
      for (let i = 0; i < live.length; i++)
        for (let j = i + 1; j < live.length; j++) {
          const [si, ai, bi] = live[i];
          const [sj, aj, bj] = live[j];
          if (si === sj) expect(bi < aj || bj < ai, `slot ${si} shared by overlapping lifetimes`).toBe(true);
        }
      expect(plan.totalBytes).toBeLessThan(plan.naiveBytes / 3);
    });
  }
});

describe('fuseMatmulBias', () => {
  const head = (biasShape: number[], productIsOutput: boolean) => {
    const g = new Graph();
    const x = g.addInput('x', [2, 4]);
    const mm = g.add1('matmul', [x, g.addParam('w', [4, 3], new Float32Array(12))], {}, 'mm');
    const y = g.add1('binary', [g.addParam('b', biasShape, new Float32Array([1, 2, 3])), mm], { fn: 'add' }, 'y');
    g.markOutput(y);
    if (productIsOutput) g.markOutput(mm);
    return { g, y };
  };
  it('matmul → add of a bias vector becomes one matmul with a bias input', () => {
    const { g, y } = head([1, 3], false);
    expect(fuseMatmulBias(g)).toBe(1);
    expect(g.nodes.map((n) => n.op)).toEqual(['matmul']);
    expect(g.nodes[0].outputs).toEqual([y]);
    expect(g.shape(g.nodes[0].inputs[2])).toEqual([3]);
  });
  it('leaves the add when the product is also a graph output', () => {
    const { g } = head([3], true);
    expect(fuseMatmulBias(g)).toBe(0);
    expect(g.nodes.map((n) => n.op)).toEqual(['matmul', 'binary']);
  });
});

describe('bad input gets a clear error', () => {
  it('wrong input length names the input and shape', async () => {
    const rt = await runtime();
    const g = buildModel({ model: 'cnn_tiny' });
    const m = await compile(rt, g, { tune: 'off' });
    await expect(m.run([new Float32Array(10)])).rejects.toThrow(/input 'input' has 10 values; shape \[1,28,28,1\] needs 784/);
    await expect(m.run({})).rejects.toThrow(/missing input 'input'/);
    m.destroy();
  });
  it('shape errors name the node and the shapes', () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 8, 8, 3]);
    const w = g.addParam('w', [3, 3, 4, 8], randn(3 * 3 * 4 * 8, 1));
    expect(() => g.add('conv2d', [x, w], {}, 'c1')).toThrow(/node 'c1' \(conv2d\).*expects 4 input channels.*has 3/);
    expect(() => g.add('conv2d', [x, g.addParam('w2', [3, 3, 3, 8], randn(216, 1))], { groups: 2 }, 'c2')).toThrow(/divide by groups 2/);
    expect(() => g.add('frobnicate', [x])).toThrow(/unsupported op 'frobnicate'/);
    expect(() => g.addInput('bad', [1, -2, 3])).toThrow(/bad shape/);
    expect(() => g.add('pool2d', [x], { kernel: [9, 9] }, 'p')).toThrow(/output would be empty|pads/);
  });
  it('buffers over a device limit are refused with the limit named', async () => {
    const rt = await runtime();
    expect(() => rt.createBuffer(rt.ctx.limits.maxBufferSize + 16, 'huge')).toThrow(/over the device limit maxBufferSize/);
  });
  it('uniform and binding mistakes name the kernel', async () => {
    const rt = await runtime();
    const y = rt.createBuffer(64);
    await expect(rt.kernels.launch('elementwise/activation_forward', { buffers: { y }, invocations: 4 })).rejects.toThrow(
      /activation_forward': buffer 'x' was not bound/,
    );
    await expect(
      rt.kernels.launch('elementwise/activation_forward', { buffers: { x: y, y }, uniforms: { bogus: 1 }, invocations: 4 }),
    ).rejects.toThrow(/has no uniform 'bogus'/);
    expect(() => rt.kernels.info('nope/never')).toThrow(/unknown WGSL kernel 'nope\/never'/);
    y.destroy();
  });
  it('a GPU validation error surfaces with the kernel name', async () => {
    const rt = await runtime();
    const x = rt.createBuffer(64);
    // x bound as both read-only input and writable output of the same dispatch: WebGPU rejects it
    const l = await rt.kernels.launch('elementwise/activation_forward', { buffers: { x, y: x }, invocations: 16 });
    await expect(rt.run([l], 'aliasing')).rejects.toThrow(/activation_forward/);
    x.destroy();
  });
});

describe('profiling', () => {
  it('reports a GPU time for every node that dispatches', async () => {
    const rt = await runtime();
    const g = buildModel({ model: 'mobilenet_v1', alpha: 0.25, res: 32 });
    const m = await compile(rt, g, { tune: 'off' });
    const input = [randn(32 * 32 * 3, 5)];
    const [plain] = await m.run(input);
    const t0 = performance.now();
    const p = await m.profile(input);
    const wallMs = performance.now() - t0;
    expect(p.nodes.length).toBe(m.graph.nodes.filter((n) => !getOp(n.op).view).length);
    expect(p.nodes.every((n) => n.ms >= 0 && n.kernels.length > 0)).toBe(true);
    const gpuMs = p.nodes.reduce((a, n) => a + n.ms, 0);
    expect(gpuMs).toBeGreaterThan(0);
    // the passes run one after another inside the call: their times (ns → ms) add up to at most its wall time
    expect(gpuMs).toBeLessThanOrEqual(wallMs + 1);
    expect(m.dispatchCount).toBe(p.nodes.reduce((a, n) => a + n.kernels.length, 0));
    expect(Array.from(p.outputs[0])).toEqual(Array.from(plain));
    m.destroy();
  });
  it('more nodes than one timestamp query set holds (2048 passes): each node timed once, in order', async () => {
    // executor.ts:231 (seed 2030: the passes go in chunks of 2048, a query set having at most 4096 timestamps)
    const rt = await runtime();
    expect(rt.ctx.hasTimestamps).toBe(true);
    const g = new Graph();
    let x = g.addInput('x', [1, 4]);
    const N = 2050;
    for (let i = 0; i < N; i++) x = g.add1('activation', [x], { act: 1 }, `relu${i}`);
    g.markOutput(x);
    const m = await compile(rt, g, { tune: 'off', fuse: false }); // unfused: one pass per node
    const p = await m.profile([Float32Array.of(-1, 2, -3, 4)]);
    expect(p.method).toBe('timestamp');
    expect(p.nodes.map((n) => n.name)).toEqual(Array.from({ length: N }, (_, i) => `relu${i}`));
    expect(Array.from(p.outputs[0])).toEqual([0, 2, 0, 4]);
    m.destroy();
  });
});

describe('run streams', () => {
  /** y = |x| over 8 values: the smallest compiled graph a stream can run */
  const absOf8 = async () => {
    const g = new Graph();
    const x = g.addInput('x', [8]);
    g.markOutput(g.add1('unary', [x], { fn: 'abs' }));
    return compile(await runtime(), g, { tune: 'off' });
  };
  it('a push while a flush is reading the outputs back is refused (it would overwrite slots not yet read)', async () => {
    // executor.ts:352 (mapping set when flush starts; a survivor of the fresh mutation sample seed 2027)
    const m = await absOf8();
    const s = m.stream(2);
    const first = s.push([new Float32Array(8).fill(-1)]);
    const flushing = s.flush();
    expect(() => s.push([new Float32Array(8).fill(-2)])).toThrow('run stream is being read back: await flush() before pushing more runs');
    await flushing;
    expect([...(await first)[0]]).toEqual(new Array(8).fill(1));
    // after the flush the stream takes runs again
    const next = s.push([new Float32Array(8).fill(-3)]);
    await s.flush();
    expect([...(await next)[0]]).toEqual(new Array(8).fill(3));
    s.destroy();
    m.destroy();
  });
  it('a 2 MB output over 3 slots: each run its own outputs (the read-back buffer sized to the outputs, not more)', async () => {
    const rt = await runtime();
    const n = 1 << 19;
    const g = new Graph();
    const x = g.addInput('x', [n]);
    g.markOutput(g.add1('unary', [x], { fn: 'abs' }));
    g.markOutput(g.add1('unary', [g.add1('unary', [x], { fn: 'neg' })], { fn: 'abs' }, 'small'));
    const m = await compile(rt, g, { tune: 'off' });
    const s = m.stream(3);
    const ins = [0, 1, 2].map((k) => Float32Array.from({ length: n }, (_, i) => (i % 7) - 3 - k));
    const outs = ins.map((v) => s.push([v]));
    expect(s.full).toBe(true);
    await s.flush();
    for (let k = 0; k < 3; k++) {
      const [a, b] = await outs[k];
      // exactly n values each (executor.ts:377, the slice's end; a survivor of the fresh mutation sample seed 2028)
      expect([a.length, b.length]).toEqual([n, n]);
      for (const i of [0, 1, 6, 12345, n - 1]) {
        expect(a[i]).toBe(Math.abs(ins[k][i]));
        expect(b[i]).toBe(Math.abs(ins[k][i]));
      }
    }
    s.destroy();
    m.destroy();
  });
  it('a run with a GPU validation error rejects at flush, and so does every run flushed with it', async () => {
    const m = await absOf8();
    const s = m.stream(2);
    const ok = s.push([new Float32Array(8).fill(-2)]);
    await s.flush();
    expect([...(await ok)[0]]).toEqual(new Array(8).fill(2));
    m.destroy(); // its buffers are gone: the next submits fail validation
    const runs = [s.push([new Float32Array(8)]), s.push([new Float32Array(8)])];
    runs.forEach((r) => r.catch(() => {}));
    await s.flush();
    // Dawn's message names the stream's encoder
    for (const r of runs) await expect(r).rejects.toThrow(/GPU validation error while running the graph: .*CommandEncoder "stream"/s);
    // the stream is usable again after the failed flush (not left "being read back"; executor.ts:360, a survivor of
    // the fresh mutation sample): the next push is accepted and rejects at its own flush for the same reason
    const again = s.push([new Float32Array(8)]);
    again.catch(() => {});
    await s.flush();
    await expect(again).rejects.toThrow(/GPU validation error while running the graph/);
    s.destroy();
  }, 120_000); // a run left pending would otherwise hold the test for the suite's 10-minute limit
});

/** x [2, 3] · w [3, 4] (w a parameter, (i / 4 − 1)) added to g: the matmul 'mm' and w */
function xTimesW(g: Graph) {
  const x = g.addInput('x', [2, 3]);
  const w = g.addParam(
    'w',
    [3, 4],
    Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1),
  );
  return { mm: g.add1('matmul', [x, w], {}, 'mm'), w };
}

describe('memory statistics of a compiled graph', () => {
  it('peakGpuBytes is the size of every buffer compile created (slots, parameters, constants, uniforms, read-back)', async () => {
    // executor.ts:86 (the uniform buffers' bytes; a survivor of the fresh mutation sample seed 2027). The oracle is
    // the device itself: every createBuffer call during compile, less any buffer destroyed before it returned.
    const rt = await runtime();
    const g = new Graph();
    const { mm } = xTimesW(g);
    const b = g.addParam('b', [4], Float32Array.of(1, 2, 3, 4));
    const y = g.add1('binary', [mm, b], { fn: 'add' }, 'bias');
    g.markOutput(g.add1('unary', [y], { fn: 'abs' }, 'abs'));
    const device = rt.device;
    const create = device.createBuffer;
    const live = new Map<GPUBuffer, number>();
    device.createBuffer = function (d: GPUBufferDescriptor) {
      const buf = create.call(this, d);
      live.set(buf, d.size);
      const destroy = buf.destroy;
      buf.destroy = function () {
        live.delete(buf);
        return destroy.call(this);
      };
      return buf;
    };
    let m: Awaited<ReturnType<typeof compile>>;
    try {
      m = await compile(rt, g, { fuse: false, tune: 'off' });
    } finally {
      device.createBuffer = create;
    }
    const held = [...live.values()].reduce((a, v) => a + v, 0);
    expect(m.dispatchCount).toBeGreaterThan(0);
    expect(m.peakGpuBytes).toBe(held);
    // the parts it is made of: activations, parameters, the 32-byte output staging and at least one uniform buffer
    expect(held - m.activationBytes - m.paramBytes - 32).toBeGreaterThan(0);
    m.destroy();
    // destroy() releases every one of them: slots, parameters, constants, uniforms and the read-back buffers
    expect([...live.values()]).toEqual([]);
  });
});

describe('compiled graph: parameters, edges, unfused batch norm, wall-clock profile', () => {
  const tiny = () => {
    const g = new Graph();
    const { mm, w } = xTimesW(g);
    g.markOutput(mm);
    return { g, w };
  };
  it('writeTensor then readTensor: the new values, used by the next run; wrong sizes and non-parameters named', async () => {
    const rt = await runtime();
    const { g, w } = tiny();
    const m = await compile(rt, g, { tune: 'off' });
    const nw = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2);
    m.writeTensor(w, nw);
    expect([...(await m.readTensor(w))]).toEqual([...nw]);
    const x = Float32Array.of(1, 2, 3, -1, 0, 2);
    const [y] = await m.run([x]);
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 4; c++)
        expect(y[r * 4 + c]).toBeCloseTo(x[r * 3] * nw[c] + x[r * 3 + 1] * nw[4 + c] + x[r * 3 + 2] * nw[8 + c], 5);
    expect(() => m.writeTensor(w, new Float32Array(11))).toThrow("tensor 'w' needs 12 values, got 11");
    expect(() => m.writeTensor(g.inputs[0], new Float32Array(6))).toThrow('tensor x is not a parameter or state tensor of this graph');
    m.destroy();
  });
  it('a packed (q8) graph output is refused at compile, naming it', async () => {
    const rt = await runtime();
    const g = new Graph();
    const x = g.addInput('x', [8]);
    g.markOutput(g.add1('quantize', [x], { scale: 0.1 }, 'q'));
    await expect(compile(rt, g)).rejects.toThrow(/graph input\/output 'q_1' is q8; dequantize or unpack it to f32 at the model's edge/);
  });
  it('an unfused batch norm (fuse off) computes γ(x − μ)/√(σ² + ε) + β from its parameters', async () => {
    const rt = await runtime();
    const g = new Graph();
    const x = g.addInput('x', [1, 2, 2, 3]);
    const p = (name: string, v: number[]) => g.addParam(name, [3], Float32Array.from(v));
    const [ga, be, mu, va] = [p('g', [1, 2, -1]), p('b', [0.5, 0, 1]), p('m', [0, 1, -2]), p('v', [1, 4, 0.25])];
    g.markOutput(g.add1('batchnorm', [x, ga, be, mu, va], { eps: 1e-5 }, 'bn'));
    const m = await compile(rt, g, { fuse: false, tune: 'off' });
    const xs = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 2);
    const [y] = await m.run([xs]);
    const [G, B, M, V] = [
      [1, 2, -1],
      [0.5, 0, 1],
      [0, 1, -2],
      [1, 4, 0.25],
    ];
    for (let i = 0; i < 12; i++) {
      const c = i % 3;
      expect(y[i]).toBeCloseTo((G[c] * (xs[i] - M[c])) / Math.sqrt(V[c] + 1e-5) + B[c], 5);
    }
    m.destroy();
  });
  it('a graph with no dispatching node (a reshape only): an empty profile and the right outputs', async () => {
    // (written for executor.ts:219, `start <= active.length`, a survivor of the fresh mutation sample: that mutant
    // profiles one empty chunk here, which Dawn accepts with the same result, so it is listed as equivalent)
    const rt = await runtime();
    const g = new Graph();
    g.markOutput(g.add1('reshape', [g.addInput('x', [2, 3])], { shape: [3, 2] }, 'r'));
    const m = await compile(rt, g, { tune: 'off' });
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const p = await m.profile([x]);
    expect(p.nodes).toEqual([]);
    expect(Array.from(p.outputs[0])).toEqual([1, 2, 3, 4, 5, 6]);
    m.destroy();
  });
  it('on a device without timestamp queries: per-node wall-clock times, within the call', async () => {
    // a real device without the feature (executor.ts:217, a survivor of the fresh mutation sample seed 2028: only
    // clearing ctx.hasTimestamps on a device that has it let the timestamp path run too; here it would throw)
    await runtime(); // the Dawn instance
    const adapter = await nodeGpuObject()!.requestAdapter();
    const rt = await Runtime.create({ device: await adapter!.requestDevice({ label: 'no timestamp-query' }) });
    expect(rt.ctx.hasTimestamps).toBe(false);
    const { g } = tiny();
    const m = await compile(rt, g, { tune: 'off' });
    const t0 = performance.now();
    const p = await m.profile([new Float32Array(6).fill(1)]);
    const wall = performance.now() - t0;
    expect(p.method).toBe('wallclock');
    expect(p.nodes.map((n) => [n.name, n.op, n.macs])).toEqual([['mm', 'matmul', 2 * 4 * 3]]);
    expect(p.nodes[0].kernels.length).toBeGreaterThan(0);
    for (const k of p.nodes[0].kernels) expect(k).toMatch(/^\S+$/);
    expect(p.nodes[0].ms).toBeGreaterThanOrEqual(0);
    expect(p.nodes[0].ms).toBeLessThanOrEqual(wall + 1);
    expect(p.outputs[0].length).toBe(8);
    m.destroy();
    rt.destroy();
  });
  it('profiling a destroyed graph: a SlimError naming the step, its nodes and kernels, and the encoder', async () => {
    // profile() submits in validation scopes as run() does (it had none: the errors reached only the console, and
    // the call failed later with a bare OperationError from mapAsync)
    const rt = await runtime();
    const { g } = tiny();
    const m = await compile(rt, g, { tune: 'off' });
    m.destroy();
    const err = await m.profile([new Float32Array(6)]).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(SlimError);
    expect(err!.message).toMatch(/^GPU validation error while profiling the graph \(timed passes of nodes 'mm' … 'mm', kernels: \S+/);
    expect(err!.message).toContain('CommandEncoder "profile"');
    // a graph with no dispatching node has no timed pass: the read-back fails, named as such (its encoder label is
    // in Dawn's message: executor.ts's 'profile-outputs', a survivor of the fresh mutation sample seed 2028)
    const r = new Graph();
    r.markOutput(r.add1('reshape', [r.addInput('x', [2, 3])], { shape: [3, 2] }, 'flat'));
    const m2 = await compile(rt, r, { tune: 'off' });
    m2.destroy();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {}); // writeInputs into a destroyed slot
    try {
      await expect(m2.profile([new Float32Array(6)])).rejects.toThrow(
        /while profiling the graph \(reading the outputs\): .*CommandEncoder "profile-outputs"/s,
      );
    } finally {
      spy.mockRestore();
    }
  });
  it('a stream whose read-back buffer is gone rejects its runs at flush', async () => {
    const rt = await runtime();
    const { g } = tiny();
    const m = await compile(rt, g, { tune: 'off' });
    const s = m.stream(2);
    const runs = [s.push([new Float32Array(6)]), s.push([new Float32Array(6)])];
    runs.forEach((r) => r.catch(() => {}));
    s.destroy();
    await s.flush();
    for (const r of runs) await expect(r).rejects.toThrow();
    m.destroy();
  }, 120_000); // a run left pending would otherwise hold the test for the suite's 10-minute limit
});

describe('device loss', () => {
  it('running after the device is lost is a clear error, and a new runtime works', async () => {
    const rt = await Runtime.create();
    const g = buildModel({ model: 'cnn_tiny' });
    const m = await compile(rt, g, { tune: 'off' });
    rt.device.destroy();
    const reason = await rt.ctx.lost;
    expect(reason).toMatch(/destroyed/);
    await expect(m.run([new Float32Array(784)])).rejects.toThrow(/device was lost; create a new context/);
    const rt2 = await Runtime.create();
    const m2 = await compile(rt2, g, { tune: 'off' });
    const [out] = await m2.run([new Float32Array(784)]);
    expect(out.length).toBe(10);
    rt2.destroy();
  });
  it('after the loss every entry point refuses with the same clear error: run, profile, a stream push, readTensor, compile', async () => {
    // executor.ts's ensureAlive calls (run, submitInto, profile, compile) and readTensor's read
    const rt = await Runtime.create();
    const g = new Graph();
    const { mm, w } = xTimesW(g);
    g.markOutput(mm);
    const m = await compile(rt, g, { tune: 'off' });
    const s = m.stream(2);
    rt.device.destroy();
    await rt.ctx.lost;
    const lost = new SlimError('the GPU device was lost; create a new context with createContext() and compile again');
    const x = new Float32Array(6);
    await expect(m.run([x])).rejects.toThrow(lost);
    await expect(m.profile([x])).rejects.toThrow(lost);
    expect(() => s.push([x])).toThrow(lost);
    expect(s.queued).toBe(0);
    await expect(m.readTensor(w)).rejects.toThrow(lost);
    await expect(compile(rt, g, { tune: 'off' })).rejects.toThrow(lost);
  });
});

// Written for the executor.ts survivors of the sample of 30 Nov (issue 17): compile's defaults and options, the
// per-launch profile switch, and the flat optimizer's merged launches on a hand-built update group.
describe('compile options and the flat optimizer on hand-built graphs', () => {
  const mm = () => {
    const g = new Graph();
    const x = g.addInput('x', [2, 3]);
    const w = g.addParam(
      'w',
      [3, 4],
      Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1),
    );
    g.markOutput(g.add1('matmul', [x, w], {}, 'mm'));
    return g;
  };

  it('the inference passes run by default (a fusion report) and not with fuse: false (none, the graph as given)', async () => {
    const rt = await runtime();
    const g = mm();
    const fused = await compile(rt, g, { tune: 'off' });
    const plain = await compile(rt, g, { fuse: false, tune: 'off' });
    expect(fused.fusion).toMatchObject({ batchnormsFolded: 0, activationsFused: 0 });
    expect(fused.graph).not.toBe(g);
    expect(plain.fusion).toBeNull();
    expect(plain.graph).toBe(g);
    fused.destroy();
    plain.destroy();
  });

  it('forceVariant pins the kernel variant: one no candidate starts with is refused, naming it', async () => {
    const rt = await runtime();
    await expect(compile(rt, mm(), { tune: 'off', forceVariant: 'no_such_variant' })).rejects.toThrow(
      /variant 'no_such_variant' cannot run/,
    );
  });

  it('SLIMGPU_PROFILE_LAUNCHES=1: one profiled pass per launch, named node#kernel', async () => {
    const rt = await runtime();
    const m = await compile(rt, mm(), { tune: 'off' });
    const x = Float32Array.of(1, 2, 3, -1, 0, 2);
    const before = process.env.SLIMGPU_PROFILE_LAUNCHES;
    try {
      expect((await m.profile([x])).nodes.map((n) => n.name)).toEqual(['mm']);
      process.env.SLIMGPU_PROFILE_LAUNCHES = '1';
      const p = await m.profile([x]);
      expect(p.nodes.length).toBeGreaterThan(0);
      for (const n of p.nodes) {
        expect(n.kernels).toHaveLength(1);
        expect(n.name).toBe(`mm#${n.kernels[0]}`);
      }
    } finally {
      if (before === undefined) delete process.env.SLIMGPU_PROFILE_LAUNCHES;
      else process.env.SLIMGPU_PROFILE_LAUNCHES = before;
      m.destroy();
    }
  });

  /** Two SGD updates (momentum 0) of w0 [6] and w1 [n1] (10 unless given) by gradients 2a and 2b; the norm input is grad_norm of the
   *  gradients (withNorm) or a graph input. Outputs: the norm read by the updates. */
  const sgdGroup = (withNorm: boolean, n1 = 10) => {
    const g = new Graph();
    const a = g.addInput('a', [6]);
    const b = g.addInput('b', [n1]);
    const hyper = g.addInput('hyper', [8]);
    const normIn = withNorm ? -1 : g.addInput('norm', [1]);
    const w0 = g.addParam(
      'w0',
      [6],
      Float32Array.from({ length: 6 }, (_, i) => i - 2.5),
    );
    const w1 = g.addParam(
      'w1',
      [n1],
      Float32Array.from({ length: n1 }, (_, i) => 1 - i / 4),
    );
    const [v0, v1] = [g.addState('w0@v', [6]), g.addState('w1@v', [n1])];
    const g0 = g.add1('add', [a, a], {}, 'g0');
    const g1 = g.add1('add', [b, b], {}, 'g1');
    const norm = withNorm ? g.add1('grad_norm', [g0, g1], {}, 'opt.grad_norm') : normIn;
    const attrs = { momentum: 0, nesterov: 0, weight_decay: 0, l1: 0 };
    g.add('sgd_update', [w0, g0, v0, hyper, norm], attrs, 'opt.w0');
    g.add('sgd_update', [w1, g1, v1, hyper, norm], attrs, 'opt.w1');
    if (withNorm) g.markOutput(norm);
    else g.markOutput(g.add1('add', [a, a], {}, 'out'));
    return { g, w0, w1 };
  };
  it('the flat optimizer is on by default: one merged update (named after the norm) instead of one per tensor; flatOptimizer: false keeps them', async () => {
    // executor.ts:398 (=== false, not !==; a survivor of the fresh mutation sample seed 2027)
    const rt = await runtime();
    const { g } = sgdGroup(true);
    const ins = [new Float32Array(6).fill(0.5), new Float32Array(10).fill(-0.25), Float32Array.of(0.1, 1, 1, 0, 0, 0, 0, 0)];
    const names = async (m: Awaited<ReturnType<typeof compile>>) => (await m.profile(ins)).nodes.map((n) => n.name).sort();
    const flat = await compile(rt, g, { fuse: false, tune: 'off' });
    const perTensor = await compile(rt, g, { fuse: false, tune: 'off', flatOptimizer: false });
    const flatNames = await names(flat);
    expect(flatNames).toContain('opt.flat_update');
    expect(flatNames).not.toContain('opt.w0');
    expect(await names(perTensor)).toEqual(expect.arrayContaining(['opt.w0', 'opt.w1', 'opt.grad_norm']));
    expect(await names(perTensor)).not.toContain('opt.flat_update');
    expect(flat.dispatchCount).toBeLessThan(perTensor.dispatchCount);
    flat.destroy();
    perTensor.destroy();
  });
  it("a flat SGD group: writeTensor and readTensor at each tensor's offset in the flat buffer; without a grad_norm the merged update is named <last update>.flat", async () => {
    const rt = await runtime();
    const { g, w0, w1 } = sgdGroup(false);
    const m = await compile(rt, g, { fuse: false, tune: 'off' });
    // parameters, gradients and state live in the flat buffers: no activation slot for a gradient, no other buffer
    const plan = planFlatOptimizer(g, rt.ctx.limits.minStorageBufferOffsetAlignment);
    const round = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);
    expect(m.paramBytes).toBe(plan.buffers.reduce((a, b) => a + round(b.bytes), 0));
    const slotBytes = (external: Set<number>) => planMemory(g, 16, external).slotBytes.reduce((a, v) => a + round(v), 0);
    expect(m.activationBytes).toBe(slotBytes(new Set(plan.views.keys())));
    expect(m.activationBytes).toBeLessThan(slotBytes(new Set()));
    const init0 = [...g.tensors[w0].data!];
    const new1 = Float32Array.from({ length: 10 }, (_, i) => 3 - i);
    m.writeTensor(w1, new1);
    expect([...(await m.readTensor(w1))]).toEqual([...new1]);
    expect([...(await m.readTensor(w0))]).toEqual(init0); // w1 written at its own offset, not over w0
    const state = g.tensors.find((t) => t.name === 'w1@v')!.id;
    expect([...(await m.readTensor(state))]).toEqual(new Array(10).fill(0));
    const grad = g.nodes.find((n) => n.name === 'g1')!.outputs[0];
    expect(() => m.readTensor(grad)).toThrow(`tensor ${g.tensors[grad].name} is not a parameter or state tensor of this graph`);
    const a = new Float32Array(6).fill(1);
    const b = Float32Array.from({ length: 10 }, (_, i) => i / 10);
    const p = await m.profile([a, b, Float32Array.of(0.5, 1, 1, 0, 0, 0, 0, 0), Float32Array.of(1)]);
    expect(p.nodes.map((n) => n.name)).toContain('opt.w1.flat');
    expect(p.nodes.map((n) => n.name)).not.toContain('opt.w0');
    // w − lr·2b from the written values
    const got = await m.readTensor(w1);
    new1.forEach((v, i) => expect(got[i]).toBeCloseTo(v - 0.5 * 2 * b[i], 5));
    m.destroy();
  });
  it("a flat group's grad_norm: one partial sum over the whole gradient buffer (the last gradient ending at its end), the norm exact; per tensor without the flat optimizer", async () => {
    const rt = await runtime();
    const { g } = sgdGroup(true, 64);
    const plan = planFlatOptimizer(g, rt.ctx.limits.minStorageBufferOffsetAlignment);
    const g1 = g.nodes.find((n) => n.name === 'g1')!.outputs[0];
    const v = plan.views.get(g1)!;
    expect(v.offset + v.bytes).toBe(plan.groups[0].bytes); // no zero padding after g1: every value counts
    const a = Float32Array.from({ length: 6 }, (_, i) => i - 2);
    const b = Float32Array.from({ length: 64 }, (_, i) => 3 - i / 16);
    const ins = [a, b, Float32Array.of(0.1, 1, 1, 0, 0, 0, 0, 0)];
    let s2 = 0;
    for (const x of [...a, ...b]) s2 += 4 * x * x;
    const kernels = [];
    for (const flatOptimizer of [true, false]) {
      const m = await compile(rt, g, { fuse: false, tune: 'off', flatOptimizer });
      const p = await m.profile(ins);
      expect(p.outputs[0][0]).toBeCloseTo(Math.sqrt(s2), 4);
      kernels.push(p.nodes.find((n) => n.name === 'opt.grad_norm')!.kernels);
      m.destroy();
    }
    expect(kernels).toEqual([
      ['reduce/sumsq_partial', 'reduce/sumsq_final'],
      ['reduce/sumsq_partial', 'reduce/sumsq_partial', 'reduce/sumsq_final'],
    ]);
  });
  for (const withNorm of [true, false])
    it(`a flat SGD group ${withNorm ? 'with its grad_norm' : 'without a grad_norm (norm from an input)'}: w − lr·g, by hand`, async () => {
      const rt = await runtime();
      const { g, w0, w1 } = sgdGroup(withNorm);
      const plan = planFlatOptimizer(g, rt.ctx.limits.minStorageBufferOffsetAlignment);
      expect(plan.groups.map((fg) => [fg.updates.length, fg.norm >= 0])).toEqual([[2, withNorm]]);
      const m = await compile(rt, g, { fuse: false, tune: 'off' });
      const a = Float32Array.from({ length: 6 }, (_, i) => (i % 3) - 0.75);
      const b = Float32Array.from({ length: 10 }, (_, i) => i / 5 - 1);
      const lr = 0.5;
      const hyper = Float32Array.of(lr, 1, 1, 0, 0, 0, 0, 0); // no clipping
      const ins = withNorm ? [a, b, hyper] : [a, b, hyper, Float32Array.of(1)];
      const [out] = await m.run(ins);
      if (withNorm) {
        // √(Σ (2a)² + Σ (2b)²) in float64
        let s = 0;
        for (const v of [...a, ...b]) s += 4 * v * v;
        expect(out[0]).toBeCloseTo(Math.sqrt(s), 4);
      }
      const want0 = g.tensors[w0].data!.map((w, i) => w - lr * 2 * a[i]);
      const want1 = g.tensors[w1].data!.map((w, i) => w - lr * 2 * b[i]);
      expect([...(await m.readTensor(w0))].map((v) => +v.toFixed(5))).toEqual([...want0].map((v) => +v.toFixed(5)));
      expect([...(await m.readTensor(w1))].map((v) => +v.toFixed(5))).toEqual([...want1].map((v) => +v.toFixed(5)));
      m.destroy();
    });
});

// executor.ts, method by method (the fresh mutation sample seed 2029 left 3 survivors there: stream()'s slot check,
// RunStream.full, profile()'s macs). Small graphs, exact values: each case names the branch it observes.
describe('executor: every public method and option, case by case', () => {
  /** y = |x| over [n] (the output 'y') */
  const absOf = (n: number) => {
    const g = new Graph();
    const x = g.addInput('x', [n]);
    g.markOutput(g.add1('unary', [x], { fn: 'abs' }, 'y'));
    return g;
  };

  for (const bad of [0, -1, 1.5, NaN, Infinity])
    it(`stream(${bad}) is refused, naming the slot count; stream(1) runs`, async () => {
      // executor.ts:167 (`slots >= 1` → true: a survivor of the fresh mutation sample seed 2029; stream(0) then made a
      // stream with an empty read-back buffer)
      const m = await compile(await runtime(), absOf(4), { tune: 'off' });
      expect(() => m.stream(bad)).toThrow(new SlimError(`a run stream needs at least one slot (got ${bad})`));
      const s = m.stream(1);
      const out = s.push([Float32Array.of(-1, 2, -3, 4)]);
      await s.flush();
      expect([...(await out)[0]]).toEqual([1, 2, 3, 4]);
      s.destroy();
      m.destroy();
    });

  for (const slots of [1, 2, 3])
    it(`a stream of ${slots} slot(s): queued counts the runs pushed, full only when all ${slots} are taken, a push then refused`, async () => {
      // executor.ts:369 (`full` → true: a survivor of the fresh mutation sample seed 2029; the training loop flushes
      // when full, so with the mutant it read back after every step)
      const m = await compile(await runtime(), absOf(4), { tune: 'off' });
      const s = m.stream(slots);
      expect([s.slots, s.queued, s.full]).toEqual([slots, 0, false]);
      const outs: Promise<Float32Array[]>[] = [];
      for (let k = 1; k <= slots; k++) {
        outs.push(s.push([Float32Array.of(-k, k, -2 * k, 0)]));
        expect([s.queued, s.full]).toEqual([k, k === slots]);
      }
      expect(() => s.push([new Float32Array(4)])).toThrow(new SlimError('run stream is full: flush() before pushing more runs'));
      expect(s.queued).toBe(slots);
      await s.flush();
      expect([s.queued, s.full]).toEqual([0, false]);
      for (let k = 1; k <= slots; k++) expect([...(await outs[k - 1])[0]]).toEqual([k, k, 2 * k, 0]);
      s.destroy();
      m.destroy();
    });

  it('a stream over outputs of 3, 5 and 1 values (not multiples of 16 bytes): a partial flush, then a full one, each run its own values', async () => {
    // the outputs' offsets within a slot (rounded up to 16 bytes), the slot stride, and the mapped range of a partial
    // flush (2 of 3 slots)
    const g = new Graph();
    const x = g.addInput('x', [3]);
    const y = g.addInput('y', [5]);
    g.markOutput(g.add1('unary', [x], { fn: 'abs' }, 'ax'));
    g.markOutput(g.add1('unary', [y], { fn: 'neg' }, 'ny'));
    g.markOutput(g.add1('unary', [g.add1('reshape', [x], { shape: [3] }, 'rx')], { fn: 'neg' }, 'n0'));
    const m = await compile(await runtime(), g, { tune: 'off', fuse: false });
    const s = m.stream(3);
    const run = (k: number) => [Float32Array.of(-k, k + 0.5, -1), Float32Array.from({ length: 5 }, (_, i) => 10 * k + i)];
    const want = (k: number) => [[k, k + 0.5, 1], [0, 1, 2, 3, 4].map((i) => -(10 * k + i)), [k, -(k + 0.5), 1]];
    const first = [1, 2].map((k) => s.push(run(k)));
    await s.flush();
    for (const k of [1, 2]) expect((await first[k - 1]).map((a) => [...a])).toEqual(want(k));
    const second = [3, 4, 5].map((k) => s.push(run(k)));
    await s.flush();
    for (const k of [3, 4, 5]) expect((await second[k - 3]).map((a) => [...a])).toEqual(want(k));
    // nothing queued: the flush resolves at once and does not hold the stream (a push right after it is taken)
    const none = s.flush();
    const last = s.push(run(6));
    await none;
    expect(s.queued).toBe(1);
    await s.flush();
    expect((await last).map((a) => [...a])).toEqual(want(6));
    s.destroy();
    m.destroy();
  });

  it("profile(): each node's macs is its op's formula (conv n·oh·ow·cout·kh·kw·cin/groups, matmul m·n·k), 0 for an op without one", async () => {
    // executor.ts:214 (`macs?.(…) ?? 0` → `&& 0`: a survivor of the fresh mutation sample seed 2029; every node then
    // reported 0 MACs)
    const rt = await runtime();
    const g = new Graph();
    const x = g.addInput('x', [1, 6, 5, 4]);
    const w = g.addParam('cw', [3, 2, 2, 8], randn(3 * 2 * 2 * 8, 3));
    const c = g.add1('conv2d', [x, w], { groups: 2, stride: [1, 2], pads: [1, 0, 1, 1] }, 'conv');
    const a = g.add1('unary', [c], { fn: 'abs' }, 'abs');
    const flat = g.add1('reshape', [a], { shape: [6 * 3, 8] }, 'flat');
    g.markOutput(g.add1('matmul', [flat, g.addParam('mw', [8, 5], randn(40, 4))], {}, 'mm'));
    expect(g.shape(c)).toEqual([1, 6, 3, 8]);
    const m = await compile(rt, g, { tune: 'off', fuse: false });
    const p = await m.profile([randn(120, 5)]);
    expect(p.method).toBe(rt.ctx.hasTimestamps ? 'timestamp' : 'wallclock');
    expect(p.nodes.map((n) => [n.name, n.op, n.macs])).toEqual([
      ['conv', 'conv2d', 1 * 6 * 3 * 8 * 3 * 2 * (4 / 2)],
      ['abs', 'unary', 0],
      ['mm', 'matmul', 18 * 5 * 8],
    ]);
    expect(p.nodes.reduce((s, n) => s + n.macs, 0)).toBe(g.macs());
    // each node's kernels: the WGSL kernels of its launches, as many as it dispatches
    expect(p.nodes.reduce((s, n) => s + n.kernels.length, 0)).toBe(m.dispatchCount);
    for (const n of p.nodes) for (const k of n.kernels) expect(k).toMatch(/^[\w/.-]+$/);
    expect([...p.outputs[0]]).toEqual([...(await m.run([randn(120, 5)]))[0]]);
    m.destroy();
  });

  /** x [2, 3] · w [3, 4] + b [4] → 'y', and an unused parameter 'u' [100] */
  const affine = () => {
    const g = new Graph();
    const { mm, w } = xTimesW(g);
    const b = g.addParam('b', [4], Float32Array.of(1, -2, 3, -4));
    const u = g.addParam('u', [100], new Float32Array(100).fill(7));
    g.markOutput(g.add1('binary', [mm, b], { fn: 'add' }, 'y'));
    return { g, w, b, u };
  };
  /** y of affine() on the CPU */
  const affineRef = (g: Graph, w: number, b: number, x: Float32Array) => {
    const [W, B] = [g.tensors[w].data!, g.tensors[b].data!];
    return Array.from({ length: 8 }, (_, i) => {
      const [r, c] = [Math.floor(i / 4), i % 4];
      return x[r * 3] * W[c] + x[r * 3 + 1] * W[4 + c] + x[r * 3 + 2] * W[8 + c] + B[c];
    });
  };
  const x6 = Float32Array.of(1, 2, 3, -1, 0, 2);

  it('inputs: an array in graph.inputs order or a record by name, the same outputs; inputNames lists them', async () => {
    const { g, w, b } = affine();
    const m = await compile(await runtime(), g, { tune: 'off', fuse: false });
    expect(m.inputNames).toEqual(['x']);
    const [byOrder] = await m.run([x6]);
    const [byName] = await m.run({ x: x6 });
    expect([...byName]).toEqual([...byOrder]);
    // a view into a larger array: its own values are uploaded (byteOffset and byteLength), not the array's start
    const big = Float32Array.from({ length: 12 }, (_, i) => (i >= 3 && i < 9 ? x6[i - 3] : 100 + i));
    expect([...(await m.run([big.subarray(3, 9)]))[0]]).toEqual([...byOrder]);
    m.writeTensor(b, Float32Array.of(9, 9, 0, 0, 0, 0, 9, 9).subarray(2, 6));
    expect([...(await m.readTensor(b))]).toEqual([0, 0, 0, 0]);
    affineRef(g, w, b, x6).forEach((v, i) => expect(byOrder[i]).toBeCloseTo(v, 5));
    m.destroy();
  });

  // each wrong input, through run(), profile() and a stream's push (writeInputs is shared): the same SlimError
  const badInputs: [string, Record<string, unknown> | unknown[], string][] = [
    ['no input', [], "missing input 'x' (shape [2,3])"],
    ['a record without its name', { y: x6 }, "missing input 'x' (shape [2,3])"],
    ['a Float64Array', [Float64Array.from(x6)], "input 'x' must be a Float32Array (dtype f32)"],
    ['a plain array', [[1, 2, 3, 4, 5, 6]], "input 'x' must be a Float32Array (dtype f32)"],
    ['5 values', [new Float32Array(5)], "input 'x' has 5 values; shape [2,3] needs 6"],
    ['7 values by name', { x: new Float32Array(7) }, "input 'x' has 7 values; shape [2,3] needs 6"],
  ];
  for (const [what, inputs, message] of badInputs)
    it(`${what}: refused by run, profile and a stream's push, naming the input`, async () => {
      const { g } = affine();
      const m = await compile(await runtime(), g, { tune: 'off', fuse: false });
      const ins = inputs as Float32Array[];
      await expect(m.run(ins)).rejects.toThrow(new SlimError(message));
      await expect(m.profile(ins)).rejects.toThrow(new SlimError(message));
      const s = m.stream(2);
      expect(() => s.push(ins)).toThrow(new SlimError(message));
      expect(s.queued).toBe(0);
      // the graph still runs after each refusal
      expect((await m.run([x6]))[0].length).toBe(8);
      s.destroy();
      m.destroy();
    });

  it('run() of a destroyed graph rejects with a SlimError naming the GPU validation error', async () => {
    const m = await compile(await runtime(), absOf(4), { tune: 'off' });
    m.destroy();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const err = await m.run([new Float32Array(4)]).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(SlimError);
      // Dawn's message names the encoder ('forward') and the activation buffer (compile's labels)
      expect(err!.message).toMatch(/^GPU validation error while running the graph: \[Buffer "activations\d+"\].*CommandEncoder "forward"/s);
    } finally {
      spy.mockRestore();
    }
  });

  it('compile refuses a graph without outputs', async () => {
    const g = new Graph();
    g.add1('unary', [g.addInput('x', [4])], { fn: 'abs' }, 'a');
    await expect(compile(await runtime(), g)).rejects.toThrow(new SlimError('graph has no outputs (call markOutput)'));
  });

  it("a node's plan-time error names the node and its op; another error passes through as it is", async () => {
    const rt = await runtime();
    const g = new Graph();
    const x = g.addInput('x', [1, 2, 2, 3]);
    const mean = g.addInput('mean', [3]); // batch statistics computed, not parameters: refused by the kernel's plan
    const p = (name: string) => g.addParam(name, [3], Float32Array.of(1, 1, 1));
    g.markOutput(g.add1('batchnorm', [x, p('gamma'), p('beta'), mean, p('var')], { eps: 1e-5 }, 'bn'));
    const err = await compile(rt, g, { fuse: false, tune: 'off' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SlimError);
    expect((err as Error).message).toBe("node 'bn' (batchnorm): batchnorm 'bn': statistics must be parameters (inference form)");
    const plain = await compile(rt, affine().g, { fuse: false, tune: 'off', forceVariant: 'none_such' }).catch((e: Error) => e);
    expect(plain).not.toBeInstanceOf(SlimError);
    expect((plain as Error).message).toMatch(/^variant 'none_such' cannot run /);
  });

  it('profile() destroys the query set and buffers it creates for its timestamps', async () => {
    const rt = await runtime();
    const m = await compile(rt, affine().g, { tune: 'off', fuse: false });
    const device = rt.device;
    const live = new Set<{ destroy(): void }>();
    const track = <T extends { destroy(): void }>(o: T): T => {
      live.add(o);
      const destroy = o.destroy;
      o.destroy = function () {
        live.delete(o);
        return destroy.call(this);
      };
      return o;
    };
    const [createBuffer, createQuerySet] = [device.createBuffer, device.createQuerySet];
    device.createBuffer = function (d: GPUBufferDescriptor) {
      return track(createBuffer.call(this, d));
    };
    device.createQuerySet = function (d: GPUQuerySetDescriptor) {
      return track(createQuerySet.call(this, d));
    };
    try {
      const p = await m.profile([x6]);
      expect(p.method).toBe(rt.ctx.hasTimestamps ? 'timestamp' : 'wallclock');
    } finally {
      device.createBuffer = createBuffer;
      device.createQuerySet = createQuerySet;
    }
    expect(live.size).toBe(0);
    m.destroy();
  });

  it('calls not awaited run one after another: two runs, a readTensor and a profile, each its own result', async () => {
    const { g, w, b } = affine();
    const m = await compile(await runtime(), g, { tune: 'off', fuse: false });
    const xs = [x6, Float32Array.of(0, 1, 0, 2, -2, 1)];
    const [r0, r1, wv, p] = await Promise.all([m.run([xs[0]]), m.run({ x: xs[1] }), m.readTensor(w), m.profile([xs[1]])]);
    [r0, r1].forEach((r, k) => affineRef(g, w, b, xs[k]).forEach((v, i) => expect(r[0][i]).toBeCloseTo(v, 5)));
    expect([...wv]).toEqual([...g.tensors[w].data!]);
    expect([...p.outputs[0]]).toEqual([...r1[0]]);
    m.destroy();
  });

  it('glue passes: on by default with fuse (their counts in the report), off with glue: false', async () => {
    const rt = await runtime();
    const { g } = affine();
    const on = await compile(rt, g, { tune: 'off' });
    const off = await compile(rt, g, { tune: 'off', glue: false });
    expect(on.fusion).toMatchObject({ hardActivations: 0, affinesFolded: 0 });
    expect(off.fusion!.hardActivations).toBeUndefined();
    expect(off.fusion!.affinesFolded).toBeUndefined();
    on.destroy();
    off.destroy();
  });

  it('memory statistics: activationBytes the planned slots, paramBytes the used parameters only (an unused one has no buffer)', async () => {
    const { g, w, b, u } = affine();
    const m = await compile(await runtime(), g, { tune: 'off', fuse: false });
    const round = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);
    expect(m.activationBytes).toBe(m.memory.slotBytes.reduce((a, v) => a + round(v), 0));
    expect(m.activationBytes).toBeGreaterThan(0);
    expect(m.paramBytes).toBe(48 + 16); // w [3,4] and b [4]; not u [100]
    expect(m.dispatchCount).toBe(2);
    expect([...(await m.readTensor(b))]).toEqual([1, -2, 3, -4]);
    expect((await m.readTensor(w)).length).toBe(12);
    expect(() => m.readTensor(u)).toThrow(new SlimError('tensor u is not a parameter or state tensor of this graph'));
    m.destroy();
  });

  it('readTensor and writeTensor refuse what is not a parameter or state tensor, by name or id', async () => {
    const { g, w } = affine();
    const m = await compile(await runtime(), g, { tune: 'off', fuse: false });
    const not = (id: number | string) => new SlimError(`tensor ${id} is not a parameter or state tensor of this graph`);
    expect(() => m.readTensor(g.inputs[0])).toThrow(not('x'));
    expect(() => m.readTensor(g.outputs[0])).toThrow(not('y_1'));
    expect(() => m.readTensor(999)).toThrow(not(999));
    expect(() => m.writeTensor(g.outputs[0], new Float32Array(8))).toThrow(not('y_1'));
    expect(() => m.writeTensor(w, new Float32Array(13))).toThrow(new SlimError("tensor 'w' needs 12 values, got 13"));
    m.destroy();
  });

  it("tune modes: 'cached' (the default) takes this adapter's cached choice and measures nothing, 'off' the first candidate, 'measure' times the candidates and files the winner", async () => {
    const rt = await runtime();
    const dir = mkdtempSync(join(tmpdir(), 'executor-tune-'));
    vi.stubEnv('SLIMGPU_CACHE_DIR', dir);
    const file = join(dir, 'tune.json');
    try {
      const g = new Graph();
      const x = g.addInput('x', [1, 8, 8, 8]);
      g.markOutput(g.add1('conv2d', [x, g.addParam('w', [1, 1, 8, 8], randn(64, 9))], {}, 'pw'));
      const chosen = async (opts: Parameters<typeof compile>[2]) => {
        const m = await compile(rt, g, { fuse: false, ...opts });
        const v = [...m.variants];
        m.destroy();
        return v;
      };
      // the candidates, from the message that refuses a variant none starts with
      const refused = await compile(rt, g, { fuse: false, forceVariant: 'none_such' }).catch((e: Error) => e.message);
      const [, key, list] = /cannot run (\S+) \(candidates: ([^)]*)\)/.exec(refused as string)!;
      const candidates = list.split(', ');
      expect(candidates.length).toBeGreaterThan(1);
      expect(await chosen({ tune: 'off' })).toEqual([[key, candidates[0]]]);
      expect(await chosen({})).toEqual([[key, candidates[0]]]); // nothing cached: the first, and nothing measured
      expect(existsSync(file)).toBe(false);
      const measured = await chosen({ tune: 'measure' });
      const store = JSON.parse(readFileSync(file, 'utf8'));
      const entry = store[adapterKey(rt)][key];
      expect(measured).toEqual([[key, entry.id]]);
      expect(Object.keys(entry.ms).sort()).toEqual(expect.arrayContaining([entry.id]));
      // a cached choice other than the first candidate: taken by default and by 'cached', not by 'off'
      const other = candidates.find((c) => c !== candidates[0])!;
      writeFileSync(file, JSON.stringify({ [adapterKey(rt)]: { [key]: { id: other, ms: {} } } }));
      expect(await chosen({})).toEqual([[key, other]]);
      expect(await chosen({ tune: 'cached' })).toEqual([[key, other]]);
      expect(await chosen({ tune: 'off' })).toEqual([[key, candidates[0]]]);
    } finally {
      vi.unstubAllEnvs();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
