// Axis permutation of a batch of row-major tensors (Keras's Permute). The layer computes, once at
// build, where each output element comes from; forward gathers, backward scatters back.
//
// B batch; n elements per sample; shape the per-sample input shape; dims a permutation of its axes
// (0-based here): output axis k is input axis dims[k], so the output shape is shape[dims[k]].
// x (B, ...shape), out (B, ...outShape), src (n).

/**
 * src (n): for each output element j (row-major over the output shape), the row-major index in the
 * input sample it copies. Returns src.
 */
export function permutationSource(src: Int32Array, shape: readonly number[], dims: readonly number[]): Int32Array {
  const rank = shape.length;
  // Input strides, then the stride each output axis walks in the input.
  const inStride = new Array<number>(rank);
  for (let a = rank - 1, s = 1; a >= 0; s *= shape[a], a--) inStride[a] = s;
  const outShape = dims.map((d) => shape[d]);
  const walk = dims.map((d) => inStride[d]);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let j = 0; j < src.length; j++) {
    src[j] = from;
    // Advance the output index like an odometer, moving `from` by the matching input strides.
    for (let k = rank - 1; k >= 0; k--) {
      from += walk[k];
      if (++index[k] < outShape[k]) break;
      from -= walk[k] * outShape[k];
      index[k] = 0;
    }
  }
  return src;
}

/** A gather cannot run in place: it would read elements it has already overwritten. */
function refuseOverlap(kernel: string, out: Float32Array, x: Readonly<Float32Array>): void {
  if (out.buffer === x.buffer && out.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < out.byteOffset + out.byteLength) {
    throw new Error(`${kernel}: the output overlaps the input; a permutation cannot be done in place, give it another buffer`);
  }
}

/** out[b, j] = x[b, src[j]]: the forward gather. out must not overlap x. Returns out. */
export function permuteForward(out: Float32Array, x: Readonly<Float32Array>, src: Readonly<Int32Array>, B: number, n: number): Float32Array {
  refuseOverlap('permuteForward', out, x);
  for (let b = 0, o = 0; b < B; b++, o += n) {
    for (let j = 0; j < n; j++) out[o + j] = x[o + src[j]];
  }
  return out;
}

/**
 * dx[b, src[j]] = dy[b, j]: the adjoint of the gather. Each input element is copied to exactly one
 * output element, so its gradient is that one element's (a scatter, with no sum). dx must not overlap
 * dy. Returns dx.
 */
export function permuteBackward(dx: Float32Array, dy: Readonly<Float32Array>, src: Readonly<Int32Array>, B: number, n: number): Float32Array {
  refuseOverlap('permuteBackward', dx, dy);
  for (let b = 0, o = 0; b < B; b++, o += n) {
    for (let j = 0; j < n; j++) dx[o + src[j]] = dy[o + j];
  }
  return dx;
}
