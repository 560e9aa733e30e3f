// conv2d_forward_winograd_output — the output transform of the Winograd F(2×2, 3×3) convolution, stage 4 of 4 (see
// conv2d_forward_winograd_input for the whole scheme), with the bias and the fused activation.
// Math:   Y = Aᵀ M[t] A (2 × 2) from the 16 products M[t, ξ = 4a + b], Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]];
//         y[n, 2th + r, 2tw + s, co] = act(Y[r, s] + b[co]) where 2th + r < OH and 2tw + s < OW (the edge tiles of an
//         odd OH / OW store only their first row / column).
// Layout: M [T, 16·Cout] (the output [1,1,T,16·Cout] of step 3), M[t, ξ·Cout + co], tile t = (n·TH + th)·TW + tw;
//         b [Cout]; y [N,OH,OW,Cout] NHWC; all as vec4 along co (Cout % 4 == 0).
// Thread: one (t, co4) per invocation, i = t·(Cout/4) + co4: 16 loads, up to 4 stores, in named registers (no private
//         arrays: SwiftShader keeps those in memory). Overwrites y.
//! import activation

struct Params {
  n: u32,
  cout4: u32,
  tiles_hw: vec2<u32>,
  out_hw: vec2<u32>,
}
override WG: u32 = 64u;

//! uniform params: Params
//! read m: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let co4 = i % params.cout4;
  let t = i / params.cout4;
  let tw = t % params.tiles_hw.y;
  let th = (t / params.tiles_hw.y) % params.tiles_hw.x;
  let nb = t / (params.tiles_hw.y * params.tiles_hw.x);
  let s = params.cout4;
  let mb = t * 16u * s + co4;
  let m00 = m[mb]; let m01 = m[mb + 1u * s]; let m02 = m[mb + 2u * s]; let m03 = m[mb + 3u * s];
  let m10 = m[mb + 4u * s]; let m11 = m[mb + 5u * s]; let m12 = m[mb + 6u * s]; let m13 = m[mb + 7u * s];
  let m20 = m[mb + 8u * s]; let m21 = m[mb + 9u * s]; let m22 = m[mb + 10u * s]; let m23 = m[mb + 11u * s];
  let m30 = m[mb + 12u * s]; let m31 = m[mb + 13u * s]; let m32 = m[mb + 14u * s]; let m33 = m[mb + 15u * s];
  // f = Aᵀ M: rows (m0 + m1 + m2, m1 − m2 − m3), per column
  let f00 = m00 + m10 + m20; let f10 = m10 - m20 - m30;
  let f01 = m01 + m11 + m21; let f11 = m11 - m21 - m31;
  let f02 = m02 + m12 + m22; let f12 = m12 - m22 - m32;
  let f03 = m03 + m13 + m23; let f13 = m13 - m23 - m33;
  // Y = f A: columns (f0 + f1 + f2, f1 − f2 − f3), per row
  let bias = b[co4];
  let oh0 = 2u * th;
  let ow0 = 2u * tw;
  let OH = params.out_hw.x;
  let OW = params.out_hw.y;
  let right = ow0 + 1u < OW;
  let y0 = ((nb * OH + oh0) * OW + ow0) * s + co4;
  y[y0] = activate4(f00 + f01 + f02 + bias);
  if (right) { y[y0 + s] = activate4(f01 - f02 - f03 + bias); }
  if (oh0 + 1u < OH) {
    let y1 = y0 + OW * s;
    y[y1] = activate4(f10 + f11 + f12 + bias);
    if (right) { y[y1 + s] = activate4(f11 - f12 - f13 + bias); }
  }
}
