// activation_backward — dx[i] = dy[i] · act'(x[i]) for the activation chosen by the override ACT, with x the
// activation's input (the forward saved it as its own input tensor). Derivatives (codes as in common/activation):
//   relu 1[x>0]   relu6 1[0<x<6]   hard-swish 0 (x<−3), 1 (x>3), (2x+3)/6 otherwise   swish σ + x·σ·(1−σ)
//   sigmoid σ·(1−σ)   tanh 1 − tanh²   leaky-relu 1 (x≥0), 0.01 otherwise   identity 1
// Layout: x, dy, dx flat [n]. Thread: one element per invocation. Overwrites dx.
//! import activation

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read dy: array<f32>
//! read_write dx: array<f32>

fn activate_grad(v: f32) -> f32 {
  switch ACT {
    case 1u: { return select(0.0, 1.0, v > 0.0); }
    case 2u: { return select(0.0, 1.0, v > 0.0 && v < 6.0); }
    case 3u: { if (v < -3.0) { return 0.0; } if (v > 3.0) { return 1.0; } return (2.0 * v + 3.0) / 6.0; }
    case 4u: { let s = sigmoid_f(v); return s + v * s * (1.0 - s); }
    case 5u: { let s = sigmoid_f(v); return s * (1.0 - s); }
    case 6u: { let t = tanh_f(v); return 1.0 - t * t; }
    case 7u: { return select(0.01, 1.0, v >= 0.0); }
    default: { return 1.0; }
  }
}

//! entry
  dx[i] = dy[i] * activate_grad(x[i]);
}
