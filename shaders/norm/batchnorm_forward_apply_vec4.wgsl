// batchnorm_forward_apply_vec4 — batchnorm_forward_apply four channels at a time (C % 4 = 0):
//   y[r,c] = (x[r,c] − mean[c])·rstd[c]·γ[c] + β[c]
// Layout: x, y [M, C/4] vec4 (NHWC flattened); mean, rstd, gamma, beta [C/4] vec4.
// Thread: one vec4 (four channels of one row) per invocation, i = r·C/4 + q. Overwrites y.

struct Params { n: u32, c4: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mean: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> rstd: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> gamma: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> beta: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let q = i % params.c4;
  y[i] = (x[i] - mean[q]) * rstd[q] * gamma[q] + beta[q];
}
