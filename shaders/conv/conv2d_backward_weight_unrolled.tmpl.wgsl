// ${NAME} — conv2d's weight gradient with implicit im2col (no patch matrix) and a ${ROWS} × ${COLS} register tile in
// named registers: ${ROWS} input channels of one tap × ${COLS} output channels per invocation, accumulated over one chunk
// of the output rows (split-K; conv2d_backward_weight_partial sums the chunks with a reduce node).
// Math:   part[(kh·KW + kw)·Cin + ci, s, co] = Σ_{(n,oh) in chunk s, ow} x[n, ih, iw, ci] · dy[n, oh, ow, co]
//         with ih = oh·sh − pt + kh·dh, iw = ow·sw − pl + kw·dw (taps outside the image contribute 0), and
//         dw[kh,kw,ci,co] = Σ_s part[(kh·KW + kw)·Cin + ci, s, co]. Ungrouped convolutions.
//         Chunk s holds the output rows q = n·OH + oh in [s·L, min((s+1)·L, N·OH)), L = rows_per_chunk.
// Layout: x [N,H,W,Cin] as vec4 (Cin % ${ROWS} == 0), dy [N,OH,OW,Cout] as vec4 (Cout % ${COLS} == 0),
//         part [KH·KW·Cin, S, Cout].
// Thread: i = (s·(KH·KW·Cin/${ROWS}) + rb)·(Cout/${COLS}) + cb computes part[${ROWS}·rb + k, s, ${COLS}·cb + c], k < ${ROWS},
//         c < ${COLS}: one outer product (x ${ROWS}) ⊗ (dy ${COLS}) per output pixel whose tap lies inside the image (the range of ow
//         is computed per row, so the inner loop has no bounds test). Overwrites part.
//! if QUAD
//         Quad flavour (Cout % (4·${COLS}) == 0, so the four invocations of a quad, i = 4k .. 4k+3, share s and rb and
//         differ only in cb): per output pixel each loads one of the ${XB} input vec4s the quad needs and
//         quadBroadcast hands them round, so a lane loads 1 + ${CB} vec4 per ${ROWS}·${COLS} multiply-adds instead of
//         ${XB} + ${CB}. Needs 'subgroups' (SwiftShader's subgroup is 4 consecutive invocations of a workgroup).
enable subgroups;
// the row loop bounds depend on the tap, which the four invocations of a quad share (the quad is converged), but
// WGSL's uniformity analysis cannot see that
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
  let rbn = params.geom.kernel.x * params.geom.kernel.y * cinb;
  let cb = i % cbn;
//! if QUAD
  let lane = i % 4u;
//! end
  let rb = (i / cbn) % rbn;
  let s = i / (cbn * rbn);
  let ci4 = (rb % cinb) * ${XB}u;
  let tap = rb / cinb;
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
//! for j in 0..XB
//! for c in 0..CB
  var a${j}x_${c} = vec4<f32>(0.0); var a${j}y_${c} = vec4<f32>(0.0);
  var a${j}z_${c} = vec4<f32>(0.0); var a${j}w_${c} = vec4<f32>(0.0);
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
//! if QUAD
      let mine = x[xi + lane % ${XB}u];
//! for j in 0..XB
      let v${j} = quadBroadcast(mine, ${j}u);
//! end
//! else
//! for j in 0..XB
      let v${j} = x[xi + ${j}u];
//! end
//! end
//! for c in 0..CB
      let d${c} = dy[di + ${c}u];
//! end
//! for j in 0..XB
//! for c in 0..CB
      a${j}x_${c} += v${j}.x * d${c};
      a${j}y_${c} += v${j}.y * d${c};
      a${j}z_${c} += v${j}.z * d${c};
      a${j}w_${c} += v${j}.w * d${c};
//! end
//! end
      xi += xstep;
      di += cout4;
    }
  }
  // part row ${ROWS}·rb + 4·j + k, chunk s: vec4 index ((${ROWS}·rb + 4·j + k)·S + s)·Cout/4 + c4 + c
  let pb = (${ROWS}u * rb * params.chunks + s) * cout4 + c4;
  let krow = params.chunks * cout4;
//! for j in 0..XB
//! for c in 0..CB
  part[pb + (${j}u * 4u + 0u) * krow + ${c}u] = a${j}x_${c};
  part[pb + (${j}u * 4u + 1u) * krow + ${c}u] = a${j}y_${c};
  part[pb + (${j}u * 4u + 2u) * krow + ${c}u] = a${j}z_${c};
  part[pb + (${j}u * 4u + 3u) * krow + ${c}u] = a${j}w_${c};
//! end
//! end
}
