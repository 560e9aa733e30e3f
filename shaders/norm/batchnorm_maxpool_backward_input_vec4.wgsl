// batchnorm_maxpool_backward_input_vec4 — backward of batchnorm_maxpool_forward_vec4, pass 2: the input gradient,
// with g as in pass 1 (dy·act'(z) at each window's first maximal tap, 0 at the others):
//
// Math:   dx[r,c] = γ[c]·rstd[c]/M · ( M·g[r,c] − dbeta[c] − x̂[r,c]·dgamma[c] ),  x̂ = (x − mean)·rstd, M = N·H·W
// Layout: x, dx [N,H,W,C/4], dy [N,H/KH,W/KW,C/4] of vec4; mean, rstd, gamma, beta, dgamma, dbeta [C/4] vec4.
// Thread: one pooling window of four neighbouring channels per invocation; it writes all KH·KW taps (the windows
//         tile the input, so every dx element is written once). Overwrites dx.

//! import conv_geom
struct Params { n: u32, c4: u32, rows: u32, in_hw: vec2<u32>, out_hw: vec2<u32>, kernel: vec2<u32> }
override WG: u32 = 64u;
//! import activation

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read dy: array<vec4<f32>>
//! read mean: array<vec4<f32>>
//! read rstd: array<vec4<f32>>
//! read gamma: array<vec4<f32>>
//! read beta: array<vec4<f32>>
//! read dgamma: array<vec4<f32>>
//! read dbeta: array<vec4<f32>>
//! read_write dx: array<vec4<f32>>
//! import bn_maxpool_window

//! entry
  let at = conv_tile(i, params.c4, params.out_hw.y, params.out_hw.x);
  let c = at.blk;
  let base = (at.n * params.in_hw.x + at.oh * params.kernel.x) * params.in_hw.y + at.owt * params.kernel.y;
  let m = mean[c]; let rs = rstd[c]; let gm = gamma[c]; let b = beta[c];
  let w = window_max(base, c, m, rs, gm, b);
  var g = dy[i];
  if (ACT != 0u) { g *= activate_grad4(w.z); }
  let M = f32(params.rows);
  let k = gm * rs / M;
  let db = dbeta[c];
  let dg = dgamma[c];
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let j = (base + kh * params.in_hw.y + kw) * params.c4 + c;
      let xhat = (x[j] - m) * rs;
      let gj = select(vec4<f32>(0.0), g, vec4<u32>(j) == w.arg);
      dx[j] = k * (M * gj - db - xhat * dg);
    }
  }
}
