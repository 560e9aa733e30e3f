// channel_scale_backward — gradient of squeeze-excitation's rescale y = x·s with respect to the scales:
//   ds[n,c] = Σ_{h,w} dy[n,h,w,c] · x[n,h,w,c]   (the gradient for x is channel_scale(dy, s), no kernel here).
// Layout: x, dy [N,H,W,C] NHWC, ds [N,C]. Thread: one (n, c) per invocation. Overwrites ds.

struct Params { n: u32, c: u32, hw: u32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<f32>
//! read dy: array<f32>
//! read_write ds: array<f32>

//! entry
  let c = i % params.c;
  let nb = i / params.c;
  let base = nb * params.hw * params.c + c;
  var acc = 0.0;
  for (var p = 0u; p < params.hw; p++) { acc += dy[base + p * params.c] * x[base + p * params.c]; }
  ds[i] = acc;
}
