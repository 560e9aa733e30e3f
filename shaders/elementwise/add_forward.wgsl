// add_forward — residual add: y[i] = act(a[i] + b[i]) (same shapes; broadcasting is done by the graph importer).
// Layout: a, b, y flat [n]. Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = activate(a[i] + b[i]);
}
