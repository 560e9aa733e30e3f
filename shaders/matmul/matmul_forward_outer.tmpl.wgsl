// ${NAME} — batched matmul with transA, as outer products: a ${ROWS} × 8 output tile per invocation in named vec4
// registers, for A stored transposed (Aᵀ rows contiguous along M) and B rows contiguous along N. Per k, one vec4 of
// Aᵀ holds four rows of the tile's column of A and two vec4 of B the tile's row of B, so the tile takes
// ${ROWS} · 2 vec4 multiply-adds from ${ROWS} / 4 + 2 loads (the tiled kernels' scalar flavour reads A one float at a
// time when transposed). The weight gradient of a fully connected layer, dW = xᵀ·dy, is this shape.
// Same contract as matmul_forward_direct (broadcast batch dimensions, alpha, bias).
// Math:   y[b, m, j] = alpha · Σ_k A[a_base(b) + k·a_mk.y + m] · B[b_base(b) + k·N + j] + bias[j]
// Layout: A: transA with a_mk = (1, M), M % 4 = 0; B [.., K, N] row-major, N % 4 = 0 (both read as vec4, every batch
//         offset a multiple of 4 floats); y written as vec4; bias [N] (read only when HAS_BIAS = 1); y [batch..., M, N] row-major.
// Thread: i = (bt·m_tiles + mt)·n_tiles + nt computes y[bt, ${ROWS}·mt + 4·h + e, 8·nt + c], h < ${RQ}, e < 4,
//         c < 8. Rows past M (a last quad of rows) are computed on the clamped quad M − 4 … M − 1 and not stored;
//         columns past N on a clamped half row and not stored. Overwrites y.

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
//! read a: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read bias: array<f32>
//! read_write y: array<vec4<f32>>

/** bias[j .. j+3] (N % 4 = 0: a half row past N reads the last four; it is not stored), or 0 without a bias. */
fn bias4(j: u32) -> vec4<f32> {
  if (HAS_BIAS == 0u) { return vec4<f32>(0.0); }
  let k = min(j, params.cols - 4u);
  return vec4<f32>(bias[k], bias[k + 1u], bias[k + 2u], bias[k + 3u]);
}

//! entry
  let nt = i % params.n_tiles;
  let mt = (i / params.n_tiles) % params.m_tiles;
  let bt = i / (params.n_tiles * params.m_tiles);
  let off = matmul_batch_offsets(bt, params.batch_rank, params.batch, params.a_batch, params.b_batch);
  let m0 = mt * ${ROWS}u;
  let j0 = nt * 8u;
  // Aᵀ: where each quad of tile rows starts in row k = 0, and the row stride, in vec4 units
  let ak = params.a_mk.y / 4u;
//! for h in 0..RQ
  let aq${h} = (off.x + min(m0 + ${h}u * 4u, params.m - 4u)) / 4u;
//! end
  // B: where each half row of the tile starts in row k = 0, and the row stride, in vec4 units
  let n4 = params.cols / 4u;
  let bp = (off.y + j0) / 4u;
  let bq = (off.y + min(j0 + 4u, params.cols - 4u)) / 4u;
//! for h in 0..RQ
//! for e in 0..4
  var p${h}_${e} = vec4<f32>(0.0);
  var q${h}_${e} = vec4<f32>(0.0);
//! end
//! end
  for (var k = 0u; k < params.k; k++) {
    let bl = b[bp + k * n4];
    let bh = b[bq + k * n4];
//! for h in 0..RQ
    let x${h} = a[aq${h} + k * ak];
    p${h}_0 += x${h}.x * bl;
    q${h}_0 += x${h}.x * bh;
    p${h}_1 += x${h}.y * bl;
    q${h}_1 += x${h}.y * bh;
    p${h}_2 += x${h}.z * bl;
    q${h}_2 += x${h}.z * bh;
    p${h}_3 += x${h}.w * bl;
    q${h}_3 += x${h}.w * bh;
//! end
  }
  let ba = bias4(j0);
  let bb4 = bias4(j0 + 4u);
  // y as vec4 (N % 4 = 0): one store per half row of the tile, the half past N (N % 8 = 4) skipped
  let out = bt * params.m * n4;
  let hi = j0 + 4u < params.cols;
//! for h in 0..RQ
//! for e in 0..4
  if (m0 + ${h}u * 4u + ${e}u < params.m) {
    let row = out + (m0 + ${h}u * 4u + ${e}u) * n4 + j0 / 4u;
    y[row] = params.alpha * p${h}_${e} + ba;
    if (hi) { y[row + 1u] = params.alpha * q${h}_${e} + bb4; }
  }
//! end
//! end
}
