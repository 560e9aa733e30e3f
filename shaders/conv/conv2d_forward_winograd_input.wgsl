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
// Thread: one (t, ci4) per invocation, i = t·(Cin/4) + ci4: 16 loads, 16 stores. Overwrites V.

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
  let ih0 = 2 * i32(th) - params.geom.pad.x;
  let iw0 = 2 * i32(tw) - params.geom.pad.y;
  var d: array<vec4<f32>, 16>;
  for (var r = 0; r < 4; r++) {
    let ih = ih0 + r;
    for (var c = 0; c < 4; c++) {
      let iw = iw0 + c;
      var val = vec4<f32>(0.0);
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
        val = x[((nb * u32(H) + u32(ih)) * u32(W) + u32(iw)) * params.cin4 + ci4];
      }
      d[4 * r + c] = val;
    }
  }
  // e = Bᵀ d (rows combined per column c)
  var e: array<vec4<f32>, 16>;
  for (var c = 0; c < 4; c++) {
    e[c] = d[c] - d[8 + c];
    e[4 + c] = d[4 + c] + d[8 + c];
    e[8 + c] = d[8 + c] - d[4 + c];
    e[12 + c] = d[4 + c] - d[12 + c];
  }
  // V = e B (columns combined per row a)
  let vbase = t * 16u * params.cin4 + ci4;
  for (var a = 0u; a < 4u; a++) {
    let e0 = e[4u * a];
    let e1 = e[4u * a + 1u];
    let e2 = e[4u * a + 2u];
    let e3 = e[4u * a + 3u];
    v[vbase + (4u * a) * params.cin4] = e0 - e2;
    v[vbase + (4u * a + 1u) * params.cin4] = e1 + e2;
    v[vbase + (4u * a + 2u) * params.cin4] = e2 - e1;
    v[vbase + (4u * a + 3u) * params.cin4] = e1 - e3;
  }
}
