// sumsq_partial — first pass of the global gradient norm: partial[offset + t] = Σ_{j in chunk t} x[j]², chunks
// of CHUNK consecutive elements of one tensor. Layout: x flat [len], partial [P] shared by every tensor of the
// norm (each writes its own range from `offset`). Thread: one chunk per invocation. Overwrites its partials.

struct Params { n: u32, len: u32, offset: u32 }
override WG: u32 = 64u;
const CHUNK: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write partial: array<f32>

//! entry t
  let end = min(params.len, (t + 1u) * CHUNK);
  var acc = 0.0;
  for (var j = t * CHUNK; j < end; j++) { acc += x[j] * x[j]; }
  partial[params.offset + t] = acc;
}
