// conv2d_backward_weight — gradient of conv2d_forward with respect to its weights (any groups, stride, padding,
// dilation), one weight per invocation reducing over the batch and the output image in a private accumulator.
//
// Math:   dw[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · dy[n,oh,ow,co]
//         with g = co / (Cout/groups), Cg = Cin/groups (taps outside the image contribute 0).
// Layout: x [N,H,W,Cin] NHWC, dy [N,OH,OW,Cout], dw [KH,KW,Cg,Cout] HWIO.
// Thread: one invocation per weight, i = ((kh·KW + kw)·Cg + ci)·Cout + co. Overwrites dw.

//! import conv_geom
struct Params {
  n: u32,
  batch: u32,
  cin: u32,
  cout: u32,
  groups: u32,
  geom: ConvGeom,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<f32>
//! read dy: array<f32>
//! read_write dw: array<f32>

//! entry
  let cg = params.cin / params.groups;
  let co = i % params.cout;
  var r = i / params.cout;
  let cil = r % cg;
  r = r / cg;
  let kw = r % params.geom.kernel.y;
  let kh = r / params.geom.kernel.y;
  let ci = (co / (params.cout / params.groups)) * cg + cil;
  let H = u32(params.geom.in_hw.x);
  let W = u32(params.geom.in_hw.y);
  var acc = 0.0;
  for (var nb = 0u; nb < params.batch; nb++) {
    for (var oh = 0u; oh < params.geom.out_hw.x; oh++) {
      let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
      if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
      let xrow = (nb * H + u32(ih)) * W;
      let dyrow = (nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y;
      for (var ow = 0u; ow < params.geom.out_hw.y; ow++) {
        let iw = i32(ow) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
        if (iw < 0 || iw >= params.geom.in_hw.y) { continue; }
        acc += x[(xrow + u32(iw)) * params.cin + ci] * dy[(dyrow + ow) * params.cout + co];
      }
    }
  }
  dw[i] = acc;
}
