// The training-step kernels (optimizer steps, gradient zeroing and norm, ReLU) in WebAssembly SIMD (assembly/step.ts, built to
// step.wasm next to this file), instantiated on the wasm backend's own shared memory. Each call
// returns false (or null) when a buffer is not in that memory, and the caller runs its own
// TypeScript loop instead — so plain Float32Arrays always work.

import * as fs from 'fs';
import * as path from 'path';
import type { StepKernels } from '../backend';
import { wasmApi, type WasmHeap, type WasmModule } from './memory';

interface Exports {
  adam(p: number, g: number, d: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, eps: number, wd: number, c1: number, c2: number, nadam: number): void;
  rmsprop(p: number, g: number, d: number, v: number, n: number, lr: number, beta: number, eps: number, wd: number): void;
  momentum(p: number, g: number, d: number, u: number, n: number, lr: number, gamma: number, wd: number, back: number): void;
  axpy(y: number, x: number, n: number, a: number): void;
  sumSquares(x: number, n: number): number;
  zero(x: number, n: number): void;
  relu(y: number, x: number, n: number): void;
  reluBackward(dx: number, dy: number, y: number, n: number): void;
}

/** Loads step.wasm on the heap's memory; null when it is not built (the JS loops then run). */
export function loadStepKernels(heap: WasmHeap): StepKernels | null {
  const file = [path.join(__dirname, 'step.wasm'), path.resolve(__dirname, '../../../dist/lib/backend/wasm/step.wasm')].find((f) => fs.existsSync(f));
  if (!file || !wasmApi) return null;
  return stepKernelsFrom(new wasmApi.Module(fs.readFileSync(file)), heap);
}

/** The step kernels of a compiled step.wasm, on the heap's memory (a browser compiles what it fetched). */
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
      if (!a) return false;
      k.adam(a[0], a[1], a[2], a[3], a[4], params.length, h.lr, h.beta1, h.beta2, h.epsilon, h.weightDecay, h.c1, h.c2, h.nadam ? 1 : 0);
      return true;
    },
    rmsprop(params, grads, decay, v, h) {
      const a = addresses(params.length, params, grads, decay, v);
      if (!a) return false;
      k.rmsprop(a[0], a[1], a[2], a[3], params.length, h.lr, h.beta, h.epsilon, h.weightDecay);
      return true;
    },
    momentum(params, grads, decay, u, h) {
      const a = addresses(params.length, params, grads, decay, ...(u ? [u] : []));
      if (!a) return false;
      k.momentum(a[0], a[1], a[2], u ? a[3] : 0, params.length, h.lr, h.gamma, h.weightDecay, h.back ?? 0);
      return true;
    },
    axpy(y, x, alpha) {
      const a = addresses(y.length, y, x);
      if (!a) return false;
      k.axpy(a[0], a[1], y.length, alpha);
      return true;
    },
    relu(y, x, n) {
      const a = addresses(n, y, x);
      if (!a) return false;
      k.relu(a[0], a[1], n);
      return true;
    },
    reluBackward(dx, dy, y, n) {
      const a = addresses(n, dx, dy, y);
      if (!a) return false;
      k.reluBackward(a[0], a[1], a[2], n);
      return true;
    },
    zero(x) {
      const at = heap.offsetOf(x);
      if (at < 0) return false;
      k.zero(at, x.length);
      return true;
    },
    sumSquares(x) {
      const at = heap.offsetOf(x);
      return at < 0 ? null : k.sumSquares(at, x.length);
    },
  };
}
