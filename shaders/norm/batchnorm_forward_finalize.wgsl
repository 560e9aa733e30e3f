// batchnorm_forward_finalize — training-mode batch-norm, pass 1 split over row parts (batchnorm_forward_stats with
// PARTS > 1): the parts' sums of the shifted data turned into the statistics, and the running averages updated.
//
// Math:   S1[c] = Σ_p part_s1[p,c] = Σ_r d,  S2[c] = Σ_p part_s2[p,c] = Σ_r d²  with d = x − K, K[c] = x[0,c];
//         mean = K + S1/M,  var = (S2 − S1·S1/M)/M (clamped at 0),  rstd = 1/√(var + ε);
//         UPDATE = 1: run_mean ← (1−m)·run_mean + m·mean,  run_var ← (1−m)·run_var + m·var·M/(M−1).
// Layout: x [M, C] (row 0 read: K), part_s1, part_s2 [P, C] (a vec4 pass-1 kernel's [P, C/4] vec4 is the same
//         memory), run_mean, run_var, mean, rstd [C]. Thread: one channel per invocation, i = c; the parts are added
//         in order p = 0, 1, … Overwrites mean, rstd; updates run_mean, run_var in place.

struct Params { n: u32, parts: u32, rows: u32, eps: f32, momentum: f32 }
override WG: u32 = 64u;
override UPDATE: u32 = 1u;

//! uniform params: Params
//! read x: array<f32>
//! read part_s1: array<f32>
//! read part_s2: array<f32>
//! read_write run_mean: array<f32>
//! read_write run_var: array<f32>
//! read_write mean: array<f32>
//! read_write rstd: array<f32>

//! entry
  var s1 = 0.0;
  var s2 = 0.0;
  for (var p = 0u; p < params.parts; p++) {
    s1 += part_s1[p * params.n + i];
    s2 += part_s2[p * params.n + i];
  }
  let M = f32(params.rows);
  let dm = s1 / M;
  let v = max((s2 - s1 * dm) / M, 0.0);
  mean[i] = x[i] + dm;
  rstd[i] = inverseSqrt(v + params.eps);
  if (UPDATE == 1u) {
    let mom = params.momentum;
    run_mean[i] = (1.0 - mom) * run_mean[i] + mom * (x[i] + dm);
    run_var[i] = (1.0 - mom) * run_var[i] + mom * v * M / f32(max(params.rows, 2u) - 1u);
  }
}
