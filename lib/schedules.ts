/**
 * Learning-rate schedules, PyTorch's schedulers in their recursive
 * ("chainable") form: the rate of absolute epoch e is computed from the rate
 * epoch e − 1 ran at, so a schedule continues across fits (and resumes).
 * `oneCycle` is stepped per batch over the batches of one fit.
 */
import { ArgumentError } from './errors';
import { largerIsBetter } from './metrics';
import { checkFunction, checkInteger, checkKeys, checkNumber, checkObject, checkOneOf } from './validate';

export type ScheduleOptions =
  | { type: 'step'; stepSize: number; gamma?: number }
  | { type: 'exponential'; gamma: number }
  | { type: 'cosine'; epochs?: number; minLearningRate?: number }
  | { type: 'oneCycle'; maxLearningRate: number; pctStart?: number; divFactor?: number; finalDivFactor?: number }
  | {
      type: 'plateau';
      monitor?: string;
      factor?: number;
      patience?: number;
      threshold?: number;
      minLearningRate?: number;
    }
  /** Called before each epoch with the 1-based absolute epoch and the current rate; returns the epoch's rate. */
  | ((epoch: number, learningRate: number) => number);

/** What the training loop asks of a schedule. */
export interface Schedule {
  /** The rate absolute epoch `epoch` starts with, given the rate the previous one ran at. */
  epochRate(epoch: number, current: number): number;
  /** Per-batch schedules: the rate of the fit's `step`-th batch (0-based); null otherwise. */
  batchRate(step: number): number | null;
  /** After an epoch, with its log: the plateau schedule's new rate, or null. */
  afterEpoch(values: Readonly<Record<string, number | undefined>>, current: number): number | null;
  /** The logged value a plateau schedule watches (checked against the log before training). */
  readonly monitor?: string;
}

const TYPES = ['step', 'exponential', 'cosine', 'oneCycle', 'plateau'] as const;
const MAX = Number.MAX_VALUE;

const constant: Schedule = { epochRate: (_e, current) => current, batchRate: () => null, afterEpoch: () => null };

/**
 * What a schedule carries from epoch to epoch besides the rate, kept by the
 * network and saved with its training state: the plateau schedule's best
 * value (absent: none yet) and its count of epochs without improvement.
 */
export interface ScheduleState {
  plateauBest?: number;
  plateauBadEpochs?: number;
}

export interface ScheduleContext {
  readonly state: ScheduleState;
  /** The optimizer's initial rate (PyTorch's base_lr). */
  readonly baseRate: number;
  /** This fit's epochs and batches per epoch. */
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly hasValidation: boolean;
}

export function resolveSchedule(value: unknown, context: ScheduleContext, name = 'options.schedule'): Schedule {
  if (value === undefined) return constant;
  if (typeof value === 'function') {
    const fn = checkFunction(value, name) as (epoch: number, learningRate: number) => unknown;
    return {
      ...constant,
      epochRate: (epoch, current) => checkNumber(fn(epoch, current), `the rate ${name} returned for epoch ${epoch}`, { min: 0, max: MAX }),
    };
  }
  const options = checkObject(value, name);
  const type = checkOneOf(options.type, `${name}.type`, TYPES);
  const number = (key: string, fallback: number | undefined, range: Parameters<typeof checkNumber>[2]) =>
    checkNumber(options[key] ?? fallback, `${name}.${key}`, range);
  switch (type) {
    case 'step': {
      checkKeys(options, name, ['type', 'stepSize', 'gamma']);
      const stepSize = checkInteger(options.stepSize, `${name}.stepSize`, 1, 1e9);
      const gamma = number('gamma', 0.1, { min: 0, max: MAX });
      return { ...constant, epochRate: (e, lr) => (e > 1 && (e - 1) % stepSize === 0 ? lr * gamma : lr) };
    }
    case 'exponential': {
      checkKeys(options, name, ['type', 'gamma']);
      const gamma = number('gamma', undefined, { min: 0, max: MAX });
      return { ...constant, epochRate: (e, lr) => (e > 1 ? lr * gamma : lr) };
    }
    case 'cosine': {
      checkKeys(options, name, ['type', 'epochs', 'minLearningRate']);
      const tMax = checkInteger(options.epochs ?? context.epochs, `${name}.epochs`, 1, 1e9);
      const etaMin = number('minLearningRate', 0, { min: 0, max: MAX });
      const base = context.baseRate;
      return {
        ...constant,
        epochRate: (e, lr) => {
          const t = e - 1;
          if (t === 0) return lr;
          if ((t - 1 - tMax) % (2 * tMax) === 0) return lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
          return ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin;
        },
      };
    }
    case 'oneCycle': {
      checkKeys(options, name, ['type', 'maxLearningRate', 'pctStart', 'divFactor', 'finalDivFactor']);
      const maxRate = number('maxLearningRate', undefined, { min: 0, max: MAX });
      const pctStart = number('pctStart', 0.3, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
      const initial = maxRate / number('divFactor', 25, { min: 0, minExclusive: true, max: MAX });
      const minimum = initial / number('finalDivFactor', 1e4, { min: 0, minExclusive: true, max: MAX });
      const total = context.epochs * context.batchesPerEpoch;
      const warmEnd = pctStart * total - 1;
      const end = total - 1;
      const anneal = (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
      return {
        ...constant,
        batchRate: (step) =>
          step <= warmEnd ? anneal(initial, maxRate, step / warmEnd) : anneal(maxRate, minimum, (step - warmEnd) / (end - warmEnd)),
      };
    }
    case 'plateau': {
      checkKeys(options, name, ['type', 'monitor', 'factor', 'patience', 'threshold', 'minLearningRate']);
      const monitor = options.monitor === undefined ? (context.hasValidation ? 'valLoss' : 'loss') : checkMonitorName(options.monitor, `${name}.monitor`);
      const factor = number('factor', 0.1, { min: 0, max: 1, maxExclusive: true });
      const patience = checkInteger(options.patience ?? 10, `${name}.patience`, 0, 1e9);
      const threshold = number('threshold', 1e-4, { min: 0, max: MAX });
      const minRate = number('minLearningRate', 0, { min: 0, max: MAX });
      const larger = largerIsBetter(monitor);
      const { state } = context;
      return {
        ...constant,
        monitor,
        afterEpoch: (values, lr) => {
          const value = values[monitor] as number;
          const best = state.plateauBest ?? (larger ? -Infinity : Infinity);
          const better = larger ? value > best * (1 + threshold) : value < best * (1 - threshold);
          if (better) {
            state.plateauBest = value;
            state.plateauBadEpochs = 0;
          } else state.plateauBadEpochs = (state.plateauBadEpochs ?? 0) + 1;
          if (state.plateauBadEpochs <= patience) return null;
          state.plateauBadEpochs = 0;
          const reduced = Math.max(lr * factor, minRate);
          // As PyTorch: changes smaller than 1e-8 are ignored.
          return lr - reduced > 1e-8 ? reduced : null;
        },
      };
    }
  }
}

export function checkMonitorName(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ArgumentError(`${name} must be the name of a logged value (such as 'valLoss'), got ${String(value)}`);
  return value;
}
