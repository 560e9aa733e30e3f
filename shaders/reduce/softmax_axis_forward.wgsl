// softmax_axis_forward — softmax along one axis: x viewed as [outer, R, inner],
//   MODE 0 softmax:     y[o, t, j] = exp(x[o,t,j] − m) / Σ_t' exp(x[o,t',j] − m),  m = max_t x[o,t,j]
//   MODE 1 log-softmax: y = x − m − log Σ_t' exp(x[o,t',j] − m)
//   MODE 2 hardmax:     y = 1 at the first t where x[o,t,j] = m, else 0
// Layout: x, y row-major. Thread: one (outer, inner) column per invocation, i = o·inner + j. Overwrites y.

//! import axis_column
struct Params { n: u32, r: u32, inner: u32 }
override WG: u32 = 64u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let base = axis_column(i, params.r, params.inner);
  var m = -3.4028234663852886e38;
  var first = 0u;
  for (var t = 0u; t < params.r; t++) {
    let v = x[base + t * params.inner];
    if (v > m) { m = v; first = t; }
  }
  if (MODE == 2u) {
    for (var t = 0u; t < params.r; t++) { y[base + t * params.inner] = select(0.0, 1.0, t == first); }
    return;
  }
  var s = 0.0;
  for (var t = 0u; t < params.r; t++) { s += exp(x[base + t * params.inner] - m); }
  let ls = log(s);
  for (var t = 0u; t < params.r; t++) {
    let z = x[base + t * params.inner] - m;
    y[base + t * params.inner] = select(exp(z) / s, z - ls, MODE == 1u);
  }
}
