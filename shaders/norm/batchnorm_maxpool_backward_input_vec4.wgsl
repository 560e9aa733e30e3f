// batchnorm_maxpool_backward_input_vec4 — backward of batchnorm_maxpool_forward_vec4, pass 2: the input gradient,
// with g as in pass 1 (dy·act'(z) at each window's first maximal tap, 0 at the others):
//
// Math:   dx[r,c] = γ[c]·rstd[c]/M · ( M·g[r,c] − dbeta[c] − x̂[r,c]·dgamma[c] ),  x̂ = (x − mean)·rstd, M = N·H·W
// Layout: x, dx [N,H,W,C/4], dy [N,H/KH,W/KW,C/4] of vec4; mean, rstd, gamma, beta, dgamma, dbeta [C/4] vec4.
// Thread: one row of pooling windows (image n, output row oh) of four neighbouring channels per invocation,
//         i = (n·OH + oh)·C/4 + c, looping over the OW windows (one index decode per row, as the forward); it
//         writes all KH·KW taps of each window (the windows tile the input, so every dx element is written once).
//         Overwrites dx.

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
  let c = i % params.c4;
  let q = i / params.c4; // n·OH + oh
  let row = ((q / params.out_hw.x) * params.in_hw.x + (q % params.out_hw.x) * params.kernel.x) * params.in_hw.y;
  let m = mean[c]; let rs = rstd[c]; let gm = gamma[c]; let b = beta[c];
  let M = f32(params.rows);
  let k = gm * rs / M;
  let db = dbeta[c];
  let dg = dgamma[c];
  for (var ow = 0u; ow < params.out_hw.y; ow++) {
    let base = row + ow * params.kernel.y;
    let w = window_max(base, c, m, rs, gm, b);
    var g = dy[(q * params.out_hw.y + ow) * params.c4 + c];
    if (ACT != 0u) { g *= activate_grad4(w.z); }
    for (var kh = 0u; kh < params.kernel.x; kh++) {
      for (var kw = 0u; kw < params.kernel.y; kw++) {
        let j = (base + kh * params.in_hw.y + kw) * params.c4 + c;
        let xhat = (x[j] - m) * rs;
        let gj = select(vec4<f32>(0.0), g, vec4<u32>(j) == w.arg);
        dx[j] = k * (M * gj - db - xhat * dg);
      }
    }
  }
}
