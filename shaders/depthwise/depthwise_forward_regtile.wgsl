// depthwise_forward_regtile — depthwise convolution (groups = C, one filter per channel), any kernel size,
// stride, padding and dilation; 4 channels × TW output columns per invocation.
//
// Math:   y[n,oh,ow,c] = act( b[c] + Σ_{kh,kw} x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, c] · w[kh,kw,c] )
// Layout: x [N,H,W,C] NHWC, w [KH,KW,C], b [C], y [N,OH,OW,C]; all read as vec4 along C (needs C % 4 == 0).
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(C/4) + c4 computes y[n, oh, owt·TW + t, 4·c4 .. 4·c4+3], t < TW.
//         Overwrites y.
//! import activation

//! import conv_geom
struct Params {
  n: u32,
  c: u32,
  geom: ConvGeom,
  ow_tiles: u32,
}

override WG: u32 = 64u;
const TW: u32 = 4u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let c4n = params.c / 4u;
  let tile = conv_tile(i, c4n, params.ow_tiles, params.geom.out_hw.x);
  let c4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * TW;
  // four output columns held in named registers (no private array: see pointwise_forward_unrolled.tmpl)
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let iw0 = i32(ow0) * params.geom.stride.y - params.geom.pad.y;
  let sw = params.geom.stride.y;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let wv = w[(kh * params.geom.kernel.y + kw) * c4n + c4];
      let iw = iw0 + i32(kw) * params.geom.dilation.y;
      if (iw >= 0 && iw < params.geom.in_hw.y) { acc0 += x[(xrow + u32(iw)) * c4n + c4] * wv; }
      if (iw + sw >= 0 && iw + sw < params.geom.in_hw.y) { acc1 += x[(xrow + u32(iw + sw)) * c4n + c4] * wv; }
      if (iw + 2 * sw >= 0 && iw + 2 * sw < params.geom.in_hw.y) { acc2 += x[(xrow + u32(iw + 2 * sw)) * c4n + c4] * wv; }
      if (iw + 3 * sw >= 0 && iw + 3 * sw < params.geom.in_hw.y) { acc3 += x[(xrow + u32(iw + 3 * sw)) * c4n + c4] * wv; }
    }
  }
  let bias = b[c4];
  let ybase = (nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0;
  y[ybase * c4n + c4] = activate4(acc0 + bias);
  if (ow0 + 1u < params.geom.out_hw.y) { y[(ybase + 1u) * c4n + c4] = activate4(acc1 + bias); }
  if (ow0 + 2u < params.geom.out_hw.y) { y[(ybase + 2u) * c4n + c4] = activate4(acc2 + bias); }
  if (ow0 + 3u < params.geom.out_hw.y) { y[(ybase + 3u) * c4n + c4] = activate4(acc3 + bias); }
}
