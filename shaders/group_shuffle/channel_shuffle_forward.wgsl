// channel_shuffle_forward — ShuffleNet's channel shuffle with G groups on channels-last data:
//   y[r, (c mod (C/G))·G + c div (C/G)] = x[r, c]   (reshape (G, C/G) → transpose → flatten).
// Layout: x, y [rows, C] (NHWC). Thread: one element per invocation. Overwrites y.
// (The grouped 1×1 convolution fuses this into its store; this kernel serves unfused graphs and ONNX imports.)

struct Params { n: u32, c: u32, groups: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let c = i % params.c;
  let r = i / params.c;
  let per = params.c / params.groups;
  y[r * params.c + (c % per) * params.groups + c / per] = x[i];
}
