// batchnorm_backward_reduce — training-mode batch-norm backward, pass 1: the parameter gradients, which are
// also the two per-channel sums the input gradient needs.
//
// Math:   x̂[r,c] = (x[r,c] − mean[c])·rstd[c];   dbeta[c] = Σ_r dy[r,c];   dgamma[c] = Σ_r dy[r,c]·x̂[r,c]
// Layout: x, dy [M, C] (NHWC flattened), mean, rstd (saved by the forward), dgamma, dbeta [C].
// Thread: one channel per invocation. Overwrites dgamma, dbeta.

struct Params { n: u32, rows: u32 }
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbeta: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = gid.x + gid.y * nwg.x * WG;
  if (c >= params.n) { return; }
  let C = params.n;
  let m = mean[c];
  var sd = 0.0;
  var sdx = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    let g = dy[r * C + c];
    sd += g;
    sdx += g * (x[r * C + c] - m);
  }
  dbeta[c] = sd;
  dgamma[c] = sdx * rstd[c];
}
