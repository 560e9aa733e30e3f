// ${NAME} — int8 convolution (regular or grouped, any kernel, stride, padding, dilation) with a ${COLS} output
// columns × ${CH} channels register tile in named registers; packed int8 activations and weights are loaded, unpacked to
// f32 in registers once per k-step and multiplied-added in f32 (no integer dot product), requantization fused.
//
// Math:   acc[co] = qp.bias[co] + Σ_{kh,kw,ci<Cg} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · wq[kh,kw,ci,co]
//         (a tap outside the image reads the input zero point zx; qp.bias holds round(b/(sx·sw)) − zx·Σw),
//         yq = clamp(zy + requant(acc, m[co], s[co]), qmin, qmax)   (common/requant.wgsl; the 'f' instances use
//         requantf, the same integers without per-channel shift counts, where int8RequantF32Exact holds).
//         The Σ runs in f32 over at most FLUSH4 words (4·FLUSH4 products, |partial| ≤ 2^24 for FLUSH4 = 256: exact),
//         then is converted and added to an i32 accumulator: exact for any kernel size and Cin. The f32 sums carry
//         across taps (a first layer with Cin = 3 sums all its taps in f32 and converts once), flushed after a chunk
//         when the next one could pass FLUSH4 words.
// Layout: x  [N,H,W,⌈Cin/4⌉] u32 (q8; groups > 1 needs Cg % 4 == 0),
//         w  [KH,KW,⌈Cg/4⌉,Cout] u32: byte k of word (kh,kw,j,co) = wq[kh,kw,4j+k,co]; read as vec4<u32> along Cout
//            (needs (Cout/groups) % ${CH} == 0),
//         qp [Cout/4][3] vec4<i32> (bias, m, s), y [N,OH,OW,Cout/4] u32 (q8).
//! if HALF
// Thread: i = ((n·OH + oh)·⌈OW/${COLS}⌉ + owt)·(Cout/4) + c4 computes the words y[n, oh, owt·${COLS} + t, c4], t < ${COLS}
//         (columns past OW computed on a clamped column and not stored). For groups of 4·odd output channels (or a
//         narrow layer), where the 8-channel tile does not fit. Overwrites y.
//! else
// Thread: i = ((n·OH + oh)·⌈OW/${COLS}⌉ + owt)·(Cout/8) + c8 computes the words y[n, oh, owt·${COLS} + t, 2·c8 .. 2·c8+1],
//         t < ${COLS} (columns past OW computed on a clamped column and not stored). Overwrites y.
//! end
//! import int8_unpack
//! import int8_f32
//! import requant

//! import conv_geom
struct Params {
  n: u32,
  cin4: u32,      // words per input pixel: ⌈Cin/4⌉
  cout: u32,
  groups: u32,
  cg4: u32,       // words per group of input channels: ⌈(Cin/groups)/4⌉
  geom: ConvGeom,
  ow_tiles: u32,
  x_zero_word: u32, // the input zero point in all four bytes: what a tap outside the image reads
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;
override FLUSH4: u32 = 256u; // k-steps summed in f32 before the i32 flush (≤ 256 keeps every sum exact)

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

// requantize four channels' accumulators (words c4 of qp: bias, m, s) and clamp
fn rq4(a: vec4<i32>, c4: u32) -> vec4<i32> {
//! if REQF
  // requantf (no per-channel shift counts): offered where int8RequantF32Exact holds for the table
  let r = vec4<i32>(requantf(a, requantf_load(qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u])));
//! else
  let r = requant4(a + qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u]);
//! end
  return clamp(r + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
}

fn store8(pix: u32, ok: bool, c4: u32, a: vec4<i32>, b: vec4<i32>) {
  if (!ok) { return; }
  let lo = rq4(a, c4);
  let hi = rq4(b, c4 + 1u);
  let c4n = params.cout / 4u;
  y[pix * c4n + c4] = pack4i8(lo);
  y[pix * c4n + c4 + 1u] = pack4i8(hi);
}

fn store4(pix: u32, ok: bool, c4: u32, a: vec4<i32>) {
  if (!ok) { return; }
  let q = rq4(a, c4);
  y[pix * (params.cout / 4u) + c4] = pack4i8(q);
}

//! entry
  let cout4 = params.cout / 4u;
//! if HALF
  let tile = conv_tile(i, cout4, params.ow_tiles, params.geom.out_hw.x);
  let c4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
//! else
  let tile = conv_tile(i, params.cout / 8u, params.ow_tiles, params.geom.out_hw.x);
  let c4 = 2u * tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
//! end
  let g = (c4 * 4u) / (params.cout / params.groups);
  let ow0 = owt * ${COLS}u;
  let sw = params.geom.stride.y;
  let W = params.geom.in_hw.y;
  let xz = params.x_zero_word;
//! for t in 0..COLS
  var a${t} = vec4<i32>(0); var b${t} = vec4<i32>(0);
  var fa${t} = vec4<f32>(0.0); var fb${t} = vec4<f32>(0.0);
//! end
  var words = 0u; // words summed in f32 since the last flush
  let chunk = min(FLUSH4, params.cg4); // the most words one chunk adds
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(W);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = i32(ow0) * sw - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
//! for t in 0..COLS
      let ok${t} = row_ok && iw + ${t} * sw >= 0 && iw + ${t} * sw < W;
      let xb${t} = (xrow + u32(clamp(iw + ${t} * sw, 0, W - 1))) * params.cin4 + g * params.cg4;
//! end
      var wb = (kh * params.geom.kernel.y + kw) * params.cg4 * cout4 + c4;
      for (var j0 = 0u; j0 < params.cg4; j0 += FLUSH4) {
        let j1 = min(j0 + FLUSH4, params.cg4);
        for (var j = j0; j < j1; j++) {
//! if HALF
          let p = w[wb];
          wb += cout4;
          let p0 = lane4f(p, 0u); let p1 = lane4f(p, 1u); let p2 = lane4f(p, 2u); let p3 = lane4f(p, 3u);
//! for t in 0..COLS
          let v${t} = unpack4f(select(xz, x[xb${t} + j], ok${t}));
          fa${t} += v${t}.x * p0 + v${t}.y * p1 + v${t}.z * p2 + v${t}.w * p3;
//! end
//! else
          let p = w[wb];
          let q = w[wb + 1u];
          wb += cout4;
          let p0 = lane4f(p, 0u); let p1 = lane4f(p, 1u); let p2 = lane4f(p, 2u); let p3 = lane4f(p, 3u);
          let q0 = lane4f(q, 0u); let q1 = lane4f(q, 1u); let q2 = lane4f(q, 2u); let q3 = lane4f(q, 3u);
//! for t in 0..COLS
          let v${t} = unpack4f(select(xz, x[xb${t} + j], ok${t}));
          fa${t} += v${t}.x * p0 + v${t}.y * p1 + v${t}.z * p2 + v${t}.w * p3;
          fb${t} += v${t}.x * q0 + v${t}.y * q1 + v${t}.z * q2 + v${t}.w * q3;
//! end
//! end
        }
        words += j1 - j0;
        if (words + chunk > FLUSH4) {
//! for t in 0..COLS
          a${t} += vec4<i32>(fa${t} * UNSCALE); b${t} += vec4<i32>(fb${t} * UNSCALE);
          fa${t} = vec4<f32>(0.0); fb${t} = vec4<f32>(0.0);
//! end
          words = 0u;
        }
      }
    }
  }
//! for t in 0..COLS
  a${t} += vec4<i32>(fa${t} * UNSCALE); b${t} += vec4<i32>(fb${t} * UNSCALE);
//! end
  let pix = (nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0;
//! for t in 0..COLS
//! if HALF
  store4(pix + ${t}u, ow0 + ${t}u < params.geom.out_hw.y, c4, a${t});
//! else
  store8(pix + ${t}u, ow0 + ${t}u < params.geom.out_hw.y, c4, a${t}, b${t});
//! end
//! end
}
