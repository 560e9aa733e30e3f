// activation_forward — y[i] = act(x[i]) for the activation chosen by the override ACT (common/activation.wgsl).
// Layout: x, y flat [n]. Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  y[i] = activate(x[i]);
}
