// One pooling window of a fused batch-norm → activation → max-pool (shaders/norm/batchnorm_maxpool_*), for four
// neighbouring channels (a channel quad c of C/4). The including kernel declares params (c4, in_hw, kernel), x
// (array<vec4<f32>>, NHWC) and imports activation. z = (x − mean)·rstd·γ + β is the forward's expression, so the
// backward finds the same maximal tap as the forward without storing y = act(z): per channel, the first tap in
// scan order (kh, then kw) whose act(z) is the window's maximum (strict >, as pool2d_backward).

struct WindowMax {
  arg: vec4<u32>, // per channel: the flat vec4 index of the maximal tap
  z: vec4<f32>,   // z there
  xc: vec4<f32>,  // x − mean there
}

/// The window whose top-left tap is pixel `base` (n·H·W + ih·W + iw), channel quad c.
fn window_max(base: u32, c: u32, m: vec4<f32>, rs: vec4<f32>, gm: vec4<f32>, b: vec4<f32>) -> WindowMax {
  var best = vec4<f32>(-3.4028234663852886e38);
  var out = WindowMax(vec4<u32>(0u), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let j = (base + kh * params.in_hw.y + kw) * params.c4 + c;
      let xc = x[j] - m;
      let z = xc * rs * gm + b;
      let a = activate4(z);
      let gt = a > best;
      best = select(best, a, gt);
      out.arg = select(out.arg, vec4<u32>(j), gt);
      out.z = select(out.z, z, gt);
      out.xc = select(out.xc, xc, gt);
    }
  }
  return out;
}
