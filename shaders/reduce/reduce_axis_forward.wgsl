// reduce_axis_forward — reduce one axis: x viewed as [outer, R, inner] → y [outer, inner].
// MODE 0 sum, 1 mean, 2 max, 3 min (shared with src/ops/tensor.ts REDUCE). Multi-axis reductions are chains;
// global_pool (src/ops/pool.ts) is the reduction of x [N, H·W, C] over its middle axis.
// Layout: x, y row-major. Thread: one (outer, inner) output per invocation, i = o·inner + j. Overwrites y.

//! import axis_column
struct Params { n: u32, r: u32, inner: u32 }
override WG: u32 = 64u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let base = axis_column(i, params.r, params.inner);
  var acc = select(0.0, x[base], MODE >= 2u);
  for (var t = 0u; t < params.r; t++) {
    let v = x[base + t * params.inner];
    switch MODE {
      case 2u: { acc = max(acc, v); }
      case 3u: { acc = min(acc, v); }
      default: { acc += v; }
    }
  }
  y[i] = select(acc, acc / f32(params.r), MODE == 1u);
}
