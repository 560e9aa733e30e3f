// matmul_forward_wgtile — batched matmul with workgroup-memory tiles: a workgroup of 64 invocations computes a
// 32 × 32 block of y, staging 32 × 16 of A and 16 × 32 of B in workgroup memory per K-step (each value loaded from
// device memory once per workgroup instead of once per invocation), each invocation a 4 × 4 register tile.
// Same contract as matmul_forward_direct (broadcast batch dimensions, transposes as strides, alpha, bias).
// Math:   y[b, m, j] = alpha · Σ_k A[a_base(b) + m·a_mk.x + k·a_mk.y] · B[b_base(b) + k·b_kn.x + j·b_kn.y] + bias[j]
// Layout: A, B flat f32 as described by the strides (any layout: tiles are loaded element by element, clamped and
//         zero-filled past M, N, K); bias [N] (read only when HAS_BIAS = 1); y [batch..., M, N] row-major.
// Thread: workgroup g = (bt·m_tiles + mt)·n_tiles + nt (folded 2-D grid) owns y[bt, 32·mt .. +31, 32·nt .. +31];
//         invocation l = 8·ty + tx computes rows 32·mt + 4·ty + r and columns 32·nt + 4·tx + c, r, c < 4.
//         Rows and columns past M and N are not stored. Overwrites y. Real GPUs tend to prefer this; SwiftShader
//         (barriers are expensive there) prefers the register tiles of matmul_forward_tiled: the tuner measures.

struct Params {
  n: u32,
  m: u32,
  k: u32,
  cols: u32,
  alpha: f32,
  batch_rank: u32,
  m_tiles: u32,
  n_tiles: u32,
  batch: vec4<u32>,
  a_batch: vec4<u32>,
  b_batch: vec4<u32>,
  a_mk: vec2<u32>,
  b_kn: vec2<u32>,
}
override WG: u32 = 64u;
override HAS_BIAS: u32 = 0u;

//! import matmul_batch
//! uniform params: Params
//! read a: array<f32>
//! read b: array<f32>
//! read bias: array<f32>
//! read_write y: array<f32>

var<workgroup> As: array<f32, 512>; // [32 rows][16 k]
var<workgroup> Bs: array<f32, 512>; // [16 k][32 columns]

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // g is the same for the whole workgroup: the return below is uniform, before any barrier
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.n) { return; }
  let nt = g % params.n_tiles;
  let mt = (g / params.n_tiles) % params.m_tiles;
  let bt = g / (params.n_tiles * params.m_tiles);
  let off = matmul_batch_offsets(bt, params.batch_rank, params.batch, params.a_batch, params.b_batch);
  let ab = off.x;
  let bb = off.y;
  let m0 = mt * 32u;
  let j0 = nt * 32u;
  let tx = l % 8u;
  let ty = l / 8u;
  let lastM = params.m - 1u;
  let lastN = params.cols - 1u;
  let lastK = params.k - 1u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < params.k; k0 += 16u) {
    for (var e = 0u; e < 8u; e++) {
      let idx = l + 64u * e;
      // A tile: row idx / 16, k idx % 16
      let am = m0 + idx / 16u;
      let ak = k0 + idx % 16u;
      let av = a[ab + min(am, lastM) * params.a_mk.x + min(ak, lastK) * params.a_mk.y];
      As[idx] = select(0.0, av, am < params.m && ak < params.k);
      // B tile: k idx / 32, column idx % 32
      let bk = k0 + idx / 32u;
      let bj = j0 + idx % 32u;
      let bv = b[bb + min(bk, lastK) * params.b_kn.x + min(bj, lastN) * params.b_kn.y];
      Bs[idx] = select(0.0, bv, bk < params.k && bj < params.cols);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let o = kk * 32u + 4u * tx;
      let w = vec4<f32>(Bs[o], Bs[o + 1u], Bs[o + 2u], Bs[o + 3u]);
      let r = (4u * ty) * 16u + kk;
      acc0 += As[r] * w;
      acc1 += As[r + 16u] * w;
      acc2 += As[r + 32u] * w;
      acc3 += As[r + 48u] * w;
    }
    workgroupBarrier();
  }
  let j = j0 + 4u * tx;
  var bias4 = vec4<f32>(0.0);
  if (HAS_BIAS == 1u) {
    bias4 = vec4<f32>(bias[min(j, lastN)], bias[min(j + 1u, lastN)], bias[min(j + 2u, lastN)], bias[min(j + 3u, lastN)]);
  }
  let out = bt * params.m * params.cols;
  let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let m = m0 + 4u * ty + r;
    if (m >= params.m) { break; }
    let v = params.alpha * rows[r] + bias4;
    let base = out + m * params.cols;
    for (var c = 0u; c < 4u; c++) {
      if (j + c < params.cols) { y[base + j + c] = v[c]; }
    }
  }
}
