/**
 * Parsers for option values. Each throws commander's InvalidArgumentError,
 * which commander reports as one line naming the option and the value.
 */
import { InvalidArgumentError } from 'commander';
import type { Activation, NormalizationType } from '../index';
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

/** Numeric block options a --layers part may set as NAME=VALUE (their rules are the facade's). */
const BLOCK_OPTIONS = ['dropout', 'l1', 'l2'] as const;
type BlockOption = (typeof BLOCK_OPTIONS)[number];

/** Words of a --layers part that set its normalization (PyTorch's defaults). */
const NORMALIZATION_WORDS: Record<string, NormalizationType> = { batchnorm: 'batch', layernorm: 'layer' };

/**
 * "128:relu:batchnorm:dropout=0.2,64:tanh:layernorm:l2=1e-4,10:softmax" →
 * layer options: the units, then in any order at most one activation
 * (default 'linear'), at most one of batchnorm / layernorm, and NAME=VALUE
 * block options.
 */
export function layers(value: string): LayerOptions[] {
  return value.split(',').map((part) => {
    const [units, ...parts] = part.trim().split(':');
    const count = Number(units);
    if (units === '' || !Number.isSafeInteger(count) || count < 1) {
      throw new InvalidArgumentError(`expected UNITS[:ACTIVATION][:batchnorm|layernorm][:NAME=VALUE]…,… such as 128:relu:batchnorm:dropout=0.2,10:softmax; "${part}" is not`);
    }
    const layer: LayerOptions = { units: count };
    for (const item of parts) {
      const [name, text, extra] = item.split('=');
      if (text === undefined && name in NORMALIZATION_WORDS) {
        if (layer.normalization !== undefined) throw new InvalidArgumentError(`"${part}" has two normalizations`);
        layer.normalization = NORMALIZATION_WORDS[name];
        continue;
      }
      if (text === undefined) {
        if (!(ACTIVATIONS as readonly string[]).includes(name)) {
          throw new InvalidArgumentError(
            `"${name}" is not an activation (${ACTIVATIONS.join(', ')}), a normalization (${Object.keys(NORMALIZATION_WORDS).join(', ')}) nor NAME=VALUE (${BLOCK_OPTIONS.join(', ')})`,
          );
        }
        if (layer.activation !== undefined) throw new InvalidArgumentError(`"${part}" has two activations`);
        layer.activation = name as Activation;
        continue;
      }
      const number = Number(text);
      if (!(BLOCK_OPTIONS as readonly string[]).includes(name) || extra !== undefined || text.trim() === '' || !Number.isFinite(number)) {
        throw new InvalidArgumentError(`"${item}" in "${part}" is not NAME=NUMBER with NAME one of ${BLOCK_OPTIONS.join(', ')}`);
      }
      layer[name as BlockOption] = number;
    }
    return { ...layer, activation: layer.activation ?? 'linear' };
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
