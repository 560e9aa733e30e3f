// batchnorm_maxpool_forward_vec4 — training-mode batch-norm pass 2 fused with its activation and the max-pool
// after it (windows that tile the input: stride = kernel, no padding):
//
// Math:   y[n,oh,ow,c] = max over taps (kh, kw) of act(z[n, oh·KH + kh, ow·KW + kw, c]),
//         z = (x − mean[c])·rstd[c]·γ[c] + β[c], batch statistics from batchnorm_forward_stats, ACT as common/activation.
//         The full-size act(z) is never stored: the backward recomputes it from x (batchnorm_maxpool_backward_*).
// Layout: x [N,H,W,C/4], y [N,H/KH,W/KW,C/4] of vec4 (NHWC, C % 4 = 0); mean, rstd, gamma, beta [C/4] vec4.
// Thread: one row of pooling windows (image n, output row oh) of four neighbouring channels per invocation,
//         i = (n·OH + oh)·C/4 + c, looping over the OW windows (one index decode per row: on a CPU adapter the
//         integer divisions of a per-window decode cost more than the window's loads). Overwrites y.

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
  let c = i % params.c4;
  let q = i / params.c4; // n·OH + oh
  let row = ((q / params.out_hw.x) * params.in_hw.x + (q % params.out_hw.x) * params.kernel.x) * params.in_hw.y;
  let m = mean[c]; let rs = rstd[c]; let gm = gamma[c]; let b = beta[c];
  for (var ow = 0u; ow < params.out_hw.y; ow++) {
    let base = row + ow * params.kernel.y;
    var best = vec4<f32>(-3.4028234663852886e38);
    for (var kh = 0u; kh < params.kernel.x; kh++) {
      for (var kw = 0u; kw < params.kernel.y; kw++) {
        let z = (x[(base + kh * params.in_hw.y + kw) * params.c4 + c] - m) * rs * gm + b;
        best = max(best, activate4(z));
      }
    }
    y[(q * params.out_hw.y + ow) * params.c4 + c] = best;
  }
}
