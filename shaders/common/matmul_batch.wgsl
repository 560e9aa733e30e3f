// Batch offsets of a batched matmul: the output batch index bt, row-major over batch[0 .. rank), has coordinates c;
// its A and B matrices start at (Σ_d c_d·a_batch[d], Σ_d c_d·b_batch[d]) — a broadcast operand has stride 0 there.
fn matmul_batch_offsets(bt: u32, rank: u32, batch: vec4<u32>, a_batch: vec4<u32>, b_batch: vec4<u32>) -> vec2<u32> {
  var rest = bt;
  var ab = 0u;
  var bb = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let c = rest % batch[d];
    rest = rest / batch[d];
    ab += c * a_batch[d];
    bb += c * b_batch[d];
  }
  return vec2<u32>(ab, bb);
}
