// N-D index helpers for the general tensor kernels. A shape or stride list of up to 8 dimensions is passed as
// two vec4 uniforms (lo = dims 0..3, hi = dims 4..7); `pick` reads dimension d of such a pair.
fn pick_u(lo: vec4<u32>, hi: vec4<u32>, d: u32) -> u32 {
  if (d < 4u) { return lo[d]; }
  return hi[d - 4u];
}
fn pick_i(lo: vec4<i32>, hi: vec4<i32>, d: u32) -> i32 {
  if (d < 4u) { return lo[d]; }
  return hi[d - 4u];
}
