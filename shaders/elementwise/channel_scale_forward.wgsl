// channel_scale_forward — squeeze-and-excitation's rescale: y[n,h,w,c] = x[n,h,w,c] · s[n,c].
// Layout: x, y [N,H,W,C] NHWC, s [N,C]. Thread: one element per invocation. Overwrites y.

struct Params { n: u32, c: u32, hw: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c = i % params.c;
  let nb = i / (params.c * params.hw);
  y[i] = x[i] * s[nb * params.c + c];
}
