// unary_forward — y[i] = f(x[i]) for the function chosen by the override FN, with scalar parameters alpha, beta.
// Codes (shared with src/ops/tensor.ts UNARY and its CPU formula `unaryRef`):
//   0 identity  1 relu  2 leaky-relu (alpha)  3 elu (alpha)  4 sigmoid  5 tanh  6 hard-sigmoid max(0,min(1,αx+β))
//   7 hard-swish x·max(0,min(1,x/6+½))  8 softplus log(1+eˣ)  9 mish x·tanh(softplus x)  10 clip [alpha, beta]
//   11 abs  12 neg  13 exp  14 log  15 sqrt  16 sign  17 round (half to even)  18 swish x·σ(αx)  19 floor
//   20 ceil  21 reciprocal
// Layout: x, y flat [n] (any layout: the function is elementwise). Thread: one element per invocation. Overwrites y.

struct Params { n: u32, alpha: f32, beta: f32 }
override WG: u32 = 256u;
override FN: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn sigmoid_u(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }
// tanh saturates to ±1 in f32 past |v| = 10; clamping keeps exp() from overflowing inside tanh implementations.
// Near 0 an exp-based tanh loses digits to cancellation (SwiftShader's does), so small |v| uses the series.
fn tanh_u(v: f32) -> f32 {
  if (abs(v) < 0.04) {
    let v2 = v * v;
    return v * (1.0 + v2 * (-1.0 / 3.0 + v2 * (2.0 / 15.0 - v2 * (17.0 / 315.0))));
  }
  return tanh(clamp(v, -10.0, 10.0));
}
// log(1 + u) without losing u's digits when u is small (Kahan's trick).
fn log1p_u(u: f32) -> f32 {
  let w = 1.0 + u;
  if (w == 1.0) { return u; }
  return log(w) * u / (w - 1.0);
}
fn softplus_u(v: f32) -> f32 { return max(v, 0.0) + log1p_u(exp(-abs(v))); }

fn f(v: f32) -> f32 {
  let a = params.alpha;
  let b = params.beta;
  switch FN {
    case 1u: { return max(v, 0.0); }
    case 2u: { return select(a * v, v, v >= 0.0); }
    case 3u: { return select(a * (exp(v) - 1.0), v, v >= 0.0); }
    case 4u: { return sigmoid_u(v); }
    case 5u: { return tanh_u(v); }
    case 6u: { return max(0.0, min(1.0, a * v + b)); }
    case 7u: { return v * max(0.0, min(1.0, v / 6.0 + 0.5)); }
    case 8u: { return softplus_u(v); }
    case 9u: { return v * tanh_u(softplus_u(v)); }
    case 10u: { return min(max(v, a), b); }
    case 11u: { return abs(v); }
    case 12u: { return -v; }
    case 13u: { return exp(v); }
    case 14u: { return log(v); }
    case 15u: { return sqrt(v); }
    case 16u: { return sign(v); }
    case 17u: { return round(v); }
    case 18u: { return v * sigmoid_u(a * v); }
    case 19u: { return floor(v); }
    case 20u: { return ceil(v); }
    case 21u: { return 1.0 / v; }
    default: { return v; }
  }
}

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = f(x[i]);
}
