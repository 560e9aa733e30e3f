// conv2d_backward_input_flip — the weights of the transposed convolution that computes conv2d's input gradient
// as an ordinary forward convolution (then any conv2d_forward variant, e.g. the register-tiled ones, does the work):
// for stride 1, dx = conv2d(dy, w', groups, pads' = d·(K−1) − pads) with
//   w'[kh, kw, j, g·Cg + i] = w[KH−1−kh, KW−1−kw, i, g·Ng + j]      (spatially flipped, in/out swapped per group)
// Cg = Cin/groups, Ng = Cout/groups.
// Layout: w [KH,KW,Cg,Cout] HWIO, wt [KH,KW,Ng,Cin] HWIO. Thread: one element of wt per invocation,
// i = ((kh·KW + kw)·Ng + j)·Cin + c. Overwrites wt.

struct Params { n: u32, kh: u32, kw: u32, cin: u32, cout: u32, groups: u32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read w: array<f32>
//! read_write wt: array<f32>

//! entry t
  let cg = params.cin / params.groups;
  let ng = params.cout / params.groups;
  let c = t % params.cin;
  var r = t / params.cin;
  let j = r % ng;
  r = r / ng;
  let kw = r % params.kw;
  let kh = r / params.kw;
  let g = c / cg;
  let i = c % cg;
  wt[t] = w[(((params.kh - 1u - kh) * params.kw + (params.kw - 1u - kw)) * cg + i) * params.cout + g * ng + j];
}
