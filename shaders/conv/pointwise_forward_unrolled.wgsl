// pointwise_forward_unrolled — 1×1 convolution / fully connected as a GEMM with a 4 × 8 register tile written
// out by hand: eight named vec4 accumulators, no private arrays and no inner loops over the tile. Compilers that
// do not unroll (SwiftShader's) otherwise keep a dynamically indexed tile in memory.
//
// Math:   Y[m, c] = act( b[c] + Σ_{k<Kg} X[m, g·Kg + k] · W[k, c] ),  g = c / Ng,  Kg = K/groups, Ng = C/groups
//         (optionally stored channel-shuffled: channel c goes to (c mod (C/S))·S + c / (C/S), S = SHUFFLE)
// Layout: X [M, K] as vec4 (Kg % 4 == 0), W [Kg, C] as vec4 (Ng % 8 == 0), b [C], Y [M, C].
// Thread: i = mt·(C/8) + c8 computes Y[4·mt + r, 8·c8 .. 8·c8+7], r < 4; rows past M are computed on a clamped
//         row and not stored. Overwrites Y.
//! import activation

struct Params {
  n: u32,
  m: u32,
  k: u32,
  c: u32,
  groups: u32,
}

override WG: u32 = 64u;
override SHUFFLE: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

//! import pointwise_store

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let c4n = params.c / 4u;
  let c8n = params.c / 8u;
  let c4 = 2u * (i % c8n);
  let m0 = (i / c8n) * 4u;
  let kg4 = params.k / params.groups / 4u;
  let g = (c4 * 4u) / (params.c / params.groups);
  let k4n = params.k / 4u;
  let last = params.m - 1u;
  let x0 = min(m0, last) * k4n + g * kg4;
  let x1 = min(m0 + 1u, last) * k4n + g * kg4;
  let x2 = min(m0 + 2u, last) * k4n + g * kg4;
  let x3 = min(m0 + 3u, last) * k4n + g * kg4;
  var a0 = vec4<f32>(0.0); var b0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0); var b1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0); var b2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0); var b3 = vec4<f32>(0.0);
  var wb = c4;
  for (var k4 = 0u; k4 < kg4; k4++) {
    let p0 = w[wb]; let q0 = w[wb + 1u];
    let p1 = w[wb + c4n]; let q1 = w[wb + c4n + 1u];
    let p2 = w[wb + 2u * c4n]; let q2 = w[wb + 2u * c4n + 1u];
    let p3 = w[wb + 3u * c4n]; let q3 = w[wb + 3u * c4n + 1u];
    wb += 4u * c4n;
    let r0 = x[x0 + k4];
    a0 += r0.x * p0 + r0.y * p1 + r0.z * p2 + r0.w * p3;
    b0 += r0.x * q0 + r0.y * q1 + r0.z * q2 + r0.w * q3;
    let r1 = x[x1 + k4];
    a1 += r1.x * p0 + r1.y * p1 + r1.z * p2 + r1.w * p3;
    b1 += r1.x * q0 + r1.y * q1 + r1.z * q2 + r1.w * q3;
    let r2 = x[x2 + k4];
    a2 += r2.x * p0 + r2.y * p1 + r2.z * p2 + r2.w * p3;
    b2 += r2.x * q0 + r2.y * q1 + r2.z * q2 + r2.w * q3;
    let r3 = x[x3 + k4];
    a3 += r3.x * p0 + r3.y * p1 + r3.z * p2 + r3.w * p3;
    b3 += r3.x * q0 + r3.y * q1 + r3.z * q2 + r3.w * q3;
  }
  let ba = b[c4];
  let bb = b[c4 + 1u];
  let c0 = c4 * 4u;
  store4(m0, c0, activate4(a0 + ba)); store4(m0, c0 + 4u, activate4(b0 + bb));
  store4(m0 + 1u, c0, activate4(a1 + ba)); store4(m0 + 1u, c0 + 4u, activate4(b1 + bb));
  store4(m0 + 2u, c0, activate4(a2 + ba)); store4(m0 + 2u, c0 + 4u, activate4(b2 + bb));
  store4(m0 + 3u, c0, activate4(a3 + ba)); store4(m0 + 3u, c0 + 4u, activate4(b3 + bb));
}
