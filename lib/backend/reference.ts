// The reference backend: plain loops over Float32Array, written to be read. It is the oracle that
// every faster backend is tested against, and the fallback where no faster one loads.
// Loop orders keep the innermost loop walking contiguous memory (i-k-j for A·B), which is what
// makes plain JS reach ~1 GFLOP/s instead of ~0.2.
//
// Dimension letters: M rows of the result, K contracted dimension, N columns of the result.

import type { Backend, Buffer, ReadBuffer } from './backend';
import { referenceStepKernels } from './reference-step';

/** out (M,N) = a (M,K) · b (K,N), added to out when accumulate. Handles out aliasing neither input. */
export function gemm(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
  if (!accumulate) out.fill(0, 0, M * N);
  for (let i = 0; i < M; i++) {
    const oRow = i * N;
    const aRow = i * K;
    for (let k = 0; k < K; k++) {
      const aik = a[aRow + k];
      if (aik === 0) continue; // free on dense data, a large saving on MNIST's zero pixels
      const bRow = k * N;
      for (let j = 0; j < N; j++) out[oRow + j] += aik * b[bRow + j];
    }
  }
  return out;
}

/** out (M,N) = aᵀ · b with a (K,M), b (K,N), added to out when accumulate. */
export function gemmTN(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
  if (!accumulate) out.fill(0, 0, M * N);
  // Σ over k of the outer product a[k,:] ⊗ b[k,:]: every inner loop is a contiguous row of b and out.
  for (let k = 0; k < K; k++) {
    const aRow = k * M;
    const bRow = k * N;
    for (let i = 0; i < M; i++) {
      const aki = a[aRow + i];
      if (aki === 0) continue;
      const oRow = i * N;
      for (let j = 0; j < N; j++) out[oRow + j] += aki * b[bRow + j];
    }
  }
  return out;
}

/** out (M,N) = a · bᵀ with a (M,K), b (N,K), added to out when accumulate. */
export function gemmNT(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
  // Each result element is a dot product of two contiguous rows.
  for (let i = 0; i < M; i++) {
    const aRow = i * K;
    const oRow = i * N;
    for (let j = 0; j < N; j++) {
      const bRow = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[aRow + k] * b[bRow + k];
      out[oRow + j] = accumulate ? out[oRow + j] + s : s;
    }
  }
  return out;
}

/** out (M,N) = x (M,N) + bias (N) broadcast over rows; out may alias x. */
export function addBias(out: Buffer, x: ReadBuffer, bias: ReadBuffer, M: number, N: number): Buffer {
  for (let i = 0; i < M; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) out[row + j] = x[row + j] + bias[j];
  }
  return out;
}

/** out (N) = Σ over the M rows of x (M,N), added to out when accumulate. */
export function colSum(out: Buffer, x: ReadBuffer, M: number, N: number, accumulate = false): Buffer {
  if (!accumulate) out.fill(0, 0, N);
  for (let i = 0; i < M; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) out[j] += x[row + j];
  }
  return out;
}

/** out (B,OC) = inp (B,C) · weight (C,OC) + bias (OC). */
export function denseForward(out: Buffer, inp: ReadBuffer, weight: ReadBuffer, bias: ReadBuffer | null, B: number, C: number, OC: number): Buffer {
  gemm(out, inp, weight, B, C, OC);
  if (bias) addBias(out, out, bias, B, OC);
  return out;
}

export const referenceBackend: Backend = {
  name: 'reference',
  alloc: (n: number) => new Float32Array(n),
  gemm,
  gemmTN,
  gemmNT,
  denseForward,
  addBias,
  colSum,
  stepKernels: referenceStepKernels,
};
