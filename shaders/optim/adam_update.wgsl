// adam_update — one Adam / AdamW step on a parameter tensor, in place (Kingma & Ba 2015; Loshchilov & Hutter 2019):
//   ĝ = g·clip + l1·sign(w) + (DECOUPLED ? 0 : wd·w)     clip as in sgd_update
//   m ← β1·m + (1−β1)·ĝ,   v ← β2·v + (1−β2)·ĝ²
//   w ← w − lr · ( (m·bc1) / (√(v·bc2) + ε) + (DECOUPLED ? wd·w : 0) )
// with the bias corrections bc1 = 1/(1−β1^t), bc2 = 1/(1−β2^t) of step t from the `hyper` buffer:
// hyper[0] = lr, hyper[1] = bc1, hyper[2] = bc2, hyper[3] = max_norm (indices shared with src/train/optim.ts).
// Layout: w, g, m, v flat [n]; hyper [8]; norm [1]. Thread: one element per invocation. Updates w, m, v in place.

struct Params { n: u32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, l1: f32 }
override WG: u32 = 256u;
override DECOUPLED: u32 = 1u;

//! uniform params: Params
//! read g: array<f32>
//! read hyper: array<f32>
//! read norm: array<f32>
//! read_write w: array<f32>
//! read_write m: array<f32>
//! read_write v: array<f32>

//! entry
  let lr = hyper[0];
  let maxNorm = hyper[3];
  let clip = select(1.0, min(1.0, maxNorm / (norm[0] + 1e-6)), maxNorm > 0.0);
  let wi = w[i];
  var gi = g[i] * clip + params.l1 * sign(wi);
  if (DECOUPLED == 0u) { gi += params.weight_decay * wi; }
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * gi;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  var step = (mi * hyper[1]) / (sqrt(vi * hyper[2]) + params.eps);
  if (DECOUPLED == 1u) { step += params.weight_decay * wi; }
  w[i] = wi - lr * step;
}
