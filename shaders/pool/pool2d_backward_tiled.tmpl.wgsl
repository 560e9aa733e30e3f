// ${NAME} — pool2d_backward for windows that tile the input exactly (stride = kernel, no padding,
// no dilation, H = OH·KH, W = OW·KW, as the 2×2/2 pools of small CNNs): every input element lies in exactly one
// window, so each invocation owns one window and writes all of its taps (no gather, no zero fill needed).
// Math as pool2d_backward: max → dy to the window's first maximal tap (scan order kh, kw), 0 to the others;
// avg → dy/(KH·KW) to every tap. Ties: the first maximal tap in scan order takes the gradient (strict >).
//! if VEC4
// Layout: x, dx [N,H,W,C/4], dy [N,OH,OW,C/4] of vec4 (NHWC, C % 4 = 0; params.c is C/4). Thread: one window of
// four neighbouring channels per invocation, each channel with its own maximal tap. Overwrites dx.
//! else
// Layout: x, dx [N,H,W,C], dy [N,OH,OW,C] NHWC. Thread: one output element (window) per invocation. Overwrites dx.
//! end

//! import conv_geom
struct Params { n: u32, c: u32, in_hw: vec2<u32>, out_hw: vec2<u32>, kernel: vec2<u32> }
override WG: u32 = 64u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<${T}>
//! read dy: array<${T}>
//! read_write dx: array<${T}>

//! entry
  let at = conv_tile(i, params.c, params.out_hw.y, params.out_hw.x); // tiles of one column
  let c = at.blk; let ow = at.owt; let oh = at.oh; let nb = at.n;
  let g = dy[i];
  let base = (nb * params.in_hw.x + oh * params.kernel.x) * params.in_hw.y + ow * params.kernel.y;
  if (MODE == 1u) {
    let v = g / f32(params.kernel.x * params.kernel.y);
    for (var kh = 0u; kh < params.kernel.x; kh++) {
      for (var kw = 0u; kw < params.kernel.y; kw++) { dx[(base + kh * params.in_hw.y + kw) * params.c + c] = v; }
    }
    return;
  }
  var best = ${T}(-3.402823e38);
  var arg = ${U}(0u);
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let j = (base + kh * params.in_hw.y + kw) * params.c + c;
      let v = x[j];
      let gt = v > best; // per channel: a later tap wins only when strictly larger
      best = select(best, v, gt);
      arg = select(arg, ${U}(j), gt);
    }
  }
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      let j = (base + kh * params.in_hw.y + kw) * params.c + c;
      dx[j] = select(${T}(0.0), g, ${U}(j) == arg);
    }
  }
}
