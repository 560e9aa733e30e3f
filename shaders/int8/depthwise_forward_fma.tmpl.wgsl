// ${NAME} — int8 depthwise convolution (groups = C) in the f32-accumulate ('fma') flavour: packed int8 activations
// and weights are loaded as words, unpacked to f32 in registers (common/int8_f32.wgsl, no shifts) and multiplied-
// added in f32 vec4 lanes (one lane per channel); requantization fused.
//! if K3
// 3×3, dilation 1, stride STRIDE ∈ {1, 2}: each input word of a kernel row is loaded and unpacked once for all four
// output columns it serves (6 words per row at stride 1, 9 at stride 2), as depthwise/depthwise_forward_3x3 does.
//! else
// Any kernel, stride, padding and dilation.
//! end
//
// Math:   acc[c] = qp.bias[c] + Σ_{kh,kw} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, c] · wq[kh,kw,c]
//         (taps outside the image read zx; qp.bias = round(b/(sx·sw)) − zx·Σw),
//         yq = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax)   (common/requant.wgsl).
//         Exactness: unpacked values are b·2^24, a product b·b'·2^48 with |b·b'| ≤ 128·127 = 16256; an f32 sum of
//         such products is exact while |Σ b·b'| < 2^24, i.e. for up to 1032 taps. The f32 sums are converted
//         (times 2^−48, exact) and added to i32 accumulators every FLUSH taps (FLUSH ≤ 1024: exact for any kernel;
//         a 3×3 kernel has 9 taps and converts once).
//! if PADC
//         Per-channel zero points (per-channel affine input, real = s_c·(xq − z_c)): a tap outside the image reads
//         z_c as the unpacked value z_c·2^24 (an integer, |z_c| ≤ 4096, need not fit a byte), so it adds
//         w·(z_c − z_c) = 0 to the real sum; the host folds − z_c·Σw into qp.bias. A product is then up to
//         4096·128 = 2^19 (·2^48): 9 taps stay exact, the general kernel is launched with FLUSH ≤ 32.
//! end
// Layout: x [N,H,W,C/4] u32 (q8), w [KH,KW,C/4] u32 (byte k of word (kh,kw,c4) = wq[kh,kw,4·c4+k]),
//         qp [C/4][3] vec4<i32> (bias, m, s), y [N,OH,OW,C/4] u32 (q8). Needs C % 4 == 0.
//! if PADC
//         xz [C/4] vec4<i32>: lane k of xz[c4] = z_{4·c4+k} (params.x_zero_word unused).
//! end
// Thread: i = ((n·OH + oh)·⌈OW/4⌉ + owt)·(C/4) + c4 computes the words y[n, oh, 4·owt + t, c4], t < 4 (columns past
//         OW are computed on clamped addresses and not stored). Overwrites y.
//! import int8_unpack
//! import int8_f32
//! import requant

//! import conv_geom
struct Params {
  n: u32,
  c: u32,
  geom: ConvGeom,
  ow_tiles: u32,
  x_zero_word: u32, // the input zero point in all four bytes: what a tap outside the image reads
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;
//! if K3
override STRIDE: u32 = 1u;
//! else
override FLUSH: u32 = 1024u; // taps summed in f32 before the i32 flush (≤ 1032 keeps every sum exact)
//! end

//! uniform params: Params
//! read x: array<u32>
//! read w: array<u32>
//! read qp: array<vec4<i32>>
//! if PADC
//! read xz: array<vec4<i32>>
//! end
//! read_write y: array<u32>

// the word at column iw of the row starting at pixel `row` (row_ok: the row is inside the image), unpacked; the
// zero point outside the image
//! if PADC
var<private> zpad: vec4<f32>; // the four channels' zero points, unpacked (z_c·2^24), set once per thread
fn ld(row: u32, row_ok: bool, iw: i32, c4: u32, c4n: u32) -> vec4<f32> {
  let ok = row_ok && iw >= 0 && iw < params.geom.in_hw.y;
  return select(zpad, unpack4f(x[select(0u, (row + u32(iw)) * c4n + c4, ok)]), ok);
}
//! else
fn ld(row: u32, row_ok: bool, iw: i32, c4: u32, c4n: u32) -> vec4<f32> {
  let ok = row_ok && iw >= 0 && iw < params.geom.in_hw.y;
  return unpack4f(select(params.x_zero_word, x[select(0u, (row + u32(iw)) * c4n + c4, ok)], ok));
}
//! end

fn store(pix: u32, c4: u32, c4n: u32, a: vec4<i32>) {
  let q = clamp(requant4(a + qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u]) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  y[pix * c4n + c4] = pack4i8(q);
}

//! entry
  let c4n = params.c / 4u;
  let tile = conv_tile(i, c4n, params.ow_tiles, params.geom.out_hw.x);
  let c4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * 4u;
//! if PADC
  zpad = vec4<f32>(xz[c4]) * 0x1p24f;
//! end
//! if K3
  let s = i32(STRIDE);
  let iw = i32(ow0) * s - params.geom.pad.y;
  var f0 = vec4<f32>(0.0); var f1 = vec4<f32>(0.0); var f2 = vec4<f32>(0.0); var f3 = vec4<f32>(0.0);
  for (var kh = 0; kh < 3; kh++) {
    let ih = i32(oh) * s - params.geom.pad.x + kh;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let row = (nb * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(params.geom.in_hw.y);
    let wb = u32(kh) * 3u * c4n + c4;
    let w0 = unpack4f(w[wb]);
    let w1 = unpack4f(w[wb + c4n]);
    let w2 = unpack4f(w[wb + 2u * c4n]);
    let v0 = ld(row, row_ok, iw, c4, c4n);
    let v1 = ld(row, row_ok, iw + 1, c4, c4n);
    let v2 = ld(row, row_ok, iw + 2, c4, c4n);
    let v3 = ld(row, row_ok, iw + 3, c4, c4n);
    let v4 = ld(row, row_ok, iw + 4, c4, c4n);
    let v5 = ld(row, row_ok, iw + 5, c4, c4n);
    if (STRIDE == 1u) {
      f0 += v0 * w0 + v1 * w1 + v2 * w2;
      f1 += v1 * w0 + v2 * w1 + v3 * w2;
      f2 += v2 * w0 + v3 * w1 + v4 * w2;
      f3 += v3 * w0 + v4 * w1 + v5 * w2;
    } else {
      let v6 = ld(row, row_ok, iw + 6, c4, c4n);
      let v7 = ld(row, row_ok, iw + 7, c4, c4n);
      let v8 = ld(row, row_ok, iw + 8, c4, c4n);
      f0 += v0 * w0 + v1 * w1 + v2 * w2;
      f1 += v2 * w0 + v3 * w1 + v4 * w2;
      f2 += v4 * w0 + v5 * w1 + v6 * w2;
      f3 += v6 * w0 + v7 * w1 + v8 * w2;
    }
  }
  let a0 = vec4<i32>(f0 * UNSCALE); let a1 = vec4<i32>(f1 * UNSCALE);
  let a2 = vec4<i32>(f2 * UNSCALE); let a3 = vec4<i32>(f3 * UNSCALE);
//! else
  let sw = params.geom.stride.y;
  var a0 = vec4<i32>(0); var a1 = vec4<i32>(0); var a2 = vec4<i32>(0); var a3 = vec4<i32>(0);
  var f0 = vec4<f32>(0.0); var f1 = vec4<f32>(0.0); var f2 = vec4<f32>(0.0); var f3 = vec4<f32>(0.0);
  var taps = 0u;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let row = (nb * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let wv = unpack4f(w[(kh * params.geom.kernel.y + kw) * c4n + c4]);
      let iw = i32(ow0) * sw - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
      f0 += ld(row, row_ok, iw, c4, c4n) * wv;
      f1 += ld(row, row_ok, iw + sw, c4, c4n) * wv;
      f2 += ld(row, row_ok, iw + 2 * sw, c4, c4n) * wv;
      f3 += ld(row, row_ok, iw + 3 * sw, c4, c4n) * wv;
      taps++;
      if (taps == FLUSH) {
        a0 += vec4<i32>(f0 * UNSCALE); a1 += vec4<i32>(f1 * UNSCALE);
        a2 += vec4<i32>(f2 * UNSCALE); a3 += vec4<i32>(f3 * UNSCALE);
        f0 = vec4<f32>(0.0); f1 = vec4<f32>(0.0); f2 = vec4<f32>(0.0); f3 = vec4<f32>(0.0);
        taps = 0u;
      }
    }
  }
  a0 += vec4<i32>(f0 * UNSCALE); a1 += vec4<i32>(f1 * UNSCALE);
  a2 += vec4<i32>(f2 * UNSCALE); a3 += vec4<i32>(f3 * UNSCALE);
//! end
  let pix = (nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0;
  let ow = params.geom.out_hw.y;
  store(pix, c4, c4n, a0);
  if (ow0 + 1u < ow) { store(pix + 1u, c4, c4n, a1); }
  if (ow0 + 2u < ow) { store(pix + 2u, c4, c4n, a2); }
  if (ow0 + 3u < ow) { store(pix + 3u, c4, c4n, a3); }
}
