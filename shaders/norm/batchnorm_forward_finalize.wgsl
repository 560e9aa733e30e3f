// batchnorm_forward_finalize — training-mode batch-norm statistics, after pass 1 split over row parts
// (batchnorm_forward_stats with PARTS > 1): the parts' sums merged (Chan, Golub & LeVeque's pairwise update).
//
// Math:   part p holds the n_p rows [p·L, min((p+1)·L, M)), L = ⌈M / P⌉, with S_p = Σ x and Q_p = Σ (x − S_p/n_p)²;
//         mean = Σ_p S_p / M,  var = (1/M) Σ_p ( Q_p + n_p·(S_p/n_p − mean)² ),  rstd = 1/√(var + ε);
//         when UPDATE = 1 the running averages as batchnorm_forward_stats (run_var takes var·M/(M−1)).
// Layout: part_sum, part_m2 [P, C] (a vec4 pass-1 kernel's [P, C/4] vec4 is the same memory); run_mean, run_var,
//         mean, rstd [C]. Thread: one channel per invocation, i = c; the parts in order p = 0, 1, …
//         Overwrites mean, rstd; updates run_mean, run_var in place.

struct Params { n: u32, parts: u32, rows: u32, eps: f32, momentum: f32 }
override WG: u32 = 64u;
override UPDATE: u32 = 1u;

//! uniform params: Params
//! read part_sum: array<f32>
//! read part_m2: array<f32>
//! read_write run_mean: array<f32>
//! read_write run_var: array<f32>
//! read_write mean: array<f32>
//! read_write rstd: array<f32>

//! entry
  let L = (params.rows + params.parts - 1u) / params.parts;
  var s = 0.0;
  for (var p = 0u; p < params.parts; p++) { s += part_sum[p * params.n + i]; }
  let m = s / f32(params.rows);
  var q = 0.0;
  for (var p = 0u; p < params.parts; p++) {
    let r1 = min((p + 1u) * L, params.rows);
    let r0 = min(p * L, r1);
    if (r1 > r0) {
      let cnt = f32(r1 - r0);
      let d = part_sum[p * params.n + i] / cnt - m;
      q += part_m2[p * params.n + i] + cnt * d * d;
    }
  }
  mean[i] = m;
  rstd[i] = inverseSqrt(q / f32(params.rows) + params.eps);
  if (UPDATE == 1u) {
    let mom = params.momentum;
    run_mean[i] = (1.0 - mom) * run_mean[i] + mom * m;
    run_var[i] = (1.0 - mom) * run_var[i] + mom * q / f32(max(params.rows, 2u) - 1u);
  }
}
