// int8/depthwise_forward_native — int8 depthwise convolution (groups = C), any kernel, stride, padding, dilation,
// requantization fused; bytes unpacked by unpack4xI8/pack4xI8 (WGSL feature packed_4x8_integer_dot_product).
// (A depthwise product stays within one channel, so dot4I8Packed — which sums across the four lanes — does not apply.)
//
// Math:   acc[c] = qp.bias[c] + Σ_{kh,kw} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, c] · wq[kh,kw,c]
//         (taps outside the image read zx; qp.bias = round(b/(sx·sw)) − zx·Σw),
//         yq = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax).
// Layout: x [N,H,W,C/4] u32 (q8), w [KH,KW,C/4] u32 (byte k of word (kh,kw,c4) = wq[kh,kw,4·c4+k]),
//         qp [C/4][3] vec4<i32>, y [N,OH,OW,C/4] u32 (q8). Needs C % 4 == 0.
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(C/4) + c4 computes words y[n, oh, owt·TW + t, c4], t < TW. Overwrites y.
//! import int8_native
//! import int8_depthwise_body
