// pointwise_forward_regtile8 — 1×1 convolution / fully connected as a GEMM with a TM × 8 register tile
// (two vec4 column blocks per invocation): twice the reuse of each loaded row of X compared with
// pointwise_forward_regtile, which matters where every load is a per-lane gather (SwiftShader).
//
// Math:   Y[m, c] = act( b[c] + Σ_{k<Kg} X[m, g·Kg + k] · W[k, c] ),  g = c / Ng,  Kg = K/groups, Ng = C/groups
//         (optionally stored channel-shuffled, as in pointwise_forward_regtile)
// Layout: X [M, K] as vec4 (Kg % 4 == 0), W [Kg, C] as vec4 (Ng % 8 == 0), b [C], Y [M, C].
// Thread: i = mt·(C/8) + c8 computes Y[mt·TM + r, 8·c8 .. 8·c8+7] for r < TM. Overwrites Y.
//! import activation

struct Params {
  n: u32,
  m: u32,
  k: u32,
  c: u32,
  groups: u32,
}

override WG: u32 = 64u;
override TM: u32 = 4u;
override SHUFFLE: u32 = 1u;
const MAX_TM: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

//! import pointwise_store

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let c4n = params.c / 4u;
  let c8 = i % (params.c / 8u);
  let c4 = 2u * c8;
  let m0 = (i / (params.c / 8u)) * TM;
  let kg4 = params.k / params.groups / 4u;
  let g = (c4 * 4u) / (params.c / params.groups);
  let k4n = params.k / 4u;
  var accA: array<vec4<f32>, MAX_TM>;
  var accB: array<vec4<f32>, MAX_TM>;
  for (var r = 0u; r < TM; r++) { accA[r] = vec4<f32>(0.0); accB[r] = vec4<f32>(0.0); }
  let rows = min(TM, params.m - m0);
  for (var k4 = 0u; k4 < kg4; k4++) {
    let wb = 4u * k4 * c4n + c4;
    let wa0 = w[wb];
    let wb0 = w[wb + 1u];
    let wa1 = w[wb + c4n];
    let wb1 = w[wb + c4n + 1u];
    let wa2 = w[wb + 2u * c4n];
    let wb2 = w[wb + 2u * c4n + 1u];
    let wa3 = w[wb + 3u * c4n];
    let wb3 = w[wb + 3u * c4n + 1u];
    for (var r = 0u; r < TM; r++) {
      if (r >= rows) { break; }
      let a = x[(m0 + r) * k4n + g * kg4 + k4];
      accA[r] += a.x * wa0 + a.y * wa1 + a.z * wa2 + a.w * wa3;
      accB[r] += a.x * wb0 + a.y * wb1 + a.z * wb2 + a.w * wb3;
    }
  }
  let biasA = b[c4];
  let biasB = b[c4 + 1u];
  for (var r = 0u; r < TM; r++) {
    if (r >= rows) { break; }
    store4(m0 + r, c4 * 4u, activate4(accA[r] + biasA));
    store4(m0 + r, c4 * 4u + 4u, activate4(accB[r] + biasB));
  }
}
