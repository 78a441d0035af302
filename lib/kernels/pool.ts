// Pooling kernels over NHWC images: max and average over windows, and the global average. Naive
// loops; they are the oracle for any faster variant.
//
// Dimension letters as in ./conv.ts: B batch; H W C input; OH OW output (C unchanged); KH KW the
// pool window; SH SW strides; PT PL padding above / to the left. inp (B, H, W, C), out (B, OH, OW, C).
// Padded positions are not values: a max ignores them and an average divides by the number of real
// pixels in its window (TensorFlow's rule for padding 'same').

import type { ConvGeometry } from './conv';

/**
 * out[b, oh, ow, c] = max over the window of inp; argmax (B·OH·OW·C) records the flat index into inp
 * of the winner (the first in (kh, kw) order on ties), which is all the backward needs.
 */
export function maxPoolForward(out: Float32Array, argmax: Int32Array, inp: Readonly<Float32Array>, B: number, g: ConvGeometry): Float32Array {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * SH - PT, 0);
      const h1 = Math.min(oh * SH - PT + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(ow * SW - PL, 0);
        const w1 = Math.min(ow * SW - PL + KW, W);
        for (let c = 0; c < C; c++, o++) {
          let best = -Infinity;
          let at = -1;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const i = ((b * H + ih) * W + iw) * C + c;
              if (inp[i] > best || at < 0) {
                best = inp[i];
                at = i;
              }
            }
          }
          out[o] = best;
          argmax[o] = at;
        }
      }
    }
  }
  return out;
}

/** From out = inp[argmax]: dinp[argmax[o]] += dout[o]; every other input gets nothing. n = B·OH·OW·C. */
export function maxPoolBackward(dinp: Float32Array, dout: Readonly<Float32Array>, argmax: Readonly<Int32Array>, n: number): Float32Array {
  for (let o = 0; o < n; o++) dinp[argmax[o]] += dout[o];
  return dinp;
}

/** out[b, oh, ow, c] = mean of inp over the window's real (unpadded) pixels. */
export function avgPoolForward(out: Float32Array, inp: Readonly<Float32Array>, B: number, g: ConvGeometry): Float32Array {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * SH - PT, 0);
      const h1 = Math.min(oh * SH - PT + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(ow * SW - PL, 0);
        const w1 = Math.min(ow * SW - PL + KW, W);
        const inv = 1 / ((h1 - h0) * (w1 - w0));
        for (let c = 0; c < C; c++, o++) {
          let s = 0;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) s += inp[((b * H + ih) * W + iw) * C + c];
          }
          out[o] = s * inv;
        }
      }
    }
  }
  return out;
}

/** From out = (1/n)·Σ_window inp: each pixel of the window gets dinp += dout/n. */
export function avgPoolBackward(dinp: Float32Array, dout: Readonly<Float32Array>, B: number, g: ConvGeometry): Float32Array {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * SH - PT, 0);
      const h1 = Math.min(oh * SH - PT + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(ow * SW - PL, 0);
        const w1 = Math.min(ow * SW - PL + KW, W);
        const inv = 1 / ((h1 - h0) * (w1 - w0));
        for (let c = 0; c < C; c++, o++) {
          const d = dout[o] * inv;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) dinp[((b * H + ih) * W + iw) * C + c] += d;
          }
        }
      }
    }
  }
  return dinp;
}

/** out (B, C) = mean over the P = H·W pixels of inp (B, P, C). */
export function globalAvgPoolForward(out: Float32Array, inp: Readonly<Float32Array>, B: number, P: number, C: number): Float32Array {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += inp[(b * P + p) * C + c];
      out[b * C + c] = s / P;
    }
  }
  return out;
}

/** From out[b, c] = (1/P)·Σ_p inp[b, p, c]: dinp[b, p, c] += dout[b, c]/P. */
export function globalAvgPoolBackward(dinp: Float32Array, dout: Readonly<Float32Array>, B: number, P: number, C: number): Float32Array {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const d = dout[b * C + c] / P;
      for (let p = 0; p < P; p++) dinp[(b * P + p) * C + c] += d;
    }
  }
  return dinp;
}
