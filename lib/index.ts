/** The public surface of backprop. */
export { Network } from './network';
export type { LayerWeights, Evaluation, LoadOptions, SaveOptions, TargetInput } from './network';
export type { NetworkOptions, LayerOptions, OptimizerOptions, BackendChoice } from './spec';
export type { FitOptions } from './fit-options';
export type { History, EpochLog, BatchLog } from './training';
export type { Matrix, Labels } from './data';
export type { NetworkJSON } from './io/model-file';
export type { Activation, LossName, OptimizerName, BackendName, Precision } from './backends/backend';
export { info, version } from './info';
export type { Info } from './info';
export {
  BackpropError,
  ArgumentError,
  ShapeError,
  BusyError,
  DisposedError,
  DivergenceError,
  FormatError,
  BackendError,
} from './errors';
/** Reads a CSV file with a header row into numeric input rows and a target column. */
export { loadCsv } from './io/csv';
/** Reads a JSON-lines file (one object per line) into numeric input rows and a target column. */
export { loadJsonl } from './io/jsonl';
export type { TableData, TableOptions } from './io/table';
/** Reads IDX files (the MNIST format, gzip detected by magic bytes): samples and optional labels. */
export { loadIdx } from './io/idx';
export type { IdxData } from './io/idx';
/**
 * Data preparation: `oneHot` targets, per-column `standardize` / `scale`
 * returning their statistics, `applyPreprocessing` to reapply them, and a
 * seeded `trainTestSplit`.
 */
export { oneHot, standardize, scale, applyPreprocessing, trainTestSplit } from './preprocess';
export type { Preprocessing, Preprocessed, Standardization, Scaling, SplitOptions, Split } from './preprocess';
