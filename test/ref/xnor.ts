// CPU bit-level reference for the binary convolution, written from the ±1 math (no popcount trick): each input
// and weight is replaced by its sign (x < 0 → −1, else +1) and multiplied, over the taps inside the image.

import { convGeom } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/ops/registry.js';

const sign = (v: number) => (v < 0 ? -1 : 1);

/** Integer dot products [N,OH,OW,Cout] of the signs of x (NHWC) and w (HWIO). */
export function xnorDotRef(x: Float32Array, xs: number[], w: Float32Array, ws: number[], attrs: Attrs): Int32Array {
  const g = convGeom([xs, ws], attrs);
  const y = new Int32Array(g.n * g.oh * g.ow * g.cout);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let co = 0; co < g.cout; co++) {
          let acc = 0;
          for (let kh = 0; kh < g.kh; kh++) {
            const ih = oh * g.sh - g.pt + kh * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (let kw = 0; kw < g.kw; kw++) {
              const iw = ow * g.sw - g.pl + kw * g.dw;
              if (iw < 0 || iw >= g.w) continue;
              for (let ci = 0; ci < g.cin; ci++) {
                acc += sign(x[((n * g.h + ih) * g.w + iw) * g.cin + ci]) * sign(w[((kh * g.kw + kw) * g.cin + ci) * g.cout + co]);
              }
            }
          }
          y[((n * g.oh + oh) * g.ow + ow) * g.cout + co] = acc;
        }
  return y;
}

/** Binary output after batch-norm + sign: −1 where A·dot + B < 0, else +1 (as ±1 floats, what unpack_signs gives). */
export function xnorSignRef(dot: Int32Array, cout: number, A: ArrayLike<number>, B: ArrayLike<number>): Float32Array {
  return Float32Array.from(dot, (d, i) => (A[i % cout] * d + B[i % cout] < 0 ? -1 : 1));
}
