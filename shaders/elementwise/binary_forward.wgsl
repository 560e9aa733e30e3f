// binary_forward — y = f(a, b) with numpy broadcasting over up to 8 dimensions.
// Math:   y[c] = f(a[Σ c_d·as_d], b[Σ c_d·bs_d]) for every output coordinate c, where as_d / bs_d are the
//         operands' contiguous strides, 0 along dimensions they broadcast (size 1 or missing).
// FN (shared with src/ops/tensor.ts BINARY): 0 add 1 sub 2 mul 3 div 4 pow 5 max 6 min 7 prelu (a<0 ? a·b : a).
// Fast paths (src/ops/elementwise.ts blockPattern): an operand with A_FAST / B_FAST = 1 is read at
//         block_index(i, A_INNER, A_COUNT) (common/block_index.wgsl: same shape, scalar, per-channel, …), with no
//         per-element loop; the strided walk below runs only when an operand needs it.
// Layout: a, b, y row-major in their own shapes; the output shape and both stride lists come as lo/hi vec4 pairs.
// Thread: one output element per invocation, i = row-major output index. Overwrites y.
//! import ndindex
//! import block_index

struct Params {
  n: u32,
  rank: u32,
  shape_lo: vec4<u32>,
  shape_hi: vec4<u32>,
  as_lo: vec4<u32>,
  as_hi: vec4<u32>,
  bs_lo: vec4<u32>,
  bs_hi: vec4<u32>,
}
override WG: u32 = 256u;
override FN: u32 = 0u;
override A_FAST: u32 = 0u;
override A_INNER: u32 = 1u;
override A_COUNT: u32 = 0u;
override B_FAST: u32 = 0u;
override B_INNER: u32 = 1u;
override B_COUNT: u32 = 0u;

//! uniform params: Params
//! read a: array<f32>
//! read b: array<f32>
//! read_write y: array<f32>

// pow with numpy's answer for a negative base and an integer exponent (WGSL pow is undefined for x < 0).
fn pow_s(x: f32, e: f32) -> f32 {
  if (x >= 0.0) { return pow(x, e); }
  if (floor(e) != e) { return sqrt(x); } // NaN (x < 0 here), as numpy gives
  let m = pow(-x, e);
  return select(m, -m, (abs(e) % 2.0) == 1.0);
}

fn f(u: f32, v: f32) -> f32 {
  switch FN {
    case 1u: { return u - v; }
    case 2u: { return u * v; }
    case 3u: { return u / v; }
    case 4u: { return pow_s(u, v); }
    case 5u: { return max(u, v); }
    case 6u: { return min(u, v); }
    case 7u: { return select(u, u * v, u < 0.0); }
    default: { return u + v; }
  }
}

//! entry
  var ai = block_index(i, A_INNER, A_COUNT);
  var bi = block_index(i, B_INNER, B_COUNT);
  if (A_FAST == 0u || B_FAST == 0u) {
    var r = i;
    var sa = 0u;
    var sb = 0u;
    for (var d = i32(params.rank) - 1; d >= 0; d--) {
      let dd = u32(d);
      let size = pick_u(params.shape_lo, params.shape_hi, dd);
      let c = r % size;
      r = r / size;
      sa += c * pick_u(params.as_lo, params.as_hi, dd);
      sb += c * pick_u(params.bs_lo, params.bs_hi, dd);
    }
    if (A_FAST == 0u) { ai = sa; }
    if (B_FAST == 0u) { bi = sb; }
  }
  y[i] = f(a[ai], b[bi]);
}
