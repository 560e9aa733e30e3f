// 1-bit (XNOR-Net) ops: binarize (f32 → b1 sign bits), unpack_signs (b1 → ±1 f32), and conv2d_xnor, the binary
// convolution dot = K − 2·popcount(x xor w) with either a float output (scale·dot + shift, activation) or a
// packed b1 output where batch-norm + sign is a per-channel integer threshold (consecutive binary layers stay
// packed, as in Larq Compute Engine).
//
// Bit order (b1, graph/ir.ts): channel c is bit c % 32 (LSB first) of word c / 32; bit 1 ⇔ value −1 (x < 0).
// Channels are padded to 32 with 0 bits in activations and weights alike, so padding never reaches the popcount
// and K is the real Cin times the taps inside the image (taps outside contribute 0, as zero padding would).
//
// conv2d_xnor inputs: x (b1), w (u32, packSigns), table (f32 xnorAffine when out = 'f32'; i32 xnorThresholds
//             when out = 'b1').  attrs: kernel [kh,kw], cout, stride, pads, dilation, out ('f32' | 'b1'), act.

import { check, shapeStr } from '../runtime/errors.js';
import type { Candidate } from '../runtime/tuner.js';
import { convGeom, convUniforms, type ConvGeom } from './conv.js';
import { attrInts, attrNum, numel, registerOp, type Attrs, type PlanContext } from './registry.js';

/** Sign bits of HWIO weights [KH,KW,Cin,Cout] → words [KH,KW,⌈Cin/32⌉,Cout] (bit ci % 32 = 1 ⇔ W < 0). */
export function packSigns(w: Float32Array, wShape: number[]): Uint32Array {
  const [kh, kw, cin, cout] = wShape;
  check(w.length === numel(wShape), `packSigns: ${w.length} values for ${shapeStr(wShape)}`);
  const c32 = Math.ceil(cin / 32);
  const out = new Uint32Array(kh * kw * c32 * cout);
  for (let tap = 0; tap < kh * kw; tap++)
    for (let ci = 0; ci < cin; ci++)
      for (let co = 0; co < cout; co++) {
        if (w[(tap * cin + ci) * cout + co] < 0) out[(tap * c32 + (ci >> 5)) * cout + co] |= 1 << (ci & 31);
      }
  return out;
}

/** Per-channel (scale, shift) for the float output: [Cout/4][scale, shift][4] f32. */
export function xnorAffine(scale: ArrayLike<number>, shift: ArrayLike<number>): Float32Array {
  const c = scale.length;
  check(c % 4 === 0, `conv2d_xnor needs output channels divisible by 4, got ${c}`);
  const t = new Float32Array(2 * c);
  for (let co = 0; co < c; co++) {
    const base = Math.floor(co / 4) * 8 + (co % 4);
    t[base] = scale[co];
    t[base + 4] = shift[co];
  }
  return t;
}

const LIMIT = 1 << 30;

/**
 * Output bit of a binary layer followed by batch-norm and sign: neg ⇔ A·dot + B < 0 (A = α·γ/σ, B = the rest).
 * As integer thresholds on dot: (dot < thr) ≠ flip. Computed so that it agrees with the double expression
 * A·dot + B < 0 for every integer dot (the CPU reference's definition). Layout [Cout/4][thr, flip][4] i32.
 */
export function xnorThresholds(A: ArrayLike<number>, B: ArrayLike<number>): Int32Array {
  const c = A.length;
  check(c % 4 === 0, `conv2d_xnor needs output channels divisible by 4, got ${c}`);
  const t = new Int32Array(2 * c);
  for (let co = 0; co < c; co++) {
    const a = A[co];
    const b = B[co];
    let thr: number;
    let flip: number;
    const neg = (d: number) => a * d + b < 0;
    if (a === 0 || !Number.isFinite(-b / a)) {
      thr = LIMIT; // dot < thr always
      flip = neg(0) ? 0 : 1;
    } else {
      // a > 0: neg for dot < thr; a < 0: neg for dot ≥ thr (flip). thr is the first integer where neg changes.
      flip = a > 0 ? 0 : 1;
      thr = Math.max(-LIMIT, Math.min(LIMIT, a > 0 ? Math.ceil(-b / a) : Math.floor(-b / a) + 1));
      const before = (d: number) => (a > 0 ? neg(d) : !neg(d));
      while (thr > -LIMIT && !before(thr - 1)) thr--;
      while (thr < LIMIT && before(thr)) thr++;
    }
    const base = Math.floor(co / 4) * 8 + (co % 4);
    t[base] = thr;
    t[base + 4] = flip;
  }
  return t;
}

export function xnorGeom(inShapes: number[][], attrs: Attrs): ConvGeom {
  const [kh, kw] = attrInts(attrs, 'kernel', 2);
  const xs = inShapes[0];
  check(xs && xs.length === 4, `conv2d_xnor input must be NHWC 4-D, got ${shapeStr(xs ?? [])}`);
  check(attrNum(attrs, 'groups', 1) === 1, 'conv2d_xnor supports groups = 1 only');
  return convGeom([xs, [kh, kw, xs[3], attrNum(attrs, 'cout')]], attrs);
}

function outKind(attrs: Attrs): 'f32' | 'b1' {
  const o = attrs.out ?? 'f32';
  check(o === 'f32' || o === 'b1', `conv2d_xnor out must be 'f32' or 'b1', got ${JSON.stringify(o)}`);
  return o as 'f32' | 'b1';
}

registerOp({
  name: 'binarize',
  infer: ([x]) => [x],
  dtypes(t) {
    check(t[0] === 'f32', `binarize takes f32, got ${t[0]}`);
    return ['b1'];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = x[x.length - 1];
    const c32 = Math.ceil(c / 32);
    return [
      await pc.rt.kernels.launch('xnor/binarize_forward', {
        uniforms: { c, c32 },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: (numel(x) / c) * c32,
      }),
    ];
  },
});

registerOp({
  name: 'unpack_signs',
  infer: ([x]) => [x],
  dtypes(t) {
    check(t[0] === 'b1', `unpack_signs takes b1, got ${t[0]}`);
    return ['f32'];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const c = x[x.length - 1];
    return [
      await pc.rt.kernels.launch('xnor/unpack_forward', {
        uniforms: { c, c32: Math.ceil(c / 32) },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: numel(x),
      }),
    ];
  },
});

registerOp({
  name: 'conv2d_xnor',
  infer(inShapes, attrs) {
    const g = xnorGeom(inShapes, attrs);
    const out = outKind(attrs);
    check(
      g.cout % (out === 'b1' ? 32 : 4) === 0,
      `conv2d_xnor with ${out} output needs Cout divisible by ${out === 'b1' ? 32 : 4}, got ${g.cout}`,
    );
    const words = g.kh * g.kw * Math.ceil(g.cin / 32) * g.cout;
    check(
      inShapes[1] && numel(inShapes[1]) === words,
      `conv2d_xnor weights must be ${words} packed words, got ${shapeStr(inShapes[1] ?? [])}`,
    );
    check(
      inShapes[2] && numel(inShapes[2]) === 2 * g.cout,
      `conv2d_xnor table must be ${2 * g.cout} values, got ${shapeStr(inShapes[2] ?? [])}`,
    );
    return [[g.n, g.oh, g.ow, g.cout]];
  },
  dtypes(t, attrs) {
    const out = outKind(attrs);
    const table = out === 'b1' ? 'i32' : 'f32';
    check(t[0] === 'b1' && t[1] === 'u32' && t[2] === table, `conv2d_xnor (out ${out}) takes (b1, u32, ${table}), got (${t.join(', ')})`);
    return [out];
  },
  macs(inShapes, outShapes, attrs) {
    const g = xnorGeom(inShapes, attrs);
    return numel(outShapes[0]) * g.kh * g.kw * g.cin;
  },
  plan: (pc) => pc.tuner.choose(`conv2d_xnor|${pc.inShapes[0].join('x')}|${JSON.stringify(pc.attrs)}`, xnorVariants(pc)),
});

/** xnor/pointwise_forward_bits_quad instances by `${ROWS}` and a flavour: 'r' _regthr, 'f' _fold */
const PW_QUAD_KERNELS: Record<string, string> = {
  '2': 'xnor/pointwise_forward_bits_quad2rows',
  '4': 'xnor/pointwise_forward_bits_quad4rows',
  '2r': 'xnor/pointwise_forward_bits_quad2rows_regthr',
  '4r': 'xnor/pointwise_forward_bits_quad4rows_regthr',
  '8r': 'xnor/pointwise_forward_bits_quad8rows_regthr',
  '4f': 'xnor/pointwise_forward_bits_quad4rows_fold',
  '8f': 'xnor/pointwise_forward_bits_quad8rows_fold',
};

export function xnorVariants(pc: PlanContext): Candidate[] {
  const g = xnorGeom(pc.inShapes, pc.attrs);
  const out = outKind(pc.attrs);
  const k = pc.rt.kernels;
  const c32 = Math.ceil(g.cin / 32);
  const base = {
    cin: g.cin,
    c32,
    cout: g.cout,
    ...convUniforms(g),
  };
  const cands: Candidate[] = [];
  const gemm = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0 && g.groups === 1;
  if (out === 'b1' && gemm && pc.rt.ctx.features.has('subgroups')) {
    // GEMM-shaped (1×1, stride 1, unpadded): pixels flat, quads sharing the weight words
    const m = g.n * g.h * g.w;
    for (const [rows, flavour] of [
      [4, 'r'],
      [8, 'r'],
      [2, 'r'],
      [2, ''],
      [4, ''],
      [4, 'f'],
      [8, 'f'],
    ] as [number, string][]) {
      cands.push({
        // (not 'pwquad${rows}r': a pinned 'xnor_bits_pwquad2' must not match it by prefix)
        id: `xnor_bits_pwquad${{ r: 'rt', f: 'fo', '': '' }[flavour]}${rows}`,
        build: async () => [
          await k.launch(PW_QUAD_KERNELS[`${rows}${flavour}`], {
            uniforms: { m, cin: g.cin, c32, cout: g.cout },
            buffers: { x: pc.input(0), w: pc.input(1), thr: pc.input(2), y: pc.output(0) },
            invocations: Math.ceil(m / (4 * rows)) * (g.cout / 32) * 4,
          }),
        ],
      });
    }
  }
  if (out === 'b1' && !gemm && pc.rt.ctx.features.has('subgroups')) {
    // quads on 4·cols consecutive output columns sharing the weight words (GEMM-shaped layers have the pwquad ones)
    for (const cols of [2, 4]) {
      const owTiles = Math.ceil(g.ow / (4 * cols));
      const n = g.n * g.oh * owTiles * (g.cout / 32) * 4;
      cands.push({
        id: `xnor_bits_quad${cols}`,
        build: async () => [
          await k.launch(cols === 4 ? 'xnor/conv2d_forward_bits_quad4cols' : 'xnor/conv2d_forward_bits_quad2cols', {
            uniforms: { ...base, n, ow_tiles: owTiles },
            buffers: { x: pc.input(0), w: pc.input(1), thr: pc.input(2), y: pc.output(0) },
            invocations: n,
          }),
        ],
      });
    }
  }
  if (out === 'b1') {
    const owTiles = Math.ceil(g.ow / 2);
    cands.push({
      id: 'xnor_bits_unrolled',
      build: async () => [
        await k.launch('xnor/conv2d_forward_bits_unrolled', {
          uniforms: { ...base, ow_tiles: owTiles },
          buffers: { x: pc.input(0), w: pc.input(1), thr: pc.input(2), y: pc.output(0) },
          invocations: g.n * g.oh * owTiles * (g.cout / 32),
        }),
      ],
    });
  }
  const tws = out === 'b1' ? [2, 4, 1] : [4, 8, 2];
  for (const tw of tws) {
    const owTiles = Math.ceil(g.ow / tw);
    cands.push({
      id: `xnor_${out === 'b1' ? 'bits' : 'float'}_tw${tw}`,
      build: async () => [
        out === 'b1'
          ? await k.launch('xnor/conv2d_forward_bits', {
              overrides: { TW: tw },
              uniforms: { ...base, ow_tiles: owTiles },
              buffers: { x: pc.input(0), w: pc.input(1), thr: pc.input(2), y: pc.output(0) },
              invocations: g.n * g.oh * owTiles * (g.cout / 32),
            })
          : await k.launch('xnor/conv2d_forward_float', {
              overrides: { TW: tw, ACT: attrNum(pc.attrs, 'act', 0) },
              uniforms: { ...base, ow_tiles: owTiles },
              buffers: { x: pc.input(0), w: pc.input(1), affine: pc.input(2), y: pc.output(0) },
              invocations: g.n * g.oh * owTiles * (g.cout / 4),
            }),
      ],
    });
  }
  return cands;
}
