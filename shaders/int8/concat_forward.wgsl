// int8/concat_forward — writes one input of a channel concatenation of q8 tensors, requantized to the output's
// scale and zero point (the rule: src/compress/quantize.ts):
//   yq[r, offset + c] = clamp(zy + ⌊((xq[r, c] − zx)·k + 2^13) / 2^14⌋, qmin, qmax),  k = round(2^14·sx/sy)
// (the int8 add's arithmetic, int8/add_forward). An input already at the output's scale and zero point, with no
// clamp, is copied word for word (override COPY = 1): its bytes pass unchanged.
// Layout: x [rows, cx/4] u32, y [rows, cy/4] u32 (q8, channel c in byte c % 4 of word c / 4); cx, cy and the
//         offset are multiples of 4, so no word holds channels of two inputs. One launch per input.
// Thread: one word (4 channels) of x per invocation. Writes only its slice of y.
//! import int8_unpack

struct Params {
  n: u32,
  cx4: u32,
  cy4: u32,
  offset4: u32,
  x_zero: i32,
  k: i32,
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 256u;
override COPY: u32 = 0u;

//! uniform params: Params
//! read x: array<u32>
//! read_write y: array<u32>

//! entry
  let j = i % params.cx4;
  let r = i / params.cx4;
  let o = r * params.cy4 + params.offset4 + j;
  if (COPY == 1u) {
    y[o] = x[i];
    return;
  }
  let d = (unpack4i8(x[i]) - vec4<i32>(params.x_zero)) * params.k;
  let q = clamp(((d + vec4<i32>(8192)) >> vec4<u32>(14u)) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  y[o] = pack4i8(q);
}
