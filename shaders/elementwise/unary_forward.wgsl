// unary_forward — y[i] = f(x[i]) for the function f of code ACT (an override) in the one activation table,
// shaders/common/activation.wgsl (src/ops/activation.ts ACTIVATIONS), with its scalar parameters alpha, beta.
// Layout: x, y flat [n] (any layout: the function is elementwise). Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32, alpha: f32, beta: f32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = activation(ACT, x[i], params.alpha, params.beta);
}
