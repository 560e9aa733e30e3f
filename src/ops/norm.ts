// Batch-norm in training mode: batch statistics, running averages updated in place, and the backward pass.
//
//   batchnorm_train     (x, γ, β, running_mean, running_var) → (y, mean, rstd)
//       attrs eps (1e-5), momentum (0.1), update (1: update the running averages; 0: leave them, e.g. when a
//       peer's forward is recomputed in deep mutual learning), act (a fused activation, codes 0–7 of
//       ACTIVATIONS: y = act(bn(x)); 0 = none). mean and rstd [C] are saved for the backward.
//   batchnorm_backward  (x, dy, mean, rstd, γ[, β]) → (dx, dγ, dβ)
//       attr act: the forward's fused activation; its gradient dy·act'(γ·x̂ + β) is taken inside both passes
//       (needs β), so the activation costs no pass of its own forward or backward.
//   attr pool [KH, KW] on both (C % 4 = 0, H % KH = W % KW = 0): the max-pool with stride = kernel that follows,
//       fused too (batchnormMaxpoolFits). batchnorm_train's y is then the pooled act(bn(x)) [N, H/KH, W/KW, C]
//       and batchnorm_backward's dy its gradient; act(bn(x)) at full size is never stored: the backward
//       recomputes it from x to find each window's maximal tap (shaders/common/bn_maxpool_window.wgsl).
// Per-element passes (apply, input gradient) run four channels per thread (`_vec4`) when C % 4 = 0.
//
// The inference form (`batchnorm`, in elementwise.ts) uses the running averages; a training graph swaps each
// `batchnorm` node for `batchnorm_train` (src/train/autodiff.ts), reading and updating the same tensors.

import { check, shapeStr } from '../runtime/errors.js';
import type { BufferRange, Launch } from '../runtime/kernels.js';
import { attrNum, numel, registerOp, type Attrs } from './registry.js';

const channels = (x: number[]) => x[x.length - 1];

/** The fused activation of a training batch-norm: codes 0–7 (the parameterless ones `activate` knows). */
function fusedAct(attrs: Attrs, op: string): number {
  const act = attrNum(attrs, 'act', 0);
  check(Number.isInteger(act) && act >= 0 && act <= 7, `${op}: fused activation code must be 0–7, got ${act}`);
  return act;
}

/** Whether batch-norm → max-pool (kernel `pool`, stride = kernel, no padding) can run fused on x [N,H,W,C]. */
export function batchnormMaxpoolFits(x: number[], pool: number[]): boolean {
  return (
    x.length === 4 &&
    x[3] % 4 === 0 &&
    pool.length === 2 &&
    pool.every((k) => Number.isInteger(k) && k >= 1) &&
    x[1] % pool[0] === 0 &&
    x[2] % pool[1] === 0
  );
}

/** The fused max-pool kernel [KH, KW] of a training batch-norm, or null; checked against x. */
function fusedPool(attrs: Attrs, x: number[], op: string): number[] | null {
  if (attrs.pool === undefined) return null;
  const pool = attrs.pool as number[];
  check(
    Array.isArray(pool) && batchnormMaxpoolFits(x, pool),
    `${op}: a fused max-pool ${JSON.stringify(pool)} needs x [N,H,W,C] with C % 4 = 0 and H, W multiples of it, got ${shapeStr(x)}`,
  );
  return pool;
}

const pow2Floor = (v: number) => 2 ** Math.floor(Math.log2(Math.max(1, v)));
const pow2Ceil = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(1, v)));

/**
 * Row lanes of a per-channel reduction on SwiftShader. A workgroup whose kernel meets a barrier runs there on one CPU
 * thread, each invocation a coroutine switched at every barrier, so each invocation costs far more than its loads: a
 * few long threads win. Measured against the GPU rule below, interleaved, at cnn_tiny's and cnn_small's shapes
 * (docs/results/trainfast/round12): the statistics pass 0.24–0.32× its GPU time, the fused max-pool backward's pass
 * 1 0.63–0.86×; 4 lanes beat 1, 2, 8, 16, 32 and 128 or came within 5 % of the best, and splitting the rows over
 * parts (more workgroups) never helped.
 */
export const CPU_ROW_LANES = 4;

/**
 * Variant and launch shape of a per-channel reduction over the rows of [rows, C] (batchnorm_forward_stats,
 * batchnorm_backward_reduce, conv2d_backward_bias; the thread mapping is in shaders/common/channel_reduce.wgsl):
 *  - the `_vec4` kernel when C % 4 = 0 (a thread sums four channels with 16-byte loads), else the scalar one;
 *  - `cpu` (SwiftShader): CPU_ROW_LANES row lanes, and CG channel lanes of 32 bytes of a row (2 quads or 8
 *    channels);
 *  - otherwise (a GPU) WG / CG row lanes: rows / 256 rounded down to a power of two, at most 128 (vec4) or 32, so
 *    a thread sums 256–511 rows (fewer when rows < 256, more past the cap); CG channel lanes of at least 32 bytes of
 *    a row (one memory sector), and more when the row lanes are fewer than 64 (at least 64 threads per workgroup),
 *    as far as C allows. Not yet measured on a GPU.
 */
export function channelReduce(
  kernels: { scalar: string; vec4: string },
  c: number,
  rows: number,
  cpu: boolean,
): { kernel: string; overrides: { WG: number; CG: number }; workgroups: number } {
  const vec4 = c % 4 === 0;
  const columns = vec4 ? c / 4 : c;
  const sector = vec4 ? 2 : 8;
  const lanes = cpu ? CPU_ROW_LANES : Math.min(pow2Floor(rows / 256), 256 / sector);
  const CG = Math.min(pow2Ceil(columns), cpu ? sector : Math.max(sector, 64 / lanes));
  return { kernel: vec4 ? kernels.vec4 : kernels.scalar, overrides: { WG: CG * lanes, CG }, workgroups: Math.ceil(columns / CG) };
}

/**
 * Row parts of batch-norm's statistics pass and backward's pass 1 (PARTS of shaders/norm/batchnorm_forward_stats and
 * batchnorm_backward_reduce). On a GPU, few channel groups (`workgroups` of channelReduce) leave most of the GPU
 * idle, so the rows split over parts until there are ≥ 8 workgroups, each part ≥ 512 rows; batchnorm_forward_finalize
 * / batchnorm_backward_finalize then add the parts. cnn_tiny's conv1 (C = 8: one workgroup) takes 8 parts there. On
 * SwiftShader (`cpu`) one part: more workgroups only added time (CPU_ROW_LANES).
 */
export function bnRowParts(workgroups: number, rows: number, cpu: boolean): number {
  if (cpu) return 1;
  return Math.max(1, Math.min(pow2Floor(8 / workgroups), pow2Floor(rows / 512)));
}

/** A 2×2 fused max-pool: the batchnorm_maxpool2x2_* kernels (taps straight-line) instead of the any-window ones. */
function pool2x2(pool: number[]): boolean {
  return pool[0] === 2 && pool[1] === 2;
}

registerOp({
  name: 'batchnorm_train',
  infer(inShapes, attrs) {
    check(inShapes.length === 5, 'batchnorm_train takes x, gamma, beta, running mean, running var');
    const c = channels(inShapes[0]);
    for (const s of inShapes.slice(1)) check(s.length === 1 && s[0] === c, `batchnorm_train statistics must be [${c}], got ${shapeStr(s)}`);
    const pool = fusedPool(attrs, inShapes[0], 'batchnorm_train');
    const [n, h, w] = inShapes[0];
    return [pool ? [n, h / pool[0], w / pool[1], c] : inShapes[0], [c], [c]];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = channels(x);
    const rows = numel(x) / c;
    const cpu = pc.rt.ctx.adapter.isSwiftShader;
    const stats = channelReduce({ scalar: 'norm/batchnorm_forward_stats', vec4: 'norm/batchnorm_forward_stats_vec4' }, c, rows, cpu);
    const act = fusedAct(pc.attrs, 'batchnorm_train');
    const pool = fusedPool(pc.attrs, x, 'batchnorm_train');
    const k = pc.rt.kernels;
    const y = pc.outShapes[0];
    const apply = pool
      ? k.launch(pool2x2(pool) ? 'norm/batchnorm_maxpool2x2_forward_vec4' : 'norm/batchnorm_maxpool_forward_vec4', {
          overrides: { ACT: act },
          uniforms: { c4: c / 4, in_hw: [x[1], x[2]], out_hw: [y[1], y[2]], kernel: pool },
          buffers: { x: pc.input(0), mean: pc.output(1), rstd: pc.output(2), gamma: pc.input(1), beta: pc.input(2), y: pc.output(0) },
          invocations: numel(y) / 4 / y[2], // one row of windows per invocation
        })
      : k.launch(c % 4 === 0 ? 'norm/batchnorm_forward_apply_vec4' : 'norm/batchnorm_forward_apply', {
          overrides: { ACT: act },
          uniforms: c % 4 === 0 ? { c4: c / 4 } : { c },
          buffers: { x: pc.input(0), mean: pc.output(1), rstd: pc.output(2), gamma: pc.input(1), beta: pc.input(2), y: pc.output(0) },
          invocations: c % 4 === 0 ? numel(x) / 4 : numel(x),
        });
    // pass 1, over P row parts when the channel groups are few (bnRowParts): then [P, C] sums and a finalize launch
    const parts = bnRowParts(stats.workgroups, rows, cpu);
    const update = attrNum(pc.attrs, 'update', 1) ? 1 : 0;
    const uniforms = { c, rows, eps: attrNum(pc.attrs, 'eps', 1e-5), momentum: attrNum(pc.attrs, 'momentum', 0.1) };
    const running = { run_mean: pc.input(3), run_var: pc.input(4) };
    const out = { mean: pc.output(1), rstd: pc.output(2) };
    const sums =
      parts === 1
        ? out
        : {
            mean: pc.constant(new Float32Array(parts * c), `${pc.name}.s1_parts`),
            rstd: pc.constant(new Float32Array(parts * c), `${pc.name}.s2_parts`),
          };
    const pass1 = [
      await k.launch(stats.kernel, {
        overrides: { ...stats.overrides, UPDATE: update, PARTS: parts },
        uniforms,
        buffers: { x: pc.input(0), ...running, ...sums },
        workgroups: stats.workgroups * parts,
      }),
    ];
    if (parts > 1)
      pass1.push(
        await k.launch('norm/batchnorm_forward_finalize', {
          overrides: { UPDATE: update },
          uniforms: { parts, rows, eps: uniforms.eps, momentum: uniforms.momentum },
          buffers: { x: pc.input(0), part_s1: sums.mean, part_s2: sums.rstd, ...running, ...out },
          invocations: c,
        }),
      );
    return [...pass1, await apply];
  },
});

registerOp({
  name: 'batchnorm_backward',
  infer(inShapes, attrs) {
    const [x, dy] = inShapes;
    const pool = fusedPool(attrs, x, 'batchnorm_backward');
    const want = pool ? [x[0], x[1] / pool[0], x[2] / pool[1], x[3]] : x;
    check(
      want.length === dy.length && want.every((d, i) => d === dy[i]),
      `batchnorm_backward: dy ${shapeStr(dy)} should be ${shapeStr(want)}`,
    );
    check(!pool || inShapes.length === 6, 'batchnorm_backward with a fused max-pool needs beta (6th input)');
    const c = channels(x);
    check(inShapes.length === 5 || inShapes.length === 6, 'batchnorm_backward takes x, dy, mean, rstd, gamma and (with act) beta');
    for (const s of inShapes.slice(2))
      check(s.length === 1 && s[0] === c, `batchnorm_backward statistics must be [${c}], got ${shapeStr(s)}`);
    check(inShapes.length === 6 || attrNum(attrs, 'act', 0) === 0, 'batchnorm_backward with a fused activation needs beta (6th input)');
    return [x, [c], [c]];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = channels(x);
    const rows = numel(x) / c;
    const act = fusedAct(pc.attrs, 'batchnorm_backward');
    const pool = fusedPool(pc.attrs, x, 'batchnorm_backward');
    // without a fused activation the kernels never read beta: bind gamma in its place
    const beta = pc.inShapes.length === 6 ? pc.input(5) : pc.input(4);
    const stats = { x: pc.input(0), dy: pc.input(1), mean: pc.input(2), rstd: pc.input(3), gamma: pc.input(4), beta };
    const k = pc.rt.kernels;
    const cpu = pc.rt.ctx.adapter.isSwiftShader;
    // pass 1 over P row parts: its sums go to [P, C] scratch, and a finalize launch writes dgamma, dbeta
    const pass1 = async (
      sums: ReturnType<typeof channelReduce>,
      rowCount: number,
      launch: (parts: number, out: { dgamma: BufferRange; dbeta: BufferRange }) => Promise<Launch>,
    ) => {
      const parts = bnRowParts(sums.workgroups, rowCount, cpu);
      const outs = { dgamma: pc.output(1), dbeta: pc.output(2) };
      if (parts === 1) return [await launch(1, outs)];
      const db = pc.constant(new Float32Array(parts * c), `${pc.name}.dbeta_parts`);
      const dg = pc.constant(new Float32Array(parts * c), `${pc.name}.dgamma_parts`);
      return [
        await launch(parts, { dgamma: dg, dbeta: db }),
        await k.launch('norm/batchnorm_backward_finalize', {
          uniforms: { parts },
          buffers: { part_db: db, part_dg: dg, rstd: pc.input(3), ...outs },
          invocations: c,
        }),
      ];
    };
    if (pool) {
      const dy = pc.inShapes[1];
      const windows = numel(dy) / c;
      const two = pool2x2(pool);
      const sums = channelReduce(
        { scalar: '', vec4: two ? 'norm/batchnorm_maxpool2x2_backward_reduce_vec4' : 'norm/batchnorm_maxpool_backward_reduce_vec4' },
        c,
        windows,
        cpu,
      );
      const geom = { in_hw: [x[1], x[2]], out_hw: [dy[1], dy[2]], kernel: pool };
      return [
        ...(await pass1(sums, windows, (parts, out) =>
          k.launch(sums.kernel, {
            overrides: { ...sums.overrides, ACT: act, PARTS: parts },
            uniforms: { c4: c / 4, windows, ...geom },
            buffers: { ...stats, ...out },
            workgroups: sums.workgroups * parts,
          }),
        )),
        await k.launch(two ? 'norm/batchnorm_maxpool2x2_backward_input_vec4' : 'norm/batchnorm_maxpool_backward_input_vec4', {
          overrides: { ACT: act },
          uniforms: { c4: c / 4, rows, ...geom },
          buffers: { ...stats, dgamma: pc.output(1), dbeta: pc.output(2), dx: pc.output(0) },
          invocations: numel(dy) / 4 / dy[2], // one row of windows per invocation
        }),
      ];
    }
    const sums = channelReduce({ scalar: 'norm/batchnorm_backward_reduce', vec4: 'norm/batchnorm_backward_reduce_vec4' }, c, rows, cpu);
    return [
      ...(await pass1(sums, rows, (parts, out) =>
        k.launch(sums.kernel, {
          overrides: { ...sums.overrides, ACT: act, PARTS: parts },
          uniforms: { c, rows },
          buffers: { ...stats, ...out },
          workgroups: sums.workgroups * parts,
        }),
      )),
      await k.launch(c % 4 === 0 ? 'norm/batchnorm_backward_input_vec4' : 'norm/batchnorm_backward_input', {
        overrides: { ACT: act },
        uniforms: c % 4 === 0 ? { c4: c / 4, rows } : { c, rows },
        buffers: { ...stats, dgamma: pc.output(1), dbeta: pc.output(2), dx: pc.output(0) },
        invocations: c % 4 === 0 ? numel(x) / 4 : numel(x),
      }),
    ];
  },
});
