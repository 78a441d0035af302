// The 'wasm' backend's memory: one WebAssembly.Memory that the kernels, this thread and the helper
// worker all address, and a small first-fit allocator that hands out Float32Array views of it.
//
// alloc() hands out views that layers, tensors and users keep, so a view must never stop working.
// Growing an ordinary WebAssembly.Memory detaches its ArrayBuffer, which would silently empty every
// one of those views (length 0), and they are out of reach to be remade. So:
//  - shared memory (Node; a cross-origin isolated page): reserved at its maximum size up front, it grows
//    in place and old views stay valid (they keep the SharedArrayBuffer object they were made from, so
//    we remember every buffer object `memory.buffer` has returned). The helper worker receives the same
//    memory, so kernels running there see the same bytes.
//  - unshared memory (a page that is not cross-origin isolated, where SharedArrayBuffer is withheld): a
//    fixed heap, created at its full size and never grown, so no view is ever detached. When it is full,
//    the backend hands out ordinary Float32Arrays instead (its kernels stage them through copies).

import layoutJson from './layout.json';

/** The few WebAssembly JS-API types used here (TypeScript's lib "dom" has them; we build without it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** alloc() found no room: the memory is at its maximum (4 GiB, or a fixed heap's size). */
export class WasmHeapFullError extends RangeError {}
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
export interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export const PAGE_BYTES = 65536;
/** 4 GiB: the whole wasm32 address space. Shared memory reserves it (address space only) up front. */
export const MAX_PAGES = 65536;

/**
 * The memory map, declared once in layout.json (the wasm build reads it too, scripts/build-wasm.js):
 *   [controlBlock.start, + count·bytes)  the helper threads' control blocks (./threads.ts)
 *   [staticData, heapStart)              the kernels' static data (asc --memoryBase)
 *   [heapStart, 4 GiB)                   buffers handed out by WasmHeap
 * checkLayout() runs when the backend loads, so that an edit making two regions overlap fails at once.
 */
export const LAYOUT: { readonly controlBlock: { start: number; count: number; bytes: number }; readonly staticData: number; readonly heapStart: number } = layoutJson;

/** Throws when the regions of LAYOUT overlap or are misaligned (checked when the backend loads). */
export function checkLayout(layout = LAYOUT): void {
  const cb = layout.controlBlock;
  if (!(cb.start > 0 && cb.start % 64 === 0 && cb.bytes % 64 === 0 && cb.start + cb.count * cb.bytes <= layout.staticData && layout.staticData < layout.heapStart && layout.heapStart % PAGE_BYTES === 0)) {
    throw new Error(`wasm memory map (lib/backend/wasm/layout.json) is inconsistent: ${JSON.stringify(layout)}`);
  }
}
/** Buffers start here, above page 0's control blocks and static data. */
export const HEAP_BASE = LAYOUT.heapStart;
/** Every buffer starts on a cache line (also satisfies the 16-byte v128 alignment). */
export const ALIGN = 64;

interface Block {
  start: number;
  bytes: number;
}

/**
 * A first-fit allocator over [HEAP_BASE, top) plus a bump pointer above it. Freed blocks are kept
 * sorted by address and coalesced with their neighbours; a freed block that reaches `top` lowers it.
 * Nothing is ever returned to the system (wasm memory cannot shrink).
 */
export class WasmHeap {
  readonly memory: WasmMemory;
  /** Pages the memory may grow to: MAX_PAGES for a shared memory, its own size for a fixed heap. */
  readonly maxPages: number;
  private readonly buffers = new Set<ArrayBufferLike>();
  private readonly live = new Map<number, number>(); // start → bytes of every allocated block
  private readonly freeList: Block[] = [];
  private liveTotal = 0;
  private top = HEAP_BASE;
  /** Nothing at or above this address was ever handed out: it is still zero from creation/growth. */
  private highWater = HEAP_BASE;

  constructor(memory: WasmMemory, maxPages = MAX_PAGES) {
    this.memory = memory;
    this.maxPages = maxPages;
    this.buffers.add(memory.buffer);
  }

  /** Bytes currently handed out (for tests and the README's accounting). */
  get liveBytes(): number {
    return this.liveTotal;
  }

  /** Bytes of wasm memory reserved so far (grows on demand up to 4 GiB). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** A zero-filled view of n floats in wasm memory, 64-byte aligned. Throws WasmHeapFullError when there is no room. */
  alloc(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`alloc: n must be a non-negative integer, got ${n}`);
    const bytes = Math.max(ALIGN, Math.ceil((n * 4) / ALIGN) * ALIGN);
    let start = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const blk = this.freeList[i];
      if (blk.bytes < bytes) continue;
      start = blk.start;
      if (blk.bytes === bytes) this.freeList.splice(i, 1);
      else {
        blk.start += bytes;
        blk.bytes -= bytes;
      }
      break;
    }
    if (start < 0) {
      start = this.top;
      this.ensure(start + bytes);
      this.top = start + bytes;
    }
    this.live.set(start, bytes);
    this.liveTotal += bytes;
    // Only bytes below the high-water mark can hold old data (a freed block, or a lowered top).
    const dirtyEnd = Math.min(start + bytes, this.highWater);
    if (dirtyEnd > start) new Uint8Array(this.memory.buffer, start, dirtyEnd - start).fill(0);
    this.highWater = Math.max(this.highWater, start + bytes);
    return new Float32Array(this.memory.buffer, start, n);
  }

  /** Returns a block made by alloc to the free list. Throws on a view alloc did not return. */
  free(buf: Float32Array): void {
    const start = this.offsetOf(buf);
    const bytes = start < 0 ? undefined : this.live.get(start);
    if (bytes === undefined) throw new Error('free: this buffer was not returned by the wasm backend\'s alloc, or was freed already');
    this.live.delete(start);
    this.liveTotal -= bytes;
    if (start + bytes === this.top) {
      this.top = start;
      const last = this.freeList[this.freeList.length - 1];
      if (last && last.start + last.bytes === this.top) {
        this.top = last.start;
        this.freeList.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.freeList.length && this.freeList[i].start < start) i++;
    const blk: Block = { start, bytes };
    this.freeList.splice(i, 0, blk);
    const next = this.freeList[i + 1];
    if (next && blk.start + blk.bytes === next.start) {
      blk.bytes += next.bytes;
      this.freeList.splice(i + 1, 1);
    }
    const prev = this.freeList[i - 1];
    if (prev && prev.start + prev.bytes === blk.start) {
      prev.bytes += blk.bytes;
      this.freeList.splice(i, 1);
    }
  }

  /** Byte address of a view into this memory, or -1 for a Float32Array elsewhere (a user's array). */
  offsetOf(arr: Readonly<Float32Array>): number {
    return this.buffers.has(arr.buffer) ? arr.byteOffset : -1;
  }

  /** Grows the memory so that addresses below `end` exist (by at least 1/4 of its size, to grow rarely). */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE_BYTES;
    const needPages = Math.ceil(end / PAGE_BYTES);
    const pages = Math.min(this.maxPages, Math.max(needPages, havePages + Math.ceil(havePages / 4)));
    if (needPages > this.maxPages) {
      const limit = this.maxPages === MAX_PAGES ? '4 GiB' : `${(this.maxPages * PAGE_BYTES) / 2 ** 20} MiB, a fixed heap (unshared memory cannot grow without detaching every buffer)`;
      throw new WasmHeapFullError(`wasm backend: out of memory (${end} bytes requested, the limit is ${limit})`);
    }
    this.memory.grow(pages - havePages);
    this.buffers.add(this.memory.buffer);
  }
}
