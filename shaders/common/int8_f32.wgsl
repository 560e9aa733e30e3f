// int8 → f32 unpacking for the f32-accumulate ('fma') int8 kernels, with no shifts (SwiftShader emulates vector shifts
// lane by lane; a multiply by 2^(24−8k) moves byte k to the top, a mask keeps it): lane k becomes the f32 value
// b_k·2^24, exact, as the i32 (b_k << 24) is. A product of two unpacked values is b·b'·2^48 (|b·b'| ≤ 2^14), exact;
// sums stay exact while every partial sum is below 2^24·2^48 in magnitude, so the kernels flush their f32 partial sums,
// times 2^−48 (exact), into i32 accumulators every FLUSH4 words (4·FLUSH4 products).
// Byte k of a word holds lane k (bits 8k..8k+7), two's complement (q8, see graph/ir.ts).
const TOP_BYTE: u32 = 0xff000000u;
const UNSCALE: f32 = 0x1p-48f; // the scale of a product of two unpacked values
fn unpack4f(a: u32) -> vec4<f32> {
  let v = vec4<u32>(a) * vec4<u32>(0x1000000u, 0x10000u, 0x100u, 1u);
  return vec4<f32>(bitcast<vec4<i32>>(v & vec4<u32>(TOP_BYTE)));
}
// Byte k of each of four words (four output channels' weights for one input channel), as f32 (times 2^24).
fn lane4f(p: vec4<u32>, k: u32) -> vec4<f32> {
  return vec4<f32>(bitcast<vec4<i32>>((p * vec4<u32>(1u << (24u - 8u * k))) & vec4<u32>(TOP_BYTE)));
}
