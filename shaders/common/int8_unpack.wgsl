// int8 helpers in core WGSL (shifts and masks), for adapters without packed_4x8_integer_dot_product.
// Byte k of a word holds lane k (bits 8k..8k+7), two's complement. Same contract as common/int8_dot4.wgsl.
fn unpack4i8(a: u32) -> vec4<i32> {
  // shift lane k to the top byte, then arithmetic-shift back down: sign extension
  return vec4<i32>(vec4<u32>(a) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u);
}
fn dot4i8(a: u32, b: u32) -> i32 { return dot(unpack4i8(a), unpack4i8(b)); }
fn pack4i8(v: vec4<i32>) -> u32 {
  let b = vec4<u32>(v) & vec4<u32>(0xffu);
  return b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}
