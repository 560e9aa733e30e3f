// An independent float64 oracle for whole training steps. It shares no code with src/train nor with the CPU step
// executor (test/ref/train.ts, which runs the step graph that src/train builds): the network, the losses and the
// optimizers are written here again from the math, so a mistake in building the step graph shows up as a
// disagreement instead of being copied into the reference.
//
//   TinyNet      input [B,5,5,2] → conv 3×3 s1 'same' 2→4 + bias, tanh → conv 3×3 s2 pads [0,1,1,0] 4→4 + bias,
//                tanh → global average → fully connected 4→3 (logits). NHWC activations, HWIO weights.
//   losses       CE(y, softmax(z)); KL(softmax(t/τ) ‖ softmax(s/τ)); KD = α·mean CE + β·τ²·mean KL;
//                DML peer k = mean CE + 1/(K−1)·Σ_{l≠k} mean KL(p_l ‖ p_k) (τ = 1).
//   fdGrad       central differences of a float64 loss.
//   adam         Adam / AdamW with bias corrections 1 − β^t computed here from the step count.

export type Params = Map<string, Float64Array>;

/** Parameter names and shapes of TinyNet, in the order the builder creates them. */
export const TINY_PARAMS: [string, number[]][] = [
  ['c1.w', [3, 3, 2, 4]],
  ['c1.b', [4]],
  ['c2.w', [3, 3, 4, 4]],
  ['c2.b', [4]],
  ['classifier.w', [1, 1, 4, 3]],
  ['classifier.b', [3]],
];
export const TINY_IN = [5, 5, 2];
export const TINY_CLASSES = 3;

export interface ConvGeomF64 {
  stride: [number, number];
  pads: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/**
 * y[n,oh,ow,co] = b[co] + Σ_{kh,kw,ci<Cg} x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, g·Cg + ci] · w[kh,kw,ci,co]
 * (0 outside the image; g = co / (Cout/groups), Cg = Cin/groups).
 */
export function convF64(
  x: Float64Array,
  [n, h, w, c]: number[],
  wt: Float64Array,
  [kh, kw, cg, co]: number[],
  b: Float64Array | null,
  o: ConvGeomF64,
) {
  const [sh, sw] = o.stride,
    [pt, pl, pb, pr] = o.pads,
    [dh, dw] = o.dilation;
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1,
    ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const ng = co / o.groups;
  const y = new Float64Array(n * oh * ow * co);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < oh; a++)
      for (let bb = 0; bb < ow; bb++)
        for (let j = 0; j < co; j++) {
          let acc = b ? b[j] : 0;
          const c0 = Math.floor(j / ng) * cg;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const ih = a * sh - pt + p * dh,
                iw = bb * sw - pl + q * dw;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              for (let ci = 0; ci < cg; ci++) acc += x[((i * h + ih) * w + iw) * c + c0 + ci] * wt[((p * kw + q) * cg + ci) * co + j];
            }
          y[((i * oh + a) * ow + bb) * co + j] = acc;
        }
  return { y, shape: [n, oh, ow, co] };
}

const plain = (s: number, pads: [number, number, number, number]): ConvGeomF64 => ({ stride: [s, s], pads, dilation: [1, 1], groups: 1 });

/** Global average then fully connected: [N,H,W,C] → logits [N, classes]. */
export function gapDense(a: Float64Array, [n, h, w, c]: number[], fw: Float64Array, fb: Float64Array, classes: number): Float64Array {
  const z = new Float64Array(n * classes);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < classes; k++) {
      let acc = fb[k];
      for (let ci = 0; ci < c; ci++) {
        let mean = 0;
        for (let j = 0; j < h * w; j++) mean += a[(i * h * w + j) * c + ci];
        acc += (mean / (h * w)) * fw[ci * classes + k];
      }
      z[i * classes + k] = acc;
    }
  return z;
}

/** Logits [B, 3] of TinyNet. */
export function tinyForward(p: Params, x: ArrayLike<number>, batch: number): Float64Array {
  const l1 = convF64(Float64Array.from(x), [batch, ...TINY_IN], p.get('c1.w')!, [3, 3, 2, 4], p.get('c1.b')!, plain(1, [1, 1, 1, 1]));
  const l2 = convF64(l1.y.map(Math.tanh), l1.shape, p.get('c2.w')!, [3, 3, 4, 4], p.get('c2.b')!, plain(2, [0, 1, 1, 0]));
  return gapDense(l2.y.map(Math.tanh), l2.shape, p.get('classifier.w')!, p.get('classifier.b')!, TINY_CLASSES);
}

function logSoftmaxRow(z: ArrayLike<number>, off: number, cols: number, scale: number): number[] {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, z[off + j] * scale);
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(z[off + j] * scale - m);
  const lse = m + Math.log(s);
  return Array.from({ length: cols }, (_, j) => z[off + j] * scale - lse);
}

/** Mean over rows of −log softmax(z)[y]. */
export function meanCE(z: ArrayLike<number>, labels: ArrayLike<number>, cols: number): number {
  const rows = z.length / cols;
  let s = 0;
  for (let r = 0; r < rows; r++) s -= logSoftmaxRow(z, r * cols, cols, 1)[labels[r]];
  return s / rows;
}

/** Mean over rows of KL(softmax(t/τ) ‖ softmax(s/τ)) = Σ q (log q − log p). */
export function meanKL(s: ArrayLike<number>, t: ArrayLike<number>, cols: number, tau: number): number {
  const rows = s.length / cols;
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    const lp = logSoftmaxRow(s, r * cols, cols, 1 / tau),
      lq = logSoftmaxRow(t, r * cols, cols, 1 / tau);
    for (let j = 0; j < cols; j++) acc += Math.exp(lq[j]) * (lq[j] - lp[j]);
  }
  return acc / rows;
}

export function clone(p: Params): Params {
  return new Map([...p].map(([k, v]) => [k, Float64Array.from(v)]));
}

/** ∂loss/∂p for every parameter by central differences (float64, h = 1e-5). */
export function fdGrad(p: Params, loss: (p: Params) => number, h = 1e-5): Params {
  const g: Params = new Map();
  for (const [name, v] of p) {
    const d = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const keep = v[i];
      v[i] = keep + h;
      const lp = loss(p);
      v[i] = keep - h;
      const lm = loss(p);
      v[i] = keep;
      d[i] = (lp - lm) / (2 * h);
    }
    g.set(name, d);
  }
  return g;
}

/** Symmetric per-output-channel int8 fake quantization: s = max|w|/127, round half to even, clamp to ±127. */
export function fakeQuant8(w: Float64Array, cout: number): Float64Array {
  const y = new Float64Array(w.length);
  for (let c = 0; c < cout; c++) {
    let m = 0;
    for (let i = c; i < w.length; i += cout) m = Math.max(m, Math.abs(w[i]));
    const s = m > 0 ? m / 127 : 1;
    for (let i = c; i < w.length; i += cout) {
      const v = w[i] / s,
        f = Math.floor(v);
      const r = v - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(v);
      y[i] = Math.min(127, Math.max(-127, r)) * s;
    }
  }
  return y;
}

export interface AdamState {
  m: Params;
  v: Params;
  t: number;
}

/** One Adam (or AdamW, decoupled decay wd) step from the definition (Kingma & Ba 2015, Alg. 1). */
export function adamStep(p: Params, g: Params, st: AdamState, lr: number, b1: number, b2: number, eps: number, wd = 0): void {
  st.t += 1;
  const c1 = 1 - Math.pow(b1, st.t),
    c2 = 1 - Math.pow(b2, st.t);
  for (const [name, w] of p) {
    const gr = g.get(name)!;
    const m = (st.m.get(name) ?? st.m.set(name, new Float64Array(w.length)).get(name))!;
    const v = (st.v.get(name) ?? st.v.set(name, new Float64Array(w.length)).get(name))!;
    const decay = name.endsWith('.w') ? wd : 0;
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * gr[i];
      v[i] = b2 * v[i] + (1 - b2) * gr[i] * gr[i];
      w[i] -= lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + eps) + decay * w[i]);
    }
  }
}
