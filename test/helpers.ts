// Shared test helpers: one runtime per test file, a one-node graph runner, seeded data, and comparison with
// the tolerance table (one place for all tolerances).

import { compile } from '../src/graph/executor.js';
import { Graph } from '../src/graph/ir.js';
import type { Attrs } from '../src/ops/registry.js';
import { seededRandom } from '../src/models/builder.js';
import { Runtime } from '../src/runtime/runtime.js';
import { expect } from 'vitest';

export const TOL = {
  /** fp32 kernels vs float64 references, per element: |a − e| ≤ atol + rtol·|e| */
  f32: { atol: 1e-4, rtol: 1e-4 },
  /** whole models (tens of layers of fp32 rounding) */
  model: { atol: 1e-3, rtol: 1e-3 },
  /** gradients: long fp32 reductions (weight gradients sum over the batch and the image) */
  grad: { atol: 5e-4, rtol: 1e-3 },
  /** finite differences (central, float64 loss) vs analytic gradients of the CPU references */
  fd: { atol: 2e-3, rtol: 2e-2 },
} as const;

let shared: Promise<Runtime> | null = null;
export function runtime(): Promise<Runtime> {
  shared ??= Runtime.create(process.env.DAWN_FLAGS ? { dawnFlags: process.env.DAWN_FLAGS.split(' ') } : {});
  return shared;
}

const ruleRuntimes = new Map<'cpu' | 'gpu', Promise<Runtime>>();
/**
 * A runtime over the shared runtime's device whose adapter reads as SwiftShader ('cpu') or as a GPU ('gpu'), so the
 * ops' adapter-dependent launch rules (e.g. norm.ts channelReduce, bnRowParts) take that branch whatever this
 * machine's adapter is, and both branches' kernel paths are tested everywhere. Never destroyed: it shares the device.
 */
export function launchRuleRuntime(rule: 'cpu' | 'gpu'): Promise<Runtime> {
  let r = ruleRuntimes.get(rule);
  if (!r) {
    r = runtime().then((rt) =>
      Runtime.create({
        device: rt.device,
        adapterInfo: {
          vendor: 'test',
          architecture: rule === 'cpu' ? 'swiftshader-rule' : 'gpu-rule',
          device: '',
          description: `the shared device, read as ${rule === 'cpu' ? 'SwiftShader' : 'a GPU'}`,
        } as GPUAdapterInfo,
      }),
    );
    ruleRuntimes.set(rule, r);
  }
  return r;
}

/** The zoo's seeded generator (mulberry32), so tests and models draw the same streams. */
export const rng = seededRandom;

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

export interface OpInput {
  shape: number[];
  data: Float32Array;
  /** a parameter (weights) rather than a graph input */
  param?: boolean;
}

/** Run one op on the GPU as a one-node graph (no fusion), optionally pinning the kernel variant. */
export async function runOp(
  op: string,
  inputs: OpInput[],
  attrs: Attrs,
  variant?: string,
): Promise<{ out: Float32Array; shape: number[] }> {
  const rt = await runtime();
  const g = new Graph();
  const ids = inputs.map((x, k) => (x.param ? g.addParam(`p${k}`, x.shape, x.data) : g.addInput(`x${k}`, x.shape)));
  const y = g.add1(op, ids, attrs);
  g.markOutput(y);
  const m = await compile(rt, g, { fuse: false, tune: 'off', forceVariant: variant });
  const [out] = await m.run(inputs.filter((x) => !x.param).map((x) => x.data));
  m.destroy();
  return { out, shape: g.shape(y) };
}

/** Run one node with any number of outputs on the GPU (inputs are graph inputs unless marked param). */
export async function runNode(op: string, inputs: OpInput[], attrs: Attrs, rt?: Runtime): Promise<Float32Array[]> {
  rt ??= await runtime();
  const g = new Graph();
  const ids = inputs.map((x, k) => (x.param ? g.addParam(`p${k}`, x.shape, x.data) : g.addInput(`x${k}`, x.shape)));
  const ys = g.add(op, ids, attrs);
  ys.forEach((y) => g.markOutput(y));
  const m = await compile(rt, g, { fuse: false, tune: 'off' });
  const outs = await m.run(inputs.filter((x) => !x.param).map((x) => x.data));
  m.destroy();
  return outs;
}

export function expectClose(actual: Float32Array, expected: Float32Array, tol: { atol: number; rtol: number }, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const err = Math.abs(a - e);
    worst = Math.max(worst, err);
    if (!(err <= tol.atol + tol.rtol * Math.abs(e))) {
      if (bad.length < 5) bad.push(`[${i}] expected ${e}, got ${a}`);
      else if (bad.length === 5) bad.push('...');
    }
  }
  if (bad.length) throw new Error(`${what} mismatch (max abs err ${worst}): ${bad.join('; ')}`);
}

/** Integer, int8 and XNOR results: every element equal; the first mismatches are printed. */
export function expectExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      if (bad.length < 8) bad.push(`[${i}] expected ${expected[i]}, got ${actual[i]}`);
      count++;
    }
  }
  if (count) throw new Error(`${what}: ${count} of ${expected.length} elements differ: ${bad.join('; ')}`);
}

/** Seeded integers in [lo, hi]. */
export function randInt(n: number, seed: number, lo: number, hi: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}
