// The contract every optimizer keeps, built-in or a user's own, plus what they share: hyperparameter
// parsing/validation and a small base class that counts steps and checks buffer sizes.
// The model hands an optimizer three flat buffers of n floats (params, grads, decay multipliers), so a
// step is one loop over n and an optimizer never knows which layer a float belongs to.
//
// A built-in optimizer keeps its hyperparameters, slots and step counter, and makes one call per step to
// its backend's step kernel (lib/backend/reference-step.ts, the wasm SIMD loops in assembly/step.ts).
// Every step kernel stores parameters and slots through flushSubnormal (lib/ops.ts), in both backends:
// weight decay pulls the weights of never-lit pixels, and the moments that follow them, geometrically
// toward zero, through the subnormal floats (0 < |x| < 2⁻¹²⁶). WebAssembly has no flush-to-zero mode, and
// Intel cores take a slow microcode assist for every subnormal operand, in the step and in every GEMM
// that reads the weight: without the flush, the default `train` run slowed epoch after epoch there.

import type { Backend, StepKernels } from '../backend/backend';
import { referenceStepKernels } from '../backend/reference-step';

/** Hyperparameters, Keras/assignment names. Each optimizer reads the ones it uses. */
export interface OptimizerConfig {
  learning_rate?: number;
  momentum?: number;
  beta?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weight_decay?: number;
}

export interface Optimizer {
  /** 'sgd' | 'momentum' | 'nag' | 'rmsprop' | 'adam' | 'nadam' | a user's. */
  readonly name: string;
  /** Optimizer steps taken so far (0 before the first step; the first step runs with t = 1). */
  readonly t: number;
  /**
   * One update. params, grads: the model's flat buffers (n floats). decay (n): per-parameter
   * weight-decay multiplier (1 for kernels, 0 for biases). Reads grads, never writes them.
   */
  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void;
  /**
   * Optional. Called by the training loop before the forward pass of each step: moves params to the
   * point where the gradient must be evaluated (NAG's look-ahead). step() then finishes the update from
   * there, leaving params at the true iterate.
   */
  lookahead?(params: Float32Array): void;
  /** Hyperparameters, for logs and saved models. */
  getConfig(): Record<string, number | string>;
  /**
   * Optional. The model calls this at compile with its backend: slots are then allocated in the
   * backend's memory, and a step runs as the backend's fused kernel where it has one.
   */
  useBackend?(backend: Backend): void;
  /** Optional. The state buffers (moments, velocity), for inspection and tests. */
  getSlots?(): readonly Float32Array[];
  /** Optional. Frees the state slots (backend memory); the optimizer cannot step afterwards. */
  dispose?(): void;
}

/** Every key OptimizerConfig knows. A config may carry keys another optimizer uses (a CLI passes all). */
export const OPTIMIZER_CONFIG_KEYS: readonly string[] = [
  'learning_rate', 'momentum', 'beta', 'beta1', 'beta2', 'epsilon', 'weight_decay',
];

/** The allowed range of a hyperparameter. */
export type Range = 'positive' | 'unit' | 'nonnegative';

const RANGE_TEXT: Record<Range, string> = {
  positive: 'a finite number > 0',
  unit: 'a number in [0, 1)',
  nonnegative: 'a finite number ≥ 0',
};

function inRange(x: number, range: Range): boolean {
  // Written so that NaN fails every test.
  switch (range) {
    case 'positive': return x > 0 && x < Infinity;
    case 'unit': return x >= 0 && x < 1;
    case 'nonnegative': return x >= 0 && x < Infinity;
  }
}

/**
 * Rejects keys no optimizer knows (a typo such as `lr` or `learningRate` would otherwise be silently
 * ignored). `name` is allowed so that `createOptimizer(c.name, c)` works on a saved getConfig().
 */
export function checkConfigKeys(optimizer: string, config: object): void {
  for (const key of Object.keys(config)) {
    if (key !== 'name' && !OPTIMIZER_CONFIG_KEYS.includes(key)) {
      throw new Error(`${optimizer}: unknown hyperparameter '${key}'; known: ${OPTIMIZER_CONFIG_KEYS.join(', ')}`);
    }
  }
}

/**
 * Reads one hyperparameter: the default when absent (or undefined), else the value if it is a number in
 * range, else an Error naming the hyperparameter, the value and the expected range.
 */
export function hyperparameter(optimizer: string, config: object, key: string, dflt: number, range: Range): number {
  const raw = (config as Record<string, unknown>)[key];
  if (raw === undefined) return dflt;
  if (typeof raw !== 'number' || !inRange(raw, range)) {
    throw new Error(`${optimizer}: ${key} = ${JSON.stringify(raw) ?? String(raw)} is invalid; expected ${RANGE_TEXT[range]}`);
  }
  return raw;
}

/**
 * What every optimizer shares: the step counter t and the buffer checks. A subclass calls
 * beginStep() first in step() and allocates its slots when their length is not n (that is, on the
 * first step only: beginStep() refuses any later n that differs from the first).
 */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  private steps = 0;
  private backend: Backend | null = null;
  /** The backend's step kernels: one call per step. The reference loops until useBackend() says otherwise. */
  protected kernels: StepKernels = referenceStepKernels;
  /** n fixed by the first step (or look-ahead); -1 before. */
  private size = -1;
  /** Every slot allocSlot handed out, for dispose. */
  private slots: Float32Array[] = [];
  private disposed = false;

  get t(): number {
    return this.steps;
  }

  abstract step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void;
  abstract getConfig(): Record<string, number | string>;

  useBackend(backend: Backend): void {
    this.backend = backend;
    this.kernels = backend.stepKernels;
  }

  /**
   * A zeroed slot of n floats, in the backend's memory when there is one (so its kernels can use it).
   * Called after checkSize/beginStep, which refuse a disposed optimizer.
   */
  protected allocSlot(n: number): Float32Array {
    const slot = this.backend ? this.backend.alloc(n) : new Float32Array(n);
    this.slots.push(slot);
    return slot;
  }

  /** The state buffers (moments, velocity) allocated so far, in allocation order: for inspection and tests. */
  getSlots(): readonly Float32Array[] {
    return this.slots;
  }

  /** Frees every slot allocated so far; any later step or look-ahead throws. */
  dispose(): void {
    if (this.backend?.free) for (const slot of this.slots) this.backend.free(slot);
    this.slots = [];
    this.disposed = true;
  }

  /** Checks that params, grads, decay have one length n, equal to the first step's; counts the step; returns n. */
  protected beginStep(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): number {
    const n = this.checkSize(params);
    if (grads.length !== n || decay.length !== n) {
      throw new Error(`${this.name}: params, grads and decay must have one length; got ${n}, ${grads.length}, ${decay.length}`);
    }
    this.steps++;
    return n;
  }

  /** Fixes n on first use; afterwards throws if params has another length (slots are sized for one model). */
  protected checkSize(params: Float32Array): number {
    if (this.disposed) throw new Error(`${this.name}: this optimizer was disposed; create a new one`);
    const n = params.length;
    if (this.size === -1) this.size = n;
    else if (n !== this.size) {
      throw new Error(`${this.name}: params has ${n} floats but this optimizer's slots were sized for ${this.size} on its first step; use a new optimizer for a different model`);
    }
    return n;
  }
}
