// sumsq_final — second pass of the global gradient norm: norm[0] = √(Σ_t partial[t]) over all P partials
// (NaN or Inf in any gradient makes the norm non-finite, which the training loop checks every step).
// Layout: partial [P], norm [1]. Thread: a single invocation (P is small: one partial per 256 gradients).
// Overwrites norm.

struct Params { n: u32, count: u32 }
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  var acc = 0.0;
  for (var t = 0u; t < params.count; t++) { acc += partial[t]; }
  norm[0] = sqrt(acc);
}
