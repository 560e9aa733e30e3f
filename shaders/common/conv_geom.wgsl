// Convolution geometry, the one struct every convolution kernel's Params holds as its member `geom` (spatial
// sizes; channels, groups and tiling stay in Params). Written from TypeScript by convUniforms(g) in src/ops/conv.ts
// (the uniform writer flattens it: members by their own names). Each vec2 is (rows, columns):
//   in_hw (H, W), out_hw (OH, OW), kernel (KH, KW), stride (SH, SW), pad (top, left), dilation (DH, DW).
// Input row of output row oh and tap kh: oh·SH − pad.x + kh·DH (columns alike); outside [0, H) is padding.
struct ConvGeom {
  in_hw: vec2<i32>,
  out_hw: vec2<u32>,
  kernel: vec2<u32>,
  stride: vec2<i32>,
  pad: vec2<i32>,
  dilation: vec2<i32>,
}
