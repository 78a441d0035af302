// What fit() returns and what callbacks see: Keras's History, one array entry per epoch.

export interface EpochLogs {
  loss: number;
  accuracy: number;
  /** Present when fit had validation data. */
  val_loss?: number;
  val_accuracy?: number;
  /** Mean over the epoch's batches of ‖∇‖₂, the L2 norm of the flat gradient (after any loss transform). */
  grad_norm: number;
  /** Wall-clock seconds of the epoch's training (validation excluded). */
  seconds: number;
}

export interface HistoryRecord {
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  grad_norm: number[];
  seconds: number[];
}

export class History {
  readonly epoch: number[] = [];
  readonly history: HistoryRecord = { loss: [], accuracy: [], val_loss: [], val_accuracy: [], grad_norm: [], seconds: [] };

  record(epoch: number, logs: EpochLogs): void {
    this.epoch.push(epoch);
    const h = this.history;
    h.loss.push(logs.loss);
    h.accuracy.push(logs.accuracy);
    if (logs.val_loss !== undefined) h.val_loss.push(logs.val_loss);
    if (logs.val_accuracy !== undefined) h.val_accuracy.push(logs.val_accuracy);
    h.grad_norm.push(logs.grad_norm);
    h.seconds.push(logs.seconds);
  }
}

export interface BatchLogs {
  /** The batch loss after any loss transform. */
  loss: number;
  /** Rows in this batch. */
  size: number;
  gradNorm: number;
}

/** Hooks into fit(), as in Keras/tfjs. Set model.stopTraining = true in any of them to stop. */
export interface Callbacks {
  onTrainBegin?(): void;
  onTrainEnd?(history: History): void;
  onEpochBegin?(epoch: number): void;
  onEpochEnd?(epoch: number, logs: EpochLogs): void;
  /** Before each batch's forward pass: the place to change class weights or a learning rate. */
  onBatchBegin?(batch: number, info: { epoch: number; step: number; batches: number }): void;
  onBatchEnd?(batch: number, logs: BatchLogs): void;
}
