/**
 * Parsers for option values. Each throws commander's InvalidArgumentError,
 * which commander reports as one line naming the option and the value.
 */
import { InvalidArgumentError } from 'commander';
import type { Activation } from '../index';
import type { LayerOptions } from '../index';
import { ACTIVATIONS } from '../spec';

export function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

/** A fraction in [0, 1). */
export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('expected a number in [0, 1)');
  return n;
}

/** "128:relu,10:softmax" → layer options; an activation left out is 'linear'. */
export function layers(value: string): LayerOptions[] {
  return value.split(',').map((part) => {
    const [units, activation = 'linear', extra] = part.trim().split(':');
    const count = Number(units);
    if (extra !== undefined || units === '' || !Number.isSafeInteger(count) || count < 1) {
      throw new InvalidArgumentError(`expected UNITS[:ACTIVATION],… such as 128:relu,10:softmax; "${part}" is not`);
    }
    if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
      throw new InvalidArgumentError(`"${activation}" is not an activation (${ACTIVATIONS.join(', ')})`);
    }
    return { units: count, activation: activation as Activation };
  });
}

/** A comma-separated list whose items must each be one of `allowed`. */
export function listOf(allowed: readonly string[]): (value: string) => string[] {
  return (value) => {
    const items = value.split(',').map((item) => item.trim());
    const unknown = items.find((item) => !allowed.includes(item));
    if (unknown !== undefined) throw new InvalidArgumentError(`"${unknown}" is not one of ${allowed.join(', ')}`);
    return items;
  };
}

/** A comma-separated list of integers ≥ 1. */
export function integerList(value: string): number[] {
  return value.split(',').map((item) => integer(1)(item));
}

/** A comma-separated list of column names. */
export function names(value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new InvalidArgumentError('expected column names separated by commas, such as id,date');
  return items;
}
