// ${NAME} — conv2d's weight gradient for a KW = 3, column-stride 1, column-dilation 1 kernel (the 3×3 / 3×1 …
// convolutions of a CNN): implicit im2col, and one invocation keeps all three column taps of one kernel row for
// ${ROWS} input channels × ${COLS} output channels (3 × ${ROWS} × ${COLS} accumulators in named registers). Along an output row the
// three taps read the input at three consecutive columns, so a sliding window of three input pixels is carried from
// one output column to the next: each output pixel loads one new input pixel and one dy pixel for 3·${ROWS}·${COLS}
// multiply-adds (conv2d_backward_weight_unrolled loads both for ${ROWS}·${COLS}, one tap at a time).
// Math:   part[(kh·3 + t)·Cin + ci, s, co] = Σ_{(n,oh) in chunk s, ow} x[n, ih, ow − pl + t, ci] · dy[n, oh, ow, co]
//         with ih = oh·sh − pt + kh·dh, t = 0, 1, 2 (input columns outside the image read as 0), and
//         dw[kh,t,ci,co] = Σ_s part[(kh·3 + t)·Cin + ci, s, co]. Ungrouped convolutions.
//         Chunk s holds the output rows q = n·OH + oh in [s·L, min((s+1)·L, N·OH)), L = rows_per_chunk.
// Layout: x [N,H,W,Cin] as vec4 (Cin % ${ROWS} == 0), dy [N,OH,OW,Cout] as vec4 (Cout % ${COLS} == 0),
//         part [KH·3·Cin, S, Cout] (the same as conv2d_backward_weight_unrolled's, so the same reduce sums it).
// Thread: i = (s·(KH·Cin/${ROWS}) + rb)·(Cout/${COLS}) + cb, rb = kh·(Cin/${ROWS}) + ci block, computes
//         part[(kh·3 + t)·Cin + ${ROWS}·(ci block) + k, s, ${COLS}·cb + c] for t < 3, k < ${ROWS}, c < ${COLS}. Per output row
//         whose input row ih is inside the image, the window w0, w1, w2 holds input columns ow − pl, ow − pl + 1,
//         ow − pl + 2 (0 outside the image): per output column, load w2, add the three outer products w_t ⊗ dy[ow],
//         shift the window by one column. Overwrites part.
//! if QUAD
//         Quad flavour (Cout % (4·${COLS}) == 0, so the four invocations of a quad, i = 4k .. 4k+3, share s and rb and
//         differ only in cb): per new input pixel each loads one of the ${XB} vec4s the quad needs and quadBroadcast
//         hands them round. Needs 'subgroups' (SwiftShader's subgroup is 4 consecutive invocations of a workgroup).
enable subgroups;
// the row loop bounds depend on the kernel row, which the four invocations of a quad share (the quad is converged),
// but WGSL's uniformity analysis cannot see that
diagnostic(off, subgroup_uniformity);
//! end

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
  let cinb = params.cin / ${ROWS}u;
  let rbn = params.geom.kernel.x * cinb;
  let cb = i % cbn;
//! if QUAD
  let lane = i % 4u;
//! end
  let rb = (i / cbn) % rbn;
  let s = i / (cbn * rbn);
  let ci4 = (rb % cinb) * ${XB}u;
  let kh = i32(rb / cinb);
  let c4 = cb * ${CB}u;
  let H = params.geom.in_hw.x;
  let W = params.geom.in_hw.y;
  let OH = params.geom.out_hw.x;
  let OW = params.geom.out_hw.y;
  let pl = params.geom.pad.y;
//! for t in 0..3
//! for j in 0..XB
//! for c in 0..CB
  var a${t}_${j}x_${c} = vec4<f32>(0.0); var a${t}_${j}y_${c} = vec4<f32>(0.0);
  var a${t}_${j}z_${c} = vec4<f32>(0.0); var a${t}_${j}w_${c} = vec4<f32>(0.0);
//! end
//! end
//! end
  let q0 = s * params.rows_per_chunk;
  let q1 = min(q0 + params.rows_per_chunk, params.batch * OH);
  for (var q = q0; q < q1; q++) {
    let nb = q / OH;
    let oh = q % OH;
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + kh * params.geom.dilation.x;
    if (ih < 0 || ih >= H) { continue; }
    // input column c of this row, ci4 + j: x[rowBase + c·cin4 + j]
    let rowBase = (nb * u32(H) + u32(ih)) * u32(W) * cin4 + ci4;
    // the window at output column 0: w0 = input column −pl, w1 = column 1 − pl (w2 is loaded in the loop)
//! for j in 0..XB
    var w0_${j} = vec4<f32>(0.0); var w1_${j} = vec4<f32>(0.0); var w2_${j} = vec4<f32>(0.0);
//! end
    {
      let c0 = -pl;
      let xi0 = rowBase + u32(clamp(c0, 0, W - 1)) * cin4;
      let xi1 = rowBase + u32(clamp(c0 + 1, 0, W - 1)) * cin4;
//! if QUAD
      let m0 = select(vec4<f32>(0.0), x[xi0 + lane % ${XB}u], c0 >= 0 && c0 < W);
      let m1 = select(vec4<f32>(0.0), x[xi1 + lane % ${XB}u], c0 + 1 >= 0 && c0 + 1 < W);
//! for j in 0..XB
      w0_${j} = quadBroadcast(m0, ${j}u); w1_${j} = quadBroadcast(m1, ${j}u);
//! end
//! else
//! for j in 0..XB
      w0_${j} = select(vec4<f32>(0.0), x[xi0 + ${j}u], c0 >= 0 && c0 < W);
      w1_${j} = select(vec4<f32>(0.0), x[xi1 + ${j}u], c0 + 1 >= 0 && c0 + 1 < W);
//! end
//! end
    }
    var di = q * OW * cout4 + c4;
    // input column of w2
    var col = 2 - pl;
    for (var ow = 0u; ow < OW; ow++) {
      let xi2 = rowBase + u32(clamp(col, 0, W - 1)) * cin4;
//! if QUAD
      let m2 = select(vec4<f32>(0.0), x[xi2 + lane % ${XB}u], col >= 0 && col < W);
//! for j in 0..XB
      w2_${j} = quadBroadcast(m2, ${j}u);
//! end
//! else
//! for j in 0..XB
      w2_${j} = select(vec4<f32>(0.0), x[xi2 + ${j}u], col >= 0 && col < W);
//! end
//! end
//! for c in 0..CB
      let d${c} = dy[di + ${c}u];
//! end
//! for t in 0..3
//! for j in 0..XB
//! for c in 0..CB
      a${t}_${j}x_${c} += w${t}_${j}.x * d${c};
      a${t}_${j}y_${c} += w${t}_${j}.y * d${c};
      a${t}_${j}z_${c} += w${t}_${j}.z * d${c};
      a${t}_${j}w_${c} += w${t}_${j}.w * d${c};
//! end
//! end
//! end
//! for j in 0..XB
      w0_${j} = w1_${j}; w1_${j} = w2_${j};
//! end
      di += cout4;
      col++;
    }
  }
  // part row (kh·3 + t)·Cin + 4·(ci4 + j) + k, chunk s: vec4 index (row·S + s)·Cout/4 + c4 + c
  let krow = params.chunks * cout4;
//! for t in 0..3
  let pb${t} = ((u32(kh) * 3u + ${t}u) * params.cin + 4u * ci4) * krow + s * cout4 + c4;
//! for j in 0..XB
//! for c in 0..CB
  part[pb${t} + (${j}u * 4u + 0u) * krow + ${c}u] = a${t}_${j}x_${c};
  part[pb${t} + (${j}u * 4u + 1u) * krow + ${c}u] = a${t}_${j}y_${c};
  part[pb${t} + (${j}u * 4u + 2u) * krow + ${c}u] = a${t}_${j}z_${c};
  part[pb${t} + (${j}u * 4u + 3u) * krow + ${c}u] = a${t}_${j}w_${c};
//! end
//! end
//! end
}
