// ${NAME} — fp32 3×3 convolution of a one-channel input (a first layer: Fashion-MNIST, grey images), stride 1,
// dilation 1, any padding: one invocation walks a whole output row for ${COLS} output channels, holding the 9 × ${COLS}
// weights in named registers and a sliding window of 3 × 3 input pixels. Per output column it loads one new input
// pixel per kernel row (three loads), does 9 × ${COLS} multiply-adds and stores ${COLS} outputs; the index arithmetic and
// bounds tests are per loaded pixel, not per tap and output (conv2d_forward_unrolled's Cin = 1 flavour spends more on
// those than on the multiply-adds).
// Math:   y[n,oh,ow,co] = act( b[co] + Σ_{kh,kw<3} x[n, oh − pt + kh, ow − pl + kw, 0] · w[kh,kw,0,co] )
//         (input pixels outside the image are 0).
// Layout: x [N,H,W,1], w [3,3,1,Cout] HWIO as vec4 along Cout, b [Cout], y [N,OH,OW,Cout] as vec4; Cout % ${COLS} == 0.
// Thread: i = (n·OH + oh)·(Cout/${COLS}) + cb computes y[n, oh, ow, ${COLS}·cb + c] for every ow < OW, c < ${COLS}. Window
//         k<r>_0, k<r>_1, k<r>_2 (kernel row r = 0, 1, 2) holds input row oh − pt + r, columns ow − pl .. ow − pl + 2.
//         Overwrites y.
//! import activation

//! import conv_geom
struct Params {
  n: u32,
  cout: u32,
  geom: ConvGeom,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<f32>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let cout4 = params.cout / 4u;
  let cbn = params.cout / ${COLS}u;
  let cb = i % cbn;
  let q = i / cbn;
  let OH = params.geom.out_hw.x;
  let OW = params.geom.out_hw.y;
  let H = params.geom.in_hw.x;
  let W = params.geom.in_hw.y;
  let nb = q / OH;
  let oh = q % OH;
  let c4 = cb * ${CB}u;
  let pl = params.geom.pad.y;
  // the weights of tap (kh, kw), output channels 4·(c4 + c) .. +3: w[(kh·3 + kw)·Cout/4 + c4 + c]
//! for t in 0..9
//! for c in 0..CB
  let w${t}_${c} = w[${t}u * cout4 + c4 + ${c}u];
//! end
//! end
//! for c in 0..CB
  let bias${c} = b[c4 + ${c}u];
//! end
  // kernel row r reads input row ih = oh − pt + r (clamped for the address; ok<r> says whether it is inside)
//! for r in 0..3
  let ih${r} = i32(oh) - params.geom.pad.x + ${r};
  let ok${r} = ih${r} >= 0 && ih${r} < H;
  let row${r} = (nb * u32(H) + u32(clamp(ih${r}, 0, H - 1))) * u32(W);
//! end
  // the window at output column 0: columns −pl and 1 − pl (the third is loaded in the loop)
  let c0 = -pl;
  let in0 = c0 >= 0 && c0 < W;
  let in1 = c0 + 1 >= 0 && c0 + 1 < W;
  let x0 = u32(clamp(c0, 0, W - 1));
  let x1 = u32(clamp(c0 + 1, 0, W - 1));
//! for r in 0..3
  var k${r}_0 = select(0.0, x[row${r} + x0], ok${r} && in0);
  var k${r}_1 = select(0.0, x[row${r} + x1], ok${r} && in1);
  var k${r}_2 = 0.0;
//! end
  var col = 2 - pl;
  var yi = q * OW * cout4 + c4;
  for (var ow = 0u; ow < OW; ow++) {
    let inc = col >= 0 && col < W;
    let xc = u32(clamp(col, 0, W - 1));
//! for r in 0..3
    k${r}_2 = select(0.0, x[row${r} + xc], ok${r} && inc);
//! end
//! for c in 0..CB
    let s${c} = bias${c} + k0_0 * w0_${c} + k0_1 * w1_${c} + k0_2 * w2_${c} + k1_0 * w3_${c} + k1_1 * w4_${c} + k1_2 * w5_${c}
      + k2_0 * w6_${c} + k2_1 * w7_${c} + k2_2 * w8_${c};
    y[yi + ${c}u] = activate4(s${c});
//! end
//! for r in 0..3
    k${r}_0 = k${r}_1;
    k${r}_1 = k${r}_2;
//! end
    col++;
    yi += cout4;
  }
}
