// The activation functions, with the one table of codes of the whole runtime (src/ops/activation.ts ACTIVATIONS):
//   0 identity  1 relu  2 relu6  3 hard-swish x·relu6(x+3)/6  4 swish x·σ(αx)  5 sigmoid σ(x)  6 tanh
//   7 leaky-relu (slope α)  8 elu (α)  9 hard-sigmoid max(0,min(1,αx+β))  10 softplus log(1+eˣ)
//   11 mish x·tanh(softplus x)  12 clip [α, β]  13 abs  14 neg  15 exp  16 log  17 sqrt  18 sign
//   19 round (half to even)  20 floor  21 ceil  22 reciprocal
// `activation(code, x, α, β)` computes any of them (elementwise/unary_forward: the code by the override ACT, α and β
// as uniforms). Fused into convolutions, add and the activation op are codes 0–7, parameterless: `activate(x)`
// with the override ACT (one pipeline per activation: the switch folds away), swish α = 1, leaky-relu α = 0.01.
override ACT: u32 = 0u;

fn sigmoid_f(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
// tanh saturates to ±1 in f32 past |x| = 10; clamping keeps exp() from overflowing inside tanh implementations.
// Near 0 an exp-based tanh loses digits to cancellation (SwiftShader's does), so small |x| uses the series.
fn tanh_f(x: f32) -> f32 {
  if (abs(x) < 0.04) {
    let x2 = x * x;
    return x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 - x2 * (17.0 / 315.0))));
  }
  return tanh(clamp(x, -10.0, 10.0));
}
// log(1 + u) without losing u's digits when u is small (Kahan's trick).
fn log1p_f(u: f32) -> f32 {
  let w = 1.0 + u;
  if (w == 1.0) { return u; }
  return log(w) * u / (w - 1.0);
}
fn softplus_f(x: f32) -> f32 { return max(x, 0.0) + log1p_f(exp(-abs(x))); }

fn activation(code: u32, x: f32, a: f32, b: f32) -> f32 {
  switch code {
    case 1u: { return max(x, 0.0); }
    case 2u: { return clamp(x, 0.0, 6.0); }
    case 3u: { return x * clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    case 4u: { return x * sigmoid_f(a * x); }
    case 5u: { return sigmoid_f(x); }
    case 6u: { return tanh_f(x); }
    case 7u: { return select(a * x, x, x >= 0.0); }
    case 8u: { return select(a * (exp(x) - 1.0), x, x >= 0.0); }
    case 9u: { return max(0.0, min(1.0, a * x + b)); }
    case 10u: { return softplus_f(x); }
    case 11u: { return x * tanh_f(softplus_f(x)); }
    case 12u: { return min(max(x, a), b); }
    case 13u: { return abs(x); }
    case 14u: { return -x; }
    case 15u: { return exp(x); }
    case 16u: { return log(x); }
    case 17u: { return sqrt(x); }
    case 18u: { return sign(x); }
    case 19u: { return round(x); }
    case 20u: { return floor(x); }
    case 21u: { return ceil(x); }
    case 22u: { return 1.0 / x; }
    default: { return x; }
  }
}

/// The fused activation ACT (codes 0–7) of x.
fn activate(x: f32) -> f32 {
  return activation(ACT, x, select(1.0, 0.01, ACT == 7u), 0.0);
}

fn activate4(v: vec4<f32>) -> vec4<f32> {
  switch ACT {
    case 0u: { return v; }
    case 1u: { return max(v, vec4<f32>(0.0)); }
    case 2u: { return clamp(v, vec4<f32>(0.0), vec4<f32>(6.0)); }
    default: { return vec4<f32>(activate(v.x), activate(v.y), activate(v.z), activate(v.w)); }
  }
}

/// act'(v) of the fused activation ACT (codes 0–7) at its input v (derivatives listed in elementwise/activation_backward).
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

fn activate_grad4(v: vec4<f32>) -> vec4<f32> {
  switch ACT {
    case 0u: { return vec4<f32>(1.0); }
    case 1u: { return select(vec4<f32>(0.0), vec4<f32>(1.0), v > vec4<f32>(0.0)); }
    default: { return vec4<f32>(activate_grad(v.x), activate_grad(v.y), activate_grad(v.z), activate_grad(v.w)); }
  }
}
