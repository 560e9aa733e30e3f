// int8 → f32 unpacking for the f32-accumulate ('fma') int8 kernels: exact (every int8 value is an f32), and a
// product of two int8 values (|p| ≤ 2^14) is exact in f32; sums stay exact while every partial sum is below 2^24 in
// magnitude, so the kernels flush their f32 partial sums into i32 accumulators every FLUSH4 words (4·FLUSH4 products).
// Byte k of a word holds lane k (bits 8k..8k+7), two's complement (q8, see graph/ir.ts).
fn unpack4f(a: u32) -> vec4<f32> {
  return vec4<f32>(vec4<i32>(vec4<u32>(a) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
}
// Byte k of each of four words (four output channels' weights for one input channel), as f32.
fn lane4f(p: vec4<u32>, k: u32) -> vec4<f32> {
  return vec4<f32>(vec4<i32>(p << vec4<u32>(24u - 8u * k)) >> vec4<u32>(24u));
}
