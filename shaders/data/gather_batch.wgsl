// gather_batch — one training batch from the dataset resident on the GPU (src/train/gpu_data.ts): the examples of
// the epoch's permutation from position `start`, augmented and normalised, exactly as fillBatch(…, 'counter') on the
// CPU (src/io/fashion_mnist_codec.ts):
//   e      = order[start + b]                                         example of batch row b
//   r_k    = hash(seed ^ hash(4·b + k))                                counter-based draws, k = 0 (dy), 1 (dx), 2 (flip)
//   dy, dx = (r_0 mod (2·pad + 1)) − pad, (r_1 mod (2·pad + 1)) − pad  random crop of the zero-padded image
//   flip   = FLIP and (r_2 & 1) = 1                                    horizontal flip
//   images[b, y, x] = lut[pixel(e, y + dy, (flip ? cols − 1 − x : x) + dx)], or lut[256] (the normalised 0 of the
//                     padding) outside the image; lut[v] = f32(v / (255·std) − mean/std) made on the CPU, so the
//                     result is bit-identical to the CPU's
//   labels[b] = dataset_labels[e]
// hash: Chris Wellons' lowbias32 (u32 multiply wraps, as Math.imul on the CPU).
// Layout: pixels u8 packed 4 per u32 little-endian, n × rows × cols; dataset_labels f32 [n]; order f32 [n] (exact
// below 2^24); lut f32 [257]; cursor u32 [4] = (start, seed, 0, 0); images f32 [B, rows, cols]; labels f32 [B].
// Thread: one output image row (b, y) per invocation, i = b·rows + y, looping over the cols pixels (the example,
//         its draws and the integer divisions once per row, not per pixel); row y = 0 also writes the label.

struct Params { n: u32, rows: u32, cols: u32, pad: u32, flip: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read pixels: array<u32>
//! read dataset_labels: array<f32>
//! read order: array<f32>
//! read lut: array<f32>
//! read cursor: array<u32>
//! read_write images: array<f32>
//! read_write labels: array<f32>

fn lowbias32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

fn draw(seed: u32, b: u32, k: u32) -> u32 {
  return lowbias32(seed ^ lowbias32(4u * b + k));
}

//! entry
  let px = params.rows * params.cols;
  let b = i / params.rows;
  let y = i % params.rows;
  let e = u32(order[cursor[0] + b]);
  let seed = cursor[1];
  var dy = 0i;
  var dx = 0i;
  if (params.pad > 0u) {
    let span = 2u * params.pad + 1u;
    dy = i32(draw(seed, b, 0u) % span) - i32(params.pad);
    dx = i32(draw(seed, b, 1u) % span) - i32(params.pad);
  }
  let flip = params.flip == 1u && (draw(seed, b, 2u) & 1u) == 1u;
  let sy = i32(y) + dy;
  let rowIn = sy >= 0 && sy < i32(params.rows);
  let o = i * params.cols;
  for (var x = 0u; x < params.cols; x++) {
    let sx = i32(select(x, params.cols - 1u - x, flip)) + dx;
    var v = lut[256];
    if (rowIn && sx >= 0 && sx < i32(params.cols)) {
      let at = e * px + u32(sy) * params.cols + u32(sx);
      v = lut[(pixels[at / 4u] >> (8u * (at % 4u))) & 0xffu];
    }
    images[o + x] = v;
  }
  if (y == 0u) { labels[b] = dataset_labels[e]; }
}
