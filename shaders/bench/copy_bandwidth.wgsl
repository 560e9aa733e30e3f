// copy_bandwidth — microbenchmark of device-memory bandwidth (the roofline's memory ceiling).
// Math: y[i] = x[i] · scale, vec4 elements (16 bytes read + 16 written per invocation).
// Layout: x, y flat [n] vec4<f32>. Thread: one vec4 per invocation. Overwrites y. Bytes counted: 32 · n.

struct Params { n: u32, scale: f32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = x[i] * params.scale;
}
