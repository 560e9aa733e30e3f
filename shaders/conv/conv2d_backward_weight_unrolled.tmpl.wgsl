// ${NAME} — conv2d's weight gradient with implicit im2col (no patch matrix) and a 4 × ${COLS} register tile in
// named registers: 4 input channels of one tap × ${COLS} output channels per invocation, accumulated over one chunk
// of the output rows (split-K; conv2d_backward_weight_partial sums the chunks with a reduce node).
// Math:   part[(kh·KW + kw)·Cin + ci, s, co] = Σ_{(n,oh) in chunk s, ow} x[n, ih, iw, ci] · dy[n, oh, ow, co]
//         with ih = oh·sh − pt + kh·dh, iw = ow·sw − pl + kw·dw (taps outside the image contribute 0), and
//         dw[kh,kw,ci,co] = Σ_s part[(kh·KW + kw)·Cin + ci, s, co]. Ungrouped convolutions.
//         Chunk s holds the output rows q = n·OH + oh in [s·L, min((s+1)·L, N·OH)), L = rows_per_chunk.
// Layout: x [N,H,W,Cin] as vec4 (Cin % 4 == 0), dy [N,OH,OW,Cout] as vec4 (Cout % ${COLS} == 0),
//         part [KH·KW·Cin, S, Cout].
// Thread: i = (s·(KH·KW·Cin/4) + r4)·(Cout/${COLS}) + cb computes part[4·r4 + k, s, ${COLS}·cb + c], k < 4, c < ${COLS}:
//         one outer product (x vec4) ⊗ (dy ${COLS}) per output pixel whose tap lies inside the image (the range of ow
//         is computed per row, so the inner loop has no bounds test). Overwrites part.

//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  batch: u32,
  chunks: u32,
  rows_per_chunk: u32,
  geom: ConvGeom,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read dy: array<vec4<f32>>
//! read_write part: array<vec4<f32>>

//! entry
  let cout4 = params.cout / 4u;
  let cbn = params.cout / ${COLS}u;
  let cin4 = params.cin / 4u;
  let r4n = params.geom.kernel.x * params.geom.kernel.y * cin4;
  let cb = i % cbn;
  let r4 = (i / cbn) % r4n;
  let s = i / (cbn * r4n);
  let ci4 = r4 % cin4;
  let tap = r4 / cin4;
  let kh = i32(tap / params.geom.kernel.y);
  let kw = i32(tap % params.geom.kernel.y);
  let c4 = cb * ${CB}u;
  let H = params.geom.in_hw.x;
  let W = params.geom.in_hw.y;
  let OH = params.geom.out_hw.x;
  let OW = i32(params.geom.out_hw.y);
  let sw = params.geom.stride.y;
  // output columns whose tap is inside the image: 0 ≤ ow·sw + colOff < W
  let colOff = kw * params.geom.dilation.y - params.geom.pad.y;
  let owLo = select(0, (-colOff + sw - 1) / sw, colOff < 0);
  let owHi = select(0, min(OW, (W - 1 - colOff) / sw + 1), W - 1 - colOff >= 0);
//! for k in 0..4
//! for c in 0..CB
  var a${k}_${c} = vec4<f32>(0.0);
//! end
//! end
  let q0 = s * params.rows_per_chunk;
  let q1 = min(q0 + params.rows_per_chunk, params.batch * OH);
  for (var q = q0; q < q1; q++) {
    let nb = q / OH;
    let oh = q % OH;
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + kh * params.geom.dilation.x;
    if (ih < 0 || ih >= H || owLo >= owHi) { continue; }
    var xi = ((nb * u32(H) + u32(ih)) * u32(W) + u32(owLo * sw + colOff)) * cin4 + ci4;
    let xstep = u32(sw) * cin4;
    var di = (q * u32(OW) + u32(owLo)) * cout4 + c4;
    for (var ow = owLo; ow < owHi; ow++) {
      let v = x[xi];
//! for c in 0..CB
      let d${c} = dy[di + ${c}u];
//! end
//! for c in 0..CB
      a0_${c} += v.x * d${c};
      a1_${c} += v.y * d${c};
      a2_${c} += v.z * d${c};
      a3_${c} += v.w * d${c};
//! end
      xi += xstep;
      di += cout4;
    }
  }
  // part row 4·r4 + k, chunk s: vec4 index ((4·r4 + k)·S + s)·Cout/4 + c4 + c
  let pb = (4u * r4 * params.chunks + s) * cout4 + c4;
  let krow = params.chunks * cout4;
//! for k in 0..4
//! for c in 0..CB
  part[pb + ${k}u * krow + ${c}u] = a${k}_${c};
//! end
//! end
}
