// The training-step kernels (optimizer steps, gradient zeroing and norm, ReLU) in WebAssembly SIMD
// (assembly/step.ts, built to step.wasm next to this file), instantiated on the wasm backend's own
// memory. A buffer outside that memory (a user's plain Float32Array) is handed to the reference kernels
// instead (lib/backend/reference-step.ts): the caller makes one call either way.

import type { StepKernels } from '../backend';
import { referenceStepKernels as ref } from '../reference-step';
import { wasmApi, type WasmHeap, type WasmModule } from './memory';

interface Exports {
  adam(p: number, g: number, d: number, m: number, v: number, n: number, b1: number, b2: number, eps: number, wd: number, invC2: number, kM: number, kG: number): void;
  rmsprop(p: number, g: number, d: number, v: number, n: number, lr: number, beta: number, eps: number, wd: number): void;
  momentum(p: number, g: number, d: number, u: number, n: number, lr: number, gamma: number, wd: number, back: number): void;
  axpy(y: number, x: number, n: number, a: number): void;
  sumSquares(x: number, n: number): number;
  zero(x: number, n: number): void;
  relu(y: number, x: number, n: number): void;
  reluBackward(dx: number, dy: number, y: number, n: number): void;
}

/** The step kernels of a compiled step.wasm, on the heap's memory. */
export function stepKernelsFrom(module: WasmModule, heap: WasmHeap): StepKernels {
  const k = new wasmApi!.Instance(module, { env: { memory: heap.memory } }).exports as unknown as Exports;

  /** Byte addresses of every buffer, or null if one is outside wasm memory or too short. */
  function addresses(n: number, ...bufs: Readonly<Float32Array>[]): number[] | null {
    const out: number[] = [];
    for (const b of bufs) {
      const at = heap.offsetOf(b);
      if (at < 0 || b.length < n) return null;
      out.push(at);
    }
    return out;
  }

  return {
    adam(params, grads, decay, m, v, h) {
      const a = addresses(params.length, params, grads, decay, m, v);
      if (!a) return ref.adam(params, grads, decay, m, v, h);
      // η folded into the two weights here, in float64, once per step.
      k.adam(a[0], a[1], a[2], a[3], a[4], params.length, h.beta1, h.beta2, h.epsilon, h.weightDecay, 1 / h.c2, h.lr * h.mScale, h.lr * h.gScale);
    },
    rmsprop(params, grads, decay, v, h) {
      const a = addresses(params.length, params, grads, decay, v);
      if (!a) return ref.rmsprop(params, grads, decay, v, h);
      k.rmsprop(a[0], a[1], a[2], a[3], params.length, h.lr, h.beta, h.epsilon, h.weightDecay);
    },
    momentum(params, grads, decay, u, h) {
      const a = addresses(params.length, params, grads, decay, ...(u ? [u] : []));
      if (!a) return ref.momentum(params, grads, decay, u, h);
      k.momentum(a[0], a[1], a[2], u ? a[3] : 0, params.length, h.lr, h.gamma, h.weightDecay, h.back ?? 0);
    },
    axpy(y, x, alpha) {
      const a = addresses(y.length, y, x);
      if (!a) return ref.axpy(y, x, alpha);
      k.axpy(a[0], a[1], y.length, alpha);
    },
    relu(y, x, n) {
      const a = addresses(n, y, x);
      if (!a) return ref.relu(y, x, n);
      k.relu(a[0], a[1], n);
    },
    reluBackward(dx, dy, y, n) {
      const a = addresses(n, dx, dy, y);
      if (!a) return ref.reluBackward(dx, dy, y, n);
      k.reluBackward(a[0], a[1], a[2], n);
    },
    zero(x) {
      const at = heap.offsetOf(x);
      if (at < 0) return ref.zero(x);
      k.zero(at, x.length);
    },
    sumSquares(x) {
      const at = heap.offsetOf(x);
      return at < 0 ? ref.sumSquares(x) : k.sumSquares(at, x.length);
    },
  };
}
