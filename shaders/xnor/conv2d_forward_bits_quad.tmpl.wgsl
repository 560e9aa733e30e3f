// ${NAME} — binary (XNOR-popcount) convolution, b1 in and b1 out, ${COLS} output columns × 32 channels per
// invocation in named registers, the four invocations of a quad on 4·${COLS} consecutive columns of one output row
// and the same 32 channels. Per tap and input word each invocation loads a quarter of the 32 weight words (2 vec4) and
// quadBroadcast hands them to the others, so a weight word loaded serves 4·${COLS} pixels (xnor/conv2d_forward_bits_
// unrolled loads all 8 vec4 per invocation for 2 pixels: on SwiftShader every load is a per-lane gather). Taps outside
// the image are masked out of the popcount (and out of K) with an and, not a branch. The epilogue holds the 32
// thresholds in registers and builds each output word with selects of constant bit masks (no shifts).
// Needs the 'subgroups' feature (quad operations).
//
// Math:   dot[co] = Cin·(taps inside) − 2·popcount(x_bits xor w_bits); output bit = (dot < thr[co]) ≠ flip[co]
//         (batch-norm + sign as an integer threshold, see xnor/conv2d_forward_bits and xnorThresholds).
// Layout: x [N,H,W,⌈Cin/32⌉] u32 (b1: channel c is bit c % 32 of word c / 32, bit 1 ⇔ −1),
//         w [KH,KW,⌈Cin/32⌉,Cout] u32 read as vec4<u32> along Cout, thr [Cout/4][2] vec4<i32> (threshold, flip),
//         y [N,OH,OW,Cout/32] u32 (b1). Needs Cout % 32 == 0.
// Thread: i = (((n·OH + oh)·ow_tiles + owq)·(Cout/32) + co32)·4 + lane, ow_tiles = ⌈OW/(4·${COLS})⌉, computes the
//         words y[n, oh, (4·owq + lane)·${COLS} + c, co32], c < ${COLS}. Columns past OW (and invocations past the
//         grid) compute on clamped indices and store nothing, so every quad stays whole. Overwrites y.
enable subgroups;
// The tap loops' bounds and the row test are the same for the whole quad (one output row), but WGSL's uniformity
// analysis cannot see that.
diagnostic(off, subgroup_uniformity);

//! import xnor_conv_params

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read thr: array<vec4<i32>>
//! read_write y: array<u32>

// 4 output bits (channels 4v .. 4v+3 of the word, at bit positions `mask`) from their popcounts.
fn bits4(p: vec4<u32>, k: i32, th: vec4<i32>, flip: vec4<bool>, mask: vec4<u32>) -> u32 {
  let dot = vec4<i32>(k) - 2 * vec4<i32>(p);
  let s = select(vec4<u32>(0u), mask, (dot < th) != flip);
  return s.x | s.y | s.z | s.w;
}

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  // no early return: the whole quad takes part in quadBroadcast; out-of-range work is clamped and not stored
  let lane = i % 4u;
  let cout4 = params.cout / 4u;
  let cout32 = params.cout / 32u;
  let oh_n = params.geom.out_hw.x;
  let tile = conv_tile(min(i / 4u, params.n / 4u - 1u), cout32, params.ow_tiles, oh_n);
  let co32 = tile.blk; let oh = tile.oh; let nb = tile.n;
  let ow0 = (tile.owt * 4u + lane) * ${COLS}u;
  let live = i < params.n;
  let ow_n = params.geom.out_hw.y;
  let w_in = params.geom.in_hw.y;
//! for c in 0..COLS
  var p${c}0 = vec4<u32>(0u); var p${c}1 = vec4<u32>(0u); var p${c}2 = vec4<u32>(0u); var p${c}3 = vec4<u32>(0u);
  var p${c}4 = vec4<u32>(0u); var p${c}5 = vec4<u32>(0u); var p${c}6 = vec4<u32>(0u); var p${c}7 = vec4<u32>(0u);
  var taps${c} = 0u;
  let iwc${c} = i32(ow0 + ${c}u) * params.geom.stride.y - params.geom.pad.y;
//! end
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(w_in);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let dw = i32(kw) * params.geom.dilation.y;
//! for c in 0..COLS
      let iw${c} = iwc${c} + dw;
      let ok${c} = iw${c} >= 0 && iw${c} < w_in && ow0 + ${c}u < ow_n;
      taps${c} += select(0u, 1u, ok${c});
      let m${c} = vec4<u32>(select(0u, 0xffffffffu, ok${c}));
      let xb${c} = (xrow + u32(clamp(iw${c}, 0, w_in - 1))) * params.c32;
//! end
      var wb = (kh * params.geom.kernel.y + kw) * params.c32 * cout4 + co32 * 8u;
      for (var j = 0u; j < params.c32; j++) {
        let mine0 = w[wb + lane];
        let mine1 = w[wb + 4u + lane];
        wb += cout4;
        let w0 = quadBroadcast(mine0, 0u); let w1 = quadBroadcast(mine0, 1u);
        let w2 = quadBroadcast(mine0, 2u); let w3 = quadBroadcast(mine0, 3u);
        let w4 = quadBroadcast(mine1, 0u); let w5 = quadBroadcast(mine1, 1u);
        let w6 = quadBroadcast(mine1, 2u); let w7 = quadBroadcast(mine1, 3u);
//! for c in 0..COLS
        let v${c} = vec4<u32>(x[xb${c} + j]);
        p${c}0 += countOneBits((v${c} ^ w0) & m${c}); p${c}1 += countOneBits((v${c} ^ w1) & m${c});
        p${c}2 += countOneBits((v${c} ^ w2) & m${c}); p${c}3 += countOneBits((v${c} ^ w3) & m${c});
        p${c}4 += countOneBits((v${c} ^ w4) & m${c}); p${c}5 += countOneBits((v${c} ^ w5) & m${c});
        p${c}6 += countOneBits((v${c} ^ w6) & m${c}); p${c}7 += countOneBits((v${c} ^ w7) & m${c});
//! end
      }
    }
  }
  if (!live) { return; }
  let t = co32 * 8u;
//! for k in 0..8
  let th${k} = thr[2u * (t + ${k}u)];
  let fl${k} = thr[2u * (t + ${k}u) + 1u] != vec4<i32>(0);
//! end
  let yrow = (nb * oh_n + oh) * ow_n;
//! for c in 0..COLS
  if (ow0 + ${c}u < ow_n) {
    let k${c} = i32(taps${c} * params.cin);
    y[(yrow + ow0 + ${c}u) * cout32 + co32] =
//! for k in 0..8
      bits4(p${c}${k}, k${c}, th${k}, fl${k}, vec4<u32>(1u, 2u, 4u, 8u) << vec4<u32>(4u * ${k}u)) |
//! end
      0u;
  }
//! end
}
