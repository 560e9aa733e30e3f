// ${NAME} — training-mode batch-norm backward, pass 2: the input gradient through the batch
// statistics (mean and variance depend on every row):
//
// Math:   dx[r,c] = γ[c]·rstd[c]/M · ( M·g[r,c] − dbeta[c] − x̂[r,c]·dgamma[c] ),  x̂ = (x − mean)·rstd
//         with g = dy, or g = dy·act'(γ·x̂ + β) when the forward fused the activation ACT (as in pass 1).
//! if VEC4
// Layout: x, dy, dx [M, C/4] vec4 (NHWC flattened, C % 4 = 0); mean, rstd, gamma, dgamma, dbeta [C/4] vec4.
// Thread: one vec4 (four channels of one row) per invocation, i = r·C/4 + q. Overwrites dx.
//! else
// Layout: x, dy, dx [M, C] (NHWC flattened); mean, rstd, gamma, dgamma, dbeta [C].
// Thread: one element per invocation. Overwrites dx.
//! end

struct Params { n: u32, ${CN}: u32, rows: u32 }
override WG: u32 = 256u;
//! import activation

//! uniform params: Params
//! read x: array<${T}>
//! read dy: array<${T}>
//! read mean: array<${T}>
//! read rstd: array<${T}>
//! read gamma: array<${T}>
//! read beta: array<${T}>
//! read dgamma: array<${T}>
//! read dbeta: array<${T}>
//! read_write dx: array<${T}>

//! entry
  let c = i % params.${CN};
  let M = f32(params.rows);
  let xhat = (x[i] - mean[c]) * rstd[c];
  var g = dy[i];
  if (ACT != 0u) {
//! if VEC4
    g *= activate_grad4(xhat * gamma[c] + beta[c]);
//! else
    g *= activate_grad(xhat * gamma[c] + beta[c]);
//! end
  }
  dx[i] = gamma[c] * rstd[c] / M * (M * g - dbeta[c] - xhat * dgamma[c]);
}
