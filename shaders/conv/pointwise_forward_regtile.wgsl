// pointwise_forward_regtile — 1×1 convolution (and fully connected) as a GEMM with a register tile, optionally
// grouped, with the ShuffleNet channel shuffle fused into the store.
//
// Math:   Y[m, c] = act( b[c] + Σ_{k<Kg} X[m, g·Kg + k] · W[k, c] ),  g = c / Ng,  Kg = K/groups, Ng = C/groups
//         with m = (n,h,w) flattened (NHWC is already [M, K] row-major). Stride-1, unpadded 1×1 conv only.
//         Shuffle (SHUFFLE > 1): the result for channel c is stored at channel (c mod (C/S))·S + c / (C/S),
//         i.e. reshape (S, C/S) → transpose → flatten, with S = SHUFFLE.
// Layout: X [M, K] read as vec4 (needs Kg % 4 == 0), W [Kg, C] read as vec4 (needs Ng % 4 == 0), b [C], Y [M, C].
// Thread: i = mt·(C/4) + c4 computes Y[mt·TM + r, 4·c4 .. 4·c4+3] for r < TM (rows past M skipped). Overwrites Y.
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

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<f32>

//! entry
  let c4n = params.c / 4u;
  let c4 = i % c4n;
  let m0 = (i / c4n) * TM;
  let kg4 = params.k / params.groups / 4u;
  let g = (c4 * 4u) / (params.c / params.groups);
  let k4n = params.k / 4u;
  var acc: array<vec4<f32>, MAX_TM>;
  for (var r = 0u; r < TM; r++) { acc[r] = vec4<f32>(0.0); }
  let rows = min(TM, params.m - m0);
  for (var k4 = 0u; k4 < kg4; k4++) {
    let wb = 4u * k4 * c4n + c4;
    let w0 = w[wb];
    let w1 = w[wb + c4n];
    let w2 = w[wb + 2u * c4n];
    let w3 = w[wb + 3u * c4n];
    for (var r = 0u; r < TM; r++) {
      if (r >= rows) { break; }
      let a = x[(m0 + r) * k4n + g * kg4 + k4];
      acc[r] += a.x * w0 + a.y * w1 + a.z * w2 + a.w * w3;
    }
  }
  let bias = b[c4];
  for (var r = 0u; r < TM; r++) {
    if (r >= rows) { break; }
    let v = activate4(acc[r] + bias);
    let rowBase = (m0 + r) * params.c;
    if (SHUFFLE > 1u) {
      let per = params.c / SHUFFLE;
      for (var j = 0u; j < 4u; j++) {
        let c = c4 * 4u + j;
        y[rowBase + (c % per) * SHUFFLE + c / per] = v[j];
      }
    } else {
      y[rowBase + c4 * 4u] = v.x;
      y[rowBase + c4 * 4u + 1u] = v.y;
      y[rowBase + c4 * 4u + 2u] = v.z;
      y[rowBase + c4 * 4u + 3u] = v.w;
    }
  }
}
