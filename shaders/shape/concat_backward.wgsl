// concat_backward — the gradient of one input of a channel concatenation is its slice of the output gradient:
//   dx[r, j] = dy[r, offset + j] for j < cx. One launch per input.
// Layout: dy [rows, cy], dx [rows, cx] (NHWC, channels last). Thread: one element of dx per invocation.
// Overwrites dx.

struct Params { n: u32, cx: u32, cy: u32, offset: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read dy: array<f32>
//! read_write dx: array<f32>

//! entry
  let j = i % params.cx;
  let r = i / params.cx;
  dx[i] = dy[r * params.cy + params.offset + j];
}
