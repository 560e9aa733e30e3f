// The uniforms of the three binary convolutions (xnor/conv2d_forward_float, _bits, _bits_unrolled), which
// src/ops/xnor.ts launches with the same values: n invocations, Cin and its words per pixel c32 = ⌈Cin/32⌉, Cout,
// the convolution geometry, and ow_tiles = ⌈OW/TW⌉ column tiles per output row.
//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  c32: u32,
  cout: u32,
  geom: ConvGeom,
  ow_tiles: u32,
}
