// Per-channel workgroup reduction over the rows of a [rows, C] tensor (NHWC flattened), shared by the batch-norm
// statistics and gradient kernels and the bias gradient. The including kernel declares the overrides WG (threads
// per workgroup) and CG (channel lanes per workgroup, dividing WG, with WG / CG a power of two), and the type
// `Partial` of a thread's partial sums (f32, a vec2/vec4, or a matrix for two vec4 sums at once), e.g.
//   alias Partial = vec4<f32>;
//   //! import channel_reduce
//
// Thread mapping: workgroup g owns channel lanes g·CG … g·CG + CG − 1; thread t takes channel lane t % CG and row
// lane t / CG of WG / CG, and sums rows r = t / CG, t / CG + WG / CG, … So the CG threads of one row lane read
// CG neighbouring channels of one row: coalesced on a GPU, sequential lanes for a CPU's SIMD loads.
// channel_total then adds the WG / CG partials of each channel lane in a tree in workgroup memory (log2(WG / CG)
// steps, each ending at a barrier): the rows are summed in WG / CG strided chains that are then added pairwise,
// which rounds less than one serial chain over all the rows.

var<workgroup> channel_partial: array<Partial, WG>;

/// The sum of `v` over every row lane of thread t's channel lane, returned to every thread of the workgroup.
/// Call it in uniform control flow: every thread of the workgroup, the same number of times.
fn channel_total(t: u32, v: Partial) -> Partial {
  channel_partial[t] = v;
  workgroupBarrier();
  for (var s = WG / CG / 2u; s > 0u; s >>= 1u) {
    if (t < s * CG) { channel_partial[t] += channel_partial[t + s * CG]; }
    workgroupBarrier();
  }
  let total = channel_partial[t % CG];
  workgroupBarrier(); // every thread has its total before a next call overwrites the partials
  return total;
}
