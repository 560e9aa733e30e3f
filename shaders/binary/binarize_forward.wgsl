// binarize_forward — binary-weight training (BinaryConnect / XNOR-Net weights): per output channel
//   α[c] = mean_r |w[r,c]|,   y[r,c] = α[c] · sign(w[r,c])   with sign(0) = +1,
// so a 1-bit kernel computes the same convolution from the sign bits and one scale per channel.
// Gradient: the straight-through estimator with the |w| ≤ 1 clip, in binarize_backward.
// Layout: w, y [R, C] (HWIO weights flattened, C = Cout). Thread: one channel per invocation. Overwrites y.

struct Params { n: u32, rows: u32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read w: array<f32>
//! read_write y: array<f32>

//! entry c
  let C = params.n;
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) { s += abs(w[r * C + c]); }
  let a = s / f32(params.rows);
  for (var r = 0u; r < params.rows; r++) {
    y[r * C + c] = select(-a, a, w[r * C + c] >= 0.0);
  }
}
