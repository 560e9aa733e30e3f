// batchnorm_backward_reduce_vec4 — batchnorm_backward_reduce for C % 4 = 0, four neighbouring channels per
// thread with vec4 loads.
//
// Math:   x̂[r,c] = (x[r,c] − mean[c])·rstd[c];   dbeta[c] = Σ_r dy[r,c];   dgamma[c] = Σ_r dy[r,c]·x̂[r,c]
// Layout: x, dy [M, C/4] of vec4 (NHWC flattened, C % 4 = 0), mean, rstd, dgamma, dbeta [C/4] of vec4.
// Thread: one workgroup per CG channel quads, WG / CG threads per quad (common/channel_reduce): each thread sums
//         both terms over its strided rows (the two columns of a 2×4 matrix), the workgroup adds the partials.
//         Thread t < CG writes quad g·CG + t. Overwrites dgamma, dbeta.

struct Params { c: u32, rows: u32 }
override WG: u32 = 64u;
override CG: u32 = 2u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> mean: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> rstd: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dgamma: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dbeta: array<vec4<f32>>;

alias Partial = mat2x4<f32>; // columns (Σ dy, Σ dy·(x − mean)) of four channels
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C4 = params.c / 4u;
  let c = (wid.x + wid.y * nwg.x) * CG + t % CG; // channel quad
  let live = c < C4; // no early return before the barriers in channel_total
  var sd = vec4(0.0);
  var sdx = vec4(0.0);
  if (live) {
    let m = mean[c];
    for (var r = t / CG; r < params.rows; r += WG / CG) {
      let g = dy[r * C4 + c];
      sd += g;
      sdx += g * (x[r * C4 + c] - m);
    }
  }
  let total = channel_total(t, mat2x4(sd, sdx));
  if (!live || t >= CG) { return; }
  dbeta[c] = total[0];
  dgamma[c] = total[1] * rstd[c];
}
