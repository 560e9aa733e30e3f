// Whole-model latency from the per-layer table: predicted = a + b·Σ table[layer] + c·dispatches.
// Σ is what the layers cost alone (GPU time per layer, timestamps); a, b and c are the per-model overhead (a: the
// constant of a run — input upload, submit, output readback; c: the cost of each dispatch beyond its GPU time),
// fitted by least squares on the relative error of models measured end to end, per family, with one refit
// without outliers (docs/results/predictor/README.md: why, and the figures).

export interface ModelFeatures {
  /** Σ of the table's per-layer times for this model, ms */
  layer_ms: number;
  /** layers that dispatch work */
  layers: number;
  /** dispatches of those layers (a layer may launch several kernels); absent in older records: `layers` */
  dispatches?: number;
}

const dispatchesOf = (f: ModelFeatures) => f.dispatches ?? f.layers;

export interface Overhead {
  a: number;
  b: number;
  c: number;
  /** how many end-to-end measurements the fit was given */
  n: number;
  /** of those, how many the robust refit left out (absent: none) */
  outliers?: number;
}

export const NO_OVERHEAD: Overhead = { a: 0, b: 1, c: 0, n: 0 };

export function predictMs(f: ModelFeatures, o: Overhead): number {
  return o.a + o.b * f.layer_ms + o.c * dispatchesOf(f);
}

/** Solves the small normal equations (Gauss–Jordan with partial pivoting); null when singular. */
function solve(A: number[][], y: number[]): number[] | null {
  const n = y.length;
  const M = A.map((r, i) => [...r, y[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-12) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = M[r][c] / M[c][c];
      for (let j = c; j <= n; j++) M[r][j] -= k * M[c][j];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** Weighted least squares (weights default 1): the normal equations Σ w·r·rᵀ x = Σ w·r·y. */
function lstsq(rows: number[][], y: number[], w?: number[]): number[] | null {
  const k = rows[0].length;
  const wt = (t: number) => (w ? w[t] : 1);
  const A = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => rows.reduce((s, r, t) => s + wt(t) * r[i] * r[j], 0)));
  const b = Array.from({ length: k }, (_, i) => rows.reduce((s, r, t) => s + wt(t) * r[i] * y[t], 0));
  return solve(A, b);
}

export interface FitOptions {
  /**
   * Least squares on the relative error (each sample weighted 1/ms², what MAPE scores) instead of the absolute
   * one, so the largest models do not decide the overhead alone. Default true.
   */
  relative?: boolean;
  /**
   * Refit once without the samples whose relative residual exceeds 3× the median one (a measurement spoiled by a
   * burst of load), when at least 4 remain. Default true.
   */
  robust?: boolean;
}

function fitOnce(samples: { f: ModelFeatures; ms: number }[], relative: boolean): Overhead {
  const n = samples.length;
  if (n === 0) return NO_OVERHEAD;
  const y = samples.map((s) => s.ms);
  const w = relative ? y.map((v) => 1 / Math.max(v, 1e-9) ** 2) : undefined;
  if (n >= 4) {
    const x = lstsq(
      samples.map((s) => [1, s.f.layer_ms, dispatchesOf(s.f)]),
      y,
      w,
    );
    if (x && x[1] > 0 && x[2] >= 0) return { a: x[0], b: x[1], c: x[2], n };
  }
  if (n >= 2) {
    const x = lstsq(
      samples.map((s) => [1, s.f.layer_ms]),
      y,
      w,
    );
    if (x && x[1] > 0) return { a: x[0], b: x[1], c: 0, n };
  }
  const sx = samples.reduce((s, t) => s + t.f.layer_ms, 0);
  return { a: 0, b: sx > 0 ? y.reduce((s, v) => s + v, 0) / sx : 1, c: 0, n };
}

/**
 * Fits the overhead on (features, measured ms) pairs. With 4+ samples all three terms; with 2–3, a + b·Σ; with
 * one, b alone. A fit with a non-positive b (Σ not explaining the time) or a negative per-dispatch cost c (noise:
 * a dispatch cannot save time) falls back to the simpler model, and so
 * does one whose dispatch counts are all equal (MobileNetV1's configurations all have the same layers): c is then
 * part of a. By default on the relative error, refit without outliers (FitOptions); `outliers` counts those left out.
 */
export function fitOverhead(samples: { f: ModelFeatures; ms: number }[], opts: FitOptions = {}): Overhead {
  const relative = opts.relative ?? true;
  const o = fitOnce(samples, relative);
  if (!(opts.robust ?? true) || samples.length < 5) return o;
  const res = samples.map((s) => Math.abs(predictMs(s.f, o) - s.ms) / s.ms);
  const med = [...res].sort((a, b) => a - b)[res.length >> 1];
  const kept = samples.filter((_, i) => res[i] <= 3 * med + 1e-9);
  if (kept.length === samples.length || kept.length < 4) return o;
  return { ...fitOnce(kept, relative), n: samples.length, outliers: samples.length - kept.length };
}

/** An end-to-end sample that may name the reference model it was timed against in the same interleaved rounds. */
export interface PairedSample {
  f: ModelFeatures;
  ms: number;
  /** the reference model's time in the same rounds (absent: a lone absolute time, from an older record) */
  base_ms?: number;
  /** the reference model's label */
  base?: string;
}

/**
 * The samples timed against `base` in the same rounds, as ratios to it (ms / base_ms). Absolute milliseconds from
 * different hours of a shared machine are not comparable — the architecture search recorded cnn_small at 10.9 to
 * 230 ms in different rounds — so a fit across them learns the load of the hour each model was measured at, not
 * the model (docs/results/predictor/README.md). A ratio to a reference run in the same rounds cancels most of the
 * load; samples without one (older records) are left out.
 */
export function ratioSamples(samples: PairedSample[], base: string): { f: ModelFeatures; ms: number }[] {
  return samples
    .filter((s) => s.base === base && s.base_ms !== undefined && s.base_ms > 0 && s.ms > 0)
    .map((s) => ({ f: s.f, ms: s.ms / s.base_ms! }));
}

/**
 * Predicted latency of a model (features `f`) relative to the reference (`fBase`): a + b·Σ + c·dispatches fitted
 * on the samples' ratios to that reference (ratioSamples), so the prediction is already in units of the reference.
 * Not divided by the reference's own prediction: the reference's Σ is one layer table reading like any other (on
 * SwiftShader cnn_small's layers alone sum to ~2× its whole run, while the search's models sum to ~1×), and
 * dividing by it would carry that one reading's error into every ratio. With no paired sample, the ratio of the
 * table sums alone.
 */
export function predictRatio(samples: PairedSample[], base: string, f: ModelFeatures, fBase: ModelFeatures, opts?: FitOptions): number {
  const paired = ratioSamples(samples, base);
  if (!paired.length) return f.layer_ms / fBase.layer_ms;
  return predictMs(f, fitOverhead(paired, opts));
}

/** Mean absolute percentage error, in percent. */
export function mape(pairs: { predicted: number; measured: number }[]): number {
  if (!pairs.length) return NaN;
  return (100 * pairs.reduce((s, p) => s + Math.abs(p.predicted - p.measured) / p.measured, 0)) / pairs.length;
}

/**
 * A per-op cost model fitted on the latency table: ms = p + q·MACs + r·bytes for each op (least squares, then
 * again without the layers whose residual exceeds 3× the median absolute residual). It smooths the noise of
 * single layer timings on a loaded machine and prices layers the table lacks (a larger resolution, say).
 */
const M = 1e-6; // features in millions keep the normal equations well conditioned

export class LayerCostModel {
  private coef = new Map<string, number[]>();
  private fallback: number[] = [0, 0, 0];

  constructor(entries: { op: string; ms: number; macs: number; bytes: number }[]) {
    const byOp = new Map<string, typeof entries>();
    for (const e of entries) {
      if (e.bytes === undefined) continue; // written by an older table
      byOp.set(e.op, [...(byOp.get(e.op) ?? []), e]);
    }
    for (const [op, es] of byOp) this.coef.set(op, LayerCostModel.fit(es));
    this.fallback = LayerCostModel.fit(entries.filter((e) => e.bytes !== undefined));
  }

  private static fit(es: { ms: number; macs: number; bytes: number }[]): number[] {
    if (!es.length) return [0, 0, 0];
    const mean = es.reduce((s, e) => s + e.ms, 0) / es.length;
    const attempt = (rows: typeof es): number[] | null => {
      if (rows.length >= 4) {
        const w = lstsq(
          rows.map((e) => [1, e.macs * M, e.bytes * M]),
          rows.map((e) => e.ms),
        );
        if (w && w[1] >= 0 && w[2] >= 0) return w;
      }
      if (rows.length >= 2) {
        const w = lstsq(
          rows.map((e) => [1, e.macs * M]),
          rows.map((e) => e.ms),
        );
        if (w && w[1] >= 0) return [w[0], w[1], 0];
        const v = lstsq(
          rows.map((e) => [1, e.bytes * M]),
          rows.map((e) => e.ms),
        );
        if (v && v[1] >= 0) return [v[0], 0, v[1]];
      }
      return null;
    };
    let w = attempt(es) ?? [mean, 0, 0];
    const res = es.map((e) => Math.abs(w[0] + w[1] * e.macs * M + w[2] * e.bytes * M - e.ms));
    const mad = [...res].sort((a, b) => a - b)[res.length >> 1];
    const kept = es.filter((_, i) => res[i] <= 3 * mad + 1e-9);
    if (kept.length < es.length) w = attempt(kept) ?? w;
    return w;
  }

  predict(op: string, macs: number, bytes: number): number {
    const w = this.coef.get(op) ?? this.fallback;
    return Math.max(0, w[0] + w[1] * macs * M + w[2] * bytes * M);
  }
}
