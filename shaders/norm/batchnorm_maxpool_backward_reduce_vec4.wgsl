// batchnorm_maxpool_backward_reduce_vec4 — backward of batchnorm_maxpool_forward_vec4, pass 1: the parameter
// gradients, with the max-pool's and the activation's gradients as a prologue (no full-size dy is ever stored).
//
// Math:   g[r,c] = dy[window(r),c]·act'(z[r,c]) when r is its window's first maximal tap of act(z) (common/
//         bn_maxpool_window), else 0;  dbeta[c] = Σ_r g[r,c];  dgamma[c] = Σ_r g[r,c]·x̂[r,c],  x̂ = (x − mean)·rstd
// Layout: x [N,H,W,C/4], dy [N,H/KH,W/KW,C/4] of vec4; mean, rstd, gamma, beta, dgamma, dbeta [C/4] vec4.
// Thread: as batchnorm_backward_reduce (common/channel_reduce) over the rows of pooling windows (n, oh) instead of
//         the rows of x: each thread walks its strided window rows and, in each, the OW windows (one index decode
//         per window row), one nonzero g per window and channel. Overwrites dgamma, dbeta.
//         PARTS > 1: as batchnorm_backward_reduce, the window rows split over PARTS workgroups per channel group, and
//         dgamma, dbeta are then the raw partial sums [PARTS, C/4] (batchnorm_backward_finalize adds them).

struct Params { c4: u32, windows: u32, in_hw: vec2<u32>, out_hw: vec2<u32>, kernel: vec2<u32> }
override WG: u32 = 64u;
override PARTS: u32 = 1u;
override CG: u32 = 2u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read dy: array<vec4<f32>>
//! read mean: array<vec4<f32>>
//! read rstd: array<vec4<f32>>
//! read gamma: array<vec4<f32>>
//! read beta: array<vec4<f32>>
//! read_write dgamma: array<vec4<f32>>
//! read_write dbeta: array<vec4<f32>>

alias Partial = mat2x4<f32>; // columns (Σ g, Σ g·(x − mean))
//! import channel_reduce
//! import activation
//! import bn_maxpool_window

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C = params.c4;
  let w = wid.x + wid.y * nwg.x;
  let part = w % PARTS;
  let c = (w / PARTS) * CG + t % CG;
  let live = c < C; // no early return before the barriers in channel_total
  var sd = vec4<f32>(0.0);
  var sdx = vec4<f32>(0.0);
  if (live) {
    let m = mean[c]; let rs = rstd[c]; let gm = gamma[c]; let b = beta[c];
    let OW = params.out_hw.y;
    for (var q = part * (WG / CG) + t / CG; q < params.windows / OW; q += PARTS * (WG / CG)) {
      let row = ((q / params.out_hw.x) * params.in_hw.x + (q % params.out_hw.x) * params.kernel.x) * params.in_hw.y;
      for (var ow = 0u; ow < OW; ow++) {
        let w = window_max(row + ow * params.kernel.y, c, m, rs, gm, b);
        var g = dy[(q * OW + ow) * C + c];
        if (ACT != 0u) { g *= activate_grad4(w.z); }
        sd += g;
        sdx += g * w.xc;
      }
    }
  }
  let total = channel_total(t, mat2x4<f32>(sd, sdx));
  if (!live || t >= CG) { return; }
  if (PARTS > 1u) {
    dbeta[part * C + c] = total[0];
    dgamma[part * C + c] = total[1];
    return;
  }
  dbeta[c] = total[0];
  dgamma[c] = total[1] * rstd[c];
}
