// General N-D tensor ops (row-major, any layout, rank ≤ 8), the vocabulary that ONNX import lowers to besides the
// NHWC CNN ops: unary and broadcasting binary elementwise math, transpose, slice, concat along any axis, pad,
// batched matmul, single-axis reductions and softmax along any axis.
//
//   unary        x → f(x)                  attrs fn (UNARY name), alpha, beta
//   binary       a, b → f(a, b)            attrs fn (BINARY name); numpy broadcasting
//   transpose    x → permuted              attrs perm
//   slice        x → x[starts::steps]      attrs starts, ends (exclusive, already clamped), steps (> 0)
//   concat_axis  xs → concatenated         attrs axis
//   pad          x[, v] → padded           attrs pads [begin..., end...] (negative crops), mode, value (or v [1])
//   matmul       A, B[, bias] → alpha·op(A)·op(B) + bias   attrs transA, transB (last two dims), alpha;
//                batch dims broadcast; bias [N] along the last axis
//   reduce       x → reduced along axis    attrs axis, mode (sum|mean|max|min), keepdims (1)
//   softmax_axis x → softmax along axis    attrs axis, log (log-softmax), hard (hardmax: one-hot of the first max)
//   lrn          x → local response norm   attrs size, alpha, beta, bias; across the last axis (NHWC channels)

import { check, shapeStr, SlimError } from '../runtime/errors.js';
import type { Launch } from '../runtime/kernels.js';
import type { Candidate } from '../runtime/tuner.js';
import { ACTIVATIONS, activationRef, type ActivationName } from './activation.js';
import { binaryLaunch } from './elementwise.js';
import { attrNum, numel, registerOp, type Attrs, type PlanContext } from './registry.js';

/** The unary functions are the activation table (ops/activation.ts, shaders/common/activation.wgsl), by name. */
export const UNARY = ACTIVATIONS;
export type UnaryName = ActivationName;

export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, max: 5, min: 6, prelu: 7 } as const;
export type BinaryName = keyof typeof BINARY;

export const REDUCE = { sum: 0, mean: 1, max: 2, min: 3 } as const;
export type ReduceName = keyof typeof REDUCE;

const MAX_RANK = 8;

function codeOf<T extends Record<string, number>>(table: T, v: unknown, what: string): number {
  if (typeof v !== 'string' || !Object.hasOwn(table, v))
    throw new SlimError(`${what} must be one of ${Object.keys(table).join(', ')}, got ${JSON.stringify(v)}`);
  return table[v];
}

/** CPU formula of each unary function (float64), the same as shaders/elementwise/unary_forward.wgsl. */
export function unaryRef(fn: UnaryName, x: number, alpha = 0, beta = 0): number {
  return activationRef(UNARY[fn], x, alpha, beta);
}

/** CPU formula of each binary function (float64), the same as shaders/elementwise/binary_forward.wgsl. */
export function binaryRef(fn: BinaryName, a: number, b: number): number {
  switch (fn) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'pow':
      return Math.pow(a, b);
    case 'max':
      return Math.max(a, b);
    case 'min':
      return Math.min(a, b);
    case 'prelu':
      return a < 0 ? a * b : a;
  }
}

/** Numpy broadcast of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    check(x === y || x === 1 || y === 1, `shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/** Strides of `shape` read as if broadcast to `out` (0 along broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const st = contiguousStrides(shape);
  return out.map((_, d) => {
    const k = d - (out.length - shape.length);
    return k < 0 || shape[k] === 1 ? 0 : st[k];
  });
}

function lohi(v: readonly number[], fill = 0): [number[], number[]] {
  check(v.length <= MAX_RANK, `rank ${v.length} is over the limit of ${MAX_RANK} dimensions`);
  const p = [...v, ...new Array(MAX_RANK - v.length).fill(fill)];
  return [p.slice(0, 4), p.slice(4, 8)];
}

export function normAxis(axis: number, rank: number, what = 'axis'): number {
  check(Number.isInteger(axis) && axis >= -rank && axis < Math.max(rank, 1), `${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

function intList(attrs: Attrs, key: string): number[] {
  const v = attrs[key];
  check(Array.isArray(v) && v.every((x) => Number.isInteger(x)), `attribute '${key}' must be a list of integers`);
  return v as number[];
}

/** A strided-copy launch (see shaders/shape/strided_copy_forward.wgsl). */
async function stridedCopy(
  pc: PlanContext,
  input: number,
  shape: number[],
  xOffset: number,
  xs: number[],
  yOffset: number,
  ys: number[],
): Promise<Launch> {
  const [shape_lo, shape_hi] = lohi(shape, 1);
  const [xs_lo, xs_hi] = lohi(xs);
  const [ys_lo, ys_hi] = lohi(ys);
  return pc.rt.kernels.launch('shape/strided_copy_forward', {
    uniforms: { rank: shape.length, x_offset: xOffset, y_offset: yOffset, shape_lo, shape_hi, xs_lo, xs_hi, ys_lo, ys_hi },
    buffers: { x: pc.input(input), y: pc.output(0) },
    invocations: numel(shape),
  });
}

registerOp({
  name: 'unary',
  infer([x], attrs) {
    codeOf(UNARY, attrs.fn, 'unary fn');
    return [x];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('elementwise/unary_forward', {
      overrides: { ACT: codeOf(UNARY, pc.attrs.fn, 'unary fn') },
      uniforms: { alpha: attrNum(pc.attrs, 'alpha', 0), beta: attrNum(pc.attrs, 'beta', 0) },
      buffers: { x: pc.input(0), y: pc.output(0) },
      invocations: numel(pc.outShapes[0]),
    }),
  ],
});

registerOp({
  name: 'binary',
  infer([a, b], attrs) {
    codeOf(BINARY, attrs.fn, 'binary fn');
    check(a && b, 'binary takes two inputs');
    return [broadcastShapes(a, b)];
  },
  // fast paths for same-shape, scalar and per-channel operands (attr strided = 1 forces the general walk)
  plan: async (pc) => [await binaryLaunch(pc, codeOf(BINARY, pc.attrs.fn, 'binary fn'), attrNum(pc.attrs, 'strided', 0) === 1)],
});

/**
 * A permutation that keeps a prefix of axes and swaps the two blocks after it ([0, 2, 3, 1]: [N, C | H, W]), as the
 * batched 2-D transpose [B, R, S] → [B, S, R]; null otherwise.
 */
export function blockSwap(perm: number[], shape: number[]): { r: number; s: number } | null {
  let p = 0;
  while (p < perm.length && perm[p] === p) p++;
  if (p === perm.length) return null;
  const m = perm[p];
  const r = perm.length;
  for (let k = 0; k < r - p; k++) if (perm[p + k] !== (k < r - m ? m + k : p + k - (r - m))) return null;
  const prod = (a: number, b: number) => shape.slice(a, b).reduce((u, v) => u * v, 1);
  return { r: prod(p, m), s: prod(m, r) };
}

export function checkPerm(perm: number[], rank: number): void {
  check(
    perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i),
    `perm [${perm.join(',')}] is not a permutation of ${rank} axes`,
  );
}

registerOp({
  name: 'transpose',
  infer([x], attrs) {
    const perm = intList(attrs, 'perm');
    checkPerm(perm, x.length);
    return [perm.map((p) => x[p])];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const perm = intList(pc.attrs, 'perm');
    const xs = contiguousStrides(x);
    const out = pc.outShapes[0];
    const swap = attrNum(pc.attrs, 'strided', 0) === 1 ? null : blockSwap(perm, x); // strided = 1: the general copy
    if (swap)
      return [
        await pc.rt.kernels.launch('shape/transpose2d_forward', {
          overrides: { R: swap.r, S: swap.s },
          buffers: { x: pc.input(0), y: pc.output(0) },
          invocations: numel(out),
        }),
      ];
    return [
      await stridedCopy(
        pc,
        0,
        out,
        0,
        perm.map((p) => xs[p]),
        0,
        contiguousStrides(out),
      ),
    ];
  },
});

registerOp({
  name: 'slice',
  infer([x], attrs) {
    const starts = intList(attrs, 'starts');
    const ends = intList(attrs, 'ends');
    const steps = attrs.steps === undefined ? starts.map(() => 1) : intList(attrs, 'steps');
    check(
      starts.length === x.length && ends.length === x.length && steps.length === x.length,
      `slice needs starts/ends/steps for all ${x.length} axes`,
    );
    return [
      x.map((d, i) => {
        check(steps[i] !== 0, 'slice step 0');
        check(
          starts[i] >= 0 && starts[i] < d && ends[i] >= -1 && ends[i] <= d,
          `slice range [${starts[i]}, ${ends[i]}) is outside axis ${i} of ${shapeStr(x)}`,
        );
        return Math.max(0, Math.ceil((ends[i] - starts[i]) / steps[i]));
      }),
    ];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const starts = intList(pc.attrs, 'starts');
    const steps = pc.attrs.steps === undefined ? starts.map(() => 1) : intList(pc.attrs, 'steps');
    const xs = contiguousStrides(x);
    const out = pc.outShapes[0];
    const offset = starts.reduce((a, s, i) => a + s * xs[i], 0);
    return [
      await stridedCopy(
        pc,
        0,
        out,
        offset,
        xs.map((s, i) => s * steps[i]),
        0,
        contiguousStrides(out),
      ),
    ];
  },
});

registerOp({
  name: 'concat_axis',
  infer(inShapes, attrs) {
    check(inShapes.length >= 1, 'concat_axis needs at least one input');
    const r = inShapes[0].length;
    const axis = normAxis(attrNum(attrs, 'axis'), r);
    for (const s of inShapes) {
      check(
        s.length === r && s.every((d, i) => i === axis || d === inShapes[0][i]),
        `concat inputs disagree off axis ${axis}: ${inShapes.map(shapeStr).join(' ')}`,
      );
    }
    const out = [...inShapes[0]];
    out[axis] = inShapes.reduce((a, s) => a + s[axis], 0);
    return [out];
  },
  plan: async (pc) => {
    const out = pc.outShapes[0];
    const axis = normAxis(attrNum(pc.attrs, 'axis'), out.length);
    const ys = contiguousStrides(out);
    const launches: Launch[] = [];
    let offset = 0;
    for (let i = 0; i < pc.inputCount; i++) {
      const s = pc.inShapes[i];
      launches.push(await stridedCopy(pc, i, s, 0, contiguousStrides(s), offset * ys[axis], ys));
      offset += s[axis];
    }
    return launches;
  },
});

const PAD_MODES: Record<string, number> = { constant: 0, reflect: 1, edge: 2 };

registerOp({
  name: 'pad',
  infer([x, v], attrs) {
    if (v) check(numel(v) === 1, `pad value must be one element, got ${shapeStr(v)}`);
    const pads = intList(attrs, 'pads');
    check(pads.length === 2 * x.length, `pad needs ${2 * x.length} pads for rank ${x.length}, got ${pads.length}`);
    const mode = (attrs.mode as string) ?? 'constant';
    check(mode in PAD_MODES, `pad mode '${mode}' is not supported (constant, reflect, edge)`);
    return [
      x.map((d, i) => {
        const o = d + pads[i] + pads[i + x.length];
        check(o >= 1, `pad would make axis ${i} of ${shapeStr(x)} empty`);
        if (mode === 'reflect') check(pads[i] < d && pads[i + x.length] < d, `reflect pad on axis ${i} must be less than its size ${d}`);
        return o;
      }),
    ];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const out = pc.outShapes[0];
    const pads = intList(pc.attrs, 'pads');
    const [out_lo, out_hi] = lohi(out, 1);
    const [in_lo, in_hi] = lohi(x, 1);
    const [begin_lo, begin_hi] = lohi(pads.slice(0, x.length));
    return [
      await pc.rt.kernels.launch('shape/pad_forward', {
        overrides: { MODE: PAD_MODES[(pc.attrs.mode as string) ?? 'constant'] },
        uniforms: { rank: x.length, out_lo, out_hi, in_lo, in_hi, begin_lo, begin_hi },
        buffers: {
          x: pc.input(0),
          v: pc.inputCount > 1 ? pc.input(1) : pc.constant(new Float32Array([attrNum(pc.attrs, 'value', 0)]), `${pc.name}.value`),
          y: pc.output(0),
        },
        invocations: numel(out),
      }),
    ];
  },
});

/** Matrix dims of a matmul operand (rank ≥ 2) after its optional transpose of the last two axes. */
function mk(s: number[], t: boolean): [number, number] {
  const r = s.length;
  return t ? [s[r - 1], s[r - 2]] : [s[r - 2], s[r - 1]];
}

registerOp({
  name: 'matmul',
  infer([a, b, bias], attrs) {
    check(
      a && b && a.length >= 2 && b.length >= 2,
      `matmul operands must have rank ≥ 2, got ${shapeStr(a ?? [])} and ${shapeStr(b ?? [])}`,
    );
    const [m, k] = mk(a, !!attrs.transA);
    const [k2, n] = mk(b, !!attrs.transB);
    check(k === k2, `matmul inner dimensions differ: ${shapeStr(a)}${attrs.transA ? 'ᵀ' : ''} × ${shapeStr(b)}${attrs.transB ? 'ᵀ' : ''}`);
    const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
    check(batch.length <= 4, `matmul supports up to 4 batch dimensions, got ${batch.length}`);
    if (bias) check(bias.length === 1 && bias[0] === n, `matmul bias must be [${n}], got ${shapeStr(bias)}`);
    return [[...batch, m, n]];
  },
  macs: (inShapes, outShapes, attrs) => numel(outShapes[0]) * mk(inShapes[0], !!attrs.transA)[1],
  plan: (pc) => pc.tuner.choose(matmulTuneKey(pc), matmulVariants(pc)),
});

/** The register-tiled matmul kernels by rows of the tile and load flavour (kernel_manifest.ts). */
const MATMUL_TILED: Record<string, string> = {
  '1_s': 'matmul/matmul_forward_tiled1x8_s',
  '1_va': 'matmul/matmul_forward_tiled1x8_va',
  '1_vab': 'matmul/matmul_forward_tiled1x8_vab',
  '1_dot': 'matmul/matmul_forward_tiled1x8_dot',
  '4_s': 'matmul/matmul_forward_tiled4x8_s',
  '4_va': 'matmul/matmul_forward_tiled4x8_va',
  '4_vab': 'matmul/matmul_forward_tiled4x8_vab',
  '4_dot': 'matmul/matmul_forward_tiled4x8_dot',
  '8_s': 'matmul/matmul_forward_tiled8x8_s',
  '8_va': 'matmul/matmul_forward_tiled8x8_va',
  '8_vab': 'matmul/matmul_forward_tiled8x8_vab',
  '8_dot': 'matmul/matmul_forward_tiled8x8_dot',
};

function matmulTuneKey(pc: PlanContext): string {
  const [a, b] = pc.inShapes;
  return `matmul|${shapeStr(a)}${pc.attrs.transA ? 't' : ''}|${shapeStr(b)}${pc.attrs.transB ? 't' : ''}|bias${pc.inputCount > 2 ? 1 : 0}`;
}

/**
 * The kernels that can run this matmul, preferred default first: the register-tiled kernel with the most
 * vectorised loads the operands' layout allows (one per tile height that suits M), then the direct kernel
 * (the oracle: offered to the tuner only by pinning). Tile flavours:
 *   dot  A rows and Bᵀ rows contiguous along K (transB, K % 4 = 0), both read as vec4
 *   vab  A along K and B along N read as vec4 (no transposes, K % 4 = 0, N % 4 = 0)
 *   va   A along K as vec4 (no transA, K % 4 = 0), B as scalars
 *   s    scalar loads, any strides
 * and, with transA (Aᵀ rows along M, M % 4 = 0) and B rows along N (N % 4 = 0), the outer-product kernels first
 * (matmul_forward_outer: Aᵀ and B both read as vec4; the fully connected weight gradient xᵀ·dy).
 */
export function matmulVariants(pc: PlanContext): Candidate[] {
  const [a, b] = pc.inShapes;
  const out = pc.outShapes[0];
  const ta = !!pc.attrs.transA;
  const tb = !!pc.attrs.transB;
  const [m, k] = mk(a, ta);
  const n = out[out.length - 1];
  const batch = out.slice(0, -2);
  const pad4 = (v: number[], fill: number) => [...v, ...new Array(4 - v.length).fill(fill)];
  const aBatch = broadcastStrides(a.slice(0, -2), batch).map((s) => s * a[a.length - 1] * a[a.length - 2]);
  const bBatch = broadcastStrides(b.slice(0, -2), batch).map((s) => s * b[b.length - 1] * b[b.length - 2]);
  const ac = a[a.length - 1];
  const bc = b[b.length - 1];
  const hasBias = pc.inputCount > 2;
  const common = {
    m,
    k,
    cols: n,
    alpha: attrNum(pc.attrs, 'alpha', 1),
    batch_rank: batch.length,
    batch: pad4(batch, 1),
    a_batch: pad4(aBatch, 0),
    b_batch: pad4(bBatch, 0),
    a_mk: ta ? [1, ac] : [ac, 1],
    b_kn: tb ? [1, bc] : [bc, 1],
  };
  const buffers = () => ({ a: pc.input(0), b: pc.input(1), bias: hasBias ? pc.input(2) : pc.input(0), y: pc.output(0) });
  const va = !ta && k % 4 === 0;
  const flavour = va && tb ? 'dot' : va && !tb && n % 4 === 0 ? 'vab' : va ? 'va' : 's';
  // attribute tile_rows 8 (a hint: autodiff's fully connected input gradient, M = the batch) puts the 8-row tile first
  const rows = m === 1 ? [1] : m < 8 ? [4, 1] : attrNum(pc.attrs, 'tile_rows', 4) === 8 ? [8, 4] : [4, 8];
  const nb = numel(batch);
  const variants: Candidate[] = rows.map((r) => ({
    id: `matmul_tiled${r}x8_${flavour}`,
    build: async () => {
      const mTiles = Math.ceil(m / r);
      const nTiles = Math.ceil(n / 8);
      return [
        await pc.rt.kernels.launch(MATMUL_TILED[`${r}_${flavour}`], {
          overrides: { HAS_BIAS: hasBias ? 1 : 0 },
          uniforms: { ...common, m_tiles: mTiles, n_tiles: nTiles },
          buffers: buffers(),
          invocations: nb * mTiles * nTiles,
        }),
      ];
    },
  }));
  // transA with Aᵀ rows along M and B rows along N (M, N % 4 = 0): outer products, A and B both read as vec4; ahead
  // of the scalar flavour the layout would otherwise get (which stays a tuner candidate)
  if (ta && !tb && m % 4 === 0 && n % 4 === 0) {
    const outer: Candidate[] = (m < 8 ? [4] : [8, 4]).map((r) => ({
      id: `matmul_outer${r}x8`,
      build: async () => {
        const mTiles = Math.ceil(m / r);
        const nTiles = Math.ceil(n / 8);
        return [
          await pc.rt.kernels.launch(r === 8 ? 'matmul/matmul_forward_outer8x8' : 'matmul/matmul_forward_outer4x8', {
            overrides: { HAS_BIAS: hasBias ? 1 : 0 },
            uniforms: { ...common, m_tiles: mTiles, n_tiles: nTiles },
            buffers: buffers(),
            invocations: nb * mTiles * nTiles,
          }),
        ];
      },
    }));
    variants.unshift(...outer);
  }
  // workgroup-memory tiles: each A and B value read from device memory once per 32×32 block (real GPUs)
  const mBlocks = Math.ceil(m / 32);
  const nBlocks = Math.ceil(n / 32);
  variants.push({
    id: 'matmul_wgtile32x32',
    build: async () => [
      await pc.rt.kernels.launch('matmul/matmul_forward_wgtile', {
        overrides: { HAS_BIAS: hasBias ? 1 : 0 },
        uniforms: { ...common, n: nb * mBlocks * nBlocks, m_tiles: mBlocks, n_tiles: nBlocks },
        buffers: buffers(),
        workgroups: nb * mBlocks * nBlocks,
      }),
    ],
  });
  variants.push({
    id: 'matmul_direct',
    tuned: false,
    build: async () => [
      await pc.rt.kernels.launch('matmul/matmul_forward_direct', {
        overrides: { HAS_BIAS: hasBias ? 1 : 0 },
        uniforms: common,
        buffers: buffers(),
        invocations: numel(out),
      }),
    ],
  });
  return variants;
}

/** [outer, r, inner] around an axis. */
export function axisSplit(shape: number[], axis: number): [number, number, number] {
  return [numel(shape.slice(0, axis)), shape[axis], numel(shape.slice(axis + 1))];
}

registerOp({
  name: 'reduce',
  infer([x], attrs) {
    const axis = normAxis(attrNum(attrs, 'axis'), x.length);
    codeOf(REDUCE, attrs.mode, 'reduce mode');
    if (attrNum(attrs, 'keepdims', 1)) return [x.map((d, i) => (i === axis ? 1 : d))];
    const out = x.filter((_, i) => i !== axis);
    return [out.length ? out : [1]];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const [outer, r, inner] = axisSplit(x, normAxis(attrNum(pc.attrs, 'axis'), x.length));
    return [
      await pc.rt.kernels.launch('reduce/reduce_axis_forward', {
        overrides: { MODE: codeOf(REDUCE, pc.attrs.mode, 'reduce mode') },
        uniforms: { r, inner },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: outer * inner,
      }),
    ];
  },
});

registerOp({
  name: 'softmax_axis',
  infer([x], attrs) {
    normAxis(attrNum(attrs, 'axis'), x.length);
    return [x];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const [outer, r, inner] = axisSplit(x, normAxis(attrNum(pc.attrs, 'axis'), x.length));
    return [
      await pc.rt.kernels.launch('reduce/softmax_axis_forward', {
        overrides: { MODE: pc.attrs.hard ? 2 : pc.attrs.log ? 1 : 0 },
        uniforms: { r, inner },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: outer * inner,
      }),
    ];
  },
});

registerOp({
  name: 'lrn',
  infer([x], attrs) {
    const size = attrNum(attrs, 'size');
    check(Number.isInteger(size) && size >= 1, `lrn size must be a positive integer, got ${size}`);
    return [x];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    return [
      await pc.rt.kernels.launch('elementwise/lrn_forward', {
        uniforms: {
          c: x[x.length - 1],
          size: attrNum(pc.attrs, 'size'),
          alpha: attrNum(pc.attrs, 'alpha', 1e-4),
          beta: attrNum(pc.attrs, 'beta', 0.75),
          bias: attrNum(pc.attrs, 'bias', 1),
        },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: numel(x),
      }),
    ];
  },
});
