// The messages between the demo page and its training worker.

/** What the page asks the worker to train. */
export interface TrainConfig {
  /** Units of each hidden layer, e.g. [128] or [256, 128]. */
  hidden: number[];
  activation: 'relu' | 'sigmoid' | 'tanh';
  optimizer: string;
  learningRate: number;
  batchSize: number;
  /** How many of the shipped training images to use (at most 10,000). */
  trainCount: number;
  /** Epochs to run before stopping by itself (the page's Continue adds more). */
  epochs: number;
  seed: number;
  /** 'wasm-threads': wasm with a helper Web Worker (cross-origin isolated pages; one thread elsewhere); 'wasm': one thread. */
  backend: 'wasm-threads' | 'wasm' | 'reference';
}

export type ToWorker =
  | { type: 'start'; config: TrainConfig }
  | { type: 'stop' }
  | { type: 'continue'; epochs: number }
  | { type: 'ping'; id: number };

export type FromWorker =
  /** The backend the run got (wasm: on shared memory or the unshared build); `note` says why it is not the one asked for. */
  | { type: 'ready'; train: number; test: number; params: number; name: string; threads: boolean; shared: boolean; note?: string }
  /** Every 10 batches: mean loss and accuracy over them, samples/s since the last report. */
  | { type: 'progress'; epoch: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSecond: number }
  | { type: 'epoch'; epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number; seconds: number; samplesPerSecond: number;
      /** wasm: split GEMM halves run by the helper Web Worker, and taken back by the training thread. */
      threadStats?: { worker: number; stolen: number } }
  /** The first layer's kernel (784, units[0]) for drawing, sent now and then. */
  | { type: 'weights'; kernel: Float32Array; inputs: number; units: number }
  /** The trained model as the bytes of a model file (the same format the CLI saves). */
  | { type: 'model'; bytes: Uint8Array }
  | { type: 'paused'; epoch: number; batch: number }
  | { type: 'done'; epochs: number }
  | { type: 'pong'; id: number }
  | { type: 'error'; message: string };
