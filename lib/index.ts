// scratchnet's public API on Node: the platform-free core (lib/core.ts) plus the Node edge (lib/node/):
// files, datasets on disk, figures, the seed experiments.
// Installs Node's platform (wasm files from disk, worker_threads, process.env) for the core.
import './node/platform';
export * from './core';
export { writeFileAtomic } from './node/fs';
export * from './node/data';
export * from './node/model-file';
export * from './node/plot';
// The experiments (the AYLA loss, the dynamical loss, the cubic layer), callable from code.
export * from './node/experiments/ayla';
export * from './node/experiments/dynamic-loss';
export * from './node/experiments/custom-layer';
// Sweeps (the assignment's wandb sweeps, offline): the sweep file, the search methods, the controller and the
// transport seam it drives trials through, the local worker processes, and the HTML report.
export { parseSweepText, validateSweepConfig, SweepConfigError, type SweepConfig, type ParamSpec } from './sweep/schema';
export { SweepController, runSweep, type Progress } from './sweep/controller';
export { methodFor, type SearchMethod, type Observation } from './sweep/search';
export type { TrialTransport, TrialEvents } from './sweep/transport';
export type { TrialJob, TrialResult, EpochReport, TrialState } from './sweep/types';
export type { SweepState, TrialRecord } from './sweep/state';
export { LocalTransport } from './node/sweep/local-transport';
export { runTrial } from './node/sweep/trial-runner';
export { newSweep, readSweepFile, trainLine } from './node/sweep/sweep';
export { saveState, loadState, findState } from './node/sweep/store';
export { sweepReport, projectReport, type ReportModel } from './node/sweep/report/model';
export { writeReport, reportHtml } from './node/sweep/report/html';
export * from './node/experiments/fnn-cnn';
