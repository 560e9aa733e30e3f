// matmul_forward_direct — batched matrix product with broadcasting batch dimensions and strided operands
// (transposes are strides, not copies). The plain oracle for every matmul.
// Math:   y[b, m, j] = alpha · Σ_k A[a_base(b) + m·a_mk.x + k·a_mk.y] · B[b_base(b) + k·b_kn.x + j·b_kn.y] + bias[j]
//         where b runs over the output batch shape (rank ≤ 4) and a_base / b_base use the operands' batch strides
//         (0 where they broadcast).
// Layout: A, B flat f32 as described by the strides; bias [N] (read only when HAS_BIAS = 1: Gemm's C and
//         MatMul → Add of a bias vector, fused at import); y [batch..., M, N] row-major.
// Thread: one output element per invocation, i = (b·M + m)·N + j. Overwrites y.

struct Params {
  n: u32,
  m: u32,
  k: u32,
  cols: u32,
  alpha: f32,
  batch_rank: u32,
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

//! entry
  let j = i % params.cols;
  let m = (i / params.cols) % params.m;
  let off = matmul_batch_offsets(i / (params.cols * params.m), params.batch_rank, params.batch, params.a_batch, params.b_batch);
  let ab = off.x;
  let bb = off.y;
  var acc = 0.0;
  let ar = ab + m * params.a_mk.x;
  let bc = bb + j * params.b_kn.y;
  for (var k = 0u; k < params.k; k++) {
    acc += a[ar + k * params.a_mk.y] * b[bc + k * params.b_kn.x];
  }
  y[i] = params.alpha * acc + select(0.0, bias[j], HAS_BIAS == 1u);
}
