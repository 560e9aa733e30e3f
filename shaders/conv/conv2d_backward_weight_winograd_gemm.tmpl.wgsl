// ${NAME} — the 16 products of the Winograd F(3×3, 2×2) weight gradient, stage 3 of 4 (see
// conv2d_backward_weight_winograd_dy for the whole scheme): 16 GEMMs with a long reduction over the tiles (K = T, e.g.
// 3136 at cnn_small's conv2, batch 64) and a small output (Cin × Cout), so the reduction is split into S chunks of
// tiles whose partial products stage 4 transforms and the graph's reduce node sums (both cores get work).
// Math:   W̃[s, ξ, ci, co] = Σ_{t in [s·L, min((s+1)·L, T))} V[t, ξ, ci] · Ỹ[t, ξ, co],  ξ < 16, L = tiles_per_chunk.
// Layout: V [T, 16, Cin] (conv2d_forward_winograd_input's output), Ỹ [T, 16, Cout] (stage 2's), read as vec4 along the
//         channels (Cin % ${ROWS} == 0, Cout % ${COLS} == 0); W̃ [S, 16, Cin, Cout], W̃[((s·16 + ξ)·Cin + ci)·Cout + co],
//         written as vec4 along co.
// Thread: i = ((s·16 + ξ)·(Cin/${ROWS}) + rb)·(Cout/${COLS}) + cb computes W̃[s, ξ, ${ROWS}·rb + r, ${COLS}·cb + c],
//         r < ${ROWS}, c < ${COLS}: a register tile of ${ROWS} × ${CB} vec4 accumulators (named registers), per tile
//         ${RB} + ${CB} vec4 loads for ${ROWS}·${CB} vec4 multiply-adds (an outer product: V's channels broadcast
//         against Ỹ's vec4s). Overwrites W̃.

struct Params {
  n: u32,
  tiles: u32,
  tiles_per_chunk: u32,
  cin: u32,
  cout: u32,
}
override WG: u32 = 64u;

//! uniform params: Params
//! read v: array<vec4<f32>>
//! read yt: array<vec4<f32>>
//! read_write wt: array<vec4<f32>>

//! entry
  let cbn = params.cout / ${COLS}u;
  let rbn = params.cin / ${ROWS}u;
  let cb = i % cbn;
  let rb = (i / cbn) % rbn;
  let sx = i / (cbn * rbn);
  let xi = sx % 16u;
  let s = sx / 16u;
  let cin4 = params.cin / 4u;
  let cout4 = params.cout / 4u;
  let t0 = s * params.tiles_per_chunk;
  let t1 = min(t0 + params.tiles_per_chunk, params.tiles);
//! for k in 0..RB
//! for c in 0..CB
  var a${k}x_${c} = vec4<f32>(0.0);
  var a${k}y_${c} = vec4<f32>(0.0);
  var a${k}z_${c} = vec4<f32>(0.0);
  var a${k}w_${c} = vec4<f32>(0.0);
//! end
//! end
  // tile t's rows: V[(t·16 + ξ)·Cin/4 + rb·${RB} + k], Ỹ[(t·16 + ξ)·Cout/4 + cb·${CB} + c]; a step moves 16 rows
  var vb = (t0 * 16u + xi) * cin4 + rb * ${RB}u;
  var yb = (t0 * 16u + xi) * cout4 + cb * ${CB}u;
  let vstep = 16u * cin4;
  let ystep = 16u * cout4;
  for (var t = t0; t < t1; t++) {
//! for c in 0..CB
    let y${c} = yt[yb + ${c}u];
//! end
//! for k in 0..RB
    let x${k} = v[vb + ${k}u];
//! for c in 0..CB
    a${k}x_${c} += x${k}.x * y${c};
    a${k}y_${c} += x${k}.y * y${c};
    a${k}z_${c} += x${k}.z * y${c};
    a${k}w_${c} += x${k}.w * y${c};
//! end
//! end
    vb += vstep;
    yb += ystep;
  }
  // row ci = ${ROWS}·rb + 4k + component of W̃[s, ξ]
  let ob = ((s * 16u + xi) * params.cin + rb * ${ROWS}u) * cout4 + cb * ${CB}u;
//! for k in 0..RB
//! for c in 0..CB
  wt[ob + (4u * ${k}u) * cout4 + ${c}u] = a${k}x_${c};
  wt[ob + (4u * ${k}u + 1u) * cout4 + ${c}u] = a${k}y_${c};
  wt[ob + (4u * ${k}u + 2u) * cout4 + ${c}u] = a${k}z_${c};
  wt[ob + (4u * ${k}u + 3u) * cout4 + ${c}u] = a${k}w_${c};
//! end
//! end
}
