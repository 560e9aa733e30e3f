// ${NAME} — fp32 convolution with implicit im2col and a ${ROWS} × ${COLS} register tile in named registers:
// ${ROWS} output columns (along OW) × ${COLS} output channels per invocation, weights read as vec4 along Cout, so
// each loaded input value feeds ${COLS} multiply-adds and each loaded weight vec4 ${ROWS}. No patch matrix is
// written (conv2d_gemm's im2col pass) and no private arrays are indexed (SwiftShader keeps those in memory).
// Same math as conv2d_forward_direct:
//   y[n,oh,ow,co] = act( b[co] + Σ_{kh,kw,ci<Cg} x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · w[kh,kw,ci,co] )
//   with g = co / (Cout/groups), Cg = Cin/groups.
// Layout: x [N,H,W,Cin] NHWC, w [KH,KW,Cg,Cout] HWIO, b [Cout], y [N,OH,OW,Cout];
//         (Cout/groups) % ${COLS} == 0.
//! if VEC
//         x is read as vec4 along channels: Cg % 4 == 0 (and so Cin % 4 == 0).
//! else
//         x is read one channel at a time (any Cg: the Cin = 1 or 3 first layer).
//! end
//! if QUAD
// Thread: i = (q·(Cout/${COLS}) + cb)·4 + lane, lane < 4: tile t = 4q + lane = (n·OH + oh)·⌈OW/${ROWS}⌉ + owt computes
//         y[n, oh, ${ROWS}·owt + r, ${COLS}·cb + c], r < ${ROWS}, c < ${COLS}. The four lanes of a quad share the output
//         channels: each loads one of the four weight rows of a step and quadBroadcast hands it to the others (weight
//         loads per step: ${CB} vec4 instead of 4·${CB}). Control flow stays uniform across the quad (rows outside the
//         image are masked, not skipped; tiles past the end compute clamped and store nothing). Needs 'subgroups'.
enable subgroups;
//! else
// Thread: i = ((n·OH + oh)·⌈OW/${ROWS}⌉ + owt)·(Cout/${COLS}) + cb computes y[n, oh, ${ROWS}·owt + r, ${COLS}·cb + c], r < ${ROWS},
//         c < ${COLS}.
//! end
//         Columns past OW are computed on a clamped input column and not stored; a tap outside the image
//         contributes 0. Overwrites y.
//! import activation

//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  groups: u32,
  geom: ConvGeom,
  ow_tiles: u32,
  tiles: u32,
}

override WG: u32 = 64u;

//! uniform params: Params
//! if VEC
//! read x: array<vec4<f32>>
//! else
//! read x: array<f32>
//! end
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! if QUAD
// no early return: the whole quad takes part in quadBroadcast; tiles past the end are clamped and not stored
//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
//! else
//! entry
//! end
  let cout4 = params.cout / 4u;
//! if QUAD
  let lane = i % 4u;
  let cbn = params.cout / ${COLS}u;
  let t = ((i / 4u) / cbn) * 4u + lane;
  let live = t < params.tiles;
  let tile = conv_tile(min(t, params.tiles - 1u) * cbn + (i / 4u) % cbn, cbn, params.ow_tiles, params.geom.out_hw.x);
//! else
  let tile = conv_tile(i, params.cout / ${COLS}u, params.ow_tiles, params.geom.out_hw.x);
//! end
  let c4 = tile.blk * (${COLS}u / 4u);
  let cg = params.cin / params.groups;
  let g = (c4 * 4u) / (params.cout / params.groups);
  let ow0 = tile.owt * ${ROWS}u;
  let sw = params.geom.stride.y;
  let W = params.geom.in_hw.y;
  let iw0 = i32(ow0) * sw - params.geom.pad.y;
//! for r in 0..ROWS
//! for c in 0..CB
  var a${r}_${c} = vec4<f32>(0.0);
//! end
//! end
//! if VEC
  let cgv = cg / 4u;
  let cinv = params.cin / 4u;
  let off = g * cgv;
//! else
  let cgv = cg;
  let cinv = params.cin;
  let off = g * cg;
//! end
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(tile.oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
//! if QUAD
    let rowOk = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (tile.n * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(W);
//! else
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (tile.n * u32(params.geom.in_hw.x) + u32(ih)) * u32(W);
    let rowOk = true;
//! end
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = iw0 + i32(kw) * params.geom.dilation.y;
//! for r in 0..ROWS
      let ok${r} = rowOk && iw + ${r} * sw >= 0 && iw + ${r} * sw < W;
      let xb${r} = (xrow + u32(clamp(iw + ${r} * sw, 0, W - 1))) * cinv + off;
//! end
      var wb = (kh * params.geom.kernel.y + kw) * cg * cout4 + c4;
      for (var ci = 0u; ci < cgv; ci++) {
//! if VEC
//! if QUAD
//! for c in 0..CB
        let my${c} = w[wb + lane * cout4 + ${c}u];
//! end
//! for k in 0..4
//! for c in 0..CB
        let w${k}_${c} = quadBroadcast(my${c}, ${k}u);
//! end
//! end
//! else
//! for k in 0..4
//! for c in 0..CB
        let w${k}_${c} = w[wb + ${k}u * cout4 + ${c}u];
//! end
//! end
//! end
        wb += 4u * cout4;
//! for r in 0..ROWS
        let v${r} = select(vec4<f32>(0.0), x[xb${r} + ci], ok${r});
//! for c in 0..CB
        a${r}_${c} += v${r}.x * w0_${c} + v${r}.y * w1_${c} + v${r}.z * w2_${c} + v${r}.w * w3_${c};
//! end
//! end
//! else
//! for c in 0..CB
        let w${c} = w[wb + ${c}u];
//! end
        wb += cout4;
//! for r in 0..ROWS
        let v${r} = select(0.0, x[xb${r} + ci], ok${r});
//! for c in 0..CB
        a${r}_${c} += v${r} * w${c};
//! end
//! end
//! end
      }
    }
  }
  let OW = params.geom.out_hw.y;
  let ybase = ((tile.n * params.geom.out_hw.x + tile.oh) * OW + ow0) * cout4 + c4;
//! for c in 0..CB
  let bias${c} = b[c4 + ${c}u];
//! end
//! if QUAD
  if (!live) { return; }
//! end
//! for r in 0..ROWS
  if (ow0 + ${r}u < OW) {
//! for c in 0..CB
    y[ybase + ${r}u * cout4 + ${c}u] = activate4(a${r}_${c} + bias${c});
//! end
  }
//! end
}
