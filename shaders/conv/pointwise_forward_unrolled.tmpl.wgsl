// ${NAME} — 1×1 convolution / fully connected as a GEMM with a ${ROWS} × 8 register tile written out as named
// registers: 2·${ROWS} vec4 accumulators (a_r for channels 0..3 of the tile, b_r for 4..7), no private arrays and no
// inner loops over the tile. Compilers that do not unroll (SwiftShader's) otherwise keep a dynamically indexed
// tile in memory.
//! if QUAD
// Quad flavour: the four invocations of a quad compute the same 8 output channels for four different row blocks;
// each loads one of the four weight rows of a k-step and quadBroadcast hands it to the others, so weight loads
// drop from 8 to 2 vec4 per k-step and invocation (on SwiftShader every load is a per-lane gather).
// Needs the 'subgroups' feature (quad operations).
//! end
//
// Math:   Y[m, c] = act( b[c] + Σ_{k<Kg} X[m, g·Kg + k] · W[k, c] ),  g = c / Ng,  Kg = K/groups, Ng = C/groups
//         (optionally stored channel-shuffled: channel c goes to (c mod (C/S))·S + c / (C/S), S = SHUFFLE)
// Layout: X [M, K] as vec4 (Kg % 4 == 0), W [Kg, C] as vec4 (Ng % 8 == 0), b [C], Y [M, C].
//! if QUAD
// Thread: i = (q·(C/8) + c8)·4 + lane, lane < 4, computes Y[${ROWS}·(4q + lane) + r, 8·c8 .. 8·c8+7], r < ${ROWS}. Rows
//         past M (and invocations past the grid) compute on clamped indices and store nothing, so every quad stays
//         whole for quadBroadcast. Overwrites Y.
enable subgroups;
//! else
// Thread: i = mt·(C/8) + c8 computes Y[${ROWS}·mt + r, 8·c8 .. 8·c8+7], r < ${ROWS}; rows past M are computed on a
//         clamped row and not stored. Overwrites Y.
//! end
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

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<f32>

//! import pointwise_store

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
//! if QUAD
  // no early return: the whole quad takes part in quadBroadcast; out-of-range work is clamped and not stored
  let lane = i % 4u;
//! else
  if (i >= params.n) { return; }
//! end
  let c4n = params.c / 4u;
  let c8n = params.c / 8u;
//! if QUAD
  let qi = i / 4u;
  let c4 = 2u * min(qi % c8n, c8n - 1u);
  let m0 = ((qi / c8n) * 4u + lane) * ${ROWS}u;
  let live = i < params.n;
//! else
  let c4 = 2u * (i % c8n);
  let m0 = (i / c8n) * ${ROWS}u;
//! end
  let kg4 = params.k / params.groups / 4u;
  let g = (c4 * 4u) / (params.c / params.groups);
  let k4n = params.k / 4u;
  let last = params.m - 1u;
//! for r in 0..ROWS
  let x${r} = min(m0 + ${r}u, last) * k4n + g * kg4;
//! end
//! for r in 0..ROWS
  var a${r} = vec4<f32>(0.0); var b${r} = vec4<f32>(0.0);
//! end
//! if QUAD
  var wb = lane * c4n + c4;
  for (var k4 = 0u; k4 < kg4; k4++) {
    let myP = w[wb];
    let myQ = w[wb + 1u];
    wb += 4u * c4n;
    let p0 = quadBroadcast(myP, 0u); let q0 = quadBroadcast(myQ, 0u);
    let p1 = quadBroadcast(myP, 1u); let q1 = quadBroadcast(myQ, 1u);
    let p2 = quadBroadcast(myP, 2u); let q2 = quadBroadcast(myQ, 2u);
    let p3 = quadBroadcast(myP, 3u); let q3 = quadBroadcast(myQ, 3u);
//! else
  var wb = c4;
  for (var k4 = 0u; k4 < kg4; k4++) {
    let p0 = w[wb]; let q0 = w[wb + 1u];
    let p1 = w[wb + c4n]; let q1 = w[wb + c4n + 1u];
    let p2 = w[wb + 2u * c4n]; let q2 = w[wb + 2u * c4n + 1u];
    let p3 = w[wb + 3u * c4n]; let q3 = w[wb + 3u * c4n + 1u];
    wb += 4u * c4n;
//! end
//! for r in 0..ROWS
    let r${r} = x[x${r} + k4];
    a${r} += r${r}.x * p0 + r${r}.y * p1 + r${r}.z * p2 + r${r}.w * p3;
    b${r} += r${r}.x * q0 + r${r}.y * q1 + r${r}.z * q2 + r${r}.w * q3;
//! end
  }
//! if QUAD
  if (!live) { return; }
//! end
  let ba = b[c4];
  let bb = b[c4 + 1u];
  let c0 = c4 * 4u;
//! for r in 0..ROWS
  store4(m0 + ${r}u, c0, activate4(a${r} + ba)); store4(m0 + ${r}u, c0 + 4u, activate4(b${r} + bb));
//! end
}
