// conv2d_backward_weight_winograd_dy — the output-gradient transform of the Winograd F(3×3, 2×2) weight gradient
// (Lavin & Gray 2016, "the weight gradient"), stage 2 of 4. The whole scheme, for an ungrouped 3×3 stride-1
// dilation-1 convolution with pads (top pt, left pl; any bottom/right), dw[kh,kw,ci,co] = Σ_{n,oh,ow}
// x[n, oh − pt + kh, ow − pl + kw, ci] · dy[n, oh, ow, co]:
//   1. conv2d_forward_winograd_input (the forward's): V[t, ξ, ci] = (Bᵀ d B)[a, b] per 4×4 input tile d    [T, 16, Cin]
//   2. this kernel: Ỹ[t, ξ, co] = (A e Aᵀ)[a, b] per 2×2 dy tile e                                          [T, 16, Cout]
//   3. conv2d_backward_weight_winograd_gemm*: W̃[s, ξ, ci, co] = Σ_{t in chunk s} V[t, ξ, ci] · Ỹ[t, ξ, co]
//   4. conv2d_backward_weight_winograd_output: part[(kh·3 + kw)·Cin + ci, s, co] = (Gᵀ W̃[s, ·, ci, co] G)[kh, kw]
// with ξ = 4a + b, the forward F(2×2, 3×3)'s matrices Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]],
// G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]], Aᵀ = [[1,1,1,0],[0,1,−1,−1]], A = (Aᵀ)ᵀ = [[1,0],[1,1],[1,−1],[0,−1]].
// Why it is exact: the forward tile is y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A with y[r,s] = Σ_{i,j} d[r+i, s+j]·g[i,j]; so
//   Σ_{r,s} e[r,s]·y[r,s] = Σ_ξ (A e Aᵀ)[ξ]·(G g Gᵀ)[ξ]·(Bᵀ d B)[ξ] = Σ_{i,j} g[i,j]·(Gᵀ[(A e Aᵀ) ⊙ (Bᵀ d B)]G)[i,j],
// and the left side is Σ_{i,j} g[i,j]·Σ_{r,s} d[r+i, s+j]·e[r,s], whose coefficient of g[i,j] is the tile's share of
// dw[i,j]: F(3×3, 2×2) is F(2×2, 3×3) transposed (A and G swap roles; Bᵀ is shared). 16 multiplies per tile per
// (ci, co) instead of 36. Tiles are the forward's (tile t covers outputs (2th + r, 2tw + s), r, s < 2, and reads input
// rows 2th − pt .. 2th − pt + 3); dy past OH / OW (odd sizes) and x outside the image are 0, so every product counts once.
// Math:   e[r, s] = dy[n, 2th + r, 2tw + s, co] (0 past OH / OW), Ỹ[t, ξ = 4a + b, co] = (A e Aᵀ)[a, b].
// Layout: dy [N,OH,OW,Cout] NHWC as vec4 along co (Cout % 4 == 0); Ỹ [T, 16, Cout], Ỹ[(t·16 + ξ)·Cout + co], as vec4;
//         tile t = (n·TH + th)·TW + tw, TH = ⌈OH/2⌉, TW = ⌈OW/2⌉.
// Thread: one (t, co4) per invocation, i = t·(Cout/4) + co4: 4 loads, 16 stores, named registers. Overwrites Ỹ.

struct Params {
  n: u32,
  cout4: u32,
  tiles_hw: vec2<u32>,
  out_hw: vec2<u32>,
}
override WG: u32 = 64u;

//! uniform params: Params
//! read dy: array<vec4<f32>>
//! read_write yt: array<vec4<f32>>

//! entry
  let co4 = i % params.cout4;
  let t = i / params.cout4;
  let tw = t % params.tiles_hw.y;
  let th = (t / params.tiles_hw.y) % params.tiles_hw.x;
  let nb = t / (params.tiles_hw.y * params.tiles_hw.x);
  let s = params.cout4;
  let OH = params.out_hw.x;
  let OW = params.out_hw.y;
  let oh0 = 2u * th;
  let ow0 = 2u * tw;
  // branch-free: the second row / column clamped into the output, its values selected to 0 past the edge
  let down = oh0 + 1u < OH;
  let right = ow0 + 1u < OW;
  let r0 = (nb * OH + oh0) * OW;
  let r1 = (nb * OH + min(oh0 + 1u, OH - 1u)) * OW;
  let c1 = min(ow0 + 1u, OW - 1u);
  let e00 = dy[(r0 + ow0) * s + co4];
  let e01 = select(vec4<f32>(0.0), dy[(r0 + c1) * s + co4], right);
  let e10 = select(vec4<f32>(0.0), dy[(r1 + ow0) * s + co4], down);
  let e11 = select(vec4<f32>(0.0), dy[(r1 + c1) * s + co4], down && right);
  // p = A e (4 × 2): rows (e0, e0 + e1, e0 − e1, −e1), per column
  let p00 = e00; let p10 = e00 + e10; let p20 = e00 - e10; let p30 = -e10;
  let p01 = e01; let p11 = e01 + e11; let p21 = e01 - e11; let p31 = -e11;
  // Ỹ = p Aᵀ (4 × 4): columns (p0, p0 + p1, p0 − p1, −p1), per row a
  let yb = t * 16u * s + co4;
  yt[yb] = p00;
  yt[yb + 1u * s] = p00 + p01;
  yt[yb + 2u * s] = p00 - p01;
  yt[yb + 3u * s] = -p01;
  yt[yb + 4u * s] = p10;
  yt[yb + 5u * s] = p10 + p11;
  yt[yb + 6u * s] = p10 - p11;
  yt[yb + 7u * s] = -p11;
  yt[yb + 8u * s] = p20;
  yt[yb + 9u * s] = p20 + p21;
  yt[yb + 10u * s] = p20 - p21;
  yt[yb + 11u * s] = -p21;
  yt[yb + 12u * s] = p30;
  yt[yb + 13u * s] = p30 + p31;
  yt[yb + 14u * s] = p30 - p31;
  yt[yb + 15u * s] = -p31;
}
