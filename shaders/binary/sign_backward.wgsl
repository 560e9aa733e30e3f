// sign_backward — straight-through estimator of sign_forward with the hard-tanh clip (Courbariaux et al. 2016):
//   dx[i] = dy[i] · 1[|x[i]| ≤ 1]
// Layout: x, dy, dx flat [n]. Thread: one element per invocation. Overwrites dx.

struct Params { n: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  dx[i] = select(0.0, dy[i], abs(x[i]) <= 1.0);
}
