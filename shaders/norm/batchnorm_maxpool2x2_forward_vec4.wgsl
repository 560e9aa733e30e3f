// batchnorm_maxpool2x2_forward_vec4 — batchnorm_maxpool_forward_vec4 for a 2×2 pool (stride 2): the same math, the
// window's four taps loaded and reduced straight-line (no tap loops).
//
// Math:   y[n,oh,ow,c] = max over the taps (kh, kw) < (2, 2) of act(z[n, 2·oh + kh, 2·ow + kw, c]),
//         z = (x − mean[c])·rstd[c]·γ[c] + β[c], batch statistics from batchnorm_forward_stats, ACT as common/activation.
// Layout: x [N,H,W,C/4], y [N,H/2,W/2,C/4] of vec4 (NHWC, C % 4 = 0, H, W even); mean, rstd, gamma, beta [C/4] vec4.
// Thread: one row of pooling windows (image n, output row oh) of four neighbouring channels per invocation,
//         i = (n·OH + oh)·C/4 + c, looping over the OW windows. Overwrites y.

struct Params { n: u32, c4: u32, in_hw: vec2<u32>, out_hw: vec2<u32>, kernel: vec2<u32> }
override WG: u32 = 64u;
//! import activation

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read mean: array<vec4<f32>>
//! read rstd: array<vec4<f32>>
//! read gamma: array<vec4<f32>>
//! read beta: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let C4 = params.c4;
  let c = i % C4;
  let q = i / C4; // n·OH + oh
  let OW = params.out_hw.y;
  let down = params.in_hw.y * C4;
  var j = ((q / params.out_hw.x) * params.in_hw.x + (q % params.out_hw.x) * 2u) * down + c;
  var o = q * OW * C4 + c;
  let m = mean[c]; let rs = rstd[c]; let gm = gamma[c]; let b = beta[c];
  for (var ow = 0u; ow < OW; ow++) {
    let a0 = activate4((x[j] - m) * rs * gm + b);
    let a1 = activate4((x[j + C4] - m) * rs * gm + b);
    let a2 = activate4((x[j + down] - m) * rs * gm + b);
    let a3 = activate4((x[j + down + C4] - m) * rs * gm + b);
    y[o] = max(max(max(max(vec4<f32>(-3.4028234663852886e38), a0), a1), a2), a3);
    j += 2u * C4;
    o += C4;
  }
}
