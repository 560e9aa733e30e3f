// ${NAME} — training-mode batch-norm, pass 1: the batch statistics of each channel, saved for
// the backward pass (llm.c style named buffers), and the running averages updated in place.
//
// Math:   mean[c] = (1/M) Σ_r x[r,c],  var[c] = (1/M) Σ_r (x[r,c] − mean[c])²,  rstd[c] = 1/√(var[c] + ε),
//         M = N·H·W rows. One pass over the rows, on data shifted by row 0 (K[c] = x[0,c], a sample of the channel,
//         so |mean − K| is of the order of the standard deviation and Σd² − (Σd)²/M does not cancel):
//           d = x − K,  S1 = Σ_r d,  S2 = Σ_r d²,  mean = K + S1/M,  var = (S2 − S1·S1/M)/M  (clamped at 0).
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
//         d and d² over its strided rows, the workgroup adds the partials. Thread t < CG writes channel g·CG + t.
//         Overwrites mean, rstd; updates run_mean, run_var in place.
//         PARTS > 1 (few channels, many rows: one workgroup per channel group would leave a CPU adapter's other
//         threads idle): workgroup w takes channel group w / PARTS and part p = w % PARTS of the row lanes (row lane
//         p·WG/CG + t/CG of PARTS·WG/CG), and writes its raw sums S1, S2 to mean[p·C + c], rstd[p·C + c] (bound to
//         [PARTS, C] scratch); batchnorm_forward_finalize adds the parts and writes the statistics.

struct Params { c: u32, rows: u32, eps: f32, momentum: f32 }
override WG: u32 = 64u;
override PARTS: u32 = 1u;
override CG: u32 = ${CG}u;
override UPDATE: u32 = 1u;

//! uniform params: Params
//! read x: array<${T}>
//! read_write run_mean: array<${T}>
//! read_write run_var: array<${T}>
//! read_write mean: array<${T}>
//! read_write rstd: array<${T}>

alias Partial = ${PAIR}; // columns (S1, S2)
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C = params.c / ${V}u; // channels, or channel quads
  let w = wid.x + wid.y * nwg.x;
  let part = w % PARTS;
  let c = (w / PARTS) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  var s1 = ${T}(0.0);
  var s2 = ${T}(0.0);
  var k = ${T}(0.0);
  if (live) {
    k = x[c];
    for (var r = part * (WG / CG) + t / CG; r < params.rows; r += PARTS * (WG / CG)) {
      let d = x[r * C + c] - k;
      s1 += d;
      s2 += d * d;
    }
  }
  let total = channel_total(t, ${PAIR}(s1, s2));
  if (!live || t >= CG) { return; }
  if (PARTS > 1u) {
    mean[part * C + c] = total[0];
    rstd[part * C + c] = total[1];
    return;
  }
  let M = f32(params.rows);
  let dm = total[0] / M;
  let v = max((total[1] - total[0] * dm) / M, ${T}(0.0));
  mean[c] = k + dm;
  rstd[c] = inverseSqrt(v + params.eps);
  if (UPDATE == 1u) {
    let mom = params.momentum;
    run_mean[c] = (1.0 - mom) * run_mean[c] + mom * (k + dm);
    run_var[c] = (1.0 - mom) * run_var[c] + mom * v * M / f32(max(params.rows, 2u) - 1u);
  }
}
