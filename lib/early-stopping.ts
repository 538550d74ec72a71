/**
 * Early stopping as Keras's EarlyStopping, restoring the best weights by
 * default: training stops after max(patience, 1) epochs in a row that
 * brought no improvement greater than minDelta in the monitored value.
 */
import { largerIsBetter } from './metrics';
import { checkMonitorName } from './schedules';
import { checkBoolean, checkInteger, checkKeys, checkNumber, checkObject, checkOneOf } from './validate';

export interface EarlyStoppingOptions {
  /** A logged value: 'loss', 'valLoss', 'accuracy', or a validation metric ('valF1', 'valAuc', 'valR2', …). Default 'valLoss' ('loss' without validation). */
  monitor?: string;
  /** Epochs without improvement tolerated; default 0 (stop after the first). */
  patience?: number;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (max for accuracy, precision, recall, f1, auc, r2; min otherwise). */
  mode?: 'auto' | 'min' | 'max';
  /** Put back the weights of the best epoch when training ends; default true. */
  restoreBestWeights?: boolean;
}

export interface EarlyStopping {
  readonly monitor: string;
  readonly restoreBestWeights: boolean;
  /** After an epoch: whether it improved on the best so far, and whether to stop. */
  observe(value: number): { improved: boolean; stop: boolean };
}

/** Whether each new value beats the best so far by more than minDelta (NaN never does). */
export function improvementTracker(monitor: string, mode: 'auto' | 'min' | 'max', minDelta: number): (value: number) => boolean {
  const larger = mode === 'max' || (mode === 'auto' && largerIsBetter(monitor));
  let best = larger ? -Infinity : Infinity;
  return (current) => {
    const improved = larger ? current - minDelta > best : current + minDelta < best;
    if (improved) best = current;
    return improved;
  };
}

export function resolveEarlyStopping(value: unknown, hasValidation: boolean, name = 'options.earlyStopping'): EarlyStopping | undefined {
  if (value === undefined) return undefined;
  const options = checkObject(value, name);
  checkKeys(options, name, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
  const monitor = options.monitor === undefined ? (hasValidation ? 'valLoss' : 'loss') : checkMonitorName(options.monitor, `${name}.monitor`);
  const patience = checkInteger(options.patience ?? 0, `${name}.patience`, 0, 1e9);
  const minDelta = checkNumber(options.minDelta ?? 0, `${name}.minDelta`, { min: 0 });
  const mode = checkOneOf(options.mode ?? 'auto', `${name}.mode`, ['auto', 'min', 'max'] as const);
  const restoreBestWeights = checkBoolean(options.restoreBestWeights ?? true, `${name}.restoreBestWeights`);
  const improves = improvementTracker(monitor, mode, minDelta);
  let wait = 0;
  return {
    monitor,
    restoreBestWeights,
    observe(current) {
      const improved = improves(current);
      wait = improved ? 0 : wait + 1;
      return { improved, stop: !improved && wait >= Math.max(patience, 1) };
    },
  };
}
