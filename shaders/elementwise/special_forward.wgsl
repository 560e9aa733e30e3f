// special_forward — elementwise functions outside the unary table (src/ops/special.ts; to join unary_forward later).
// Math:   FN 0: erf(x), Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) with erf(−x) = −erf(x);
//         FN 1: GELU x/2·(1 + erf(x/√2)); for x < 0 written x/2·erfc(|x|/√2) so it does not cancel;
//         FN 2: GELU tanh form x/2·(1 + tanh(√(2/π)(x + 0.044715x³))), tanh from exp of a clamped argument.
// Layout: x, y flat arrays of the same length (any shape, any layout).
// Thread: one element per invocation. Overwrites y.

struct Params {
  n: u32,
}

override WG: u32 = 256u;
override FN: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// erfc(a) for a ≥ 0
fn erfc_pos(a: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * exp(-a * a);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let v = x[i];
  if (FN == 0u) {
    y[i] = sign(v) * (1.0 - erfc_pos(abs(v)));
  } else if (FN == 1u) {
    let e = erfc_pos(abs(v) * 0.70710678118654752);
    y[i] = select(0.5 * v * (2.0 - e), 0.5 * v * e, v < 0.0);
  } else {
    let u = clamp(0.7978845608028654 * (v + 0.044715 * v * v * v), -15.0, 15.0);
    let e2 = exp(2.0 * u);
    y[i] = 0.5 * v * (1.0 + (e2 - 1.0) / (e2 + 1.0));
  }
}
