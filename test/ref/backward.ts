// CPU references of the backward, loss and optimizer ops, written from the math in plain loops with float64
// accumulation, in the GPU kernels' layouts (NHWC, HWIO). Finite differences of the forward references in
// ops.ts check every one of them (test/unit/backward.test.ts).

import { convGeom } from '../../src/ops/conv.js';
import { poolOutSize } from '../../src/ops/pool.js';
import { attrInts, type Attrs } from '../../src/ops/registry.js';

type Arr = Float32Array;

export function conv2dBackwardInputRef(dy: Arr, w: Arr, ws: number[], xs: number[], attrs: Attrs): Arr {
  const g = convGeom([xs, ws], attrs);
  const cg = g.cin / g.groups,
    ng = g.cout / g.groups;
  const dx = new Float64Array(xs.reduce((a, b) => a * b, 1));
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let co = 0; co < g.cout; co++) {
          const d = dy[((n * g.oh + oh) * g.ow + ow) * g.cout + co];
          const grp = Math.floor(co / ng);
          for (let kh = 0; kh < g.kh; kh++) {
            const ih = oh * g.sh - g.pt + kh * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (let kw = 0; kw < g.kw; kw++) {
              const iw = ow * g.sw - g.pl + kw * g.dw;
              if (iw < 0 || iw >= g.w) continue;
              for (let ci = 0; ci < cg; ci++)
                dx[((n * g.h + ih) * g.w + iw) * g.cin + grp * cg + ci] += d * w[((kh * g.kw + kw) * cg + ci) * g.cout + co];
            }
          }
        }
  return Float32Array.from(dx);
}

export function conv2dBackwardWeightRef(x: Arr, xs: number[], dy: Arr, ws: number[], attrs: Attrs): Arr {
  const g = convGeom([xs, ws], attrs);
  const cg = g.cin / g.groups,
    ng = g.cout / g.groups;
  const dw = new Float64Array(ws.reduce((a, b) => a * b, 1));
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let co = 0; co < g.cout; co++) {
          const d = dy[((n * g.oh + oh) * g.ow + ow) * g.cout + co];
          const grp = Math.floor(co / ng);
          for (let kh = 0; kh < g.kh; kh++) {
            const ih = oh * g.sh - g.pt + kh * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (let kw = 0; kw < g.kw; kw++) {
              const iw = ow * g.sw - g.pl + kw * g.dw;
              if (iw < 0 || iw >= g.w) continue;
              for (let ci = 0; ci < cg; ci++)
                dw[((kh * g.kw + kw) * cg + ci) * g.cout + co] += d * x[((n * g.h + ih) * g.w + iw) * g.cin + grp * cg + ci];
            }
          }
        }
  return Float32Array.from(dw);
}

export function channelSumRef(dy: Arr, c: number): Arr {
  const s = new Float64Array(c);
  for (let i = 0; i < dy.length; i++) s[i % c] += dy[i];
  return Float32Array.from(s);
}

/** Training-mode batch-norm: y, batch mean, rstd (biased variance), and the updated running statistics. */
export function batchnormTrainRef(
  x: Arr,
  c: number,
  gamma: Arr,
  beta: Arr,
  runMean: Arr,
  runVar: Arr,
  eps: number,
  momentum: number,
  update: boolean,
) {
  const rows = x.length / c;
  const mean = new Float64Array(c),
    v = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / rows;
  for (let i = 0; i < x.length; i++) v[i % c] += (x[i] - mean[i % c]) ** 2 / rows;
  const rstd = v.map((q) => 1 / Math.sqrt(q + eps));
  const y = x.map((val, i) => (val - mean[i % c]) * rstd[i % c] * gamma[i % c] + beta[i % c]);
  const rm = Float32Array.from(runMean),
    rv = Float32Array.from(runVar);
  if (update) {
    for (let k = 0; k < c; k++) {
      rm[k] = (1 - momentum) * runMean[k] + momentum * mean[k];
      rv[k] = (1 - momentum) * runVar[k] + (momentum * v[k] * rows) / Math.max(rows - 1, 1);
    }
  }
  return { y, mean: Float32Array.from(mean), rstd: Float32Array.from(rstd), runMean: rm, runVar: rv };
}

export function batchnormBackwardRef(x: Arr, dy: Arr, c: number, mean: Arr, rstd: Arr, gamma: Arr) {
  const rows = x.length / c;
  const dgamma = new Float64Array(c),
    dbeta = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    dbeta[k] += dy[i];
    dgamma[k] += dy[i] * (x[i] - mean[k]) * rstd[k];
  }
  const dx = x.map((v, i) => {
    const k = i % c;
    const xhat = (v - mean[k]) * rstd[k];
    return ((gamma[k] * rstd[k]) / rows) * (rows * dy[i] - dbeta[k] - xhat * dgamma[k]);
  });
  return { dx, dgamma: Float32Array.from(dgamma), dbeta: Float32Array.from(dbeta) };
}

export function activationGrad(code: number, x: number): number {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  switch (code) {
    case 0:
      return 1;
    case 1:
      return x > 0 ? 1 : 0;
    case 2:
      return x > 0 && x < 6 ? 1 : 0;
    case 3:
      return x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6;
    case 4: {
      const s = sig(x);
      return s + x * s * (1 - s);
    }
    case 5: {
      const s = sig(x);
      return s * (1 - s);
    }
    case 6: {
      const t = Math.tanh(x);
      return 1 - t * t;
    }
    case 7:
      return x >= 0 ? 1 : 0.01;
    default:
      throw new Error(`activation ${code}`);
  }
}

export function pool2dBackwardRef(x: Arr, xs: number[], dy: Arr, attrs: Attrs): Arr {
  const [n, h, w, c] = xs;
  const [kh, kw] = attrInts(attrs, 'kernel', 2);
  const [sh, sw] = attrInts(attrs, 'stride', 2, [kh, kw]);
  const [pt, pl, pb, pr] = attrInts(attrs, 'pads', 4, [0, 0, 0, 0]);
  const [dh, dw] = attrInts(attrs, 'dilation', 2, [1, 1]);
  const oh = poolOutSize(h, kh, sh, pt, pb, dh, !!attrs.ceil);
  const ow = poolOutSize(w, kw, sw, pl, pr, dw, !!attrs.ceil);
  const isMax = (attrs.mode ?? 'max') === 'max';
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          const g = dy[((b * oh + i) * ow + j) * c + ch];
          let best = -Infinity,
            arg = -1,
            count = 0,
            padded = 0;
          const taps: number[] = [];
          for (let a = 0; a < kh; a++)
            for (let e = 0; e < kw; e++) {
              const ih = i * sh - pt + a * dh,
                iw = j * sw - pl + e * dw;
              if (ih >= -pt && ih < h + pb && iw >= -pl && iw < w + pr) padded++;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              const idx = ((b * h + ih) * w + iw) * c + ch;
              taps.push(idx);
              count++;
              if (x[idx] > best) {
                best = x[idx];
                arg = idx;
              }
            }
          if (isMax) {
            if (arg >= 0) dx[arg] += g;
          } else {
            const d = Math.max(attrs.countIncludePad ? padded : count, 1);
            for (const t of taps) dx[t] += g / d;
          }
        }
  return Float32Array.from(dx);
}

export function globalPoolBackwardRef(x: Arr, xs: number[], dy: Arr, mode: 'avg' | 'max'): Arr {
  const [n, h, w, c] = xs;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      const g = dy[b * c + ch];
      if (mode === 'avg') {
        for (let p = 0; p < h * w; p++) dx[(b * h * w + p) * c + ch] = g / (h * w);
        continue;
      }
      let best = -Infinity,
        arg = 0;
      for (let p = 0; p < h * w; p++) {
        const idx = (b * h * w + p) * c + ch;
        if (x[idx] > best) {
          best = x[idx];
          arg = idx;
        }
      }
      dx[arg] = g;
    }
  return dx;
}

export function channelScaleBackwardRef(x: Arr, xs: number[], dy: Arr): Arr {
  const [n, h, w, c] = xs;
  const ds = new Float64Array(n * c);
  for (let i = 0; i < x.length; i++) ds[Math.floor(i / (h * w * c)) * c + (i % c)] += dy[i] * x[i];
  return Float32Array.from(ds);
}

export function concatBackwardRef(dy: Arr, sizes: number[]): Arr[] {
  const cy = sizes.reduce((a, b) => a + b, 0);
  const rows = dy.length / cy;
  let off = 0;
  return sizes.map((cx) => {
    const d = new Float32Array(rows * cx);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cx; j++) d[r * cx + j] = dy[r * cy + off + j];
    off += cx;
    return d;
  });
}

function logSoftmax(z: ArrayLike<number>, base: number, cols: number, k = 1): number[] {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, z[base + j] * k);
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(z[base + j] * k - m);
  const ls = Math.log(s);
  return Array.from({ length: cols }, (_, j) => z[base + j] * k - m - ls);
}

/** Per-row cross-entropy and the gradient of scale·Σ_rows loss. */
export function softmaxCrossEntropyRef(z: Arr, labels: Arr, cols: number, scale: number) {
  const n = z.length / cols;
  const loss = new Float32Array(n),
    dz = new Float32Array(z.length);
  for (let r = 0; r < n; r++) {
    const lp = logSoftmax(z, r * cols, cols);
    const y = labels[r];
    loss[r] = -lp[y];
    for (let j = 0; j < cols; j++) dz[r * cols + j] = scale * (Math.exp(lp[j]) - (j === y ? 1 : 0));
  }
  return { loss, dz };
}

/** Per-row KL(softmax(t/τ) ‖ softmax(s/τ)) and the gradient of scale·Σ_rows loss with respect to s. */
export function klDivRef(s: Arr, t: Arr, cols: number, tau: number, scale: number) {
  const n = s.length / cols;
  const loss = new Float32Array(n),
    ds = new Float32Array(s.length);
  for (let r = 0; r < n; r++) {
    const lp = logSoftmax(s, r * cols, cols, 1 / tau);
    const lq = logSoftmax(t, r * cols, cols, 1 / tau);
    let kl = 0;
    for (let j = 0; j < cols; j++) {
      const q = Math.exp(lq[j]);
      kl += q * (lq[j] - lp[j]);
      ds[r * cols + j] = (scale * (Math.exp(lp[j]) - q)) / tau;
    }
    loss[r] = kl;
  }
  return { loss, ds };
}

export function gradNormRef(gs: Arr[]): number {
  let s = 0;
  for (const g of gs) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

export interface HyperRef {
  lr: number;
  bc1: number;
  bc2: number;
  maxNorm: number;
}

function clipOf(h: HyperRef, norm: number): number {
  return h.maxNorm > 0 ? Math.min(1, h.maxNorm / (norm + 1e-6)) : 1;
}

/** In place, as the kernel: w, v updated. */
export function sgdUpdateRef(w: Arr, g: Arr, v: Arr, h: HyperRef, norm: number, attrs: Attrs): void {
  const mu = (attrs.momentum as number) ?? 0,
    wd = (attrs.weight_decay as number) ?? 0,
    l1 = (attrs.l1 as number) ?? 0;
  const clip = clipOf(h, norm);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] * clip + wd * w[i] + l1 * Math.sign(w[i]);
    let step = gi;
    if (mu !== 0) {
      v[i] = mu * v[i] + gi;
      step = attrs.nesterov ? gi + mu * v[i] : v[i];
    }
    w[i] = w[i] - h.lr * step;
  }
}

export function adamUpdateRef(w: Arr, g: Arr, m: Arr, v: Arr, h: HyperRef, norm: number, attrs: Attrs): void {
  const b1 = (attrs.beta1 as number) ?? 0.9,
    b2 = (attrs.beta2 as number) ?? 0.999,
    eps = (attrs.eps as number) ?? 1e-8;
  const wd = (attrs.weight_decay as number) ?? 0,
    l1 = (attrs.l1 as number) ?? 0,
    decoupled = attrs.decoupled !== false;
  const clip = clipOf(h, norm);
  for (let i = 0; i < w.length; i++) {
    let gi = g[i] * clip + l1 * Math.sign(w[i]);
    if (!decoupled) gi += wd * w[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    let step = (m[i] * h.bc1) / (Math.sqrt(v[i] * h.bc2) + eps);
    if (decoupled) step += wd * w[i];
    w[i] = w[i] - h.lr * step;
  }
}

/** w'[kh,kw,j,g·Cg+i] = w[KH−1−kh, KW−1−kw, i, g·Ng+j]. */
export function convFlipRef(w: Arr, ws: number[], groups: number): Arr {
  const [kh, kw, cg, cout] = ws;
  const ng = cout / groups,
    cin = cg * groups;
  const out = new Float32Array(w.length);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let j = 0; j < ng; j++)
        for (let c = 0; c < cin; c++) {
          const g = Math.floor(c / cg),
            i = c % cg;
          out[((a * kw + b) * ng + j) * cin + c] = w[(((kh - 1 - a) * kw + (kw - 1 - b)) * cg + i) * cout + g * ng + j];
        }
  return out;
}

/** P[(kh·KW + kw)·Cin + ci, m] = x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, ci] (0 outside). */
/**
 * conv2d_backward_weight_partial: the weight gradient summed over each of S chunks of the output rows q = n·OH + oh
 * (chunk s: q in [s·L, (s+1)·L), L = ⌈N·OH/S⌉), as [KH·KW·Cin, S, Cout]; float64 accumulation. Ungrouped.
 */
export function convWeightPartialRef(x: Arr, xs: number[], dy: Arr, attrs: Attrs): Arr {
  const ws = attrs.w_shape as number[];
  const g = convGeom([xs, ws], attrs);
  const s = (attrs.chunks as number | undefined) ?? 1;
  const rows = Math.ceil((g.n * g.oh) / s);
  const part = new Float64Array(g.kh * g.kw * g.cin * s * g.cout);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++) {
      const chunk = Math.floor((n * g.oh + oh) / rows);
      for (let ow = 0; ow < g.ow; ow++)
        for (let kh = 0; kh < g.kh; kh++) {
          const ih = oh * g.sh - g.pt + kh * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          for (let kw = 0; kw < g.kw; kw++) {
            const iw = ow * g.sw - g.pl + kw * g.dw;
            if (iw < 0 || iw >= g.w) continue;
            for (let ci = 0; ci < g.cin; ci++) {
              const xv = x[((n * g.h + ih) * g.w + iw) * g.cin + ci];
              const base = (((kh * g.kw + kw) * g.cin + ci) * s + chunk) * g.cout;
              for (let co = 0; co < g.cout; co++) part[base + co] += xv * dy[((n * g.oh + oh) * g.ow + ow) * g.cout + co];
            }
          }
        }
    }
  return Float32Array.from(part);
}

export function convPatchesRef(x: Arr, xs: number[], attrs: Attrs): Arr {
  const ws = attrs.w_shape as number[];
  const g = convGeom([xs, ws], attrs);
  const m = g.n * g.oh * g.ow;
  const chunks = (attrs.chunks as number | undefined) ?? 1;
  const per = m / chunks;
  const col = (mi: number) => (mi % chunks) * per + Math.floor(mi / chunks); // split-K column order (chunks > 1)
  const p = new Float32Array(g.kh * g.kw * g.cin * m);
  for (let a = 0; a < g.kh; a++)
    for (let b = 0; b < g.kw; b++)
      for (let ci = 0; ci < g.cin; ci++)
        for (let n = 0; n < g.n; n++)
          for (let oh = 0; oh < g.oh; oh++)
            for (let ow = 0; ow < g.ow; ow++) {
              const ih = oh * g.sh - g.pt + a * g.dh,
                iw = ow * g.sw - g.pl + b * g.dw;
              if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
              p[((a * g.kw + b) * g.cin + ci) * m + col((n * g.oh + oh) * g.ow + ow)] = x[((n * g.h + ih) * g.w + iw) * g.cin + ci];
            }
  return p;
}
