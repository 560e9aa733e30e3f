// conv2d_backward_bias_vec4 — conv2d_backward_bias for C % 4 = 0, four neighbouring channels per thread with
// vec4 loads: db[c] = Σ_r dy[r, c] over every row r = (n, oh, ow).
// Layout: dy [rows, C/4] of vec4 (NHWC flattened, C % 4 = 0), db [C/4] of vec4.
// Thread: one workgroup per CG channel quads, WG / CG threads per quad (common/channel_reduce): each thread sums
//         its strided rows, the workgroup adds the partials. Thread t < CG writes quad g·CG + t. Overwrites db.

struct Params { c: u32, rows: u32 }
override WG: u32 = 64u;
override CG: u32 = 2u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> db: array<vec4<f32>>;

alias Partial = vec4<f32>;
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C4 = params.c / 4u;
  let c = (wid.x + wid.y * nwg.x) * CG + t % CG; // channel quad
  let live = c < C4; // no early return before the barriers in channel_total
  var acc = vec4(0.0);
  if (live) {
    for (var r = t / CG; r < params.rows; r += WG / CG) { acc += dy[r * C4 + c]; }
  }
  let total = channel_total(t, acc);
  if (!live || t >= CG) { return; }
  db[c] = total;
}
