// batchnorm_forward_apply — training-mode batch-norm, pass 2: y[r,c] = (x[r,c] − mean[c])·rstd[c]·γ[c] + β[c]
// with the batch statistics from batchnorm_forward_stats.
// Layout: x, y [M, C] (NHWC flattened), mean, rstd, gamma, beta [C]. Thread: one element per invocation.
// Overwrites y.

struct Params { n: u32, c: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c = i % params.c;
  y[i] = (x[i] - mean[c]) * rstd[c] * gamma[c] + beta[c];
}
