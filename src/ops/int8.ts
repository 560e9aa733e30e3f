// int8 ops: quantize / dequantize at the edges of an int8 region, int8 convolution with fused requantization
// (regular, grouped, pointwise, depthwise) and the int8 residual add. Tensors between them are 'q8' (4 int8
// channels per u32, graph/ir.ts), so int8 layers chain without float round trips.
//
// Quantization scheme (what src/compress/quantize.ts produces):
//   activations  real = sx·(q − zx), q ∈ [−128, 127], one (scale, zero point) per tensor (asymmetric allowed);
//   weights      real = sw[co]·q, symmetric per output channel, q ∈ [−127, 127];
//   bias         int32 round(b/(sx·sw[co])), with −zx·Σw folded in so kernels never subtract zero points;
//   output       yq = clamp(zy + requant(acc, m, s), qmin, qmax), M = sx·sw/sy = m·2^−s (quantizeMultiplier),
//                ReLU/ReLU6 become qmin/qmax (no float anywhere in the layer).
//
// conv2d_int8 inputs: x (q8), w (u32, packInt8ConvWeights), qp (i32, int8ConvTables).
//             attrs:  kernel [kh,kw], cout, groups, stride, pads, dilation (as conv2d), xZero, yZero, qmin, qmax.
// Kernel choice: pointwise GEMM (1×1, stride 1, unpadded), depthwise, or the general register-tiled kernel; each
// with dot4I8Packed where the adapter's WGSL has packed_4x8_integer_dot_product and the unpack path always, plus
// (pointwise and general, Cout/groups % 8 == 0) the f32-accumulate 'fma' kernels: packed int8 loads unpacked to f32
// in registers, f32 multiply-adds flushed to i32 every 256 words (exact), and for short reductions (KH·KW·⌈Cg/4⌉ ≤ 256
// words: first layers, small groups) the 'fmashort' convs that sum it all in one f32 chunk. Exact flavours picked at
// plan time (int8FmaFlavour): requantf where the table allows it, no flush loop where one chunk holds the reduction.
// The tuner measures integer-dot against f32-accumulate per adapter and caches the choice; tests pin each.

import { check, shapeStr } from '../runtime/errors.js';
import type { Candidate } from '../runtime/tuner.js';
import { BLOCK_SHAPES, blockShapeFits, bsrGeom, toBsr, type BlockShape } from './block_sparse.js';
import { convGeom, convUniforms, isDepthwise, isPointwise, type ConvGeom } from './conv.js';
import { attrInts, attrNum, numel, registerOp, type Attrs, type PlanContext } from './registry.js';

/** Real multiplier M as m·2^−s with m ∈ [2^14, 2^15) and s ∈ [1, 46] (the form common/requant.wgsl takes). */
export function quantizeMultiplier(M: number): [number, number] {
  check(Number.isFinite(M) && M >= 0, `requantization multiplier ${M} must be finite and ≥ 0`);
  if (M === 0) return [0, 46];
  let e = Math.floor(Math.log2(M));
  let m = Math.round(M * 2 ** (14 - e));
  if (m >= 1 << 15) {
    m = Math.round(m / 2);
    e += 1;
  }
  const s = 14 - e;
  if (s > 46) return [0, 46]; // below 2^−32: every output is the zero point
  check(s >= 1, `requantization multiplier ${M} is too large (≥ 2^14)`);
  return [m, s];
}

/** Per-channel tables for the int8 conv kernels: [C/4][bias, m, s][4] as Int32Array. */
export function int8ConvTables(biasQ: Int32Array, multipliers: ArrayLike<number>): Int32Array {
  const c = biasQ.length;
  check(c % 4 === 0, `int8 conv needs output channels divisible by 4, got ${c}`);
  const t = new Int32Array(c * 3);
  for (let co = 0; co < c; co++) {
    const [m, s] = quantizeMultiplier(multipliers[co]);
    const base = Math.floor(co / 4) * 12 + (co % 4);
    t[base] = biasQ[co];
    t[base + 4] = m;
    t[base + 8] = s;
  }
  return t;
}

/**
 * Pack int8 HWIO weights [KH,KW,Cg,Cout] for the kernels: depthwise → [KH,KW,C/4] words (4 channels per word);
 * otherwise → [KH,KW,⌈Cg/4⌉,Cout] words (4 input channels of one output channel per word, zero padded).
 */
export function packInt8ConvWeights(wq: Int8Array, wShape: number[], groups: number): Uint32Array {
  const [kh, kw, cg, cout] = wShape;
  check(wq.length === numel(wShape), `int8 weights have ${wq.length} values for ${shapeStr(wShape)}`);
  if (groups > 1 && cg === 1 && groups === cout) {
    const c4 = Math.ceil(cout / 4);
    const bytes = new Int8Array(kh * kw * c4 * 4);
    for (let tap = 0; tap < kh * kw; tap++) for (let c = 0; c < cout; c++) bytes[tap * c4 * 4 + c] = wq[tap * cout + c];
    return new Uint32Array(bytes.buffer);
  }
  const cg4 = Math.ceil(cg / 4);
  const bytes = new Int8Array(kh * kw * cg4 * cout * 4);
  for (let tap = 0; tap < kh * kw; tap++)
    for (let ci = 0; ci < cg; ci++)
      for (let co = 0; co < cout; co++) {
        const word = (tap * cg4 + (ci >> 2)) * cout + co;
        bytes[word * 4 + (ci & 3)] = wq[(tap * cg + ci) * cout + co];
      }
  return new Uint32Array(bytes.buffer);
}

/**
 * Whether requant4f (common/requant.wgsl: requantization in f32, no per-channel shift counts) gives requant4's integers
 * for every accumulator this layer can produce: every channel with m ≠ 0 has s ≥ 17 and
 * ⌈A·m/2^16⌉ + 2^(s−17) ≤ 2^24, where A = 128·Σ|wq| + |bias| bounds |acc| (|xq| ≤ 128; Σ over the channel's packed
 * weights when they are on the host, else 128 per product for `products` products). m = 0 gives u = 0 and a
 * power of two, exact for any s.
 */
export function int8RequantF32Exact(table: Int32Array, cout: number, products: number, packed?: Uint32Array): boolean {
  check(table.length === cout * 3, `int8 tables must be ${cout * 3} words, got ${table.length}`);
  const sumAbs = new Float64Array(cout).fill(128 * products);
  if (packed && packed.length % cout === 0) {
    sumAbs.fill(0);
    const bytes = new Int8Array(packed.buffer, packed.byteOffset, packed.byteLength);
    for (let wd = 0; wd < packed.length; wd++) for (let k = 0; k < 4; k++) sumAbs[wd % cout] += Math.abs(bytes[wd * 4 + k]);
  }
  for (let co = 0; co < cout; co++) {
    const base = Math.floor(co / 4) * 12 + (co % 4);
    const [bias, m, s] = [table[base], table[base + 4], table[base + 8]];
    if (m === 0) continue;
    if (s < 17) return false;
    const a = 128 * sumAbs[co] + Math.abs(bias);
    if (Math.ceil((a * m) / 65536) + 2 ** (s - 17) > 2 ** 24) return false;
  }
  return true;
}

/** The f32-accumulate kernels by name (tile + flavour suffix: 'f' requantf, 'k' one chunk), each instance listed. */
const INT8_FMA_NAMES = new Set<string>([
  'int8/pointwise_forward_fma4x8',
  'int8/pointwise_forward_fma4x8f',
  'int8/pointwise_forward_fma4x8k',
  'int8/pointwise_forward_fma4x8fk',
  'int8/pointwise_forward_fma8x8',
  'int8/pointwise_forward_fma8x8f',
  'int8/pointwise_forward_fma8x8k',
  'int8/pointwise_forward_fma8x8fk',
  'int8/pointwise_forward_fmaquad4x8',
  'int8/pointwise_forward_fmaquad4x8f',
  'int8/pointwise_forward_fmaquad4x8k',
  'int8/pointwise_forward_fmaquad4x8fk',
  'int8/pointwise_forward_fmaquad8x8',
  'int8/pointwise_forward_fmaquad8x8f',
  'int8/pointwise_forward_fmaquad8x8k',
  'int8/pointwise_forward_fmaquad8x8fk',
  'int8/pointwise_forward_fma8x4',
  'int8/pointwise_forward_fma8x4f',
  'int8/pointwise_forward_fma8x4k',
  'int8/pointwise_forward_fma8x4fk',
  'int8/conv2d_forward_fma4x8',
  'int8/conv2d_forward_fma4x8f',
  'int8/conv2d_forward_fma8x8',
  'int8/conv2d_forward_fma8x8f',
  'int8/conv2d_forward_fma8x4',
  'int8/conv2d_forward_fma8x4f',
  'int8/conv2d_forward_fmashort3_8x16',
  'int8/conv2d_forward_fmashort3_8x16f',
  'int8/conv2d_forward_fmashort3_4x32',
  'int8/conv2d_forward_fmashort3_4x32f',
  'int8/conv2d_forward_fmashort3_8x8',
  'int8/conv2d_forward_fmashort3_8x8f',
  'int8/conv2d_forward_fmashort_8x16',
  'int8/conv2d_forward_fmashort_8x16f',
  'int8/conv2d_forward_fmashort_4x16',
  'int8/conv2d_forward_fmashort_4x16f',
]);
function fmaKernel(name: string): string {
  check(INT8_FMA_NAMES.has(name), `no int8 kernel instance '${name}'`);
  return name;
}

/** fmashort tiles (output columns, channels): Cg ≤ 3 (lane 3 skipped), else. */
const FMASHORT_TILES_L3: [number, number][] = [
  [8, 16],
  [4, 32],
  [8, 8],
];
const FMASHORT_TILES: [number, number][] = [
  [8, 16],
  [4, 16],
];

/**
 * The exact flavours of the f32-accumulate int8 kernels for this layer: rqf (requantf: every channel passes
 * int8RequantF32Exact on the host table; false when the table is not a host parameter) and shortK (the whole
 * reduction, KH·KW·⌈Cg/4⌉ words, fits one f32 chunk of `flush4` words); both false with attr int8PlainFma.
 */
export function int8FmaFlavour(
  pc: Pick<PlanContext, 'inputRaw' | 'attrs'>,
  g: ConvGeom,
  flush4: number,
): { rqf: boolean; shortK: boolean } {
  // attr int8PlainFma: the kernels as they were before these flavours (requant4, flush loop), for A/B measurement
  if (attrNum(pc.attrs, 'int8PlainFma', 0)) return { rqf: false, shortK: false };
  const table = pc.inputRaw(2);
  const packed = pc.inputRaw(1);
  const cg = g.cin / g.groups;
  const rqf =
    table instanceof Int32Array && int8RequantF32Exact(table, g.cout, g.kh * g.kw * cg, packed instanceof Uint32Array ? packed : undefined);
  return { rqf, shortK: g.kh * g.kw * Math.ceil(cg / 4) <= flush4 };
}

export function int8Geom(inShapes: number[][], attrs: Attrs): ConvGeom {
  const [kh, kw] = attrInts(attrs, 'kernel', 2);
  const cout = attrNum(attrs, 'cout');
  const groups = attrNum(attrs, 'groups', 1);
  const xs = inShapes[0];
  check(xs && xs.length === 4, `conv2d_int8 input must be NHWC 4-D, got ${shapeStr(xs ?? [])}`);
  return convGeom([xs, [kh, kw, xs[3] / groups, cout]], attrs);
}

/** Words of packed weights the kernels expect for this geometry. */
export function int8WeightWords(g: ConvGeom): number {
  return isDepthwise(g) ? g.kh * g.kw * Math.ceil(g.cout / 4) : g.kh * g.kw * Math.ceil(g.cin / g.groups / 4) * g.cout;
}

const byteZero = (z: number) => ((z & 0xff) * 0x01010101) >>> 0;

registerOp({
  name: 'quantize',
  infer: ([x]) => [x],
  dtypes(inTypes) {
    check(inTypes[0] === 'f32', `quantize takes f32, got ${inTypes[0]}`);
    return ['q8'];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = x[x.length - 1];
    const c4 = Math.ceil(c / 4);
    return [
      await pc.rt.kernels.launch('int8/quantize_forward', {
        uniforms: { c, c4, inv_scale: Math.fround(1 / attrNum(pc.attrs, 'scale')), zero: attrNum(pc.attrs, 'zero', 0) },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: (numel(x) / c) * c4,
      }),
    ];
  },
});

registerOp({
  name: 'dequantize',
  infer: ([x]) => [x],
  dtypes(inTypes) {
    check(inTypes[0] === 'q8', `dequantize takes q8, got ${inTypes[0]}`);
    return ['f32'];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = x[x.length - 1];
    return [
      await pc.rt.kernels.launch('int8/dequantize_forward', {
        uniforms: { c, c4: Math.ceil(c / 4), scale: Math.fround(attrNum(pc.attrs, 'scale')), zero: attrNum(pc.attrs, 'zero', 0) },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: numel(x),
      }),
    ];
  },
});

registerOp({
  name: 'conv2d_int8',
  infer(inShapes, attrs) {
    const g = int8Geom(inShapes, attrs);
    const perGroup = isDepthwise(g) ? g.cout : g.cout / g.groups;
    check(
      perGroup % 4 === 0,
      `conv2d_int8 needs output channels${isDepthwise(g) ? '' : ' per group'} divisible by 4 (Cout ${g.cout}, groups ${g.groups})`,
    );
    check(
      g.groups === 1 || isDepthwise(g) || (g.cin / g.groups) % 4 === 0,
      `grouped conv2d_int8 needs input channels per group divisible by 4`,
    );
    const words = int8WeightWords(g);
    check(
      inShapes[1] && numel(inShapes[1]) === words,
      `conv2d_int8 weights must be ${words} packed words, got ${shapeStr(inShapes[1] ?? [])}`,
    );
    check(
      inShapes[2] && numel(inShapes[2]) === g.cout * 3,
      `conv2d_int8 tables must be ${g.cout * 3} words, got ${shapeStr(inShapes[2] ?? [])}`,
    );
    // optional 4th input: per-channel input zero points (per-channel affine activations), the padding value of each
    // channel; only the depthwise kernels take it (a dense padded conv keeps one zero point, xZero)
    if (inShapes.length > 3) {
      check(isDepthwise(g), `conv2d_int8 takes per-channel input zero points (a 4th input) only when depthwise (groups = Cin = Cout)`);
      check(
        numel(inShapes[3]) === g.cin,
        `conv2d_int8 per-channel input zero points must be ${g.cin} values, got ${shapeStr(inShapes[3])}`,
      );
    }
    return [[g.n, g.oh, g.ow, g.cout]];
  },
  dtypes(inTypes) {
    check(
      inTypes[0] === 'q8' && inTypes[1] === 'u32' && inTypes[2] === 'i32' && (inTypes.length === 3 || inTypes[3] === 'i32'),
      `conv2d_int8 takes (q8, u32, i32) or (q8, u32, i32, i32), got (${inTypes.join(', ')})`,
    );
    return ['q8'];
  },
  macs(inShapes, outShapes, attrs) {
    const g = int8Geom(inShapes, attrs);
    return numel(outShapes[0]) * g.kh * g.kw * (g.cin / g.groups);
  },
  // per-channel input zero points ('_zc' kernels) are timed apart from the per-tensor ones
  plan: (pc) =>
    pc.tuner.choose(
      `conv2d_int8|${pc.inShapes[0].join('x')}|${JSON.stringify(pc.attrs)}${pc.inShapes.length > 3 ? '|zc' : ''}`,
      int8ConvVariants(pc),
    ),
});

/** The int8 kernels per flavour: `dot4` (dot4I8Packed, WGSL packed_4x8_integer_dot_product) or `unpack` (core WGSL). */
const INT8_KERNELS = {
  dot4: {
    pointwise: 'int8/pointwise_forward_dot4',
    pointwiseUnrolled: 'int8/pointwise_forward_unrolled4x8_dot4',
    conv2d: 'int8/conv2d_forward_dot4',
  },
  unpack: {
    pointwise: 'int8/pointwise_forward_unpack',
    pointwiseUnrolled: 'int8/pointwise_forward_unrolled4x8_unpack',
    conv2d: 'int8/conv2d_forward_unpack',
  },
} as const;

/** Largest |per-channel input zero point| a depthwise int8 conv takes (compress/quantize.ts: CHANNEL_ZERO_LIMIT). */
export const INT8_CHANNEL_ZERO_LIMIT = 4096;

/** The int8 depthwise kernels: one input zero point (padding value) per tensor, or one per channel ('_zc'). */
const DEPTHWISE_KERNELS = {
  tensor: {
    fma3x3: 'int8/depthwise_forward_fma3x3',
    fma: 'int8/depthwise_forward_fma',
    dot4: 'int8/depthwise_forward_dot4',
    unpack: 'int8/depthwise_forward_unpack',
  },
  zc: {
    fma3x3: 'int8/depthwise_forward_fma3x3_zc',
    fma: 'int8/depthwise_forward_fma_zc',
    dot4: 'int8/depthwise_forward_dot4_zc',
    unpack: 'int8/depthwise_forward_unpack_zc',
  },
} as const;

/** The kernel variants that can run this int8 convolution, preferred default first. */
export function int8ConvVariants(pc: PlanContext): Candidate[] {
  const g = int8Geom(pc.inShapes, pc.attrs);
  const k = pc.rt.kernels;
  const xZero = attrNum(pc.attrs, 'xZero', 0);
  const quant = { y_zero: attrNum(pc.attrs, 'yZero', 0), qmin: attrNum(pc.attrs, 'qmin', -128), qmax: attrNum(pc.attrs, 'qmax', 127) };
  const bufs = () => ({ x: pc.input(0), w: pc.input(1), qp: pc.input(2), y: pc.output(0) });
  // fma kernels: f32 partial sums flushed to i32 every FLUSH4 words (attr int8Flush4 lowers it in tests; above 256
  // a partial sum may pass 2^24 and stop being exact, which one test shows on purpose)
  const flush = { FLUSH4: attrNum(pc.attrs, 'int8Flush4', 256) };
  const flavours = pc.rt.ctx.hasDot4I8 ? (['dot4', 'unpack'] as const) : (['unpack'] as const);
  const out: Candidate[] = [];
  const cg = g.cin / g.groups;
  const owTiles = Math.ceil(g.ow / 4);
  const geom = { ...convUniforms(g), ow_tiles: owTiles };
  if (isDepthwise(g)) {
    // per-channel input zero points (a 4th input, |z_c| ≤ 4096): the '_zc' kernels pad channel c with z_c
    const zc = pc.inShapes.length > 3;
    if (zc) {
      // the fma kernels stay exact for |z_c| ≤ 4096 (FLUSH ≤ 32, see depthwise_forward_fma.tmpl.wgsl)
      const z = pc.inputRaw(3);
      check(!!z, `conv2d_int8 per-channel input zero points must be a parameter (i32), not a computed tensor`);
      const bad = z!.findIndex((v) => Math.abs(v | 0) > INT8_CHANNEL_ZERO_LIMIT);
      check(bad < 0, `conv2d_int8 per-channel input zero point of channel ${bad} is ${z![bad] | 0}, outside ±${INT8_CHANNEL_ZERO_LIMIT}`);
    }
    const dwk = DEPTHWISE_KERNELS[zc ? 'zc' : 'tensor'];
    const dwBufs = () => (zc ? { ...bufs(), xz: pc.input(3) } : bufs());
    // f32-accumulate: FLUSH counts taps here (one product per channel per tap; ≤ 1032 exact, 1024 by default); with
    // per-channel zero points a padded tap's product is up to 4096·128 = 2^19, so 32 taps per f32 sum (the attr
    // int8Flush4 overrides it in tests, one of which shows a larger one losing exactness on purpose)
    const dwFlush = { FLUSH: attrNum(pc.attrs, 'int8Flush4', zc ? 32 : 1024) };
    const dwUniforms = { c: g.cin, ...geom, x_zero_word: byteZero(xZero), ...quant };
    const invocations = g.n * g.oh * owTiles * (g.cin / 4);
    if (g.kh === 3 && g.kw === 3 && g.dh === 1 && g.dw === 1 && g.sh === g.sw && g.sh <= 2) {
      out.push({
        id: `int8_depthwise_fma3x3_s${g.sh}`,
        build: async () => [
          await k.launch(dwk.fma3x3, {
            overrides: { STRIDE: g.sh },
            uniforms: dwUniforms,
            buffers: dwBufs(),
            invocations,
          }),
        ],
      });
    }
    out.push({
      id: 'int8_depthwise_fma',
      build: async () => [await k.launch(dwk.fma, { overrides: dwFlush, uniforms: dwUniforms, buffers: dwBufs(), invocations })],
    });
    for (const f of flavours) {
      out.push({
        id: `int8_depthwise_${f}`,
        build: async () => [
          await k.launch(dwk[f], {
            uniforms: { c: g.cin, ...geom, x_zero: xZero, ...quant },
            buffers: dwBufs(),
            invocations: g.n * g.oh * owTiles * (g.cin / 4),
          }),
        ],
      });
    }
    return out;
  }
  const cg4 = Math.ceil(cg / 4);
  const cin4 = Math.ceil(g.cin / 4);
  const by8 = (g.cout / g.groups) % 8 === 0;
  // Flavours of the f32-accumulate kernels, chosen by exact plan-time checks (each gives the same integers, measured
  // faster on SwiftShader; docs/results/int8-r4): 'f' requantizes with requantf (no per-channel shift counts) where
  // int8RequantF32Exact holds for the table; 'k' (pointwise) sums the whole reduction in one f32 chunk, no flush loop.
  const fl = int8FmaFlavour(pc, g, flush.FLUSH4);
  const rq = fl.rqf ? 'f' : '';
  // the whole reduction in one f32 chunk (KH·KW·⌈Cg/4⌉ ≤ FLUSH4 words, exact): the 'fmashort' kernels (not for 1×1,
  // which has its own GEMM kernels)
  if (fl.shortK && !isPointwise(g)) {
    const l3 = cg <= 3;
    for (const [cols, ch] of l3 ? FMASHORT_TILES_L3 : FMASHORT_TILES) {
      if ((g.cout / g.groups) % ch !== 0) continue;
      const owT = Math.ceil(g.ow / cols);
      const id = `int8_conv2d_fmashort${l3 ? '3' : ''}_${cols}x${ch}`;
      out.push({
        id,
        build: async () => [
          await k.launch(fmaKernel(`${id.replace('int8_conv2d_', 'int8/conv2d_forward_')}${rq}`), {
            uniforms: {
              cin4: Math.ceil(g.cin / 4),
              cout: g.cout,
              groups: g.groups,
              cg4: Math.ceil(cg / 4),
              ...convUniforms(g),
              ow_tiles: owT,
              x_zero_word: byteZero(xZero),
              ...quant,
            },
            buffers: bufs(),
            invocations: g.n * g.oh * owT * (g.cout / ch),
          }),
        ],
      });
    }
  }
  if (isPointwise(g)) {
    const m = g.n * g.h * g.w;
    const pwK = fl.shortK ? 'k' : '';
    if (by8 && pc.rt.ctx.features.has('subgroups')) {
      const quadFlush = Math.max(4, flush.FLUSH4 & ~3);
      const quadK = cg4 <= quadFlush ? 'k' : '';
      for (const rows of [4, 8] as const) {
        out.push({
          id: `int8_pointwise_fmaquad${rows}x8`,
          build: async () => [
            await k.launch(fmaKernel(`int8/pointwise_forward_fmaquad${rows}x8${rq}${quadK}`), {
              overrides: { FLUSH4: quadFlush },
              uniforms: { m, k4: cin4, c: g.cout, groups: g.groups, kg4: cg4, ...quant },
              buffers: bufs(),
              invocations: Math.ceil(m / (4 * rows)) * (g.cout / 8) * 4,
            }),
          ],
        });
      }
    }
    if (by8) {
      for (const rows of [8, 4] as const) {
        out.push({
          id: `int8_pointwise_fma${rows}x8`,
          build: async () => [
            await k.launch(fmaKernel(`int8/pointwise_forward_fma${rows}x8${rq}${pwK}`), {
              overrides: flush,
              uniforms: { m, k4: cin4, c: g.cout, groups: g.groups, kg4: cg4, ...quant },
              buffers: bufs(),
              invocations: Math.ceil(m / rows) * (g.cout / 8),
            }),
          ],
        });
      }
    }
    // 8 rows × 4 channels: any (C/groups) % 4 == 0 (ShuffleNet's groups of 20 channels)
    out.push({
      id: `int8_pointwise_fma8x4`,
      build: async () => [
        await k.launch(fmaKernel(`int8/pointwise_forward_fma8x4${rq}${pwK}`), {
          overrides: flush,
          uniforms: { m, k4: cin4, c: g.cout, groups: g.groups, kg4: cg4, ...quant },
          buffers: bufs(),
          invocations: Math.ceil(m / 8) * (g.cout / 4),
        }),
      ],
    });
    if (by8) {
      for (const f of flavours) {
        out.push({
          id: `int8_pointwise_unrolled_${f}`,
          build: async () => [
            await k.launch(INT8_KERNELS[f].pointwiseUnrolled, {
              uniforms: { m, k4: cin4, c: g.cout, groups: g.groups, kg4: cg4, ...quant },
              buffers: bufs(),
              invocations: Math.ceil(m / 4) * (g.cout / 8),
            }),
          ],
        });
      }
    }
    for (const f of flavours)
      for (const tm of [4, 8, 2]) {
        out.push({
          id: `int8_pointwise_${f}_tm${tm}`,
          build: async () => [
            await k.launch(INT8_KERNELS[f].pointwise, {
              overrides: { TM: tm },
              uniforms: { m, k4: cin4, c: g.cout, groups: g.groups, kg4: cg4, ...quant },
              buffers: bufs(),
              invocations: Math.ceil(m / tm) * (g.cout / 4),
            }),
          ],
        });
      }
  }
  const convFmaUniforms = (tiles: number) => ({
    cin4,
    cout: g.cout,
    groups: g.groups,
    cg4,
    ...convUniforms(g),
    ow_tiles: tiles,
    x_zero_word: byteZero(xZero),
    ...quant,
  });
  if (by8) {
    for (const cols of [4, 8] as const) {
      const tiles = Math.ceil(g.ow / cols);
      out.push({
        id: `int8_conv2d_fma${cols}x8`,
        build: async () => [
          await k.launch(fmaKernel(`int8/conv2d_forward_fma${cols}x8${rq}`), {
            overrides: flush,
            uniforms: convFmaUniforms(tiles),
            buffers: bufs(),
            invocations: g.n * g.oh * tiles * (g.cout / 8),
          }),
        ],
      });
    }
  }
  out.push({
    id: `int8_conv2d_fma8x4`,
    build: async () => [
      await k.launch(fmaKernel(`int8/conv2d_forward_fma8x4${rq}`), {
        overrides: flush,
        uniforms: convFmaUniforms(Math.ceil(g.ow / 8)),
        buffers: bufs(),
        invocations: g.n * g.oh * Math.ceil(g.ow / 8) * (g.cout / 4),
      }),
    ],
  });
  for (const f of flavours) {
    out.push({
      id: `int8_conv2d_${f}`,
      build: async () => [
        await k.launch(INT8_KERNELS[f].conv2d, {
          uniforms: { cin4, cout: g.cout, groups: g.groups, cg4, ...geom, x_zero_word: byteZero(xZero), ...quant },
          buffers: bufs(),
          invocations: g.n * g.oh * owTiles * (g.cout / 4),
        }),
      ],
    });
  }
  return out;
}

/** ka, kb of the int8 add: round(2^14 · s_in / s_out), within what the kernel's i32 arithmetic allows. */
export function int8AddFactor(sIn: number, sOut: number): number {
  const k = Math.round((sIn / sOut) * 16384);
  check(k < 1 << 22, `int8 add: input scale ${sIn} is too large for output scale ${sOut}`);
  return k;
}

registerOp({
  name: 'add_int8',
  infer([a, b]) {
    check(a.length === b.length && a.every((d, i) => d === b[i]), `add_int8 needs equal shapes, got ${shapeStr(a)} and ${shapeStr(b)}`);
    check(a[a.length - 1] % 4 === 0, `add_int8 needs channels divisible by 4, got ${a[a.length - 1]}`);
    return [a];
  },
  dtypes(inTypes) {
    check(inTypes[0] === 'q8' && inTypes[1] === 'q8', `add_int8 takes two q8 tensors, got (${inTypes.join(', ')})`);
    return ['q8'];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('int8/add_forward', {
      uniforms: {
        a_zero: attrNum(pc.attrs, 'aZero', 0),
        b_zero: attrNum(pc.attrs, 'bZero', 0),
        ka: attrNum(pc.attrs, 'ka'),
        kb: attrNum(pc.attrs, 'kb'),
        y_zero: attrNum(pc.attrs, 'yZero', 0),
        qmin: attrNum(pc.attrs, 'qmin', -128),
        qmax: attrNum(pc.attrs, 'qmax', 127),
      },
      buffers: { a: pc.input(0), b: pc.input(1), y: pc.output(0) },
      invocations: numel(pc.inShapes[0]) / 4,
    }),
  ],
});

/** k of the int8 concat (int8/concat_forward): round(2^14 · s_in / s_out); 2^14 with equal zero points copies bytes. */
export const int8ConcatFactor = int8AddFactor;

// concat_int8: channel concat of q8 tensors. attrs: xZeros[i], ks[i] (per input: zero point and factor k, see
// int8/concat_forward), yZero, qmin, qmax. Inputs with k = 2^14, zero point yZero and no clamp are copied.
registerOp({
  name: 'concat_int8',
  infer(inShapes, attrs) {
    check(inShapes.length >= 1, 'concat_int8 needs at least one input');
    const r = inShapes[0].length;
    for (const s of inShapes) {
      check(
        s.length === r && s.slice(0, -1).every((d, i) => d === inShapes[0][i]),
        `concat_int8 inputs disagree: ${inShapes.map(shapeStr).join(' ')}`,
      );
      check(s[r - 1] % 4 === 0, `concat_int8 needs every input's channels divisible by 4, got ${inShapes.map(shapeStr).join(' ')}`);
    }
    attrInts(attrs, 'xZeros', inShapes.length); // one zero point and one factor per input
    attrInts(attrs, 'ks', inShapes.length);
    return [[...inShapes[0].slice(0, -1), inShapes.reduce((a, s) => a + s[r - 1], 0)]];
  },
  dtypes(inTypes) {
    check(
      inTypes.every((t) => t === 'q8'),
      `concat_int8 takes q8 tensors, got (${inTypes.join(', ')})`,
    );
    return ['q8'];
  },
  async plan(pc) {
    const out = pc.outShapes[0];
    const cy4 = out[out.length - 1] / 4;
    const zs = attrInts(pc.attrs, 'xZeros', pc.inputCount);
    const ks = attrInts(pc.attrs, 'ks', pc.inputCount);
    const yZero = attrNum(pc.attrs, 'yZero', 0);
    const qmin = attrNum(pc.attrs, 'qmin', -128);
    const qmax = attrNum(pc.attrs, 'qmax', 127);
    let offset4 = 0;
    const launches = [];
    for (let i = 0; i < pc.inputCount; i++) {
      const s = pc.inShapes[i];
      const cx4 = s[s.length - 1] / 4;
      const copy = ks[i] === 1 << 14 && zs[i] === yZero && qmin === -128 && qmax === 127;
      launches.push(
        await pc.rt.kernels.launch('int8/concat_forward', {
          overrides: { COPY: copy ? 1 : 0 },
          uniforms: { cx4, cy4, offset4, x_zero: zs[i], k: ks[i], y_zero: yZero, qmin, qmax },
          buffers: { x: pc.input(i), y: pc.output(0) },
          invocations: numel(s) / 4,
        }),
      );
      offset4 += cx4;
    }
    return launches;
  },
});

// channel_shuffle_int8: channel_shuffle on a q8 tensor (a byte permutation). attrs: groups, zero (the tensor's
// zero point, written into padding channels).
registerOp({
  name: 'channel_shuffle_int8',
  infer([x], attrs) {
    const g = attrNum(attrs, 'groups');
    check(
      Number.isInteger(g) && g >= 1 && x[x.length - 1] % g === 0,
      `channel_shuffle_int8: ${g} groups do not divide ${x[x.length - 1]} channels`,
    );
    return [x];
  },
  dtypes(inTypes) {
    check(inTypes[0] === 'q8', `channel_shuffle_int8 takes q8, got ${inTypes[0]}`);
    return ['q8'];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = x[x.length - 1];
    const c4 = Math.ceil(c / 4);
    return [
      await pc.rt.kernels.launch('int8/channel_shuffle_forward', {
        uniforms: { c, c4, groups: attrNum(pc.attrs, 'groups'), zero: attrNum(pc.attrs, 'zero', 0) },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: (numel(x) / c) * c4,
      }),
    ];
  },
});

/** Block shapes the block-sparse int8 kernel offers: block rows a multiple of 4 (one q8 word of outputs). */
export const INT8_BLOCK_SHAPES: BlockShape[] = BLOCK_SHAPES.filter(([br]) => br % 4 === 0);

/**
 * Block-sparse int8 weights: int8 HWIO [KH,KW,Cin,Cout] (already pruned: zero blocks) as BSR with packed blocks,
 * val [nnzb][BC/4][BR] words (byte k of word (b, j4, q) = wq[b][4·j4 + k][q]). A block whose int8 values are all 0
 * is not stored.
 */
export function toBsrInt8(
  wq: Int8Array,
  wShape: number[],
  block: BlockShape,
): { idx: Uint32Array; val: Uint32Array; nnzb: number; totalBlocks: number } {
  check(
    INT8_BLOCK_SHAPES.some(([a, b]) => a === block[0] && b === block[1]),
    `block ${block.join('x')} is not offered for int8 (one of ${INT8_BLOCK_SHAPES.map((b) => b.join('x')).join(', ')})`,
  );
  const f = toBsr(Float32Array.from(wq), wShape, block);
  const [br, bc] = block;
  const bytes = new Int8Array(Math.max(1, f.nnzb) * bc * br);
  for (let b = 0; b < f.nnzb; b++)
    for (let j = 0; j < bc; j++)
      for (let q = 0; q < br; q++) bytes[((b * (bc / 4) + (j >> 2)) * br + q) * 4 + (j & 3)] = f.val[(b * bc + j) * br + q];
  return { idx: f.idx, val: new Uint32Array(bytes.buffer), nnzb: f.nnzb, totalBlocks: f.totalBlocks };
}

// conv2d_bsr_int8: block-sparse int8 convolution (groups 1). inputs: x (q8), idx (u32, as conv2d_bsr), val (u32,
// toBsrInt8), qp (i32, int8ConvTables). attrs: kernel, cout, block [BR, BC] (BR 4 or 8), stride, pads, dilation,
// xZero, yZero, qmin, qmax.
registerOp({
  name: 'conv2d_bsr_int8',
  infer(inShapes, attrs) {
    const g = bsrGeom(inShapes, attrs);
    const block = attrInts(attrs, 'block', 2) as BlockShape;
    check(
      INT8_BLOCK_SHAPES.some(([a, b]) => a === block[0] && b === block[1]),
      `conv2d_bsr_int8 block ${block.join('×')} is not offered (one of ${INT8_BLOCK_SHAPES.map((b) => b.join('×')).join(', ')})`,
    );
    check(
      blockShapeFits([g.kh, g.kw, g.cin, g.cout], block),
      `conv2d_bsr_int8 block ${block.join('×')} does not fit Cin ${g.cin}, Cout ${g.cout}`,
    );
    check(
      inShapes[1] && inShapes[1].length === 1 && inShapes[1][0] > g.cout / block[0],
      `conv2d_bsr_int8 idx must be [Cout/BR + 1 + nnzb], got ${shapeStr(inShapes[1] ?? [])}`,
    );
    const nnzb = inShapes[1][0] - g.cout / block[0] - 1;
    check(
      inShapes[2] && numel(inShapes[2]) === (Math.max(1, nnzb) * block[0] * block[1]) / 4,
      `conv2d_bsr_int8 values must hold ${nnzb} blocks of packed int8, got ${shapeStr(inShapes[2] ?? [])}`,
    );
    check(
      inShapes[3] && numel(inShapes[3]) === g.cout * 3,
      `conv2d_bsr_int8 tables must be ${g.cout * 3} words, got ${shapeStr(inShapes[3] ?? [])}`,
    );
    return [[g.n, g.oh, g.ow, g.cout]];
  },
  dtypes(t) {
    check(
      t[0] === 'q8' && t[1] === 'u32' && t[2] === 'u32' && t[3] === 'i32',
      `conv2d_bsr_int8 takes (q8, u32, u32, i32), got (${t.join(', ')})`,
    );
    return ['q8'];
  },
  macs(inShapes, outShapes, attrs) {
    const block = attrInts(attrs, 'block', 2);
    const g = bsrGeom(inShapes, attrs);
    return g.n * g.oh * g.ow * (inShapes[1][0] - g.cout / block[0] - 1) * block[0] * block[1];
  },
  plan: (pc) =>
    pc.tuner.choose(`conv2d_bsr_int8|${pc.inShapes.map((s) => s.join('x')).join('|')}|${JSON.stringify(pc.attrs)}`, bsrInt8Variants(pc)),
});

const BSR_INT8_KERNELS = {
  fma: 'int8/conv2d_bsr_forward_fma',
  dot4: 'int8/conv2d_bsr_forward_dot4',
  unpack: 'int8/conv2d_bsr_forward_unpack',
} as const;

export function bsrInt8Variants(pc: PlanContext): Candidate[] {
  const g = bsrGeom(pc.inShapes, pc.attrs);
  const [br, bc] = attrInts(pc.attrs, 'block', 2);
  const owTiles = Math.ceil(g.ow / 4);
  // fma: f32 accumulate (flushed to i32 every FLUSH4 words; attr int8Flush4 lowers it in tests), then the integer ones
  const flavours = pc.rt.ctx.hasDot4I8 ? (['fma', 'dot4', 'unpack'] as const) : (['fma', 'unpack'] as const);
  return flavours.map((f) => ({
    id: `int8_bsr_${br}x${bc}_${f}`,
    build: async () => [
      await pc.rt.kernels.launch(BSR_INT8_KERNELS[f], {
        overrides: { BC: bc, BR4: br / 4, ...(f === 'fma' ? { FLUSH4: attrNum(pc.attrs, 'int8Flush4', 256) } : {}) },
        uniforms: {
          cin4: g.cin / 4,
          cout: g.cout,
          ...convUniforms(g),
          ow_tiles: owTiles,
          x_zero_word: byteZero(attrNum(pc.attrs, 'xZero', 0)),
          y_zero: attrNum(pc.attrs, 'yZero', 0),
          qmin: attrNum(pc.attrs, 'qmin', -128),
          qmax: attrNum(pc.attrs, 'qmax', 127),
        },
        buffers: { x: pc.input(0), idx: pc.input(1), val: pc.input(2), qp: pc.input(3), y: pc.output(0) },
        invocations: g.n * g.oh * owTiles * (g.cout / br),
      }),
    ],
  }));
}
