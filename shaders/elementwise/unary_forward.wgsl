// unary_forward — y[i] = f(x[i]) for the function f of code ACT (an override) in the one activation table,
// shaders/common/activation.wgsl (src/ops/activation.ts ACTIVATIONS), with its scalar parameters alpha, beta.
// Layout: x, y flat [n] (any layout: the function is elementwise). Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32, alpha: f32, beta: f32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  y[i] = activation(ACT, x[i], params.alpha, params.beta);
}
