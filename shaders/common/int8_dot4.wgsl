// int8 helpers on the WGSL language feature packed_4x8_integer_dot_product (dot4I8Packed, unpack4xI8, pack4xI8).
// Byte k of a word holds lane k (bits 8k..8k+7), two's complement — the same as an Int8Array viewed as Uint32Array
// on a little-endian host. Same contract as common/int8_unpack.wgsl (the fallback without the feature).
fn dot4i8(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); }
fn unpack4i8(a: u32) -> vec4<i32> { return unpack4xI8(a); }
fn pack4i8(v: vec4<i32>) -> u32 { return pack4xI8(v); }
