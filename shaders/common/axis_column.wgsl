// Kernels that work along one axis view x as [outer, R, inner]; invocation i = o·inner + j owns the column
// x[o, 0..R, j]. axis_column gives the flat index of its first element x[o, 0, j]; element t is at base + t·inner.
fn axis_column(i: u32, r: u32, inner: u32) -> u32 {
  let j = i % inner;
  let o = i / inner;
  return o * r * inner + j;
}
