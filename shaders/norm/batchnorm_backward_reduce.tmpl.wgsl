// ${NAME} — training-mode batch-norm backward, pass 1: the parameter gradients, which are
// also the two per-channel sums the input gradient needs.
//
// Math:   x̂[r,c] = (x[r,c] − mean[c])·rstd[c];   dbeta[c] = Σ_r g[r,c];   dgamma[c] = Σ_r g[r,c]·x̂[r,c]
//         with g = dy, or, when the forward fused an activation (override ACT ≠ 0: y = act(z), z = γ·x̂ + β),
//         g = dy·act'(z), z recomputed from x (the activation's gradient as a prologue: no separate pass).
//! if VEC4
// Layout: x, dy [M, C/4] of vec4 (NHWC flattened, C % 4 = 0), mean, rstd, dgamma, dbeta [C/4] of vec4: four
//         neighbouring channels per thread. Below, a "channel" c is a channel quad.
//! else
// Layout: x, dy [M, C] (NHWC flattened), mean, rstd (saved by the forward), dgamma, dbeta [C]. Any C.
//! end
// Thread: one workgroup per CG channels, WG / CG threads per channel (common/channel_reduce): each thread sums
//         both terms over its strided rows, the workgroup adds the partials. Thread t < CG writes channel
//         g·CG + t. Overwrites dgamma, dbeta.
//         PARTS > 1 (few channels, many rows: one workgroup per channel group would leave a CPU adapter's other
//         threads idle): workgroup w takes channel group w / PARTS and part p = w % PARTS of the row lanes (row lane
//         p·WG/CG + t/CG of PARTS·WG/CG), and writes its raw sums to dbeta[p·C + c], dgamma[p·C + c] (bound to
//         [PARTS, C] scratch); batchnorm_backward_finalize adds the parts and applies rstd.

struct Params { c: u32, rows: u32 }
override WG: u32 = 64u;
override PARTS: u32 = 1u;
override CG: u32 = ${CG}u;

//! uniform params: Params
//! read x: array<${T}>
//! read dy: array<${T}>
//! read mean: array<${T}>
//! read rstd: array<${T}>
//! read gamma: array<${T}>
//! read beta: array<${T}>
//! read_write dgamma: array<${T}>
//! read_write dbeta: array<${T}>

alias Partial = ${PAIR}; // columns (Σ g, Σ g·(x − mean))
//! import channel_reduce
//! import activation

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C = params.c / ${V}u; // channels, or channel quads
  let w = wid.x + wid.y * nwg.x;
  let part = w % PARTS;
  let c = (w / PARTS) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  var sd = ${T}(0.0);
  var sdx = ${T}(0.0);
  if (live) {
    let m = mean[c];
    let rs = rstd[c]; // z = (x − m)·rstd·γ + β, the forward's expression
    let gm = gamma[c];
    let b = beta[c];
    for (var r = part * (WG / CG) + t / CG; r < params.rows; r += PARTS * (WG / CG)) {
      let xc = x[r * C + c] - m;
      var g = dy[r * C + c];
      if (ACT != 0u) {
//! if VEC4
        g *= activate_grad4(xc * rs * gm + b);
//! else
        g *= activate_grad(xc * rs * gm + b);
//! end
      }
      sd += g;
      sdx += g * xc;
    }
  }
  let total = channel_total(t, ${PAIR}(sd, sdx));
  if (!live || t >= CG) { return; }
  if (PARTS > 1u) {
    dbeta[part * C + c] = total[0];
    dgamma[part * C + c] = total[1];
    return;
  }
  dbeta[c] = total[0];
  dgamma[c] = total[1] * rstd[c];
}
