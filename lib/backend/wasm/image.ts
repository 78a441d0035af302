// The image-layer kernels (im2col / col2im, max pooling, batch normalization) and dropout in
// WebAssembly (assembly/image.ts, built to image.wasm next to this file), instantiated on the wasm
// backend's memory. Each call returns false when a buffer is not in that memory (or is too short), and
// the layer runs its TypeScript kernel from lib/kernels/ instead.

import type { ImageGeometry, ImageKernels } from '../backend';
import { wasmApi, type WasmHeap, type WasmModule } from './memory';

type Geo = [number, number, number, number, number, number, number, number, number, number, number];
interface Exports {
  im2col(cols: number, inp: number, B: number, ...g: Geo): void;
  col2im(dinp: number, dcols: number, B: number, ...g: Geo): void;
  maxPoolForward(out: number, argmax: number, inp: number, B: number, ...g: Geo): void;
  maxPoolBackward(dinp: number, dout: number, argmax: number, B: number, ...g: Geo): void;
  batchNormStats(mean: number, variance: number, invStd: number, x: number, acc: number, N: number, C: number, eps: number): void;
  batchNormNormalize(y: number, x: number, mean: number, invStd: number, gamma: number, beta: number, N: number, C: number, relu: number): void;
  batchNormBackward(dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, gamma: number, beta: number, invStd: number, acc: number, N: number, C: number, training: number, relu: number): void;
  dropoutForward(y: number, mask: number, x: number, state: number, n: number, threshold: number, keep: number): void;
  dropoutBackward(dx: number, dy: number, mask: number, n: number): void;
}

function geo(g: ImageGeometry): Geo {
  return [g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.OH, g.OW];
}

/** The image kernels of a compiled image.wasm, on the heap's memory. */
export function imageKernelsFrom(module: WasmModule, heap: WasmHeap): ImageKernels {
  const k = new wasmApi!.Instance(module, { env: { memory: heap.memory } }).exports as unknown as Exports;

  /** The byte address of buf when it is in wasm memory and holds at least n values, else -1. */
  function at(buf: Readonly<Float32Array> | Readonly<Int32Array>, n: number): number {
    const a = heap.offsetOf(buf as Readonly<Float32Array>);
    return a >= 0 && buf.length >= n ? a : -1;
  }
  /** Addresses of every [buffer, length needed] pair, or null if one is unusable. */
  function all(...pairs: [Readonly<Float32Array> | Readonly<Int32Array>, number][]): number[] | null {
    const out: number[] = [];
    for (const [b, n] of pairs) {
      const a = at(b, n);
      if (a < 0) return null;
      out.push(a);
    }
    return out;
  }

  return {
    im2col(cols, inp, B, g) {
      const a = all([cols, B * g.OH * g.OW * g.KH * g.KW * g.C], [inp, B * g.H * g.W * g.C]);
      if (!a) return false;
      k.im2col(a[0], a[1], B, ...geo(g));
      return true;
    },
    col2im(dinp, dcols, B, g) {
      const a = all([dinp, B * g.H * g.W * g.C], [dcols, B * g.OH * g.OW * g.KH * g.KW * g.C]);
      if (!a) return false;
      k.col2im(a[0], a[1], B, ...geo(g));
      return true;
    },
    maxPoolForward(out, argmax, inp, B, g) {
      const n = B * g.OH * g.OW * g.C;
      const a = all([out, n], [argmax, n], [inp, B * g.H * g.W * g.C]);
      if (!a) return false;
      k.maxPoolForward(a[0], a[1], a[2], B, ...geo(g));
      return true;
    },
    maxPoolBackward(dinp, dout, argmax, B, g) {
      const n = B * g.OH * g.OW * g.C;
      const a = all([dinp, B * g.H * g.W * g.C], [dout, n], [argmax, n]);
      if (!a) return false;
      k.maxPoolBackward(a[0], a[1], a[2], B, ...geo(g));
      return true;
    },
    batchNormStats(mean, variance, invStd, x, acc, N, C, epsilon) {
      const a = all([mean, C], [variance, C], [invStd, C], [x, N * C], [acc, 4 * C]);
      if (!a) return false;
      k.batchNormStats(a[0], a[1], a[2], a[3], a[4], N, C, epsilon);
      return true;
    },
    batchNormNormalize(y, x, mean, invStd, gamma, beta, N, C, relu) {
      const a = all([y, N * C], [x, N * C], [mean, C], [invStd, C], [gamma, C], [beta, C]);
      if (!a) return false;
      k.batchNormNormalize(a[0], a[1], a[2], a[3], a[4], a[5], N, C, relu ? 1 : 0);
      return true;
    },
    batchNormBackward(dx, dgamma, dbeta, dy, x, mean, gamma, beta, invStd, acc, N, C, training, relu) {
      const a = all([dgamma, C], [dbeta, C], [dy, N * C], [x, N * C], [mean, C], [gamma, C], [beta, C], [invStd, C], [acc, 4 * C], ...(dx ? [[dx, N * C] as [Float32Array, number]] : []));
      if (!a) return false;
      k.batchNormBackward(dx ? a[9] : 0, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], N, C, training ? 1 : 0, relu ? 1 : 0);
      return true;
    },
    dropoutForward(y, mask, x, state, n, rate) {
      const a = all([y, n], [mask, n], [x, n], [state, 4]);
      if (!a) return false;
      k.dropoutForward(a[0], a[1], a[2], a[3], n, rate * 4294967296, 1 / (1 - rate));
      return true;
    },
    dropoutBackward(dx, dy, mask, n) {
      const a = all([dx, n], [dy, n], [mask, n]);
      if (!a) return false;
      k.dropoutBackward(a[0], a[1], a[2], n);
      return true;
    },
  };
}
