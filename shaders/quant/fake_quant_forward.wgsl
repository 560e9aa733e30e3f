// fake_quant_forward — quantization-aware training: symmetric per-output-channel fake quantization of weights to
// signed BITS-bit integers and back to f32, so the forward pass sees exactly the values an integer kernel would use:
//   s[c] = max_r |w[r,c]| / Q  (s = 1 when the channel is all zeros),  Q = 2^(BITS−1) − 1 (127 for int8)
//   y[r,c] = clamp(round(w[r,c] / s[c]), −Q, Q) · s[c]            (WGSL round: half to even)
// Its gradient is the straight-through estimator (dx = dy; the clamp never bites since s comes from the max), so the
// backward pass needs no kernel (src/train/autodiff.ts).
// Layout: w, y [R, C] (HWIO weights flattened: C = Cout, R = KH·KW·Cin/groups). Thread: one channel c per
// invocation (two passes over its R values). Overwrites y.

struct Params { n: u32, rows: u32 }
override WG: u32 = 64u;
override BITS: u32 = 8u;

//! uniform params: Params
//! read w: array<f32>
//! read_write y: array<f32>

//! entry c
  let C = params.n;
  let q = f32((1u << (BITS - 1u)) - 1u);
  var m = 0.0;
  for (var r = 0u; r < params.rows; r++) { m = max(m, abs(w[r * C + c])); }
  let s = select(1.0, m / q, m > 0.0);
  for (var r = 0u; r < params.rows; r++) {
    y[r * C + c] = clamp(round(w[r * C + c] / s), -q, q) * s;
  }
}
