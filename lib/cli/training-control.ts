/**
 * The training-control flags of `backprop train` (--schedule,
 * --early-stopping, --monitor, --clip-norm, --class-weight, --checkpoint)
 * turned into the library's fit and optimizer options.
 */
import { InvalidArgumentError } from 'commander';
import type { FitOptions } from '../fit-options';

export type ScheduleFlag = NonNullable<FitOptions['schedule']>;

function numbers(parts: string[], flag: string): number[] {
  return parts.map((part) => {
    const n = Number(part);
    if (part.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${part}" is not a number in ${flag}`);
    return n;
  });
}

/** cosine[:MIN_LR] | step:SIZE[:GAMMA] | exponential:GAMMA | onecycle:MAX_LR | plateau[:PATIENCE[:FACTOR]] */
export function scheduleFlag(value: string): ScheduleFlag {
  const [name, ...rest] = value.split(':');
  const args = numbers(rest, '--schedule');
  const usage = 'expected cosine[:MIN_LR], step:SIZE[:GAMMA], exponential:GAMMA, onecycle:MAX_LR or plateau[:PATIENCE[:FACTOR]]';
  const fits = (min: number, max: number) => {
    if (args.length < min || args.length > max) throw new InvalidArgumentError(`${usage}; "${value}" is not`);
  };
  switch (name) {
    case 'cosine':
      fits(0, 1);
      return args.length ? { type: 'cosine', minLearningRate: args[0] } : { type: 'cosine' };
    case 'step':
      fits(1, 2);
      return args.length === 2 ? { type: 'step', stepSize: args[0], gamma: args[1] } : { type: 'step', stepSize: args[0] };
    case 'exponential':
      fits(1, 1);
      return { type: 'exponential', gamma: args[0] };
    case 'onecycle':
      fits(1, 1);
      return { type: 'oneCycle', maxLearningRate: args[0] };
    case 'plateau':
      fits(0, 2);
      return { type: 'plateau', ...(args.length > 0 ? { patience: args[0] } : {}), ...(args.length > 1 ? { factor: args[1] } : {}) };
    default:
      throw new InvalidArgumentError(`${usage}; "${value}" is not`);
  }
}

/** `balanced` or one weight per class, comma-separated. */
export function classWeightFlag(value: string): 'balanced' | number[] {
  return value === 'balanced' ? 'balanced' : numbers(value.split(','), '--class-weight');
}

/**
 * scikit-learn's 'balanced' class weights: rows / (classes × rows of the
 * class), for labels in [0, classes); a class without rows weighs 0.
 */
export function balancedClassWeights(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts.map((count) => (count === 0 ? 0 : labels.length / (classes * count)));
}
