// Reusable output tensors, keyed by name: the memory behind a layer's activations or a model's
// batch buffers is allocated on first use and reused afterwards, and the Tensor view is cached per
// batch size, so a steady training loop allocates nothing.
//
// Memory plan: a tensor handed out never views memory that is given to anything else while the pool
// lives. When a larger batch needs a slot to grow, the old block is retired, not freed: a tensor a
// caller still holds (the output of an earlier forward) keeps its values, and no later allocation
// (another layer, another model, the optimizer) can land in it. Slots grow at least 2x each time, so
// the retired blocks of a slot add up to less than its live block; dispose() frees them all.

import { shapeSize, Tensor } from '../tensor';

interface Slot {
  data: Float32Array;
  tensor: Tensor | null;
}

export class TensorPool {
  private readonly slots = new Map<string, Slot>();
  /** Blocks outgrown by their slot: kept until dispose, because earlier tensors may still view them. */
  private readonly retired: Float32Array[] = [];

  /**
   * alloc: where new memory comes from (a backend's alloc, so kernels can use it without copies);
   * free: gives a block back (a backend's free), on dispose.
   */
  constructor(
    private readonly alloc: (n: number) => Float32Array,
    private readonly free: (buf: Float32Array) => void = () => {},
  ) {}

  /**
   * The tensor (batch, ...shape) named key; its contents are whatever was last written there. The
   * same key with the same batch size returns the same Tensor (and overwrites what it held).
   */
  get(key: string, batch: number, shape: readonly number[]): Tensor {
    const n = batch * shapeSize(shape);
    let slot = this.slots.get(key);
    if (!slot || slot.data.length < n) {
      const grown = slot ? Math.max(n, 2 * slot.data.length) : n;
      if (slot) this.retired.push(slot.data);
      slot = { data: this.alloc(grown), tensor: null };
      this.slots.set(key, slot);
    }
    const t = slot.tensor;
    if (!t || t.rows !== batch || t.size !== n) slot.tensor = new Tensor(slot.data.subarray(0, n), [batch, ...shape]);
    return slot.tensor as Tensor;
  }

  /** Floats held, live and retired (for tests and memory accounting). */
  get heldFloats(): number {
    let total = 0;
    for (const s of this.slots.values()) total += s.data.length;
    for (const r of this.retired) total += r.length;
    return total;
  }

  /** Frees every block, live and retired; later get() calls allocate afresh. Tensors handed out before are invalid. */
  dispose(): void {
    for (const slot of this.slots.values()) this.free(slot.data);
    for (const r of this.retired) this.free(r);
    this.slots.clear();
    this.retired.length = 0;
  }
}
