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

// The output tile of a tiled convolution kernel's invocation i = ((n·OH + oh)·ow_tiles + owt)·blocks + blk: blk is
// the channel block (4 or 32 channels, a block row …), owt the tile of output columns in row oh of image n.
// With blocks = C and ow_tiles = OW it is the plain NHWC decode of i = ((n·OH + oh)·OW + ow)·C + c (blk = c,
// owt = ow), as the one-output-per-invocation kernels (direct convolution, pooling) use it.
struct ConvTile {
  blk: u32,
  owt: u32,
  oh: u32,
  n: u32,
}

fn conv_tile(i: u32, blocks: u32, ow_tiles: u32, oh_count: u32) -> ConvTile {
  let r = i / blocks;
  let q = r / ow_tiles;
  return ConvTile(i % blocks, r % ow_tiles, q % oh_count, q / oh_count);
}
