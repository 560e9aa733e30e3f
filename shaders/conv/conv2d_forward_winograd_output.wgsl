// conv2d_forward_winograd_output — the output transform of the Winograd F(2×2, 3×3) convolution, stage 4 of 4 (see
// conv2d_forward_winograd_input for the whole scheme), with the bias and the fused activation.
// Math:   Y = Aᵀ M[t] A (2 × 2) from the 16 products M[t, ξ = 4a + b], Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]];
//         y[n, 2th + r, 2tw + s, co] = act(Y[r, s] + b[co]) where 2th + r < OH and 2tw + s < OW (the edge tiles of an
//         odd OH / OW store only their first row / column).
// Layout: M [T, 16·Cout] (the output [1,1,T,16·Cout] of step 3), M[t, ξ·Cout + co], tile t = (n·TH + th)·TW + tw;
//         b [Cout]; y [N,OH,OW,Cout] NHWC; all as vec4 along co (Cout % 4 == 0).
// Thread: one (t, co4) per invocation, i = t·(Cout/4) + co4: 16 loads, up to 4 stores. Overwrites y.
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
  let mbase = t * 16u * params.cout4 + co4;
  // f = Aᵀ M (rows combined per column c): 2 × 4
  var f: array<vec4<f32>, 8>;
  for (var c = 0u; c < 4u; c++) {
    let m0 = m[mbase + c * params.cout4];
    let m1 = m[mbase + (4u + c) * params.cout4];
    let m2 = m[mbase + (8u + c) * params.cout4];
    let m3 = m[mbase + (12u + c) * params.cout4];
    f[c] = m0 + m1 + m2;
    f[4u + c] = m1 - m2 - m3;
  }
  let bias = b[co4];
  let oh0 = 2u * th;
  let ow0 = 2u * tw;
  for (var r = 0u; r < 2u; r++) {
    let oh = oh0 + r;
    if (oh >= params.out_hw.x) { break; }
    let f0 = f[4u * r];
    let f1 = f[4u * r + 1u];
    let f2 = f[4u * r + 2u];
    let f3 = f[4u * r + 3u];
    let ybase = ((nb * params.out_hw.x + oh) * params.out_hw.y + ow0) * params.cout4 + co4;
    y[ybase] = activate4(f0 + f1 + f2 + bias);
    if (ow0 + 1u < params.out_hw.y) {
      y[ybase + params.cout4] = activate4(f1 - f2 - f3 + bias);
    }
  }
}
