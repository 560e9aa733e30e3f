// channel_scale_forward — squeeze-and-excitation's rescale: y[n,h,w,c] = x[n,h,w,c] · s[n,c].
// Layout: x, y [N,H,W,C] NHWC, s [N,C]. Thread: one element per invocation. Overwrites y.

struct Params { n: u32, c: u32, hw: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read s: array<f32>
//! read_write y: array<f32>

//! entry
  let c = i % params.c;
  let nb = i / (params.c * params.hw);
  y[i] = x[i] * s[nb * params.c + c];
}
