// lrn_forward — local response normalisation across channels (AlexNet, GoogLeNet), channels last:
//   y[r, c] = x[r, c] / (bias + alpha/size · Σ_{k = c − ⌊(size−1)/2⌋ .. c + ⌈(size−1)/2⌉, 0 ≤ k < C} x[r, k]²)^beta
// Layout: x, y [rows, C] (NHWC). Thread: one element per invocation, i = r·C + c. Overwrites y.

struct Params { n: u32, c: u32, size: u32, alpha: f32, beta: f32, bias: f32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let c = i32(i % params.c);
  let row = i - u32(c);
  let lo = max(c - i32((params.size - 1u) / 2u), 0);
  let hi = min(c + i32(params.size / 2u), i32(params.c) - 1);
  var s = 0.0;
  for (var k = lo; k <= hi; k++) {
    let v = x[row + u32(k)];
    s += v * v;
  }
  y[i] = x[i] / pow(params.bias + params.alpha / f32(params.size) * s, params.beta);
}
