// xnor/conv2d_forward_float — binary (XNOR-Net) convolution with a float output: per-channel scale and shift
// (α = mean|W|, batch-norm, bias folded in on the CPU) and an activation.
//
// Math:   dot[co] = Σ_{taps inside the image} Σ_{ci<Cin} sx·sw  (s = ±1)
//                 = Cin·(taps inside) − 2·popcount(x_bits xor w_bits)   (padding channels are 0 bits in both, so
//                   they never count; taps outside the image contribute 0, as zero padding would)
//         y[n,oh,ow,co] = act( scale[co]·dot + shift[co] )
// Layout: x [N,H,W,⌈Cin/32⌉] u32 (b1: channel c is bit c % 32 of word c / 32, bit 1 ⇔ −1),
//         w [KH,KW,⌈Cin/32⌉,Cout] u32 (bit ci % 32 of word (kh,kw,ci/32,co) = sign of W[kh,kw,ci,co]), read as
//         vec4<u32> along Cout (needs Cout % 4 == 0), affine [Cout/4][2] vec4<f32> (scale, shift),
//         y [N,OH,OW,Cout] f32 (read and written as vec4).
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(Cout/4) + co4 computes y[n, oh, owt·TW + t, 4·co4 .. 4·co4+3], t < TW.
//         Overwrites y. Groups are not supported (binary layers here are regular convolutions).
//! import activation

//! import xnor_conv_params

override WG: u32 = 64u;
override TW: u32 = 4u;
const MAX_TW: u32 = 8u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read affine: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let cout4 = params.cout / 4u;
  let tile = conv_tile(i, cout4, params.ow_tiles, params.geom.out_hw.x);
  let co4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * TW;
  var pop: array<vec4<u32>, MAX_TW>;
  var taps: array<u32, MAX_TW>;
  for (var t = 0u; t < TW; t++) { pop[t] = vec4<u32>(0u); taps[t] = 0u; }
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let wbase = (kh * params.geom.kernel.y + kw) * params.c32 * cout4 + co4;
      var xb: array<u32, MAX_TW>;
      var ok: array<bool, MAX_TW>;
      for (var t = 0u; t < TW; t++) {
        let iw = i32(ow0 + t) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
        ok[t] = iw >= 0 && iw < params.geom.in_hw.y;
        taps[t] += select(0u, 1u, ok[t]);
        xb[t] = (xrow + u32(max(iw, 0))) * params.c32;
      }
      for (var j = 0u; j < params.c32; j++) {
        let wv = w[wbase + j * cout4];
        for (var t = 0u; t < TW; t++) {
          if (ok[t]) { pop[t] += countOneBits(vec4<u32>(x[xb[t] + j]) ^ wv); }
        }
      }
    }
  }
  let scale = affine[2u * co4];
  let shift = affine[2u * co4 + 1u];
  for (var t = 0u; t < TW; t++) {
    if (ow0 + t >= params.geom.out_hw.y) { break; }
    let dot = vec4<i32>(i32(taps[t] * params.cin)) - 2 * vec4<i32>(pop[t]);
    y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + t) * cout4 + co4] = activate4(scale * vec4<f32>(dot) + shift);
  }
}
