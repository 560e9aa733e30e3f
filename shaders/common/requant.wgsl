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
