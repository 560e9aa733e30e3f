// fma_peak — microbenchmark of the adapter's f32 FMA throughput (the roofline's compute ceiling).
// Math: each invocation runs `iters` rounds of 8 independent vec4 multiply-add chains a = a·m + c (written as a*m+c, not fma(): SwiftShader emulates the fused fma() in software; GPUs contract a*m+c into FMA) (8·4 FMAs = 64 FLOP
// per round), then writes the sum of its chains to y[i] so the work cannot be optimised away.
// Layout: y flat [n]. Thread: one invocation per element of y. Overwrites y.
// FLOP counted by the host: n · iters · 64.

struct Params { n: u32, iters: u32, seed: f32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read_write y: array<f32>

//! entry
  let s = params.seed * f32(i & 1023u);
  let m = vec4<f32>(0.9999, 0.9998, 0.9997, 0.9996);
  let c = vec4<f32>(1e-4, 2e-4, 3e-4, 4e-4);
  var a0 = vec4<f32>(s); var a1 = a0 + 1.0; var a2 = a0 + 2.0; var a3 = a0 + 3.0;
  var a4 = a0 + 4.0; var a5 = a0 + 5.0; var a6 = a0 + 6.0; var a7 = a0 + 7.0;
  for (var k = 0u; k < params.iters; k++) {
    a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
    a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
  }
  let t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  y[i] = t.x + t.y + t.z + t.w;
}
