// pointwise_forward_quad — the 4 × 8 register-tile GEMM of pointwise_forward_unrolled, with the weight loads
// shared across a quad: the four invocations of a quad compute the same 8 output channels for four different row
// blocks, each loads one of the four weight rows of a k-step, and quadBroadcast hands it to the others. Weight loads
// drop from 8 to 2 vec4 per k-step and invocation (on SwiftShader every load is a per-lane gather).
// Needs the 'subgroups' feature (quad operations).
//
// Math:   Y[m, c] = act( b[c] + Σ_{k<Kg} X[m, g·Kg + k] · W[k, c] ),  g = c / Ng,  Kg = K/groups, Ng = C/groups
//         (optionally stored channel-shuffled, see common/pointwise_store.wgsl)
// Layout: X [M, K] as vec4 (Kg % 4 == 0), W [Kg, C] as vec4 (Ng % 8 == 0), b [C], Y [M, C].
// Thread: i = (q·(C/8) + c8)·4 + lane, lane < 4, computes Y[4·(4q + lane) + r, 8·c8 .. 8·c8+7], r < 4. Rows past
//         M (and invocations past the grid) compute on clamped indices and store nothing, so every quad stays whole
//         for quadBroadcast. Overwrites Y.
enable subgroups;
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
  // no early return: the whole quad takes part in quadBroadcast; out-of-range work is clamped and not stored
  let lane = i % 4u;
  let c4n = params.c / 4u;
  let c8n = params.c / 8u;
  let qi = i / 4u;
  let c4 = 2u * min(qi % c8n, c8n - 1u);
  let mt = (qi / c8n) * 4u + lane;
  let m0 = mt * 4u;
  let live = i < params.n;
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
  var wb = lane * c4n + c4;
  for (var k4 = 0u; k4 < kg4; k4++) {
    let myP = w[wb];
    let myQ = w[wb + 1u];
    wb += 4u * c4n;
    let p0 = quadBroadcast(myP, 0u); let q0 = quadBroadcast(myQ, 0u);
    let p1 = quadBroadcast(myP, 1u); let q1 = quadBroadcast(myQ, 1u);
    let p2 = quadBroadcast(myP, 2u); let q2 = quadBroadcast(myQ, 2u);
    let p3 = quadBroadcast(myP, 3u); let q3 = quadBroadcast(myQ, 3u);
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
  if (!live) { return; }
  let ba = b[c4];
  let bb = b[c4 + 1u];
  let c0 = c4 * 4u;
  store4(m0, c0, activate4(a0 + ba)); store4(m0, c0 + 4u, activate4(b0 + bb));
  store4(m0 + 1u, c0, activate4(a1 + ba)); store4(m0 + 1u, c0 + 4u, activate4(b1 + bb));
  store4(m0 + 2u, c0, activate4(a2 + ba)); store4(m0 + 2u, c0 + 4u, activate4(b2 + bb));
  store4(m0 + 3u, c0, activate4(a3 + ba)); store4(m0 + 3u, c0 + 4u, activate4(b3 + bb));
}
