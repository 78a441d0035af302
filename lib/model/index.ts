export { Sequential, DivergenceError, type SequentialOptions, type CompileOptions, type FitOptions, type EvaluateResult, type Targets } from './sequential';
export { History, type EpochLogs, type BatchLogs, type Callbacks, type HistoryRecord } from './history';
export { modelToBytes, modelFromBytes, parseModelBytes, type ModelHeader } from './io';
