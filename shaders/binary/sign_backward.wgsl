// sign_backward — straight-through estimator of sign_forward with the hard-tanh clip (Courbariaux et al. 2016):
//   dx[i] = dy[i] · 1[|x[i]| ≤ 1]
// Layout: x, dy, dx flat [n]. Thread: one element per invocation. Overwrites dx.

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read dy: array<f32>
//! read_write dx: array<f32>

//! entry
  dx[i] = select(0.0, dy[i], abs(x[i]) <= 1.0);
}
