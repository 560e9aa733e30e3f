// conv2d_forward_im2col — the patch matrix of an ungrouped convolution, so the convolution becomes one GEMM
// (conv2d_gemm: the pointwise GEMM kernels multiply it with the HWIO weights viewed as [KH·KW·Cin, Cout]):
//   P[m, (kh·KW + kw)·Cin + ci] = x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, ci]   (0 outside the image),
//   m = (n·OH + oh)·OW + ow.
// Layout: x [N,H,W,Cin] NHWC, P [M, KH·KW·Cin] row-major; read and written as vec4 along ci (Cin % 4 == 0).
// Thread: one (m, kh, kw, ci4) per invocation, i = (m·KH·KW + kh·KW + kw)·(Cin/4) + ci4. Overwrites P.

//! import conv_geom
struct Params {
  n: u32,
  cin4: u32,
  geom: ConvGeom,
}
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read_write p: array<vec4<f32>>

//! entry
  let ci4 = i % params.cin4;
  var r = i / params.cin4;
  let kw = r % params.geom.kernel.y;
  r = r / params.geom.kernel.y;
  let kh = r % params.geom.kernel.x;
  let m = r / params.geom.kernel.x;
  let ow = m % params.geom.out_hw.y;
  let t = m / params.geom.out_hw.y;
  let oh = t % params.geom.out_hw.x;
  let nb = t / params.geom.out_hw.x;
  let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
  let iw = i32(ow) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
  var v = vec4<f32>(0.0);
  if (ih >= 0 && ih < params.geom.in_hw.x && iw >= 0 && iw < params.geom.in_hw.y) {
    v = x[((nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y) + u32(iw)) * params.cin4 + ci4];
  }
  p[i] = v;
}
