// ${NAME} — batched matmul with a ${ROWS} × 8 output tile per invocation, held in named vec4 registers
// (acc_a r: columns 0..3 of the tile, acc_b r: columns 4..7), vec4 math, no private arrays and no workgroup memory.
// Same contract as matmul_forward_direct (broadcast batch dimensions, transposes as strides, alpha, bias).
// Math:   y[b, m, j] = alpha · Σ_k A[a_base(b) + m·a_mk.x + k·a_mk.y] · B[b_base(b) + k·b_kn.x + j·b_kn.y] + bias[j]
// Loads (flavour):
//   VA = 0   A read as scalars with any strides (transA included);  VA = 1: A rows contiguous along K (a_mk.y = 1,
//            K % 4 = 0), read as vec4
//   VB = 1   B rows contiguous along N (b_kn.y = 1, N % 4 = 0), read as vec4 (two per k)
//   DOT = 1  B columns contiguous along K (transB: b_kn.x = 1, K % 4 = 0; needs VA), read as vec4, and the tile
//            accumulates dot products of A's and B's K-vectors
//   else     B read as scalars with any strides
// Layout: A, B flat f32 as described by the strides (vec4 arrays where a flavour reads vec4; every vec4 read starts
//         at a multiple of 4 floats then); bias [N] (read only when HAS_BIAS = 1); y [batch..., M, N] row-major.
// Thread: i = (bt·m_tiles + mt)·n_tiles + nt computes y[bt, ${ROWS}·mt + r, 8·nt + c], r < ${ROWS}, c < 8. Rows past M
//         and columns past N are computed on clamped indices and not stored. Overwrites y.

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
//! if VA
//! read a: array<vec4<f32>>
//! else
//! read a: array<f32>
//! end
//! if BVEC
//! read b: array<vec4<f32>>
//! else
//! read b: array<f32>
//! end
//! read bias: array<f32>
//! read_write y: array<f32>

/** bias[j .. j+3] (clamped to N-1; columns past N are not stored), or 0 without a bias. */
fn bias4(j: u32) -> vec4<f32> {
  if (HAS_BIAS == 0u) { return vec4<f32>(0.0); }
  let last = params.cols - 1u;
  return vec4<f32>(bias[min(j, last)], bias[min(j + 1u, last)], bias[min(j + 2u, last)], bias[min(j + 3u, last)]);
}

/** y[row + j .. j+3] = v, columns past N skipped. */
fn store_cols(row: u32, j: u32, v: vec4<f32>) {
  let n = params.cols;
  if (j < n) { y[row + j] = v.x; }
  if (j + 1u < n) { y[row + j + 1u] = v.y; }
  if (j + 2u < n) { y[row + j + 2u] = v.z; }
  if (j + 3u < n) { y[row + j + 3u] = v.w; }
}

//! entry
  let nt = i % params.n_tiles;
  let mt = (i / params.n_tiles) % params.m_tiles;
  let bt = i / (params.n_tiles * params.m_tiles);
  let off = matmul_batch_offsets(bt, params.batch_rank, params.batch, params.a_batch, params.b_batch);
  let ab = off.x;
  let bb = off.y;
  let m0 = mt * ${ROWS}u;
  let j0 = nt * 8u;
  let lastM = params.m - 1u;
  let lastN = params.cols - 1u;
  let sak = params.a_mk.y;
  let sbk = params.b_kn.x;
  // A: the start of each tile row (in vec4 units when VA)
//! for r in 0..ROWS
//! if VA
  let ar${r} = (ab + min(m0 + ${r}u, lastM) * params.a_mk.x) / 4u;
//! else
  let ar${r} = ab + min(m0 + ${r}u, lastM) * params.a_mk.x;
//! end
//! end
  // B: where each tile column (DOT, scalar) or each half row of the tile (VB) starts
//! if DOT
//! for c in 0..8
  let bc${c} = (bb + min(j0 + ${c}u, lastN) * params.b_kn.y) / 4u;
//! end
//! else
//! if VB
  let n4 = params.cols / 4u;
  let bp = (bb + j0) / 4u;
  let bq = (bb + min(j0 + 4u, params.cols - 4u)) / 4u;
//! else
//! for c in 0..8
  let bc${c} = bb + min(j0 + ${c}u, lastN) * params.b_kn.y;
//! end
//! end
//! end
//! for r in 0..ROWS
  var acc_a${r} = vec4<f32>(0.0);
  var acc_b${r} = vec4<f32>(0.0);
//! end
  let k4n = params.k / 4u;
  for (var k4 = 0u; k4 < k4n; k4++) {
    let k = 4u * k4;
//! for r in 0..ROWS
//! if VA
    let x${r} = a[ar${r} + k4];
//! else
    let x${r} = vec4<f32>(a[ar${r} + k * sak], a[ar${r} + (k + 1u) * sak], a[ar${r} + (k + 2u) * sak], a[ar${r} + (k + 3u) * sak]);
//! end
//! end
//! if DOT
//! for c in 0..8
    let w${c} = b[bc${c} + k4];
//! end
//! for r in 0..ROWS
    acc_a${r} += vec4<f32>(dot(x${r}, w0), dot(x${r}, w1), dot(x${r}, w2), dot(x${r}, w3));
    acc_b${r} += vec4<f32>(dot(x${r}, w4), dot(x${r}, w5), dot(x${r}, w6), dot(x${r}, w7));
//! end
//! else
//! if VB
//! for t in 0..4
    let p${t} = b[bp + (k + ${t}u) * n4];
    let q${t} = b[bq + (k + ${t}u) * n4];
//! end
//! else
//! for t in 0..4
    let p${t} = vec4<f32>(b[bc0 + (k + ${t}u) * sbk], b[bc1 + (k + ${t}u) * sbk], b[bc2 + (k + ${t}u) * sbk], b[bc3 + (k + ${t}u) * sbk]);
    let q${t} = vec4<f32>(b[bc4 + (k + ${t}u) * sbk], b[bc5 + (k + ${t}u) * sbk], b[bc6 + (k + ${t}u) * sbk], b[bc7 + (k + ${t}u) * sbk]);
//! end
//! end
//! for r in 0..ROWS
    acc_a${r} += x${r}.x * p0 + x${r}.y * p1 + x${r}.z * p2 + x${r}.w * p3;
    acc_b${r} += x${r}.x * q0 + x${r}.y * q1 + x${r}.z * q2 + x${r}.w * q3;
//! end
//! end
  }
//! if VA
//! else
  // the last K % 4 steps
  for (var k = 4u * k4n; k < params.k; k++) {
//! if VB
    let p = b[bp + k * n4];
    let q = b[bq + k * n4];
//! else
    let p = vec4<f32>(b[bc0 + k * sbk], b[bc1 + k * sbk], b[bc2 + k * sbk], b[bc3 + k * sbk]);
    let q = vec4<f32>(b[bc4 + k * sbk], b[bc5 + k * sbk], b[bc6 + k * sbk], b[bc7 + k * sbk]);
//! end
//! for r in 0..ROWS
    let s${r} = a[ar${r} + k * sak];
    acc_a${r} += s${r} * p;
    acc_b${r} += s${r} * q;
//! end
  }
//! end
  let ba = bias4(j0);
  let bq4 = bias4(j0 + 4u);
  let out = bt * params.m * params.cols;
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    let row${r} = out + (m0 + ${r}u) * params.cols;
    store_cols(row${r}, j0, params.alpha * acc_a${r} + ba);
    store_cols(row${r}, j0 + 4u, params.alpha * acc_b${r} + bq4);
  }
//! end
}
