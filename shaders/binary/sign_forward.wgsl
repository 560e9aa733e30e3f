// sign_forward — binary activations for training a 1-bit network (Courbariaux et al. 2016, XNOR-Net inputs):
//   y[i] = sign(x[i]) ∈ {−1, +1}   with sign(0) = +1 (as `binarize`: bit 1 ⇔ x < 0),
// so a binary conv trained on sign(x) computes what conv2d_xnor computes from the packed bits.
// Gradient: the straight-through estimator with the hard-tanh clip, in sign_backward.
// Layout: x, y flat [n]. Thread: one element per invocation. Overwrites y.

struct Params { n: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = select(1.0, -1.0, x[i] < 0.0);
}
