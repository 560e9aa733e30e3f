// ${NAME} — int8 depthwise convolution (groups = C), any kernel, stride, padding, dilation,
//! if DOT4
// requantization fused; bytes unpacked by unpack4xI8/pack4xI8 (WGSL feature packed_4x8_integer_dot_product).
//! else
// requantization fused; bytes unpacked by shifts and masks in core WGSL.
//! end
// (A depthwise product stays within one channel, so dot4I8Packed — which sums across the four lanes — does not apply.)
//
// Math:   acc[c] = qp.bias[c] + Σ_{kh,kw} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, c] · wq[kh,kw,c]
//         (taps outside the image read zx; qp.bias = round(b/(sx·sw)) − zx·Σw),
//         yq = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax).
//! if PADC
//         Per-channel zero points (per-channel affine input, real = s_c·(xq − z_c)): a tap outside the image reads
//         z_c (an i32, |z_c| ≤ 4096, need not fit a byte: it replaces the unpacked value), so it adds w·(z_c − z_c)
//         = 0 to the real sum; the host folds − z_c·Σw into qp.bias.
//! end
// Layout: x [N,H,W,C/4] u32 (q8), w [KH,KW,C/4] u32 (byte k of word (kh,kw,c4) = wq[kh,kw,4·c4+k]),
//         qp [C/4][3] vec4<i32>, y [N,OH,OW,C/4] u32 (q8). Needs C % 4 == 0.
//! if PADC
//         xz [C/4] vec4<i32>: lane k of xz[c4] = z_{4·c4+k} (params.x_zero unused).
//! end
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(C/4) + c4 computes words y[n, oh, owt·TW + t, c4], t < TW. Overwrites y.
//! import int8_${FLAVOUR}
//! import requant

//! import conv_geom
struct Params {
  n: u32,
  c: u32,
  geom: ConvGeom,
  ow_tiles: u32,
  x_zero: i32,
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;
const TW: u32 = 4u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<u32>
//! read qp: array<vec4<i32>>
//! if PADC
//! read xz: array<vec4<i32>>
//! end
//! read_write y: array<u32>

//! entry
  let c4n = params.c / 4u;
  let tile = conv_tile(i, c4n, params.ow_tiles, params.geom.out_hw.x);
  let c4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * TW;
//! if PADC
  let zx = xz[c4];
//! else
  let zx = vec4<i32>(params.x_zero);
//! end
  var acc: array<vec4<i32>, TW>;
  for (var t = 0u; t < TW; t++) { acc[t] = vec4<i32>(0); }
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(max(ih, 0))) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let wv = unpack4i8(w[(kh * params.geom.kernel.y + kw) * c4n + c4]);
      for (var t = 0u; t < TW; t++) {
        let iw = i32(ow0 + t) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
        let ok = row_ok && iw >= 0 && iw < params.geom.in_hw.y;
        let xv = select(zx, unpack4i8(x[select(0u, (xrow + u32(iw)) * c4n + c4, ok)]), ok);
        acc[t] += xv * wv;
      }
    }
  }
  let bias = qp[3u * c4];
  let m = qp[3u * c4 + 1u];
  let s = qp[3u * c4 + 2u];
  for (var t = 0u; t < TW; t++) {
    if (ow0 + t >= params.geom.out_hw.y) { break; }
    let q = clamp(requant4(acc[t] + bias, m, s) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
    y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + t) * c4n + c4] = pack4i8(q);
  }
}
