// int8/add_forward — residual add of two q8 tensors with different scales, fused ReLU/ReLU6 clamp:
//   yq = clamp(zy + ⌊((aq − za)·ka + (bq − zb)·kb + 2^13) / 2^14⌋, qmin, qmax),  ka = round(2^14·sa/sy), kb likewise.
// Layout: a, b, y [rows, C/4] u32 (q8, channel c in byte c % 4; needs C % 4 == 0 so padding bytes never mix).
// Thread: one word (4 channels) per invocation. Overwrites y.
//! import int8_unpack

struct Params {
  n: u32,
  a_zero: i32,
  b_zero: i32,
  ka: i32,
  kb: i32,
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 256u;

//! uniform params: Params
//! read a: array<u32>
//! read b: array<u32>
//! read_write y: array<u32>

//! entry
  let sum = (unpack4i8(a[i]) - vec4<i32>(params.a_zero)) * params.ka + (unpack4i8(b[i]) - vec4<i32>(params.b_zero)) * params.kb;
  let q = clamp(((sum + vec4<i32>(8192)) >> vec4<u32>(14u)) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  y[i] = pack4i8(q);
}
