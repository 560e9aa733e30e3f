// ${NAME} — gradient of the bias: db[c] = Σ_r dy[r, c] over every row r = (n, oh, ow).
//! if VEC4
// Layout: dy [rows, C/4] of vec4 (NHWC flattened, C % 4 = 0), db [C/4] of vec4: four neighbouring channels per
//         thread. Below, a "channel" c is a channel quad.
//! else
// Layout: dy [rows, C] (NHWC flattened), db [C]. Any C.
//! end
// Thread: one workgroup per CG channels, WG / CG threads per channel (common/channel_reduce): each thread sums
//         its strided rows, the workgroup adds the partials. Thread t < CG writes channel g·CG + t. Overwrites db.

struct Params { c: u32, rows: u32 }
override WG: u32 = 64u;
override CG: u32 = ${CG}u;

//! uniform params: Params
//! read dy: array<${T}>
//! read_write db: array<${T}>

alias Partial = ${T};
//! import channel_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C = params.c / ${V}u; // channels, or channel quads
  let c = (wid.x + wid.y * nwg.x) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  var acc = ${T}(0.0);
  if (live) {
    for (var r = t / CG; r < params.rows; r += WG / CG) { acc += dy[r * C + c]; }
  }
  let total = channel_total(t, acc);
  if (!live || t >= CG) { return; }
  db[c] = total;
}
