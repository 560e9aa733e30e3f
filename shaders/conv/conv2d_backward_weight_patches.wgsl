// conv2d_backward_weight_patches — the transposed patch matrix that turns conv2d's weight gradient into one GEMM
// (then the pointwise GEMM kernels do the work): dw[(kh,kw,ci), co] = Σ_m P[(kh,kw,ci), m] · dy[m, co] with
//   P[(kh·KW + kw)·Cin + ci, m] = x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, ci]   (0 outside the image),
//   m = (n·OH + oh)·OW + ow. Ungrouped convolutions only.
// Split-K order (chunks S > 1, S divides M): column j = s·(M/S) + t holds m = t·S + s, so that chunk s of the
// reduction (the rows m ≡ s mod S, whose dy rows are the s-th Cout-wide block of dy viewed as [M/S, S·Cout]) is
// the contiguous column block s: a grouped GEMM with S groups then needs no copy of dy. S = 1: j = m.
// Layout: x [N,H,W,Cin] NHWC, P [KH·KW·Cin, M] row-major. Thread: one element of P per invocation,
// i = r·M + j (consecutive invocations write consecutive j). Overwrites P.

//! import conv_geom
struct Params {
  n: u32,
  m: u32,
  cin: u32,
  chunks: u32,
  geom: ConvGeom,
}
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write p: array<f32>

//! entry
  let j = i % params.m;
  let r = i / params.m;
  let per = params.m / params.chunks;
  let m = (j % per) * params.chunks + j / per;
  let ci = r % params.cin;
  let k = r / params.cin;
  let kw = k % params.geom.kernel.y;
  let kh = k / params.geom.kernel.y;
  let ow = m % params.geom.out_hw.y;
  let t = m / params.geom.out_hw.y;
  let oh = t % params.geom.out_hw.x;
  let nb = t / params.geom.out_hw.x;
  let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
  let iw = i32(ow) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
  var v = 0.0;
  if (ih >= 0 && ih < params.geom.in_hw.x && iw >= 0 && iw < params.geom.in_hw.y) {
    v = x[((nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y) + u32(iw)) * params.cin + ci];
  }
  p[i] = v;
}
