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
//         PARTS > 1 (few channel groups, many rows: one workgroup per group would leave a CPU adapter's other threads
//         idle): workgroup w takes channel group w / PARTS and the contiguous rows [p·L, min((p+1)·L, M)) of part
//         p = w % PARTS, L = ⌈M / PARTS⌉, and writes that part's raw Σ x to mean[p·C + c] and its Σ (x − mean_p)²
//         (around the part's own mean) to rstd[p·C + c], both bound to [PARTS, C] scratch; UPDATE must be 0;
//         batchnorm_forward_finalize merges the parts (Chan et al.'s pairwise update) and does the rest.

struct Params { c: u32, rows: u32, eps: f32, momentum: f32 }
override WG: u32 = 64u;
override CG: u32 = ${CG}u;
override UPDATE: u32 = 1u;
override PARTS: u32 = 1u;

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
  let w = wid.x + wid.y * nwg.x;
  let part = w % PARTS;
  let c = (w / PARTS) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  let L = (params.rows + PARTS - 1u) / PARTS;
  let r1 = min((part + 1u) * L, params.rows);
  let r0 = min(part * L, r1); // PARTS = 1: all the rows
  var s = ${T}(0.0);
  if (live) {
    for (var r = r0 + t / CG; r < r1; r += WG / CG) { s += x[r * C + c]; }
  }
  let sum = channel_total(t, s);
  let m = sum / f32(max(r1 - r0, 1u));
  var q = ${T}(0.0);
  if (live) {
    for (var r = r0 + t / CG; r < r1; r += WG / CG) {
      let d = x[r * C + c] - m;
      q += d * d;
    }
  }
  let ss = channel_total(t, q);
  if (!live || t >= CG) { return; }
  if (PARTS > 1u) {
    mean[part * C + c] = sum;
    rstd[part * C + c] = ss;
    return;
  }
  mean[c] = m;
  rstd[c] = inverseSqrt(ss / f32(params.rows) + params.eps);
  if (UPDATE == 1u) {
    let mom = params.momentum;
    run_mean[c] = (1.0 - mom) * run_mean[c] + mom * m;
    run_var[c] = (1.0 - mom) * run_var[c] + mom * ss / f32(max(params.rows, 2u) - 1u);
  }
}
