// conv2d_backward_input — gradient of conv2d_forward with respect to its input, for every fp32 convolution
// (general, grouped, depthwise, pointwise, fully connected as 1×1), gathered so no atomics are needed.
//
// Math:   dx[n,ih,iw,ci] = Σ_{kh,kw,co ∈ group(ci)} dy[n,oh,ow,co] · w[kh,kw,ci mod Cg,co]
//         over the taps with ih = oh·sh − ph + kh·dh, iw = ow·sw − pw + kw·dw (oh, ow integral and in range);
//         Cg = Cin/groups, group(ci) = the Cout/groups output channels of group ci / Cg.
//         (dy is the gradient of the pre-activation output: activations are separate nodes in training graphs.)
// Layout: dy [N,OH,OW,Cout] NHWC, w [KH,KW,Cg,Cout] HWIO, dx [N,H,W,Cin].
// Thread: one invocation per input element, i = ((n·H + ih)·W + iw)·Cin + ci. Overwrites dx.

//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  groups: u32,
  geom: ConvGeom,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read dy: array<f32>
//! read w: array<f32>
//! read_write dx: array<f32>

//! entry
  let out_hw = vec2<i32>(params.geom.out_hw);
  let ci = i % params.cin;
  var r = i / params.cin;
  let iw = i32(r % u32(params.geom.in_hw.y));
  r = r / u32(params.geom.in_hw.y);
  let ih = i32(r % u32(params.geom.in_hw.x));
  let nb = r / u32(params.geom.in_hw.x);
  let cg = params.cin / params.groups;
  let ng = params.cout / params.groups;
  let g = ci / cg;
  let cil = ci % cg;
  var acc = 0.0;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let th = ih + params.geom.pad.x - i32(kh) * params.geom.dilation.x;
    if (th < 0 || th % params.geom.stride.x != 0) { continue; }
    let oh = th / params.geom.stride.x;
    if (oh >= out_hw.x) { continue; }
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let tw = iw + params.geom.pad.y - i32(kw) * params.geom.dilation.y;
      if (tw < 0 || tw % params.geom.stride.y != 0) { continue; }
      let ow = tw / params.geom.stride.y;
      if (ow >= out_hw.y) { continue; }
      let dyb = ((nb * u32(out_hw.x) + u32(oh)) * u32(out_hw.y) + u32(ow)) * params.cout + g * ng;
      let wb = ((kh * params.geom.kernel.y + kw) * cg + cil) * params.cout + g * ng;
      for (var co = 0u; co < ng; co++) {
        acc += dy[dyb + co] * w[wb + co];
      }
    }
  }
  dx[i] = acc;
}
