// ${NAME} — training-mode batch-norm, pass 1: the batch statistics of each channel, saved for
// the backward pass (llm.c style named buffers), and the running averages updated in place.
//
// Math:   mean[c] = (1/M) Σ_r x[r,c],  var[c] = (1/M) Σ_r (x[r,c] − mean[c])²,  rstd[c] = 1/√(var[c] + ε)
//         (two passes over the rows, so no cancellation), M = N·H·W rows.
//         When UPDATE = 1: run_mean ← (1−m)·run_mean + m·mean,  run_var ← (1−m)·run_var + m·var·M/(M−1)
//         (the unbiased variance, as PyTorch keeps it).
//! if VEC4
// Layout: x [M, C/4] of vec4 (NHWC flattened, C % 4 = 0), run_mean, run_var, mean, rstd [C/4] of vec4: four
//         neighbouring channels per thread (a CPU adapter's SIMD loads and a GPU's 16-byte loads both prefer it).
//         Below, a "channel" c is a channel quad.
//! else
// Layout: x [M, C] (NHWC flattened), run_mean, run_var, mean, rstd [C]. Any C.
//! end
// Thread: one workgroup per CG channels, WG / CG threads per channel (common/channel_reduce): each thread sums
//         x over its strided rows, the workgroup adds the partials to the mean; then the same for the squared
//         deviations from it. Thread t < CG writes channel g·CG + t. Overwrites mean, rstd; updates run_mean,
//         run_var in place.

struct Params { c: u32, rows: u32, eps: f32, momentum: f32 }
override WG: u32 = 64u;
override CG: u32 = ${CG}u;
override UPDATE: u32 = 1u;

//! uniform params: Params
//! read x: array<${T}>
//! read_write run_mean: array<${T}>
//! read_write run_var: array<${T}>
//! read_write mean: array<${T}>
//! read_write rstd: array<${T}>

alias Partial = ${T};
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C = params.c / ${V}u; // channels, or channel quads
  let c = (wid.x + wid.y * nwg.x) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  var s = ${T}(0.0);
  if (live) {
    for (var r = t / CG; r < params.rows; r += WG / CG) { s += x[r * C + c]; }
  }
  let m = channel_total(t, s) / f32(params.rows);
  var q = ${T}(0.0);
  if (live) {
    for (var r = t / CG; r < params.rows; r += WG / CG) {
      let d = x[r * C + c] - m;
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
