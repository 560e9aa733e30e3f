// xnor/conv2d_forward_bits_unrolled — xnor/conv2d_forward_bits with its 2 columns × 32 channels popcount tile in
// named registers (SwiftShader keeps dynamically indexed private arrays in memory).
//
// Math:   dot[co] = Cin·(taps inside) − 2·popcount(x_bits xor w_bits); output bit = (dot < thr[co]) ≠ flip[co]
//         (batch-norm + sign as an integer threshold, see xnor/conv2d_forward_bits and xnorThresholds).
// Layout: x [N,H,W,⌈Cin/32⌉] u32 (b1: channel c is bit c % 32 of word c / 32, bit 1 ⇔ −1),
//         w [KH,KW,⌈Cin/32⌉,Cout] u32 read as vec4<u32> along Cout, thr [Cout/4][2] vec4<i32> (threshold, flip),
//         y [N,OH,OW,Cout/32] u32 (b1). Needs Cout % 32 == 0.
// Thread: i = ((n·OH + oh)·⌈OW/2⌉ + owt)·(Cout/32) + co32 computes the words y[n, oh, 2·owt + t, co32], t < 2.
//         Overwrites y.

//! import xnor_conv_params

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read thr: array<vec4<i32>>
//! read_write y: array<u32>

fn pc(xv: u32, wv: vec4<u32>) -> vec4<u32> { return countOneBits(vec4<u32>(xv) ^ wv); }

// 4 output bits (channels 4v .. 4v+3 of the word) from their popcounts, at bit position 4v.
fn bits4(p: vec4<u32>, k: u32, t: u32, v: u32) -> u32 {
  let dot = vec4<i32>(i32(k)) - 2 * vec4<i32>(p);
  let neg = vec4<u32>((dot < thr[2u * t]) != (thr[2u * t + 1u] != vec4<i32>(0)));
  return (neg.x | (neg.y << 1u) | (neg.z << 2u) | (neg.w << 3u)) << (4u * v);
}

//! entry
  let cout4 = params.cout / 4u;
  let cout32 = params.cout / 32u;
  let tile = conv_tile(i, cout32, params.ow_tiles, params.geom.out_hw.x);
  let co32 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * 2u;
  var p00 = vec4<u32>(0u); var p01 = vec4<u32>(0u); var p02 = vec4<u32>(0u); var p03 = vec4<u32>(0u);
  var p04 = vec4<u32>(0u); var p05 = vec4<u32>(0u); var p06 = vec4<u32>(0u); var p07 = vec4<u32>(0u);
  var p10 = vec4<u32>(0u); var p11 = vec4<u32>(0u); var p12 = vec4<u32>(0u); var p13 = vec4<u32>(0u);
  var p14 = vec4<u32>(0u); var p15 = vec4<u32>(0u); var p16 = vec4<u32>(0u); var p17 = vec4<u32>(0u);
  var taps0 = 0u;
  var taps1 = 0u;
  let has1 = ow0 + 1u < params.geom.out_hw.y;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw0 = i32(ow0) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
      let iw1 = iw0 + params.geom.stride.y;
      let ok0 = iw0 >= 0 && iw0 < params.geom.in_hw.y;
      let ok1 = has1 && iw1 >= 0 && iw1 < params.geom.in_hw.y;
      taps0 += select(0u, 1u, ok0);
      taps1 += select(0u, 1u, ok1);
      let xb0 = (xrow + u32(max(iw0, 0))) * params.c32;
      let xb1 = (xrow + u32(clamp(iw1, 0, params.geom.in_hw.y - 1))) * params.c32;
      var wb = (kh * params.geom.kernel.y + kw) * params.c32 * cout4 + co32 * 8u;
      for (var j = 0u; j < params.c32; j++) {
        let w0 = w[wb]; let w1 = w[wb + 1u]; let w2 = w[wb + 2u]; let w3 = w[wb + 3u];
        let w4 = w[wb + 4u]; let w5 = w[wb + 5u]; let w6 = w[wb + 6u]; let w7 = w[wb + 7u];
        wb += cout4;
        if (ok0) {
          let xv = x[xb0 + j];
          p00 += pc(xv, w0); p01 += pc(xv, w1); p02 += pc(xv, w2); p03 += pc(xv, w3);
          p04 += pc(xv, w4); p05 += pc(xv, w5); p06 += pc(xv, w6); p07 += pc(xv, w7);
        }
        if (ok1) {
          let xv = x[xb1 + j];
          p10 += pc(xv, w0); p11 += pc(xv, w1); p12 += pc(xv, w2); p13 += pc(xv, w3);
          p14 += pc(xv, w4); p15 += pc(xv, w5); p16 += pc(xv, w6); p17 += pc(xv, w7);
        }
      }
    }
  }
  let t = co32 * 8u;
  let k0 = taps0 * params.cin;
  y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0) * cout32 + co32] =
    bits4(p00, k0, t, 0u) | bits4(p01, k0, t + 1u, 1u) | bits4(p02, k0, t + 2u, 2u) | bits4(p03, k0, t + 3u, 3u) |
    bits4(p04, k0, t + 4u, 4u) | bits4(p05, k0, t + 5u, 5u) | bits4(p06, k0, t + 6u, 6u) | bits4(p07, k0, t + 7u, 7u);
  if (has1) {
    let k1 = taps1 * params.cin;
    y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + 1u) * cout32 + co32] =
      bits4(p10, k1, t, 0u) | bits4(p11, k1, t + 1u, 1u) | bits4(p12, k1, t + 2u, 2u) | bits4(p13, k1, t + 3u, 3u) |
      bits4(p14, k1, t + 4u, 4u) | bits4(p15, k1, t + 5u, 5u) | bits4(p16, k1, t + 6u, 6u) | bits4(p17, k1, t + 7u, 7u);
  }
}
