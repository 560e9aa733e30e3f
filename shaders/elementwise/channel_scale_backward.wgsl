// channel_scale_backward — gradient of squeeze-excitation's rescale y = x·s with respect to the scales:
//   ds[n,c] = Σ_{h,w} dy[n,h,w,c] · x[n,h,w,c]   (the gradient for x is channel_scale(dy, s), no kernel here).
// Layout: x, dy [N,H,W,C] NHWC, ds [N,C]. Thread: one (n, c) per invocation. Overwrites ds.

struct Params { n: u32, c: u32, hw: u32 }
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> ds: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c = i % params.c;
  let nb = i / params.c;
  let base = nb * params.hw * params.c + c;
  var acc = 0.0;
  for (var p = 0u; p < params.hw; p++) { acc += dy[base + p * params.c] * x[base + p * params.c]; }
  ds[i] = acc;
}
