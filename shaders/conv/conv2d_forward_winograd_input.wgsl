// conv2d_forward_winograd_input — the input transform of the Winograd F(2×2, 3×3) convolution (Lavin & Gray 2016).
// The whole scheme, for an ungrouped 3×3 stride-1 dilation-1 convolution with pads (top pt, left pl; any bottom/right):
//   1. conv2d_forward_winograd_weight: U[ξ] = G g Gᵀ per (ci, co)                       [Cin, 16·Cout]
//   2. this kernel: V[ξ] = Bᵀ d B per 4×4 input tile d (tiles overlap by 2) and channel  [T, 16·Cin]
//   3. a 1×1 convolution with 16 groups (the pointwise GEMM kernels): M[t, ξ·Cout + co] = Σ_ci V[t, ξ·Cin + ci]·U[ci, ξ·Cout + co]
//   4. conv2d_forward_winograd_output: y = act(Aᵀ M A + b) per 2×2 output tile, masked at the bottom/right edge
// 16 multiplies per 2×2 outputs per (ci, co) instead of 36.
// Math:   tile t = (n·TH + th)·TW + tw, TH = ⌈OH/2⌉, TW = ⌈OW/2⌉, covers outputs (2th + r, 2tw + s), r, s < 2, and reads
//         d[i, j] = x[n, 2th − pt + i, 2tw − pl + j, ci], i, j < 4 (0 outside the image: padding, or rows/columns past
//         the last output, whose results are never stored). V[ξ = 4a + b] = (Bᵀ d B)[a, b],
//         Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]].
// Layout: x [N,H,W,Cin] NHWC read as vec4 along ci (Cin % 4 == 0); V [T, 16·Cin] (the NHWC input [1,1,T,16·Cin] of
//         step 3), V[t, ξ·Cin + ci], written as vec4.
// Thread: one (t, ci4) per invocation, i = t·(Cin/4) + ci4: 16 loads, 16 stores, in named registers (SwiftShader keeps
//         a dynamically indexed private array in memory: 29 → 12 ms at cnn_small's conv2, batch 32). Overwrites V.

//! import conv_geom
struct Params {
  n: u32,
  cin4: u32,
  tiles_hw: vec2<u32>,
  geom: ConvGeom,
}
override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read_write v: array<vec4<f32>>

//! entry
  let ci4 = i % params.cin4;
  let t = i / params.cin4;
  let tw = t % params.tiles_hw.y;
  let th = (t / params.tiles_hw.y) % params.tiles_hw.x;
  let nb = t / (params.tiles_hw.y * params.tiles_hw.x);
  let H = params.geom.in_hw.x;
  let W = params.geom.in_hw.y;
  let r0 = 2 * i32(th) - params.geom.pad.x;
  let c0 = 2 * i32(tw) - params.geom.pad.y;
  // branch-free: indices clamped into the image, values outside selected to 0
  let okr0 = r0 + 0 >= 0 && r0 + 0 < H;
  let row0 = (nb * u32(H) + u32(clamp(r0 + 0, 0, H - 1))) * u32(W);
  let okr1 = r0 + 1 >= 0 && r0 + 1 < H;
  let row1 = (nb * u32(H) + u32(clamp(r0 + 1, 0, H - 1))) * u32(W);
  let okr2 = r0 + 2 >= 0 && r0 + 2 < H;
  let row2 = (nb * u32(H) + u32(clamp(r0 + 2, 0, H - 1))) * u32(W);
  let okr3 = r0 + 3 >= 0 && r0 + 3 < H;
  let row3 = (nb * u32(H) + u32(clamp(r0 + 3, 0, H - 1))) * u32(W);
  let okc0 = c0 + 0 >= 0 && c0 + 0 < W;
  let col0 = u32(clamp(c0 + 0, 0, W - 1));
  let okc1 = c0 + 1 >= 0 && c0 + 1 < W;
  let col1 = u32(clamp(c0 + 1, 0, W - 1));
  let okc2 = c0 + 2 >= 0 && c0 + 2 < W;
  let col2 = u32(clamp(c0 + 2, 0, W - 1));
  let okc3 = c0 + 3 >= 0 && c0 + 3 < W;
  let col3 = u32(clamp(c0 + 3, 0, W - 1));
  let d00 = select(vec4<f32>(0.0), x[(row0 + col0) * params.cin4 + ci4], okr0 && okc0);
  let d01 = select(vec4<f32>(0.0), x[(row0 + col1) * params.cin4 + ci4], okr0 && okc1);
  let d02 = select(vec4<f32>(0.0), x[(row0 + col2) * params.cin4 + ci4], okr0 && okc2);
  let d03 = select(vec4<f32>(0.0), x[(row0 + col3) * params.cin4 + ci4], okr0 && okc3);
  let d10 = select(vec4<f32>(0.0), x[(row1 + col0) * params.cin4 + ci4], okr1 && okc0);
  let d11 = select(vec4<f32>(0.0), x[(row1 + col1) * params.cin4 + ci4], okr1 && okc1);
  let d12 = select(vec4<f32>(0.0), x[(row1 + col2) * params.cin4 + ci4], okr1 && okc2);
  let d13 = select(vec4<f32>(0.0), x[(row1 + col3) * params.cin4 + ci4], okr1 && okc3);
  let d20 = select(vec4<f32>(0.0), x[(row2 + col0) * params.cin4 + ci4], okr2 && okc0);
  let d21 = select(vec4<f32>(0.0), x[(row2 + col1) * params.cin4 + ci4], okr2 && okc1);
  let d22 = select(vec4<f32>(0.0), x[(row2 + col2) * params.cin4 + ci4], okr2 && okc2);
  let d23 = select(vec4<f32>(0.0), x[(row2 + col3) * params.cin4 + ci4], okr2 && okc3);
  let d30 = select(vec4<f32>(0.0), x[(row3 + col0) * params.cin4 + ci4], okr3 && okc0);
  let d31 = select(vec4<f32>(0.0), x[(row3 + col1) * params.cin4 + ci4], okr3 && okc1);
  let d32 = select(vec4<f32>(0.0), x[(row3 + col2) * params.cin4 + ci4], okr3 && okc2);
  let d33 = select(vec4<f32>(0.0), x[(row3 + col3) * params.cin4 + ci4], okr3 && okc3);
  // e = Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3), per column
  let e00 = d00 - d20; let e10 = d10 + d20; let e20 = d20 - d10; let e30 = d10 - d30;
  let e01 = d01 - d21; let e11 = d11 + d21; let e21 = d21 - d11; let e31 = d11 - d31;
  let e02 = d02 - d22; let e12 = d12 + d22; let e22 = d22 - d12; let e32 = d12 - d32;
  let e03 = d03 - d23; let e13 = d13 + d23; let e23 = d23 - d13; let e33 = d13 - d33;
  // V = e B: columns (e0 − e2, e1 + e2, e2 − e1, e1 − e3), per row a; V[t, ξ·Cin + ci], ξ = 4a + b
  let s = params.cin4;
  let vb = t * 16u * s + ci4;
  v[vb] = e00 - e02;
  v[vb + 1u * s] = e01 + e02;
  v[vb + 2u * s] = e02 - e01;
  v[vb + 3u * s] = e01 - e03;
  v[vb + 4u * s] = e10 - e12;
  v[vb + 5u * s] = e11 + e12;
  v[vb + 6u * s] = e12 - e11;
  v[vb + 7u * s] = e11 - e13;
  v[vb + 8u * s] = e20 - e22;
  v[vb + 9u * s] = e21 + e22;
  v[vb + 10u * s] = e22 - e21;
  v[vb + 11u * s] = e21 - e23;
  v[vb + 12u * s] = e30 - e32;
  v[vb + 13u * s] = e31 + e32;
  v[vb + 14u * s] = e32 - e31;
  v[vb + 15u * s] = e31 - e33;
}
