// softmax_forward — y[r, j] = exp(x[r,j] − max_j x[r,:]) / Σ_j exp(x[r,j] − max) along the last axis
// (LOG = 1: log-softmax, y = x − max − log Σ exp). Layout: x, y [rows, cols]. Thread: one row per invocation.
// Overwrites y.

struct Params { n: u32, cols: u32 }
override WG: u32 = 64u;
override LOG: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry r
  let base = r * params.cols;
  var m = -3.4028234663852886e38;
  for (var j = 0u; j < params.cols; j++) { m = max(m, x[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < params.cols; j++) { s += exp(x[base + j] - m); }
  let ls = log(s);
  for (var j = 0u; j < params.cols; j++) {
    let z = x[base + j] - m;
    y[base + j] = select(exp(z) / s, z - ls, LOG == 1u);
  }
}
