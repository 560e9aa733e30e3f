// Integer requantization, exact and identical to the CPU reference (test/ref/int8.ts, requantRef):
//   y = clamp( zy + ⌊(acc·m + 2^(s−1)) / 2^s⌋, qmin, qmax )      (round half up)
// with the real multiplier M = sx·sw[c]/sy written as m·2^−s, m ∈ [2^14, 2^15), s ∈ [1, 46] (see int8ConvTables).
// WGSL has no 64-bit integers, so acc·m (up to 2^46) is formed as u·2^16 + r with r ∈ [0, 2^16):
//   acc = ah·2^16 + al (al ∈ [0, 2^16)),  t = al·m,  u = ah·m + ⌊t/2^16⌋,  r = t mod 2^16.
// For s < 16 (M ≥ 2) u is clamped to ±2^14 first: any |u| past that saturates int8 anyway.
fn requant4(acc: vec4<i32>, m: vec4<i32>, s: vec4<i32>) -> vec4<i32> {
  let ah = acc >> vec4<u32>(16u);
  let al = acc & vec4<i32>(0xffff);
  let t = al * m;
  let u = ah * m + (t >> vec4<u32>(16u));
  let r = t & vec4<i32>(0xffff);
  let su = vec4<u32>(s);
  // s ≥ 17: ⌊(u + 2^(s−17)) / 2^(s−16)⌋
  let hi_s = max(su, vec4<u32>(17u));
  let big = (u + (vec4<i32>(1) << (hi_s - vec4<u32>(17u)))) >> (hi_s - vec4<u32>(16u));
  // s = 16: u + (r ≥ 2^15)
  let mid = u + select(vec4<i32>(0), vec4<i32>(1), r >= vec4<i32>(32768));
  // s < 16: u·2^(16−s) + ⌊(r + 2^(s−1)) / 2^s⌋
  let lo_s = clamp(su, vec4<u32>(1u), vec4<u32>(15u));
  let uc = clamp(u, vec4<i32>(-16384), vec4<i32>(16384));
  let small = (uc << (vec4<u32>(16u) - lo_s)) + ((r + (vec4<i32>(1) << (lo_s - vec4<u32>(1u)))) >> lo_s);
  return select(select(small, mid, su == vec4<u32>(16u)), big, su >= vec4<u32>(17u));
}
// requant4 without a shift by a per-channel count (SwiftShader runs a shift whose count differs between invocations
// lane by lane; this has shifts by the constant 16 only) and without f32 → i32 conversions (WGSL's are saturating,
// which costs compares and selects per lane). For channels with s ≥ 17 requant4 is its `big` branch,
//   ⌊(u + 2^(s−17)) / 2^(s−16)⌋,   u = ⌊acc·m / 2^16⌋ (the same split as requant4, i32),
// computed here in f32: u (|u| ≤ 2^24) and 2^(s−17) are exact f32 integers and so is their sum while
// |u + 2^(s−17)| ≤ 2^24; times the power of two 2^(16−s) is exact and floor is exact, so the value is requant4's
// integer, as an f32. Both powers of two are built from s by writing the exponent field (a multiply by 2^23).
// The kernels add zy and clamp in f32 (exact: |value| ≤ 2^23 + 255) and pack with pack4i8f.
// Only for tables where every channel with m ≠ 0 has s ≥ 17 and every reachable |u| + 2^(s−17) ≤ 2^24 (m = 0: u = 0
// and the sum is a power of two, exact): int8RequantF32Exact (src/ops/int8.ts) checks that at plan time.
struct RequantF {
  bias: vec4<i32>,
  m: vec4<i32>,
  half: vec4<f32>, // 2^(s−17)
  inv: vec4<f32>,  // 2^(16−s)
}
fn requantf_load(bias: vec4<i32>, m: vec4<i32>, s: vec4<i32>) -> RequantF {
  let su = vec4<u32>(s);
  return RequantF(bias, m, bitcast<vec4<f32>>((su + vec4<u32>(110u)) * vec4<u32>(0x800000u)),
                  bitcast<vec4<f32>>((vec4<u32>(143u) - su) * vec4<u32>(0x800000u)));
}
// requant(acc + bias) as an exact f32 integer (see above)
fn requantf(acc: vec4<i32>, r: RequantF) -> vec4<f32> {
  let a = acc + r.bias;
  let u = (a >> vec4<u32>(16u)) * r.m + (((a & vec4<i32>(0xffff)) * r.m) >> vec4<u32>(16u));
  return floor((vec4<f32>(u) + r.half) * r.inv);
}
// Four integral f32 values in [−128, 127] as int8 bytes of one word: v + 1.5·2^23 is exact and its low mantissa byte
// is v's two's-complement byte (no f32 → i32 conversion).
fn pack4i8f(v: vec4<f32>) -> u32 {
  let b = bitcast<vec4<u32>>(v + vec4<f32>(12582912.0)) & vec4<u32>(0xffu);
  return b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}
