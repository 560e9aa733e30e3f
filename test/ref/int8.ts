// CPU integer references for the int8 ops, written from the quantization math (src/ops/int8.ts) in plain loops.
// Activations are unpacked int8 NHWC (Int8Array), weights int8 HWIO; every step is integer (or one correctly
// rounded f32 product at the float edges), so GPU results must match exactly.

import { convGeom } from '../../src/ops/conv.js';
import { quantizeMultiplier } from '../../src/ops/int8.js';
import type { Attrs } from '../../src/ops/registry.js';

/** ⌊(acc·m + 2^(s−1)) / 2^s⌋ — acc·m < 2^46 is exact in a double. */
export function requantRef(acc: number, m: number, s: number): number {
  return Math.floor((acc * m + 2 ** (s - 1)) / 2 ** s);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function quantizeRef(x: Float32Array, scale: number, zero: number): Int8Array {
  const inv = Math.fround(1 / scale);
  return Int8Array.from(x, (v) => Math.min(127, Math.max(-128, roundHalfEven(Math.min(512, Math.max(-512, Math.fround(v * inv)))) + zero)));
}

export function dequantizeRef(q: Int8Array, scale: number, zero: number): Float32Array {
  const s = Math.fround(scale);
  return Float32Array.from(q, (v) => Math.fround((v - zero) * s));
}

/**
 * y = clamp(zy + requant(bq[co] + Σ_{taps inside the image} (x − zx)·w, M[co]), qmin, qmax).
 * `bq` is the plain int32 bias (no zero-point folding: that is the kernels' business and is checked by this).
 * `zxc`: one input zero point per input channel (per-channel affine activations) instead of attrs.xZero.
 */
export function conv2dInt8Ref(
  xq: Int8Array,
  xs: number[],
  wq: Int8Array,
  ws: number[],
  bq: Int32Array,
  M: ArrayLike<number>,
  attrs: Attrs,
  zxc?: ArrayLike<number>,
): Int8Array {
  const g = convGeom([xs, ws], attrs);
  const zx = (attrs.xZero as number) ?? 0;
  const zy = (attrs.yZero as number) ?? 0;
  const qmin = (attrs.qmin as number) ?? -128;
  const qmax = (attrs.qmax as number) ?? 127;
  const cg = g.cin / g.groups;
  const ng = g.cout / g.groups;
  const ms = Array.from(M, (v) => quantizeMultiplier(v));
  const y = new Int8Array(g.n * g.oh * g.ow * g.cout);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let co = 0; co < g.cout; co++) {
          const grp = Math.floor(co / ng);
          let acc = bq[co];
          for (let kh = 0; kh < g.kh; kh++) {
            const ih = oh * g.sh - g.pt + kh * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (let kw = 0; kw < g.kw; kw++) {
              const iw = ow * g.sw - g.pl + kw * g.dw;
              if (iw < 0 || iw >= g.w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const z = zxc ? zxc[grp * cg + ci] : zx;
                acc += (xq[((n * g.h + ih) * g.w + iw) * g.cin + grp * cg + ci] - z) * wq[((kh * g.kw + kw) * cg + ci) * g.cout + co];
              }
            }
          }
          const [m, s] = ms[co];
          y[((n * g.oh + oh) * g.ow + ow) * g.cout + co] = Math.min(qmax, Math.max(qmin, zy + requantRef(acc, m, s)));
        }
  return y;
}

export function addInt8Ref(
  a: Int8Array,
  b: Int8Array,
  attrs: { aZero: number; bZero: number; ka: number; kb: number; yZero: number; qmin: number; qmax: number },
): Int8Array {
  return Int8Array.from(a, (v, i) => {
    const sum = (v - attrs.aZero) * attrs.ka + (b[i] - attrs.bZero) * attrs.kb;
    return Math.min(attrs.qmax, Math.max(attrs.qmin, attrs.yZero + Math.floor((sum + 8192) / 16384)));
  });
}

/** Channel concat of int8 NHWC tensors, each requantized: y = clamp(zy + ⌊((x − zx)·k + 2^13) / 2^14⌋, qmin, qmax). */
export function concatInt8Ref(
  xs: Int8Array[],
  channels: number[],
  attrs: { xZeros: number[]; ks: number[]; yZero: number; qmin: number; qmax: number },
): Int8Array {
  const cy = channels.reduce((a, b) => a + b, 0);
  const rows = xs[0].length / channels[0];
  const y = new Int8Array(rows * cy);
  let off = 0;
  xs.forEach((x, i) => {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < channels[i]; c++) {
        const d = (x[r * channels[i] + c] - attrs.xZeros[i]) * attrs.ks[i];
        y[r * cy + off + c] = Math.min(attrs.qmax, Math.max(attrs.qmin, attrs.yZero + Math.floor((d + 8192) / 16384)));
      }
    off += channels[i];
  });
  return y;
}

/** ShuffleNet channel shuffle of an int8 [rows, C] tensor: y[(c mod (C/G))·G + c div (C/G)] = x[c]. */
export function channelShuffleInt8Ref(x: Int8Array, c: number, groups: number): Int8Array {
  const y = new Int8Array(x.length);
  const per = c / groups;
  for (let r = 0; r < x.length / c; r++)
    for (let ch = 0; ch < c; ch++) y[r * c + (ch % per) * groups + Math.floor(ch / per)] = x[r * c + ch];
  return y;
}
