// binary_forward_vec4 — y = f(a, b) four outputs per invocation, both operands on a broadcast fast path.
// Math:   y[4j + l] = f(a(4j + l), b(4j + l)), l = 0..3, FN as in binary_forward (0 add 1 sub 2 mul 3 div 4 pow
//         5 max 6 min 7 prelu).
// Operand reads (src/ops/elementwise.ts binaryLaunch sets the overrides; n % 4 = 0):
//   A_VEC = 1  four consecutive values at 4·block_index(j, 1, A_COUNT) (same shape: A_COUNT = 0; per-channel on the
//              last axis with C % 4 = 0: A_COUNT = C/4)
//   A_VEC = 0  one value for all four lanes at block_index(j, A_INNER, A_COUNT) (scalar: A_COUNT = 1; a block
//              whose inner size is a multiple of 4: A_INNER = inner/4)
//   (the same for b). common/block_index.wgsl: the overrides fold the division and remainder away.
// Layout: a, b, y flat f32. Thread: one group of 4 outputs per invocation, j < n = numel/4. Overwrites y.
//! import block_index

struct Params { n: u32 }
override WG: u32 = 256u;
override FN: u32 = 0u;
override A_VEC: u32 = 1u;
override A_INNER: u32 = 1u;
override A_COUNT: u32 = 0u;
override B_VEC: u32 = 1u;
override B_INNER: u32 = 1u;
override B_COUNT: u32 = 0u;

//! uniform params: Params
//! read a: array<f32>
//! read b: array<f32>
//! read_write y: array<vec4<f32>>

fn pow_s(x: f32, e: f32) -> f32 {
  if (x >= 0.0) { return pow(x, e); }
  if (floor(e) != e) { return sqrt(x); }
  let m = pow(-x, e);
  return select(m, -m, (abs(e) % 2.0) == 1.0);
}

fn f(u: vec4<f32>, v: vec4<f32>) -> vec4<f32> {
  switch FN {
    case 1u: { return u - v; }
    case 2u: { return u * v; }
    case 3u: { return u / v; }
    case 4u: { return vec4<f32>(pow_s(u.x, v.x), pow_s(u.y, v.y), pow_s(u.z, v.z), pow_s(u.w, v.w)); }
    case 5u: { return max(u, v); }
    case 6u: { return min(u, v); }
    case 7u: { return select(u, u * v, u < vec4<f32>(0.0)); }
    default: { return u + v; }
  }
}

fn load_a(j: u32) -> vec4<f32> {
  if (A_VEC == 1u) {
    let k = 4u * block_index(j, 1u, A_COUNT);
    return vec4<f32>(a[k], a[k + 1u], a[k + 2u], a[k + 3u]);
  }
  return vec4<f32>(a[block_index(j, A_INNER, A_COUNT)]);
}

fn load_b(j: u32) -> vec4<f32> {
  if (B_VEC == 1u) {
    let k = 4u * block_index(j, 1u, B_COUNT);
    return vec4<f32>(b[k], b[k + 1u], b[k + 2u], b[k + 3u]);
  }
  return vec4<f32>(b[block_index(j, B_INNER, B_COUNT)]);
}

//! entry j
  y[j] = f(load_a(j), load_b(j));
}
