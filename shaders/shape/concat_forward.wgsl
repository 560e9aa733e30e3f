// concat_forward — writes one input of a channel concatenation: y[r, offset + j] = x[r, j] for j < cx,
// with r the flattened outer index (n,h,w) and y having cy channels. One launch per input.
// Layout: x [rows, cx], y [rows, cy] (NHWC, channels last). Thread: one element of x per invocation.
// Writes only its slice of y.

struct Params { n: u32, cx: u32, cy: u32, offset: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let j = i % params.cx;
  let r = i / params.cx;
  y[r * params.cy + params.offset + j] = x[i];
}
