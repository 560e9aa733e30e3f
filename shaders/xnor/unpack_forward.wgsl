// xnor/unpack_forward — b1 → f32 ±1 (for model edges and tests).
// Math:   y[c] = −1 if bit c is set, else +1.
// Layout: x [rows, ⌈C/32⌉] u32 (channel c is bit c % 32 of word c / 32), y [rows, C] f32.
// Thread: one output element per invocation, i = row·C + c. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c32: u32,
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
  let bit = (x[row * params.c32 + ch / 32u] >> (ch % 32u)) & 1u;
  y[i] = select(1.0, -1.0, bit == 1u);
}
