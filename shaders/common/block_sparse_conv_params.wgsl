// The uniforms of the block-sparse convolutions (block_sparse/conv2d_forward_rows1, _rows4, _unrolled{4,8}cols),
// which src/ops/block_sparse.ts launches with the same values: n invocations, Cin, Cout, the convolution geometry,
// and ow_tiles = ⌈OW/TM⌉ column tiles per output row.
//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  geom: ConvGeom,
  ow_tiles: u32,
}
