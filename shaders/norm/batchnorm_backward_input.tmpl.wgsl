// ${NAME} — training-mode batch-norm backward, pass 2: the input gradient through the batch
// statistics (mean and variance depend on every row):
//
// Math:   dx[r,c] = γ[c]·rstd[c]/M · ( M·dy[r,c] − dbeta[c] − x̂[r,c]·dgamma[c] ),  x̂ = (x − mean)·rstd
//! if VEC4
// Layout: x, dy, dx [M, C/4] vec4 (NHWC flattened, C % 4 = 0); mean, rstd, gamma, dgamma, dbeta [C/4] vec4.
// Thread: one vec4 (four channels of one row) per invocation, i = r·C/4 + q. Overwrites dx.
//! else
// Layout: x, dy, dx [M, C] (NHWC flattened); mean, rstd, gamma, dgamma, dbeta [C].
// Thread: one element per invocation. Overwrites dx.
//! end

struct Params { n: u32, ${CN}: u32, rows: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read> dy: array<${T}>;
@group(0) @binding(3) var<storage, read> mean: array<${T}>;
@group(0) @binding(4) var<storage, read> rstd: array<${T}>;
@group(0) @binding(5) var<storage, read> gamma: array<${T}>;
@group(0) @binding(6) var<storage, read> dgamma: array<${T}>;
@group(0) @binding(7) var<storage, read> dbeta: array<${T}>;
@group(0) @binding(8) var<storage, read_write> dx: array<${T}>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c = i % params.${CN};
  let M = f32(params.rows);
  let xhat = (x[i] - mean[c]) * rstd[c];
  dx[i] = gamma[c] * rstd[c] / M * (M * dy[i] - dbeta[c] - xhat * dgamma[c]);
}
