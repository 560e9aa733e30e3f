// strided_copy_forward — the one data-movement kernel behind transpose, slice, split, and concat along any axis.
// Math:   y[y_offset + Σ c_d·ys_d] = x[x_offset + Σ c_d·xs_d] for every coordinate c of `shape` (rank ≤ 8).
//         transpose: ys contiguous, xs the input's strides permuted; slice: xs = input strides × steps, x_offset
//         the start; concat: xs contiguous, ys the output's strides, y_offset where this input starts.
// Layout: x, y flat f32; shape and stride lists as lo/hi vec4 pairs (x strides signed for negative steps).
// Thread: one copied element per invocation, i = row-major index in `shape`. Writes only the elements it copies.
//! import ndindex

struct Params {
  n: u32,
  rank: u32,
  x_offset: u32,
  y_offset: u32,
  shape_lo: vec4<u32>,
  shape_hi: vec4<u32>,
  xs_lo: vec4<i32>,
  xs_hi: vec4<i32>,
  ys_lo: vec4<u32>,
  ys_hi: vec4<u32>,
}
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  var r = i;
  var xi = i32(params.x_offset);
  var yi = params.y_offset;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let dd = u32(d);
    let size = pick_u(params.shape_lo, params.shape_hi, dd);
    let c = r % size;
    r = r / size;
    xi += i32(c) * pick_i(params.xs_lo, params.xs_hi, dd);
    yi += c * pick_u(params.ys_lo, params.ys_hi, dd);
  }
  y[yi] = x[xi];
}
