// dot4i8_peak — microbenchmark of packed int8 dot-product throughput (dot4I8Packed, WGSL language feature
// packed_4x8_integer_dot_product): the int8 roofline's compute ceiling.
// Math: each invocation runs `iters` rounds of 8 independent accumulations acc += dot4I8Packed(a, b)
// (4 int8 multiply-adds each: 8 ops, so 64 int8 ops per round), then writes the sum to y[i].
// Layout: y flat [n] i32. Thread: one invocation per element of y. Overwrites y.
// Packed data: four signed 8-bit lanes per u32, lane 0 in the low byte. Ops counted by the host: n · iters · 64.

struct Params { n: u32, iters: u32, seed: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read_write y: array<i32>

//! entry
  var a = params.seed ^ i;
  let b = 0x01ff7f80u;
  var s0 = 0; var s1 = 0; var s2 = 0; var s3 = 0; var s4 = 0; var s5 = 0; var s6 = 0; var s7 = 0;
  for (var k = 0u; k < params.iters; k++) {
    s0 += dot4I8Packed(a, b); s1 += dot4I8Packed(a ^ 1u, b); s2 += dot4I8Packed(a ^ 2u, b); s3 += dot4I8Packed(a ^ 3u, b);
    s4 += dot4I8Packed(a ^ 4u, b); s5 += dot4I8Packed(a ^ 5u, b); s6 += dot4I8Packed(a ^ 6u, b); s7 += dot4I8Packed(a ^ 7u, b);
    a = a + 0x01010101u;
  }
  y[i] = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}
