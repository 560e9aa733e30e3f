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
  ['c1.w', [3, 3, 2, 4]], ['c1.b', [4]],
  ['c2.w', [3, 3, 4, 4]], ['c2.b', [4]],
  ['classifier.w', [1, 1, 4, 3]], ['classifier.b', [3]],
];
export const TINY_IN = [5, 5, 2];
export const TINY_CLASSES = 3;

/** y[n,oh,ow,co] = b[co] + Σ_{kh,kw,ci} x[n, oh·s − pt + kh, ow·s − pl + kw, ci] · w[kh,kw,ci,co] (0 outside). */
function conv(x: Float64Array, [n, h, w, c]: number[], wt: Float64Array, [kh, kw, , co]: number[], b: Float64Array, s: number, [pt, pl, pb, pr]: number[]) {
  const oh = Math.floor((h + pt + pb - kh) / s) + 1, ow = Math.floor((w + pl + pr - kw) / s) + 1;
  const y = new Float64Array(n * oh * ow * co);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < oh; a++)
      for (let bb = 0; bb < ow; bb++)
        for (let o = 0; o < co; o++) {
          let acc = b[o];
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const ih = a * s - pt + p, iw = bb * s - pl + q;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              for (let ci = 0; ci < c; ci++) acc += x[((i * h + ih) * w + iw) * c + ci] * wt[((p * kw + q) * c + ci) * co + o];
            }
          y[((i * oh + a) * ow + bb) * co + o] = acc;
        }
  return { y, shape: [n, oh, ow, co] };
}

/** Logits [B, 3] of TinyNet. */
export function tinyForward(p: Params, x: ArrayLike<number>, batch: number): Float64Array {
  const x0 = Float64Array.from(x);
  const l1 = conv(x0, [batch, ...TINY_IN], p.get('c1.w')!, [3, 3, 2, 4], p.get('c1.b')!, 1, [1, 1, 1, 1]);
  const a1 = l1.y.map(Math.tanh);
  const l2 = conv(a1, l1.shape, p.get('c2.w')!, [3, 3, 4, 4], p.get('c2.b')!, 2, [0, 1, 1, 0]);
  const a2 = l2.y.map(Math.tanh);
  const [, oh, ow, c] = l2.shape;
  const fw = p.get('classifier.w')!, fb = p.get('classifier.b')!;
  const z = new Float64Array(batch * TINY_CLASSES);
  for (let i = 0; i < batch; i++)
    for (let k = 0; k < TINY_CLASSES; k++) {
      let acc = fb[k];
      for (let ci = 0; ci < c; ci++) {
        let mean = 0;
        for (let j = 0; j < oh * ow; j++) mean += a2[(i * oh * ow + j) * c + ci];
        acc += (mean / (oh * ow)) * fw[ci * TINY_CLASSES + k];
      }
      z[i * TINY_CLASSES + k] = acc;
    }
  return z;
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
    const lp = logSoftmaxRow(s, r * cols, cols, 1 / tau), lq = logSoftmaxRow(t, r * cols, cols, 1 / tau);
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
      const v = w[i] / s, f = Math.floor(v);
      const r = v - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(v);
      y[i] = Math.min(127, Math.max(-127, r)) * s;
    }
  }
  return y;
}

export interface AdamState { m: Params; v: Params; t: number }

/** One Adam (or AdamW, decoupled decay wd) step from the definition (Kingma & Ba 2015, Alg. 1). */
export function adamStep(p: Params, g: Params, st: AdamState, lr: number, b1: number, b2: number, eps: number, wd = 0): void {
  st.t += 1;
  const c1 = 1 - Math.pow(b1, st.t), c2 = 1 - Math.pow(b2, st.t);
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
