// channel_affine_forward — per-channel scale and shift, the inference form of batch-norm when it cannot be folded
// into a convolution: y[.., c] = act(x[.., c]·scale[c] + shift[c]),
// with scale = γ/√(var+ε), shift = β − mean·scale computed once on the CPU.
// Layout: x, y [.., C] (NHWC, channels last), scale, shift [C]. Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32, c: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c = i % params.c;
  y[i] = activate(x[i] * scale[c] + shift[c]);
}
