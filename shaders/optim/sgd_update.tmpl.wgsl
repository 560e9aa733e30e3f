// ${NAME} — one SGD step on a parameter tensor, in place (PyTorch's torch.optim.SGD, dampening 0):
//   ĝ = g·clip + wd·w + l1·sign(w)            clip = min(1, max_norm / (‖g‖ + 1e−6)) when max_norm > 0, else 1
//   v ← μ·v + ĝ                               (momentum buffer; skipped when μ = 0)
//   w ← w − lr · (NESTEROV ? ĝ + μ·v : v)
// Per-step values come from the `hyper` buffer written by the training loop each step (indices shared with
// src/train/optim.ts): hyper[0] = lr, hyper[3] = max_norm (0 = no clipping). norm[0] = global gradient norm.
//! if VEC4
// Layout: w, g, v flat [4n] as vec4 (length % 4 = 0: the flat optimizer's buffer, whose views are 256-byte aligned);
//         hyper [8]; norm [1]. Thread: four neighbouring elements per invocation (one 16-byte load of each of w, g, v
//         instead of four: a CPU adapter gathers each load of an invocation over its SIMD lanes). Updates w, v in place.
//! else
// Layout: w, g, v flat [n]; hyper [8]; norm [1]. Thread: one element per invocation. Updates w and v in place.
//! end

struct Params { n: u32, momentum: f32, weight_decay: f32, l1: f32 }
override WG: u32 = 256u;
override NESTEROV: u32 = 0u;

//! uniform params: Params
//! read g: array<${T}>
//! read hyper: array<f32>
//! read norm: array<f32>
//! read_write w: array<${T}>
//! read_write v: array<${T}>

//! entry
  let lr = hyper[0];
  let maxNorm = hyper[3];
  let clip = select(1.0, min(1.0, maxNorm / (norm[0] + 1e-6)), maxNorm > 0.0);
  let wi = w[i];
  let gi = g[i] * clip + params.weight_decay * wi + params.l1 * sign(wi);
  let mu = params.momentum;
  var step = gi;
  if (mu != 0.0) {
    let vi = mu * v[i] + gi;
    v[i] = vi;
    step = select(vi, gi + mu * vi, NESTEROV == 1u);
  }
  w[i] = wi - lr * step;
}
