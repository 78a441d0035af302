// 2-D convolution kernels over NHWC images: the naive direct loops (the oracle every faster path is
// tested against) and im2col / col2im, which turn a convolution into one GEMM.
//
// Dimension letters:
//   B batch, H W C input height, width, channels; OH OW OC output height, width, channels;
//   KH KW kernel height and width; SH SW strides; PT PL zero padding added above and to the left
//   (the padding below and to the right is whatever makes OH, OW come out; see convGeometry).
// Layouts, all row-major: inp (B, H, W, C); out (B, OH, OW, OC); weight (KH, KW, C, OC), which read
// as a (KH·KW·C, OC) matrix is exactly what multiplies an im2col matrix (B·OH·OW, KH·KW·C).

/** The sizes one convolution (or pooling) window walk needs. */
export interface ConvGeometry {
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PT: number;
  PL: number;
  OH: number;
  OW: number;
}

/** 'same' (TF/Keras rule), 'valid', or explicit zero padding [top/bottom, left/right] as PyTorch's padding=p. */
export type Padding = 'same' | 'valid' | readonly [number, number];

/**
 * The geometry of a window walk. 'valid': no padding, OH = ⌊(H − KH)/SH⌋ + 1. 'same': OH = ⌈H/SH⌉, the
 * total padding max((OH − 1)·SH + KH − H, 0) split with the smaller half on top (as TensorFlow).
 * Explicit [ph, pw]: ph rows above and below, OH = ⌊(H + 2ph − KH)/SH⌋ + 1 (as PyTorch).
 */
export function convGeometry(H: number, W: number, C: number, KH: number, KW: number, SH: number, SW: number, padding: Padding): ConvGeometry {
  let PT = 0;
  let PL = 0;
  let OH: number;
  let OW: number;
  if (padding === 'same') {
    OH = Math.ceil(H / SH);
    OW = Math.ceil(W / SW);
    PT = Math.floor(Math.max((OH - 1) * SH + KH - H, 0) / 2);
    PL = Math.floor(Math.max((OW - 1) * SW + KW - W, 0) / 2);
  } else if (padding === 'valid') {
    OH = Math.floor((H - KH) / SH) + 1;
    OW = Math.floor((W - KW) / SW) + 1;
  } else {
    [PT, PL] = padding;
    OH = Math.floor((H + 2 * PT - KH) / SH) + 1;
    OW = Math.floor((W + 2 * PL - KW) / SW) + 1;
  }
  return { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW };
}

/**
 * out (B, OH, OW, OC) = Σ_{kh,kw,c} inp[b, oh·SH − PT + kh, ow·SW − PL + kw, c] · weight[kh, kw, c, oc] + bias[oc],
 * positions outside the image counting as zero. bias may be null. The naive loop: the oracle.
 */
export function conv2dForwardNaive(out: Float32Array, inp: Readonly<Float32Array>, weight: Readonly<Float32Array>, bias: Readonly<Float32Array> | null, B: number, OC: number, g: ConvGeometry): Float32Array {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = ((b * OH + oh) * OW + ow) * OC;
        for (let oc = 0; oc < OC; oc++) {
          let s = bias ? bias[oc] : 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH - PT + kh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW - PL + kw;
              if (iw < 0 || iw >= W) continue;
              const i = ((b * H + ih) * W + iw) * C;
              const w = (kh * KW + kw) * C * OC + oc;
              for (let c = 0; c < C; c++) s += inp[i + c] * weight[w + c * OC];
            }
          }
          out[o + oc] = s;
        }
      }
    }
  }
  return out;
}

/**
 * The backward of conv2dForwardNaive, accumulating: from out = Σ inp·weight + bias,
 *   dinp[b, ih, iw, c] += Σ dout[b, oh, ow, oc] · weight[kh, kw, c, oc]   over the windows touching (ih, iw)
 *   dweight[kh, kw, c, oc] += Σ_{b,oh,ow} inp[b, ih, iw, c] · dout[b, oh, ow, oc]
 *   dbias[oc] += Σ_{b,oh,ow} dout[b, oh, ow, oc]
 * dinp and dbias may be null (not wanted). The oracle for the im2col path.
 */
export function conv2dBackwardNaive(dinp: Float32Array | null, dweight: Float32Array, dbias: Float32Array | null, dout: Readonly<Float32Array>, inp: Readonly<Float32Array>, weight: Readonly<Float32Array>, B: number, OC: number, g: ConvGeometry): void {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = ((b * OH + oh) * OW + ow) * OC;
        for (let oc = 0; oc < OC; oc++) {
          const d = dout[o + oc];
          if (dbias) dbias[oc] += d;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH - PT + kh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW - PL + kw;
              if (iw < 0 || iw >= W) continue;
              const i = ((b * H + ih) * W + iw) * C;
              const w = (kh * KW + kw) * C * OC + oc;
              for (let c = 0; c < C; c++) {
                dweight[w + c * OC] += inp[i + c] * d;
                if (dinp) dinp[i + c] += weight[w + c * OC] * d;
              }
            }
          }
        }
      }
    }
  }
}

/**
 * cols (B·OH·OW, KH·KW·C): row (b, oh, ow) holds the window of inp feeding output (b, oh, ow), in
 * (kh, kw, c) order, zeros where the window hangs over the padding. Then out = cols · weight.
 */
export function im2col(cols: Float32Array, inp: Readonly<Float32Array>, B: number, g: ConvGeometry): Float32Array {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  const K = KH * KW * C;
  let r = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, r += K) {
        let k = r;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh;
          for (let kw = 0; kw < KW; kw++, k += C) {
            const iw = ow * SW - PL + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              cols.fill(0, k, k + C);
            } else {
              const i = ((b * H + ih) * W + iw) * C;
              for (let c = 0; c < C; c++) cols[k + c] = inp[i + c];
            }
          }
        }
      }
    }
  }
  return cols;
}

/** The adjoint of im2col, accumulating: dinp (B, H, W, C) += every dcols entry scattered back to the pixel it was copied from. */
export function col2im(dinp: Float32Array, dcols: Readonly<Float32Array>, B: number, g: ConvGeometry): Float32Array {
  const { H, W, C, KH, KW, SH, SW, PT, PL, OH, OW } = g;
  const K = KH * KW * C;
  let r = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, r += K) {
        let k = r;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh;
          for (let kw = 0; kw < KW; kw++, k += C) {
            const iw = ow * SW - PL + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const i = ((b * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) dinp[i + c] += dcols[k + c];
          }
        }
      }
    }
  }
  return dinp;
}
