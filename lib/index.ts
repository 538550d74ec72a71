/** The public surface of backprop. */
export { Network } from './network';
export type { LayerWeights, Evaluation, LoadOptions, TargetInput } from './network';
export type { NetworkOptions, LayerOptions, OptimizerOptions, BackendChoice } from './spec';
export type { FitOptions } from './fit-options';
export type { History, EpochLog, BatchLog } from './training';
export type { Matrix, Labels } from './data';
export type { NetworkJSON } from './io/model-file';
export type { Activation, LossName, OptimizerName, BackendName } from './backends/backend';
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
