// sumsq_partial — first pass of the global gradient norm: partial[offset + t] = Σ_{j in chunk t} x[j]², chunks
// of CHUNK consecutive elements of one tensor. Layout: x flat [len], partial [P] shared by every tensor of the
// norm (each writes its own range from `offset`). Thread: one chunk per invocation. Overwrites its partials.

struct Params { n: u32, len: u32, offset: u32 }
override WG: u32 = 64u;
const CHUNK: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = invocation_index(gid, nwg);
  if (t >= params.n) { return; }
  let end = min(params.len, (t + 1u) * CHUNK);
  var acc = 0.0;
  for (var j = t * CHUNK; j < end; j++) { acc += x[j] * x[j]; }
  partial[params.offset + t] = acc;
}
