// int8/channel_shuffle_forward — ShuffleNet's channel shuffle (G groups) on a q8 tensor: a byte permutation,
//   y[r, (c mod (C/G))·G + c div (C/G)] = x[r, c],  so output channel co reads x channel (co mod G)·(C/G) + co div G
// (group_shuffle/channel_shuffle_forward on f32). Values and the quantization parameters are unchanged.
// Layout: x, y [rows, ⌈C/4⌉] u32 (q8, channel c in byte c % 4 of word c / 4); padding channels (c ≥ C) of y get the
//         zero point.
// Thread: one output word (4 channels) per invocation, gathering its 4 bytes. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c4: u32,
  groups: u32,
  zero: i32,
}

override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<u32>
//! read_write y: array<u32>

//! entry
  let row = i / params.c4;
  let j = i % params.c4;
  let per = params.c / params.groups;
  var word = 0u;
  for (var k = 0u; k < 4u; k++) {
    let co = 4u * j + k;
    var b = u32(params.zero) & 0xffu;
    if (co < params.c) {
      let ci = (co % params.groups) * per + co / params.groups;
      b = (x[row * params.c4 + ci / 4u] >> (8u * (ci % 4u))) & 0xffu;
    }
    word |= b << (8u * k);
  }
  y[i] = word;
}
