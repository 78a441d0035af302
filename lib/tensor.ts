// A Tensor is a Float32Array plus a row-major shape. It owns no memory management of its own:
// the data may be a view into a backend's memory, and layers reuse Tensors across batches.

export class Tensor {
  /** data: row-major values, data.length === product of shape. */
  constructor(readonly data: Float32Array, readonly shape: readonly number[]) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`Tensor data has ${data.length} values but shape [${shape.join(', ')}] needs ${size}`);
    }
  }

  /** Number of values. */
  get size(): number {
    return this.data.length;
  }

  /** The leading (batch) dimension. */
  get rows(): number {
    return this.shape[0];
  }

  /** Values per row: the product of every dimension after the first. */
  get cols(): number {
    return this.shape.length === 0 ? 1 : this.data.length / Math.max(this.shape[0], 1);
  }

  /** The same values under another shape of equal size (no copy). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  /** Rows [start, end) as a Tensor sharing this one's memory. */
  sliceRows(start: number, end: number): Tensor {
    const c = this.cols;
    return new Tensor(this.data.subarray(start * c, end * c), [end - start, ...this.shape.slice(1)]);
  }

  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape: readonly number[]): Tensor {
    return new Tensor(Float32Array.from(values), shape);
  }
}

/** The product of the dimensions; throws on a dimension that is not a non-negative integer. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(', ')}]: dimension ${d} is not a non-negative integer`);
    n *= d;
  }
  return n;
}

/** Formats a shape for error messages: [64, 784]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
