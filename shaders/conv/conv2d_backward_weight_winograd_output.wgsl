// conv2d_backward_weight_winograd_output — the inverse transform of the Winograd F(3×3, 2×2) weight gradient, stage 4
// of 4 (see conv2d_backward_weight_winograd_dy for the whole scheme): each chunk's 4×4 products back to 3×3 taps.
// Math:   part[(kh·3 + kw)·Cin + ci, s, co] = (Gᵀ W̃[s, ·, ci, co] G)[kh, kw] with W̃[s, ξ = 4a + b] as a 4 × 4 matrix,
//         Gᵀ = [[1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1]] (G the forward's weight-transform matrix);
//         dw[kh, kw, ci, co] = Σ_s part[(kh·3 + kw)·Cin + ci, s, co] (the graph's reduce node).
// Layout: W̃ [S, 16, Cin, Cout] (stage 3's), W̃[((s·16 + ξ)·Cin + ci)·Cout + co]; part [9·Cin, S, Cout]
//         (conv2d_backward_weight_partial's layout); both as vec4 along co (Cout % 4 == 0).
// Thread: one (s, ci, co4) per invocation, i = (s·Cin + ci)·(Cout/4) + co4: 16 loads, 9 stores, named registers.
//         Overwrites part.

struct Params {
  n: u32,
  cin: u32,
  cout4: u32,
  chunks: u32,
}
override WG: u32 = 64u;

//! uniform params: Params
//! read wt: array<vec4<f32>>
//! read_write part: array<vec4<f32>>

//! entry
  let co4 = i % params.cout4;
  let ci = (i / params.cout4) % params.cin;
  let s = i / (params.cout4 * params.cin);
  let q = params.cin * params.cout4;
  let wb = (s * 16u * params.cin + ci) * params.cout4 + co4;
  let w00 = wt[wb]; let w01 = wt[wb + 1u * q]; let w02 = wt[wb + 2u * q]; let w03 = wt[wb + 3u * q];
  let w10 = wt[wb + 4u * q]; let w11 = wt[wb + 5u * q]; let w12 = wt[wb + 6u * q]; let w13 = wt[wb + 7u * q];
  let w20 = wt[wb + 8u * q]; let w21 = wt[wb + 9u * q]; let w22 = wt[wb + 10u * q]; let w23 = wt[wb + 11u * q];
  let w30 = wt[wb + 12u * q]; let w31 = wt[wb + 13u * q]; let w32 = wt[wb + 14u * q]; let w33 = wt[wb + 15u * q];
  // f = Gᵀ W̃ (3 × 4): rows (w0 + ½(w1 + w2), ½(w1 − w2), ½(w1 + w2) + w3), per column b
  let h0 = 0.5 * (w10 + w20); let f00 = w00 + h0; let f10 = 0.5 * (w10 - w20); let f20 = h0 + w30;
  let h1 = 0.5 * (w11 + w21); let f01 = w01 + h1; let f11 = 0.5 * (w11 - w21); let f21 = h1 + w31;
  let h2 = 0.5 * (w12 + w22); let f02 = w02 + h2; let f12 = 0.5 * (w12 - w22); let f22 = h2 + w32;
  let h3 = 0.5 * (w13 + w23); let f03 = w03 + h3; let f13 = 0.5 * (w13 - w23); let f23 = h3 + w33;
  // dw = f G (3 × 3): columns (f0 + ½(f1 + f2), ½(f1 − f2), ½(f1 + f2) + f3), per row kh;
  // part[(k·Cin + ci)·S + s] with k = kh·3 + kw, so taps are Cin·S rows of Cout/4 vec4s apart
  let ps = params.cin * params.chunks * params.cout4;
  let pb = (ci * params.chunks + s) * params.cout4 + co4;
  let g0 = 0.5 * (f01 + f02);
  part[pb] = f00 + g0;
  part[pb + 1u * ps] = 0.5 * (f01 - f02);
  part[pb + 2u * ps] = g0 + f03;
  let g1 = 0.5 * (f11 + f12);
  part[pb + 3u * ps] = f10 + g1;
  part[pb + 4u * ps] = 0.5 * (f11 - f12);
  part[pb + 5u * ps] = g1 + f13;
  let g2 = 0.5 * (f21 + f22);
  part[pb + 6u * ps] = f20 + g2;
  part[pb + 7u * ps] = 0.5 * (f21 - f22);
  part[pb + 8u * ps] = g2 + f23;
}
