// Broadcast fast paths of the elementwise kernels: an operand whose non-broadcast dimensions form one contiguous
// block of the output's axes (same shape, scalar, per-channel [C] on the last NHWC axis, [C,1,1] on NCHW, …) is read
// at ((i / inner) % count) for output index i, where inner = the output elements after the block and count = the
// block's size. inner and count come as override constants, so the compiler folds the division and remainder into
// multiplies and shifts (or drops them: inner = 1 means no division, count = 0 means no wrap, count = 1 means 0).
fn block_index(i: u32, inner: u32, count: u32) -> u32 {
  if (count == 1u) { return 0u; }
  var k = i;
  if (inner > 1u) { k = k / inner; }
  if (count > 1u) { k = k % count; }
  return k;
}
