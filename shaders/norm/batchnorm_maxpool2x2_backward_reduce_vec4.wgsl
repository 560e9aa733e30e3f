// batchnorm_maxpool2x2_backward_reduce_vec4 — batchnorm_maxpool_backward_reduce_vec4 for a 2×2 pool (stride 2): the
// same sums and thread mapping, each window's four taps loaded once (common/bn_maxpool_window2x2), no tap loops.
//
// Math:   g[r,c] = dy[window(r),c]·act'(z[r,c]) at r = its window's first maximal tap of act(z), else 0;
//         dbeta[c] = Σ_r g[r,c];  dgamma[c] = Σ_r g[r,c]·x̂[r,c],  x̂ = (x − mean)·rstd
// Layout: x [N,H,W,C/4], dy [N,H/2,W/2,C/4] of vec4 (H, W even); mean, rstd, gamma, beta, dgamma, dbeta [C/4] vec4.
// Thread: as batchnorm_maxpool_backward_reduce_vec4 (common/channel_reduce over the rows of windows (n, oh), PARTS
//         workgroups per channel group writing raw partial sums [PARTS, C/4] when PARTS > 1). Overwrites dgamma, dbeta.

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
//! import bn_maxpool_window2x2

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
    let down = params.in_hw.y * C;
    let zero = vec4<f32>(0.0);
    for (var q = part * (WG / CG) + t / CG; q < params.windows / OW; q += PARTS * (WG / CG)) {
      var j = ((q / params.out_hw.x) * params.in_hw.x + (q % params.out_hw.x) * 2u) * down + c;
      var o = q * OW * C + c;
      for (var ow = 0u; ow < OW; ow++) {
        let w = window2x2(j, C, down, m, rs, gm, b);
        var g = dy[o];
        if (ACT != 0u) { g *= activate_grad4(w.z); }
        sd += g;
        let xc = select(select(select(select(zero, w.xc3, w.tap == vec4<u32>(3u)), w.xc2, w.tap == vec4<u32>(2u)), w.xc1, w.tap == vec4<u32>(1u)), w.xc0, w.tap == vec4<u32>(0u));
        sdx += g * xc;
        j += 2u * C;
        o += C;
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
