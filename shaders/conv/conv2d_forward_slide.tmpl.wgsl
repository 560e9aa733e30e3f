// ${NAME} — fp32 convolution for a KW = 3, column-stride 1, column-dilation 1 kernel (the 3×3 / 3×1 layers of a CNN):
// implicit im2col, a ${ROWS} × ${COLS} register tile (${ROWS} output columns × ${COLS} output channels) per invocation as
// conv2d_forward_quad*_vec, but the three column taps of a kernel row are taken together: output column r's tap t
// reads input column ow0 − pl + r + t, so the ${ROWS} outputs' three taps read one window of ${WIN} input pixels, loaded
// once per kernel row and input channel quad (${WIN} loads instead of 3 × ${ROWS}; the per-tap index and bounds
// computations likewise run once per kernel row instead of once per tap).
// Math:   y[n,oh,ow,co] = act( b[co] + Σ_{kh,t<3,ci} x[n, oh·sh − ph + kh·dh, ow − pw + t, ci] · w[kh,t,ci,co] ), ungrouped.
// Layout: x [N,H,W,Cin] NHWC read as vec4 (Cin % 4 == 0), w [KH,3,Cin,Cout] HWIO as vec4, b [Cout], y [N,OH,OW,Cout];
//         Cout % ${COLS} == 0.
// Thread: quad flavour, as conv2d_forward_unrolled with QUAD: i = (q·(Cout/${COLS}) + cb)·4 + lane, tile t = 4q + lane =
//         (n·OH + oh)·⌈OW/${ROWS}⌉ + owt computes y[n, oh, ${ROWS}·owt + r, ${COLS}·cb + c], r < ${ROWS}, c < ${COLS}; the four
//         lanes share the output channels: each loads one of the four weight rows of a step and quadBroadcast hands it
//         to the others. Window columns outside the image read 0 (masked, not skipped: the quad stays uniform); tiles
//         past the end compute clamped and store nothing; columns past OW are not stored. Overwrites y. Needs 'subgroups'.
enable subgroups;
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
//! read x: array<vec4<f32>>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

// no early return: the whole quad takes part in quadBroadcast; tiles past the end are clamped and not stored
//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  let cout4 = params.cout / 4u;
  let lane = i % 4u;
  let cbn = params.cout / ${COLS}u;
  let t = ((i / 4u) / cbn) * 4u + lane;
  let live = t < params.tiles;
  let tile = conv_tile(min(t, params.tiles - 1u) * cbn + (i / 4u) % cbn, cbn, params.ow_tiles, params.geom.out_hw.x);
  let c4 = tile.blk * (${COLS}u / 4u);
  let ow0 = tile.owt * ${ROWS}u;
  let W = params.geom.in_hw.y;
  let iw0 = i32(ow0) - params.geom.pad.y;
//! for r in 0..ROWS
//! for c in 0..CB
  var a${r}_${c} = vec4<f32>(0.0);
//! end
//! end
  let cinv = params.cin / 4u;
  // vec4 stride between the column taps of a kernel row
  let tapw = params.cin * cout4;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(tile.oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let rowOk = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (tile.n * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(W);
//! for s in 0..WIN
    let ok${s} = rowOk && iw0 + ${s} >= 0 && iw0 + ${s} < W;
    let xb${s} = (xrow + u32(clamp(iw0 + ${s}, 0, W - 1))) * cinv;
//! end
    var wb = kh * 3u * tapw + c4;
    for (var ci = 0u; ci < cinv; ci++) {
//! for s in 0..WIN
      let v${s} = select(vec4<f32>(0.0), x[xb${s} + ci], ok${s});
//! end
//! for t in 0..3
//! for c in 0..CB
      let my${t}_${c} = w[wb + ${t}u * tapw + lane * cout4 + ${c}u];
//! end
//! for k in 0..4
//! for c in 0..CB
      let w${t}_${k}_${c} = quadBroadcast(my${t}_${c}, ${k}u);
//! end
//! end
//! for r in 0..ROWS
//! for c in 0..CB
      a${r}_${c} += v${r+t}.x * w${t}_0_${c} + v${r+t}.y * w${t}_1_${c} + v${r+t}.z * w${t}_2_${c} + v${r+t}.w * w${t}_3_${c};
//! end
//! end
//! end
      wb += 4u * cout4;
    }
  }
  let OW = params.geom.out_hw.y;
  let ybase = ((tile.n * params.geom.out_hw.x + tile.oh) * OW + ow0) * cout4 + c4;
//! for c in 0..CB
  let bias${c} = b[c4 + ${c}u];
//! end
  if (!live) { return; }
//! for r in 0..ROWS
  if (ow0 + ${r}u < OW) {
//! for c in 0..CB
    y[ybase + ${r}u * cout4 + ${c}u] = activate4(a${r}_${c} + bias${c});
//! end
  }
//! end
}
