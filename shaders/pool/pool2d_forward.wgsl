// pool2d_forward — max or average pooling over a KH×KW window (stride, padding, dilation; ceil mode is decided
// by the output size the graph computed).
//
// Math:   MODE 0 (max):  y[n,oh,ow,c] = max over in-image taps of x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, c]
//         MODE 1 (avg):  y = Σ in-image taps / count, where count = number of in-image taps, or, when
//                        count_include_pad = 1, the taps inside the padded input (ONNX semantics: taps past the
//                        explicit padding, as ceil mode can make, are never counted).
// Layout: x [N,H,W,C], y [N,OH,OW,C] NHWC. Thread: one output element per invocation. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  count_include_pad: u32,
  in_hw: vec2<i32>,
  out_hw: vec2<u32>,
  kernel: vec2<u32>,
  stride: vec2<i32>,
  pad: vec2<i32>,
  pad_end: vec2<i32>,
  dilation: vec2<i32>,
}

override WG: u32 = 64u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let c = i % params.c;
  var r = i / params.c;
  let ow = r % params.out_hw.y;
  r = r / params.out_hw.y;
  let oh = r % params.out_hw.x;
  let nb = r / params.out_hw.x;
  var best = -3.4028234663852886e38;
  var sum = 0.0;
  var count = 0u;
  var padded = 0u;
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    let ih = i32(oh) * params.stride.x - params.pad.x + i32(kh) * params.dilation.x;
    let rowInPad = ih >= -params.pad.x && ih < params.in_hw.x + params.pad_end.x;
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let iw = i32(ow) * params.stride.y - params.pad.y + i32(kw) * params.dilation.y;
      if (rowInPad && iw >= -params.pad.y && iw < params.in_hw.y + params.pad_end.y) { padded++; }
      if (ih < 0 || ih >= params.in_hw.x || iw < 0 || iw >= params.in_hw.y) { continue; }
      let v = x[((nb * u32(params.in_hw.x) + u32(ih)) * u32(params.in_hw.y) + u32(iw)) * params.c + c];
      best = max(best, v);
      sum += v;
      count++;
    }
  }
  if (MODE == 0u) {
    y[i] = best;
  } else {
    let d = select(count, padded, params.count_include_pad == 1u);
    y[i] = sum / f32(max(d, 1u));
  }
}
