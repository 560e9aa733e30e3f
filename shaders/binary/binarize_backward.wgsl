// binarize_backward — straight-through estimator of binarize_forward with the hard-tanh clip (Courbariaux et al.
// 2016): dw[i] = dy[i] · 1[|w[i]| ≤ 1]  (the scale α is treated as a constant).
// Layout: w, dy, dw flat [n]. Thread: one element per invocation. Overwrites dw.

struct Params { n: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  dw[i] = select(0.0, dy[i], abs(w[i]) <= 1.0);
}
