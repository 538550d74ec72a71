/**
 * Argument checks shared by the facade. Each throws an ArgumentError whose
 * message names the argument, what was expected and what was given.
 */
import { ArgumentError } from './errors';

/** A short, safe description of any value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

export function fail(name: string, expected: string, value: unknown): never {
  throw new ArgumentError(`${name} must be ${expected}, got ${describe(value)}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function checkObject(value: unknown, name: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(name, 'a plain object', value);
  return value;
}

/** Throws when the object has keys outside `known` (catches typos such as `learningrate`). */
export function checkKeys(value: Record<string, unknown>, name: string, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ArgumentError(`${name} has an unknown option "${key}"; expected one of ${known.join(', ')}`);
    }
  }
}

export function checkInteger(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    fail(name, `an integer ${range}`, value);
  }
  return value;
}

export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  /** min itself is not allowed */
  readonly minExclusive?: boolean;
  /** max itself is not allowed */
  readonly maxExclusive?: boolean;
}

export function checkNumber(value: unknown, name: string, range: NumberRange = {}): number {
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) &&
    (maxExclusive ? value < max : value <= max);
  if (!ok) {
    const low = min === -Infinity ? '' : `${minExclusive ? '>' : '≥'} ${min}`;
    const high = max === Infinity ? '' : `${maxExclusive ? '<' : '≤'} ${max}`;
    fail(name, `a finite number${low || high ? ' ' : ''}${[low, high].filter(Boolean).join(' and ')}`, value);
  }
  return value;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') fail(name, 'true or false', value);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

export function checkFunction(value: unknown, name: string): (...args: never[]) => unknown {
  if (typeof value !== 'function') fail(name, 'a function', value);
  return value as (...args: never[]) => unknown;
}
