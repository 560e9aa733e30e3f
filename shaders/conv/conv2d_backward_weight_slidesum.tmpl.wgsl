// ${NAME} — conv2d's weight gradient for a KW = 3, column-stride 1, column-dilation 1 kernel, as
// conv2d_backward_weight_slide (all three column taps of one kernel row × ${ROWS} input × ${COLS} output channels per
// invocation), but the output row is taken ${P} columns at a time and every accumulator update adds ${P} products:
// a += x[c]·dy[ow0] + x[c+1]·dy[ow0+1] + … (the slide kernel adds one product per update). On SwiftShader every
// accumulator of such a tile lives on the stack, so an update costs a load and a store whatever it adds; ${P} products
// per update is the shape of conv2d_forward_slide's (4 per update), which runs at a larger share of the FMA ceiling.
// Math:   part[(kh·3 + t)·Cin + ci, s, co] = Σ_{(n,oh) in chunk s, ow} x[n, ih, ow − pl + t, ci] · dy[n, oh, ow, co]
//         with ih = oh·sh − pt + kh·dh, t = 0, 1, 2 (input pixels outside the image read as 0), and
//         dw[kh,t,ci,co] = Σ_s part[(kh·3 + t)·Cin + ci, s, co]. Ungrouped convolutions.
//         Chunk s holds the output rows q = n·OH + oh in [s·L, min((s+1)·L, N·OH)), L = rows_per_chunk.
// Layout: x [N,H,W,Cin] as vec4 (Cin % ${ROWS} == 0), dy [N,OH,OW,Cout] as vec4 (Cout % ${COLS} == 0),
//         part [KH·3·Cin, S, Cout] (conv2d_backward_weight_unrolled's layout, so the same reduce sums it).
// Thread: i = (s·(KH·Cin/${ROWS}) + rb)·(Cout/${COLS}) + cb, rb = kh·(Cin/${ROWS}) + ci block, computes
//         part[(kh·3 + t)·Cin + ${ROWS}·(ci block) + k, s, ${COLS}·cb + c] for t < 3, k < ${ROWS}, c < ${COLS}. Per output row
//         whose input row ih is inside the image, per group of ${P} output columns ow0 .. ow0 + ${P} − 1: load the window of
//         ${WIN} input pixels (input columns ow0 − pl .. ow0 − pl + ${P} + 1, 0 outside the image) and the ${P} dy pixels (0 past
//         OW: any OW works, the last group is masked); output column ow0 + p's tap t reads window pixel p + t.
//         Overwrites part.
//! if QUAD
//         Quad flavour (Cout % (4·${COLS}) == 0, so the four invocations of a quad, i = 4k .. 4k+3, share s and rb and
//         differ only in cb): per window pixel each loads one of the ${XB} vec4s the quad needs and quadBroadcast
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
    // dy[n, oh, ow, 4·c4 ..]: dyRow + ow·cout4
    let dyRow = q * OW * cout4 + c4;
    for (var ow0 = 0u; ow0 < OW; ow0 += ${P}u) {
      let c0 = i32(ow0) - pl;
//! for u in 0..WIN
//! if QUAD
      let m${u} = select(vec4<f32>(0.0), x[rowBase + u32(clamp(c0 + ${u}, 0, W - 1)) * cin4 + lane % ${XB}u], c0 + ${u} >= 0 && c0 + ${u} < W);
//! for j in 0..XB
      let v${u}_${j} = quadBroadcast(m${u}, ${j}u);
//! end
//! else
//! for j in 0..XB
      let v${u}_${j} = select(vec4<f32>(0.0), x[rowBase + u32(clamp(c0 + ${u}, 0, W - 1)) * cin4 + ${j}u], c0 + ${u} >= 0 && c0 + ${u} < W);
//! end
//! end
//! end
//! for p in 0..P
//! for c in 0..CB
      let d${p}_${c} = select(vec4<f32>(0.0), dy[dyRow + min(ow0 + ${p}u, OW - 1u) * cout4 + ${c}u], ow0 + ${p}u < OW);
//! end
//! end
//! for t in 0..3
//! for j in 0..XB
//! for c in 0..CB
      a${t}_${j}x_${c} += v${t}_${j}.x * d0_${c}
//! for p in 1..P
        + v${p+t}_${j}.x * d${p}_${c}
//! end
        ;
      a${t}_${j}y_${c} += v${t}_${j}.y * d0_${c}
//! for p in 1..P
        + v${p+t}_${j}.y * d${p}_${c}
//! end
        ;
      a${t}_${j}z_${c} += v${t}_${j}.z * d0_${c}
//! for p in 1..P
        + v${p+t}_${j}.z * d${p}_${c}
//! end
        ;
      a${t}_${j}w_${c} += v${t}_${j}.w * d0_${c}
//! for p in 1..P
        + v${p+t}_${j}.w * d${p}_${c}
//! end
        ;
//! end
//! end
//! end
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
