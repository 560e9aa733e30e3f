// CPU references written from the math, in plain loops with float64 accumulation. NHWC activations, HWIO
// convolution weights — the same layouts as the GPU kernels, so the tests compare element for element.

import { applyAct } from '../../src/ops/activation.js';
import { convGeom } from '../../src/ops/conv.js';
import { poolOutSize } from '../../src/ops/pool.js';
import { attrInts, numel, type Attrs } from '../../src/ops/registry.js';

export function conv2dRef(
  x: Float32Array,
  xs: number[],
  w: Float32Array,
  ws: number[],
  b: Float32Array | null,
  attrs: Attrs,
): Float32Array {
  const g = convGeom(b ? [xs, ws, [ws[3]]] : [xs, ws], attrs);
  const act = (attrs.act as number) ?? 0;
  const shuffle = (attrs.shuffle as number) ?? 1;
  const cg = g.cin / g.groups;
  const ng = g.cout / g.groups;
  const y = new Float32Array(g.n * g.oh * g.ow * g.cout);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let co = 0; co < g.cout; co++) {
          const grp = Math.floor(co / ng);
          let acc = b ? b[co] : 0;
          for (let kh = 0; kh < g.kh; kh++) {
            const ih = oh * g.sh - g.pt + kh * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (let kw = 0; kw < g.kw; kw++) {
              const iw = ow * g.sw - g.pl + kw * g.dw;
              if (iw < 0 || iw >= g.w) continue;
              for (let ci = 0; ci < cg; ci++) {
                acc += x[((n * g.h + ih) * g.w + iw) * g.cin + grp * cg + ci] * w[((kh * g.kw + kw) * cg + ci) * g.cout + co];
              }
            }
          }
          const per = g.cout / shuffle;
          const cOut = shuffle > 1 ? (co % per) * shuffle + Math.floor(co / per) : co;
          y[((n * g.oh + oh) * g.ow + ow) * g.cout + cOut] = applyAct(act, acc);
        }
  return y;
}

export function pool2dRef(x: Float32Array, xs: number[], attrs: Attrs): Float32Array {
  const [n, h, w, c] = xs;
  const [kh, kw] = attrInts(attrs, 'kernel', 2);
  const [sh, sw] = attrInts(attrs, 'stride', 2, [kh, kw]);
  const [pt, pl, pb, pr] = attrInts(attrs, 'pads', 4, [0, 0, 0, 0]);
  const [dh, dw] = attrInts(attrs, 'dilation', 2, [1, 1]);
  const ceil = !!attrs.ceil;
  const oh = poolOutSize(h, kh, sh, pt, pb, dh, ceil);
  const ow = poolOutSize(w, kw, sw, pl, pr, dw, ceil);
  const isMax = (attrs.mode ?? 'max') === 'max';
  const y = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity,
            sum = 0,
            count = 0,
            padded = 0;
          for (let a = 0; a < kh; a++)
            for (let e = 0; e < kw; e++) {
              const ih = i * sh - pt + a * dh;
              const iw = j * sw - pl + e * dw;
              if (ih >= -pt && ih < h + pb && iw >= -pl && iw < w + pr) padded++;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              const v = x[((b * h + ih) * w + iw) * c + ch];
              best = Math.max(best, v);
              sum += v;
              count++;
            }
          y[((b * oh + i) * ow + j) * c + ch] = isMax ? best : sum / Math.max(attrs.countIncludePad ? padded : count, 1);
        }
  return y;
}

export function globalPoolRef(x: Float32Array, xs: number[], mode: 'avg' | 'max' = 'avg'): Float32Array {
  const [n, h, w, c] = xs;
  const y = new Float32Array(n * c);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      let s = 0,
        m = -Infinity;
      for (let p = 0; p < h * w; p++) {
        const v = x[(b * h * w + p) * c + ch];
        s += v;
        m = Math.max(m, v);
      }
      y[b * c + ch] = mode === 'avg' ? s / (h * w) : m;
    }
  return y;
}

export function softmaxRef(x: Float32Array, cols: number, log = false): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = log ? x[r * cols + j] - m - Math.log(s) : Math.exp(x[r * cols + j] - m) / s;
  }
  return y;
}

export function channelShuffleRef(x: Float32Array, c: number, groups: number): Float32Array {
  const y = new Float32Array(x.length);
  const per = c / groups;
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    y[i - ch + (ch % per) * groups + Math.floor(ch / per)] = x[i];
  }
  return y;
}

export function concatRef(xs: Float32Array[], shapes: number[][]): Float32Array {
  const rows = numel(shapes[0].slice(0, -1));
  const cy = shapes.reduce((a, s) => a + s[s.length - 1], 0);
  const y = new Float32Array(rows * cy);
  let off = 0;
  xs.forEach((x, k) => {
    const cx = shapes[k][shapes[k].length - 1];
    for (let r = 0; r < rows; r++) for (let j = 0; j < cx; j++) y[r * cy + off + j] = x[r * cx + j];
    off += cx;
  });
  return y;
}

export function batchnormRef(
  x: Float32Array,
  c: number,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
  act = 0,
): Float32Array {
  return x.map((v, i) => {
    const ch = i % c;
    return applyAct(act, ((v - mean[ch]) / Math.sqrt(variance[ch] + eps)) * gamma[ch] + beta[ch]);
  });
}

export function channelScaleRef(x: Float32Array, xs: number[], s: Float32Array): Float32Array {
  const [, h, w, c] = xs;
  return x.map((v, i) => v * s[Math.floor(i / (h * w * c)) * c + (i % c)]);
}
