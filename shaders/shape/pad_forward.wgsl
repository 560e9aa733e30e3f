// pad_forward — N-D padding (rank ≤ 8). Negative pads crop.
// Math:   for output coordinate c, the source coordinate is s_d = c_d − begin_d; when s is inside the input:
//         y[c] = x[s]; otherwise MODE 0 (constant) y[c] = v[0] (the pad value, a 1-element buffer), MODE 1 (reflect) s_d mirrored without repeating
//         the edge (−1 → 1, H → H−2), MODE 2 (edge) s_d clamped to [0, H−1].
// Layout: x, y row-major in their shapes (given as lo/hi vec4 pairs), begin pads signed.
// Thread: one output element per invocation. Overwrites y.
//! import ndindex

struct Params {
  n: u32,
  rank: u32,
  out_lo: vec4<u32>,
  out_hi: vec4<u32>,
  in_lo: vec4<u32>,
  in_hi: vec4<u32>,
  begin_lo: vec4<i32>,
  begin_hi: vec4<i32>,
}
override WG: u32 = 256u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read v: array<f32>
//! read_write y: array<f32>

//! entry
  var r = i;
  var xi = 0u;
  var stride = 1u;
  var inside = true;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let dd = u32(d);
    let size = pick_u(params.out_lo, params.out_hi, dd);
    let len = i32(pick_u(params.in_lo, params.in_hi, dd));
    let c = i32(r % size);
    r = r / size;
    var s = c - pick_i(params.begin_lo, params.begin_hi, dd);
    if (s < 0 || s >= len) {
      if (MODE == 0u) {
        inside = false;
      } else if (MODE == 1u) {
        let period = max(2 * (len - 1), 1);
        var m = abs(s) % period;
        if (m >= len) { m = period - m; }
        s = m;
      } else {
        s = clamp(s, 0, len - 1);
      }
    }
    xi += u32(max(s, 0)) * stride;
    stride *= u32(len);
  }
  y[i] = select(v[0], x[xi], inside);
}
