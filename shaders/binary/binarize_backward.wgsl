// binarize_backward — straight-through estimator of binarize_forward with the hard-tanh clip (Courbariaux et al.
// 2016): dw[i] = dy[i] · 1[|w[i]| ≤ 1]  (the scale α is treated as a constant).
// Layout: w, dy, dw flat [n]. Thread: one element per invocation. Overwrites dw.

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read w: array<f32>
//! read dy: array<f32>
//! read_write dw: array<f32>

//! entry
  dw[i] = select(0.0, dy[i], abs(w[i]) <= 1.0);
}
