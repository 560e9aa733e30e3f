// ${NAME} — the weight gradient of a convolution with ONE input channel (a first layer on grey images) and a
// ${KH}×${KW} kernel, with implicit im2col: no patch matrix is written (the split-K patches + grouped GEMM path wrote
// KH·KW floats per output pixel, each with a chain of integer divisions, which a CPU adapter does lane by lane).
// Math:   part[kh·KW + kw, s, co] = Σ_{(n,oh) in chunk s, ow} x[n, ih, iw] · dy[n, oh, ow, co]
//         with ih = oh·sh − pt + kh·dh, iw = ow·sw − pl + kw·dw (taps outside the image contribute 0), and
//         dw[kh,kw,0,co] = Σ_s part[kh·KW + kw, s, co] (a reduce node). Chunk s holds the output rows
//         q = n·OH + oh in [s·L, min((s+1)·L, N·OH)), L = rows_per_chunk (as conv2d_backward_weight_unrolled).
// Layout: x [N,H,W,1] as f32, dy [N,OH,OW,Cout] as vec4 (Cout % ${COLS} == 0), part [KH·KW, S, Cout] as vec4.
// Thread: i = s·(Cout/${COLS}) + cb computes part[·, s, ${COLS}·cb … ${COLS}·cb + ${COLS} − 1] for all ${KH}·${KW} taps: per
//         output pixel ${CB} dy vec4 and ${KH}·${KW} x values (zero where the tap is padding; the load index is clamped
//         into x) feed ${KH}·${KW}·${CB} vec4 multiply-adds into named registers. Overwrites part.

//! import conv_geom
struct Params {
  n: u32,
  cout: u32,
  batch: u32,
  chunks: u32,
  rows_per_chunk: u32,
  geom: ConvGeom,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<f32>
//! read dy: array<vec4<f32>>
//! read_write part: array<vec4<f32>>

//! entry
  let cout4 = params.cout / 4u;
  let cbn = params.cout / ${COLS}u;
  let cb = i % cbn;
  let s = i / cbn;
  let c4 = cb * ${CB}u;
  let H = params.geom.in_hw.x;
  let W = params.geom.in_hw.y;
  let OH = params.geom.out_hw.x;
  let OW = params.geom.out_hw.y;
  let st = params.geom.stride;
  let pd = params.geom.pad;
  let dl = params.geom.dilation;
  let xlast = i32(arrayLength(&x)) - 1;
//! for a in 0..KH
//! for b in 0..KW
//! for c in 0..CB
  var a${a}_${b}_${c} = vec4<f32>(0.0);
//! end
//! end
//! end
  let q0 = s * params.rows_per_chunk;
  let q1 = min(q0 + params.rows_per_chunk, params.batch * OH);
  for (var q = q0; q < q1; q++) {
    let img = i32(q / OH) * H;
    let ihb = i32(q % OH) * st.x - pd.x;
//! for a in 0..KH
    let ih${a} = ihb + ${a} * dl.x;
    let rok${a} = ih${a} >= 0 && ih${a} < H;
    let xr${a} = (img + ih${a}) * W;
//! end
    var di = q * OW * cout4 + c4;
    for (var ow = 0u; ow < OW; ow++) {
      let iwb = i32(ow) * st.y - pd.y;
//! for b in 0..KW
      let iw${b} = iwb + ${b} * dl.y;
      let cok${b} = iw${b} >= 0 && iw${b} < W;
//! end
//! for c in 0..CB
      let d${c} = dy[di + ${c}u];
//! end
//! for a in 0..KH
//! for b in 0..KW
      let v${a}_${b} = select(0.0, x[u32(clamp(xr${a} + iw${b}, 0, xlast))], rok${a} && cok${b});
//! for c in 0..CB
      a${a}_${b}_${c} += v${a}_${b} * d${c};
//! end
//! end
//! end
      di += cout4;
    }
  }
  // part row kh·KW + kw, chunk s: vec4 index ((kh·KW + kw)·S + s)·Cout/4 + c4 + c
  let krow = params.chunks * cout4;
  let pb = s * cout4 + c4;
//! for a in 0..KH
//! for b in 0..KW
//! for c in 0..CB
  part[pb + (${a}u * ${KW}u + ${b}u) * krow + ${c}u] = a${a}_${b}_${c};
//! end
//! end
//! end
}
