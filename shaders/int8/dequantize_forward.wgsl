// int8/dequantize_forward — q8 → f32: y = f32(q − zero) · scale (one correctly rounded product).
// Layout: x [rows, ⌈C/4⌉] u32 (q8, channel c in byte c % 4), y [rows, C] f32.
// Thread: one output element per invocation, i = row·C + c. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c4: u32,
  scale: f32,
  zero: i32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let row = i / params.c;
  let ch = i % params.c;
  let word = x[row * params.c4 + ch / 4u];
  let q = i32(word << (24u - 8u * (ch % 4u))) >> 24u;
  y[i] = f32(q - params.zero) * params.scale;
}
