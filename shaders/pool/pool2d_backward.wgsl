// pool2d_backward — gradient of pool2d_forward with respect to its input, gathered over the windows that
// contain each input element (no atomics).
//
// Math:   MODE 0 (max): dx[n,ih,iw,c] = Σ over windows (oh,ow) whose first maximal in-image tap (scan order kh, kw)
//                       is (ih,iw) of dy[n,oh,ow,c]   (ties go to the first tap, one tap per window)
//         MODE 1 (avg): dx[n,ih,iw,c] = Σ over windows containing (ih,iw) of dy[n,oh,ow,c] / count(oh,ow), with
//                       count as in pool2d_forward (in-image taps, or padded taps when count_include_pad = 1).
//         A window (oh, ow) contains (ih, iw) when ih = oh·sh − ph + kh·dh and iw = ow·sw − pw + kw·dw.
// Layout: x, dx [N,H,W,C], dy [N,OH,OW,C] NHWC. Thread: one input element per invocation. Overwrites dx.

struct Params {
  n: u32,
  c: u32,
  count_include_pad: u32,
  in_hw: vec2<i32>,
  out_hw: vec2<i32>,
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
//! read dy: array<f32>
//! read_write dx: array<f32>

// MODE 0: the flat index of the window's first maximal tap. MODE 1: the window's divisor.
fn window(nb: u32, c: u32, oh: i32, ow: i32) -> u32 {
  var best = -3.402823e38;
  var arg = 0xffffffffu;
  var count = 0u;
  var padded = 0u;
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    let ih = oh * params.stride.x - params.pad.x + i32(kh) * params.dilation.x;
    let rowInPad = ih >= -params.pad.x && ih < params.in_hw.x + params.pad_end.x;
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let iw = ow * params.stride.y - params.pad.y + i32(kw) * params.dilation.y;
      if (rowInPad && iw >= -params.pad.y && iw < params.in_hw.y + params.pad_end.y) { padded++; }
      if (ih < 0 || ih >= params.in_hw.x || iw < 0 || iw >= params.in_hw.y) { continue; }
      count++;
      let j = ((nb * u32(params.in_hw.x) + u32(ih)) * u32(params.in_hw.y) + u32(iw)) * params.c + c;
      let v = x[j];
      if (v > best) { best = v; arg = j; }
    }
  }
  if (MODE == 0u) { return arg; }
  return max(select(count, padded, params.count_include_pad == 1u), 1u);
}

//! entry
  let c = i % params.c;
  var r = i / params.c;
  let iw = i32(r % u32(params.in_hw.y));
  r = r / u32(params.in_hw.y);
  let ih = i32(r % u32(params.in_hw.x));
  let nb = r / u32(params.in_hw.x);
  var acc = 0.0;
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    let th = ih + params.pad.x - i32(kh) * params.dilation.x;
    if (th < 0 || th % params.stride.x != 0) { continue; }
    let oh = th / params.stride.x;
    if (oh >= params.out_hw.x) { continue; }
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let tw = iw + params.pad.y - i32(kw) * params.dilation.y;
      if (tw < 0 || tw % params.stride.y != 0) { continue; }
      let ow = tw / params.stride.y;
      if (ow >= params.out_hw.y) { continue; }
      let g = dy[((nb * u32(params.out_hw.x) + u32(oh)) * u32(params.out_hw.y) + u32(ow)) * params.c + c];
      let wv = window(nb, c, oh, ow);
      if (MODE == 0u) {
        if (wv == i) { acc += g; }
      } else {
        acc += g / f32(wv);
      }
    }
  }
  dx[i] = acc;
}
