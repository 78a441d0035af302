// Reusable output tensors, keyed by name: the memory behind a layer's activations or a model's
// batch buffers is allocated on first use for the largest batch seen and reused afterwards, and
// the Tensor view is cached per batch size, so a steady training loop allocates nothing.

import { shapeSize, Tensor } from '../tensor';

export class TensorPool {
  private readonly slots = new Map<string, { data: Float32Array; tensor: Tensor | null }>();

  /**
   * alloc: where new memory comes from (a backend's alloc, so kernels can use it without copies);
   * free: gives a block back (a backend's free), when a slot grows and on dispose.
   */
  constructor(
    private readonly alloc: (n: number) => Float32Array,
    private readonly free: (buf: Float32Array) => void = () => {},
  ) {}

  /** The tensor (batch, ...shape) named key; its contents are whatever was last written there. */
  get(key: string, batch: number, shape: readonly number[]): Tensor {
    const n = batch * shapeSize(shape);
    let slot = this.slots.get(key);
    if (!slot || slot.data.length < n) {
      if (slot) this.free(slot.data);
      slot = { data: this.alloc(n), tensor: null };
      this.slots.set(key, slot);
    }
    if (!slot.tensor || slot.tensor.rows !== batch) slot.tensor = new Tensor(slot.data.subarray(0, n), [batch, ...shape]);
    return slot.tensor;
  }

  /** Frees every slot's memory; later get() calls allocate afresh. Tensors handed out before are invalid. */
  dispose(): void {
    for (const slot of this.slots.values()) this.free(slot.data);
    this.slots.clear();
  }
}
