// ${NAME} — training-mode batch-norm, pass 2: y[r,c] = (x[r,c] − mean[c])·rstd[c]·γ[c] + β[c]
// with the batch statistics from batchnorm_forward_stats.
//! if VEC4
// Layout: x, y [M, C/4] vec4 (NHWC flattened, C % 4 = 0); mean, rstd, gamma, beta [C/4] vec4.
// Thread: one vec4 (four channels of one row) per invocation, i = r·C/4 + q. Overwrites y.
//! else
// Layout: x, y [M, C] (NHWC flattened), mean, rstd, gamma, beta [C]. Thread: one element per invocation.
// Overwrites y.
//! end

struct Params { n: u32, ${CN}: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read> mean: array<${T}>;
@group(0) @binding(3) var<storage, read> rstd: array<${T}>;
@group(0) @binding(4) var<storage, read> gamma: array<${T}>;
@group(0) @binding(5) var<storage, read> beta: array<${T}>;
@group(0) @binding(6) var<storage, read_write> y: array<${T}>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c = i % params.${CN};
  y[i] = (x[i] - mean[c]) * rstd[c] * gamma[c] + beta[c];
}
