/** The public surface of backprop. */
export { Network } from './network';
export type { LayerWeights, NormWeights, BatchNormWeights, LayerWeightsInput, Evaluation, LoadOptions, SaveOptions, TargetInput, BatchOptions } from './network';
export type {
  NetworkOptions,
  LayerOptions,
  NormalizationOptions,
  LossOptions,
  OptimizerOptions,
  SgdOptions,
  AdamOptions,
  RmspropOptions,
  AdagradOptions,
  ClippingOptions,
  BackendChoice,
} from './spec';
export type { InputNormalizationOptions } from './input-normalization';
export type { FitOptions } from './fit-options';
export type { History, EpochLog, BatchLog } from './training';
export type { Matrix, Labels } from './data';
export type { NetworkJSON } from './io/model-file';
export type { Activation, LossName, NormalizationType, OptimizerName, Precision } from './model-spec';
export type { BackendName } from './backends/backend';
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
  FileError,
  MemoryError,
} from './errors';
/** Reads a CSV file with a header row into numeric input rows and a target column. */
export { loadCsv } from './io/csv';
/** Reads a JSON-lines file (one object per line) into numeric input rows and a target column. */
export { loadJsonl } from './io/jsonl';
export type { TableData, TableOptions, TableInputs, TableTarget } from './io/table';
/** Reads IDX files (the MNIST format, gzip detected by magic bytes): samples and optional labels. */
export { loadIdx } from './io/idx';
export type { IdxData } from './io/idx';
/**
 * Data preparation: `oneHot` targets, per-column `standardize` / `scale`
 * returning their statistics, `applyPreprocessing` to reapply them; a
 * seeded `trainTestSplit` and `kFold`, optionally stratified.
 */
export { oneHot, standardize, scale, applyPreprocessing } from './preprocess';
export type { Preprocessing, Preprocessed, Standardization, Scaling } from './preprocess';
export { trainTestSplit, kFold } from './split';
export type { SplitOptions, KFoldOptions, Split } from './split';
