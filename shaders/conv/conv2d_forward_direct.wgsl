// conv2d_forward_direct — the plain oracle for every fp32 convolution (any groups, stride, padding, dilation).
//
// Math:   y[n,oh,ow,co] = act( b[co] + Σ_{kh,kw,ci<Cg} x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci]
//                                                      · w[kh,kw,ci,co] ),   g = co / (Cout/groups), Cg = Cin/groups
//         (x outside the image reads as 0)
// Layout: x [N,H,W,Cin] (NHWC), w [KH,KW,Cin/groups,Cout] (HWIO), b [Cout], y [N,OH,OW,Cout].
// Thread: one invocation per output element, i = ((n·OH + oh)·OW + ow)·Cout + co. Overwrites y.
//! import activation

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
//! read x: array<f32>
//! read w: array<f32>
//! read b: array<f32>
//! read_write y: array<f32>

//! entry
  let at = conv_tile(i, params.cout, params.geom.out_hw.y, params.geom.out_hw.x); // tiles of one column
  let co = at.blk; let ow = at.owt; let oh = at.oh; let nb = at.n;
  let cg = params.cin / params.groups;
  let g = co / (params.cout / params.groups);
  var acc = 0.0;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = i32(ow) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
      if (iw < 0 || iw >= params.geom.in_hw.y) { continue; }
      let xbase = ((nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y) + u32(iw)) * params.cin + g * cg;
      let wbase = (kh * params.geom.kernel.y + kw) * cg * params.cout + co;
      for (var ci = 0u; ci < cg; ci++) {
        acc += x[xbase + ci] * w[wbase + ci * params.cout];
      }
    }
  }
  y[i] = activate(acc + b[co]);
}
