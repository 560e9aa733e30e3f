// batchnorm_maxpool2x2_backward_input_vec4 — batchnorm_maxpool_backward_input_vec4 for a 2×2 pool (stride 2): the
// same math, the window's four taps loaded once (common/bn_maxpool_window2x2) and written straight-line, no tap loops.
//
// Math:   dx[r,c] = γ[c]·rstd[c]/M · ( M·g[r,c] − dbeta[c] − x̂[r,c]·dgamma[c] ),  x̂ = (x − mean)·rstd, M = N·H·W,
//         g = dy·act'(z) at each window's first maximal tap, 0 at the others.
// Layout: x, dx [N,H,W,C/4], dy [N,H/2,W/2,C/4] of vec4 (H, W even); mean, rstd, gamma, beta, dgamma, dbeta [C/4] vec4.
// Thread: one row of pooling windows (image n, output row oh) of four neighbouring channels per invocation,
//         i = (n·OH + oh)·C/4 + c, looping over the OW windows. Overwrites dx (every element once).

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
//! import bn_maxpool_window2x2

//! entry
  let C4 = params.c4;
  let c = i % C4;
  let q = i / C4; // n·OH + oh
  let OW = params.out_hw.y;
  let down = params.in_hw.y * C4;
  var j = ((q / params.out_hw.x) * params.in_hw.x + (q % params.out_hw.x) * 2u) * down + c;
  var o = q * OW * C4 + c;
  let m = mean[c]; let rs = rstd[c]; let gm = gamma[c]; let b = beta[c];
  let M = f32(params.rows);
  let k = gm * rs / M;
  let db = dbeta[c];
  let dg = dgamma[c];
  for (var ow = 0u; ow < OW; ow++) {
    let w = window2x2(j, C4, down, m, rs, gm, b);
    var g = dy[o];
    if (ACT != 0u) { g *= activate_grad4(w.z); }
    let z = vec4<f32>(0.0);
    dx[j] = k * (M * select(z, g, w.tap == vec4<u32>(0u)) - db - (w.xc0 * rs) * dg);
    dx[j + C4] = k * (M * select(z, g, w.tap == vec4<u32>(1u)) - db - (w.xc1 * rs) * dg);
    dx[j + down] = k * (M * select(z, g, w.tap == vec4<u32>(2u)) - db - (w.xc2 * rs) * dg);
    dx[j + down + C4] = k * (M * select(z, g, w.tap == vec4<u32>(3u)) - db - (w.xc3 * rs) * dg);
    j += 2u * C4;
    o += C4;
  }
}
