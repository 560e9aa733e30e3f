// Activation functions selected by the override constant ACT (one pipeline per activation, no branch at run
// time). Codes, shared with src/ops/activation.ts:
//   0 identity   1 relu   2 relu6   3 hard-swish x·relu6(x+3)/6   4 swish x·σ(x)   5 sigmoid σ(x)
//   6 tanh       7 leaky-relu (slope 0.01)
override ACT: u32 = 0u;

fn sigmoid_f(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return max(x, 0.0); }
    case 2u: { return clamp(x, 0.0, 6.0); }
    case 3u: { return x * clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    case 4u: { return x * sigmoid_f(x); }
    case 5u: { return sigmoid_f(x); }
    case 6u: { return tanh(x); }
    case 7u: { return select(0.01 * x, x, x >= 0.0); }
    default: { return x; }
  }
}

fn activate4(v: vec4<f32>) -> vec4<f32> {
  switch ACT {
    case 0u: { return v; }
    case 1u: { return max(v, vec4<f32>(0.0)); }
    case 2u: { return clamp(v, vec4<f32>(0.0), vec4<f32>(6.0)); }
    default: { return vec4<f32>(activate(v.x), activate(v.y), activate(v.z), activate(v.w)); }
  }
}
