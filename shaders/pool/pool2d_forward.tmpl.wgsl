// ${NAME} — max or average pooling over a KH×KW window (stride, padding, dilation; ceil mode is decided
// by the output size the graph computed).
//
// Math:   MODE 0 (max):  y[n,oh,ow,c] = max over in-image taps of x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, c]
//         MODE 1 (avg):  y = Σ in-image taps / count, where count = number of in-image taps, or, when
//                        count_include_pad = 1, the taps inside the padded input (ONNX semantics: taps past the
//                        explicit padding, as ceil mode can make, are never counted).
//! if VEC4
// Layout: x [N,H,W,C/4], y [N,OH,OW,C/4] of vec4 (NHWC, C % 4 = 0; params.c is C/4). Thread: four neighbouring
// channels of one output pixel per invocation (16-byte loads). Overwrites y.
//! else
// Layout: x [N,H,W,C], y [N,OH,OW,C] NHWC. Thread: one output element per invocation. Overwrites y.
//! end

//! import conv_geom
struct Params {
  n: u32,
  c: u32,
  count_include_pad: u32,
  geom: ConvGeom,     // the window geometry, as a convolution's; pad is the padding before
  pad_end: vec2<i32>, // the padding after (bottom, right)
}

override WG: u32 = 64u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<${T}>
//! read_write y: array<${T}>

//! entry
  let at = conv_tile(i, params.c, params.geom.out_hw.y, params.geom.out_hw.x); // tiles of one column
  let c = at.blk; let ow = at.owt; let oh = at.oh; let nb = at.n;
  var best = ${T}(-3.4028234663852886e38);
  var sum = ${T}(0.0);
  var count = 0u;
  var padded = 0u;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let rowInPad = ih >= -params.geom.pad.x && ih < params.geom.in_hw.x + params.pad_end.x;
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = i32(ow) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
      if (rowInPad && iw >= -params.geom.pad.y && iw < params.geom.in_hw.y + params.pad_end.y) { padded++; }
      if (ih < 0 || ih >= params.geom.in_hw.x || iw < 0 || iw >= params.geom.in_hw.y) { continue; }
      let v = x[((nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y) + u32(iw)) * params.c + c];
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
