// int8/conv2d_forward_unpack — int8 convolution (regular or grouped, any kernel, stride, padding, dilation) with
// requantization fused; products by unpack-and-multiply in core WGSL (no feature needed).
//
// Math:   acc[co] = qp.bias[co] + Σ_{kh,kw,ci<Cg} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · wq[kh,kw,ci,co]
//         (a tap outside the image reads the input zero point zx; qp.bias already holds round(b/(sx·sw)) − zx·Σw,
//          so padding contributes exactly 0),
//         yq = clamp(zy + requant(acc, m[co], s[co]), qmin, qmax)   (common/requant.wgsl; qmin/qmax carry ReLU/ReLU6).
// Layout: x  [N,H,W,⌈Cin/4⌉] u32: 4 int8 channels per word, channel c in byte c % 4 (q8, see graph/ir.ts);
//            groups > 1 needs Cg % 4 == 0 so that a group starts on a word.
//         w  [KH,KW,⌈Cg/4⌉,Cout] u32: word (kh,kw,j,co) holds wq[kh,kw,4j+k,co] in byte k (0 past Cg); read as
//            vec4<u32> along Cout (needs (Cout/groups) % 4 == 0).
//         qp [Cout/4][3] vec4<i32>: bias, m, s for channels 4·co4 .. 4·co4+3.
//         y  [N,OH,OW,Cout/4] u32 (q8).
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(Cout/4) + co4 computes the words y[n, oh, owt·TW + t, co4], t < TW
//         (columns past OW skipped). Overwrites y.
//! import int8_unpack
//! import int8_conv2d_body
