// Body of int8/pointwise_forward_unrolled_{dot4,unpack}: a 4 rows × 8 channels tile in named registers (no
// private arrays: SwiftShader keeps dynamically indexed arrays in memory). The including kernel supplies
// dot4i8/pack4i8.
//! import requant

struct Params {
  n: u32,
  m: u32,       // rows: N·H·W
  k4: u32,      // words per input row: ⌈K/4⌉
  c: u32,       // output channels
  groups: u32,
  kg4: u32,     // words per group of input channels
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> qp: array<vec4<i32>>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

fn dot8(xv: u32, p: vec4<u32>, q: vec4<u32>, a: ptr<function, vec4<i32>>, b: ptr<function, vec4<i32>>) {
  *a += vec4<i32>(dot4i8(xv, p.x), dot4i8(xv, p.y), dot4i8(xv, p.z), dot4i8(xv, p.w));
  *b += vec4<i32>(dot4i8(xv, q.x), dot4i8(xv, q.y), dot4i8(xv, q.z), dot4i8(xv, q.w));
}

fn store8(row: u32, c4: u32, a: vec4<i32>, b: vec4<i32>) {
  if (row >= params.m) { return; }
  let lo = clamp(requant4(a + qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u]) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  let hi = clamp(requant4(b + qp[3u * c4 + 3u], qp[3u * c4 + 4u], qp[3u * c4 + 5u]) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  let c4n = params.c / 4u;
  y[row * c4n + c4] = pack4i8(lo);
  y[row * c4n + c4 + 1u] = pack4i8(hi);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let c4n = params.c / 4u;
  let c8n = params.c / 8u;
  let c4 = 2u * (i % c8n);
  let m0 = (i / c8n) * 4u;
  let g = (c4 * 4u) / (params.c / params.groups);
  let last = params.m - 1u;
  let x0 = min(m0, last) * params.k4 + g * params.kg4;
  let x1 = min(m0 + 1u, last) * params.k4 + g * params.kg4;
  let x2 = min(m0 + 2u, last) * params.k4 + g * params.kg4;
  let x3 = min(m0 + 3u, last) * params.k4 + g * params.kg4;
  var a0 = vec4<i32>(0); var b0 = vec4<i32>(0);
  var a1 = vec4<i32>(0); var b1 = vec4<i32>(0);
  var a2 = vec4<i32>(0); var b2 = vec4<i32>(0);
  var a3 = vec4<i32>(0); var b3 = vec4<i32>(0);
  var wb = c4;
  for (var j = 0u; j < params.kg4; j++) {
    let p = w[wb];
    let q = w[wb + 1u];
    wb += c4n;
    dot8(x[x0 + j], p, q, &a0, &b0);
    dot8(x[x1 + j], p, q, &a1, &b1);
    dot8(x[x2 + j], p, q, &a2, &b2);
    dot8(x[x3 + j], p, q, &a3, &b3);
  }
  store8(m0, c4, a0, b0);
  store8(m0 + 1u, c4, a1, b1);
  store8(m0 + 2u, c4, a2, b2);
  store8(m0 + 3u, c4, a3, b3);
}
