// conv2d_backward_bias — gradient of the bias: db[c] = Σ_r dy[r, c] over every row r = (n, oh, ow).
// Layout: dy [rows, C] (NHWC flattened), db [C]. Thread: one channel per invocation. Overwrites db.

struct Params { n: u32, rows: u32 }
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  var acc = 0.0;
  for (var r = 0u; r < params.rows; r++) { acc += dy[r * params.n + i]; }
  db[i] = acc;
}
