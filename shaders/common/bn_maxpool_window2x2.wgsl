// One 2×2 pooling window of a fused batch-norm → activation → max-pool, straight-line (the batchnorm_maxpool2x2_*
// kernels): common/bn_maxpool_window's window with the four taps loaded once into named registers, no tap loops.
// The including kernel declares x (array<vec4<f32>>, NHWC) and imports activation. z = (x − mean)·rstd·γ + β is the
// forward's expression, evaluated in the same order, so every pass finds the same maximal tap: per channel, the
// first tap in scan order (0,0), (0,1), (1,0), (1,1) whose act(z) is the window's maximum (strict >, as
// pool2d_backward and window_max).

struct Window2x2 {
  tap: vec4<u32>, // per channel: the maximal tap 0..3 (4: none, when no act(z) exceeds −f32 max)
  z: vec4<f32>,   // z at that tap
  xc0: vec4<f32>, // x − mean at taps 0..3
  xc1: vec4<f32>,
  xc2: vec4<f32>,
  xc3: vec4<f32>,
}

/// The window whose tap (0,0) is vec4 x[j] (channel quad included); `right` = C/4 (one pixel), `down` = W·C/4.
fn window2x2(j: u32, right: u32, down: u32, m: vec4<f32>, rs: vec4<f32>, gm: vec4<f32>, b: vec4<f32>) -> Window2x2 {
  var o = Window2x2(vec4<u32>(4u), vec4<f32>(0.0), x[j] - m, x[j + right] - m, x[j + down] - m, x[j + down + right] - m);
  let z0 = o.xc0 * rs * gm + b;
  let z1 = o.xc1 * rs * gm + b;
  let z2 = o.xc2 * rs * gm + b;
  let z3 = o.xc3 * rs * gm + b;
  var best = vec4<f32>(-3.4028234663852886e38);
  let a0 = activate4(z0);
  let g0 = a0 > best;
  best = select(best, a0, g0);
  o.tap = select(o.tap, vec4<u32>(0u), g0);
  o.z = select(o.z, z0, g0);
  let a1 = activate4(z1);
  let g1 = a1 > best;
  best = select(best, a1, g1);
  o.tap = select(o.tap, vec4<u32>(1u), g1);
  o.z = select(o.z, z1, g1);
  let a2 = activate4(z2);
  let g2 = a2 > best;
  best = select(best, a2, g2);
  o.tap = select(o.tap, vec4<u32>(2u), g2);
  o.z = select(o.z, z2, g2);
  let a3 = activate4(z3);
  let g3 = a3 > best;
  o.tap = select(o.tap, vec4<u32>(3u), g3);
  o.z = select(o.z, z3, g3);
  return o;
}
