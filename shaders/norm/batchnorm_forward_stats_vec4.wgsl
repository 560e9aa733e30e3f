// batchnorm_forward_stats_vec4 — batchnorm_forward_stats for C % 4 = 0, four neighbouring channels per thread
// with vec4 loads (a CPU adapter's SIMD loads and a GPU's 16-byte loads both prefer it).
//
// Math:   mean[c] = (1/M) Σ_r x[r,c],  var[c] = (1/M) Σ_r (x[r,c] − mean[c])²,  rstd[c] = 1/√(var[c] + ε)
//         (two passes over the rows, so no cancellation), M = N·H·W rows.
//         When UPDATE = 1: run_mean ← (1−m)·run_mean + m·mean,  run_var ← (1−m)·run_var + m·var·M/(M−1).
// Layout: x [M, C/4] of vec4 (NHWC flattened, C % 4 = 0), run_mean, run_var, mean, rstd [C/4] of vec4.
// Thread: one workgroup per CG channel quads, WG / CG threads per quad (common/channel_reduce): each thread sums
//         its strided rows, the workgroup adds the partials to the mean; then the same for the squared
//         deviations. Thread t < CG writes quad g·CG + t. Overwrites mean, rstd; updates run_mean, run_var.

struct Params { c: u32, rows: u32, eps: f32, momentum: f32 }
override WG: u32 = 64u;
override CG: u32 = 2u;
override UPDATE: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> run_mean: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> run_var: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> mean: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> rstd: array<vec4<f32>>;

alias Partial = vec4<f32>;
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C4 = params.c / 4u;
  let c = (wid.x + wid.y * nwg.x) * CG + t % CG; // channel quad
  let live = c < C4; // no early return before the barriers in channel_total
  var s = vec4(0.0);
  if (live) {
    for (var r = t / CG; r < params.rows; r += WG / CG) { s += x[r * C4 + c]; }
  }
  let m = channel_total(t, s) / f32(params.rows);
  var q = vec4(0.0);
  if (live) {
    for (var r = t / CG; r < params.rows; r += WG / CG) {
      let d = x[r * C4 + c] - m;
      q += d * d;
    }
  }
  let ss = channel_total(t, q);
  if (!live || t >= CG) { return; }
  mean[c] = m;
  rstd[c] = inverseSqrt(ss / f32(params.rows) + params.eps);
  if (UPDATE == 1u) {
    let mom = params.momentum;
    run_mean[c] = (1.0 - mom) * run_mean[c] + mom * m;
    run_var[c] = (1.0 - mom) * run_var[c] + mom * ss / f32(max(params.rows, 2u) - 1u);
  }
}
