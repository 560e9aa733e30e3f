// reduce_axis_forward — reduce one axis: x viewed as [outer, R, inner] → y [outer, inner].
// MODE 0 sum, 1 mean, 2 max, 3 min (shared with src/ops/tensor.ts REDUCE). Multi-axis reductions are chains.
// Layout: x, y row-major. Thread: one (outer, inner) output per invocation, i = o·inner + j. Overwrites y.

struct Params { n: u32, r: u32, inner: u32 }
override WG: u32 = 64u;
override MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let j = i % params.inner;
  let o = i / params.inner;
  let base = o * params.r * params.inner + j;
  var acc = select(0.0, x[base], MODE >= 2u);
  for (var t = 0u; t < params.r; t++) {
    let v = x[base + t * params.inner];
    switch MODE {
      case 2u: { acc = max(acc, v); }
      case 3u: { acc = min(acc, v); }
      default: { acc += v; }
    }
  }
  y[i] = select(acc, acc / f32(params.r), MODE == 1u);
}
