// ${NAME} — training-mode batch-norm backward, pass 1: the parameter gradients, which are
// also the two per-channel sums the input gradient needs.
//
// Math:   x̂[r,c] = (x[r,c] − mean[c])·rstd[c];   dbeta[c] = Σ_r dy[r,c];   dgamma[c] = Σ_r dy[r,c]·x̂[r,c]
//! if VEC4
// Layout: x, dy [M, C/4] of vec4 (NHWC flattened, C % 4 = 0), mean, rstd, dgamma, dbeta [C/4] of vec4: four
//         neighbouring channels per thread. Below, a "channel" c is a channel quad.
//! else
// Layout: x, dy [M, C] (NHWC flattened), mean, rstd (saved by the forward), dgamma, dbeta [C]. Any C.
//! end
// Thread: one workgroup per CG channels, WG / CG threads per channel (common/channel_reduce): each thread sums
//         both terms over its strided rows, the workgroup adds the partials. Thread t < CG writes channel
//         g·CG + t. Overwrites dgamma, dbeta.

struct Params { c: u32, rows: u32 }
override WG: u32 = 64u;
override CG: u32 = ${CG}u;

//! uniform params: Params
//! read x: array<${T}>
//! read dy: array<${T}>
//! read mean: array<${T}>
//! read rstd: array<${T}>
//! read_write dgamma: array<${T}>
//! read_write dbeta: array<${T}>

alias Partial = ${PAIR}; // columns (Σ dy, Σ dy·(x − mean))
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C = params.c / ${V}u; // channels, or channel quads
  let c = (wid.x + wid.y * nwg.x) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  var sd = ${T}(0.0);
  var sdx = ${T}(0.0);
  if (live) {
    let m = mean[c];
    for (var r = t / CG; r < params.rows; r += WG / CG) {
      let g = dy[r * C + c];
      sd += g;
      sdx += g * (x[r * C + c] - m);
    }
  }
  let total = channel_total(t, ${PAIR}(sd, sdx));
  if (!live || t >= CG) { return; }
  dbeta[c] = total[0];
  dgamma[c] = total[1] * rstd[c];
}
