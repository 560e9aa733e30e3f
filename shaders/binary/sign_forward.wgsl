// sign_forward — binary activations for training a 1-bit network (Courbariaux et al. 2016, XNOR-Net inputs):
//   y[i] = sign(x[i]) ∈ {−1, +1}   with sign(0) = +1 (as `binarize`: bit 1 ⇔ x < 0),
// so a binary conv trained on sign(x) computes what conv2d_xnor computes from the packed bits.
// Gradient: the straight-through estimator with the hard-tanh clip, in sign_backward.
// Layout: x, y flat [n]. Thread: one element per invocation. Overwrites y.

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  y[i] = select(1.0, -1.0, x[i] < 0.0);
}
