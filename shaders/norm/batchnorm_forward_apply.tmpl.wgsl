// ${NAME} — training-mode batch-norm, pass 2: y[r,c] = act((x[r,c] − mean[c])·rstd[c]·γ[c] + β[c])
// with the batch statistics from batchnorm_forward_stats and the fused activation ACT (override, codes 0–7 of
// common/activation; 0 = none). The backward recomputes the activation's input from x (batchnorm_backward_*).
//! if VEC4
// Layout: x, y [M, C/4] vec4 (NHWC flattened, C % 4 = 0); mean, rstd, gamma, beta [C/4] vec4.
// Thread: one vec4 (four channels of one row) per invocation, i = r·C/4 + q. Overwrites y.
//! else
// Layout: x, y [M, C] (NHWC flattened), mean, rstd, gamma, beta [C]. Thread: one element per invocation.
// Overwrites y.
//! end

struct Params { n: u32, ${CN}: u32 }
override WG: u32 = 256u;
//! import activation

//! uniform params: Params
//! read x: array<${T}>
//! read mean: array<${T}>
//! read rstd: array<${T}>
//! read gamma: array<${T}>
//! read beta: array<${T}>
//! read_write y: array<${T}>

//! entry
  let c = i % params.${CN};
  let z = (x[i] - mean[c]) * rstd[c] * gamma[c] + beta[c];
//! if VEC4
  y[i] = activate4(z);
//! else
  y[i] = activate(z);
//! end
}
