// batchnorm_backward_input_vec4 — batchnorm_backward_input four channels at a time (C % 4 = 0):
//   dx[r,c] = γ[c]·rstd[c]/M · ( M·dy[r,c] − dbeta[c] − x̂[r,c]·dgamma[c] ),  x̂ = (x − mean)·rstd
// Layout: x, dy, dx [M, C/4] vec4 (NHWC flattened); mean, rstd, gamma, dgamma, dbeta [C/4] vec4.
// Thread: one vec4 (four channels of one row) per invocation, i = r·C/4 + q. Overwrites dx.

struct Params { n: u32, c4: u32, rows: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> mean: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> rstd: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> gamma: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> dgamma: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> dbeta: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dx: array<vec4<f32>>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let q = i % params.c4;
  let M = f32(params.rows);
  let xhat = (x[i] - mean[q]) * rstd[q];
  dx[i] = gamma[q] * rstd[q] / M * (M * dy[i] - dbeta[q] - xhat * dgamma[q]);
}
