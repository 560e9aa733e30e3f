// Statistics of the study (scripts/study.ts): per-arm mean ± sample standard deviation, and the paired difference
// of two arms over the same seeds with a two-sided 95% confidence interval from Student's t distribution
// (mean(d) ± t(0.975, n−1) · sd(d) / √n, d_i = a_i − b_i). Plain functions, tested by hand-computed examples.

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** t(0.975, df) for df = 1..30 (standard tables, 3 decimals). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5% quantile of Student's t with `df` degrees of freedom (table up to 30, then the Cornish–Fisher
 *  expansion z + (z³ + z)/(4·df) + (5z⁵ + 16z³ + 3z)/(96·df²), within 0.0002 of the exact value there). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`t quantile needs an integer df ≥ 1 (got ${df})`);
  if (df <= 30) return T975[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface PairedDifference {
  n: number;
  /** Mean of a_i − b_i. */
  mean: number;
  std: number;
  /** Two-sided 95% confidence interval of the mean difference (null with fewer than 2 pairs). */
  ci: [number, number] | null;
}

/** a_i − b_i over pairs (the same seed in both arms). */
export function pairedDifference(a: number[], b: number[]): PairedDifference {
  if (a.length !== b.length || a.length === 0)
    throw new Error(`paired difference needs two equally long, non-empty lists (got ${a.length} and ${b.length})`);
  const d = a.map((x, i) => x - b[i]);
  const m = mean(d);
  const s = std(d);
  const half = d.length >= 2 ? (tQuantile975(d.length - 1) * s) / Math.sqrt(d.length) : NaN;
  return { n: d.length, mean: m, std: s, ci: d.length >= 2 ? [m - half, m + half] : null };
}

/** Top-1 agreement: the fraction of positions where two prediction lists name the same class. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0)
    throw new Error(`agreement needs two equally long, non-empty prediction lists (got ${a.length} and ${b.length})`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
