// concat_backward — the gradient of one input of a channel concatenation is its slice of the output gradient:
//   dx[r, j] = dy[r, offset + j] for j < cx. One launch per input.
// Layout: dy [rows, cy], dx [rows, cx] (NHWC, channels last). Thread: one element of dx per invocation.
// Overwrites dx.

struct Params { n: u32, cx: u32, cy: u32, offset: u32 }
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let j = i % params.cx;
  let r = i / params.cx;
  dx[i] = dy[r * params.cy + params.offset + j];
}
