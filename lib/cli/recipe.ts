/**
 * What the CLI keeps with a model beyond the network's own recipe
 * (inputNormalization and classes, which the library saves): which columns
 * are inputs, which is the target, the target's class names, and the values
 * that fill empty cells, so that predict and evaluate read new data exactly
 * as train did. Files of 0.1 also hold their preprocessing statistics here,
 * which Network.load itself turns into the network's inputNormalization.
 */
import { FormatError } from '../errors';
import { LEGACY_CLI_KEY } from '../input-normalization';
import { isPlainObject } from '../validate';

export interface DataRecipe {
  /** Input column names in order; null for positional data (IDX). */
  columns: string[] | null;
  /** Target column name; null for IDX labels. */
  target: string | null;
  /** Class names of the target (label i is classes[i]); null when labels are the target's own numbers. */
  classes: string[] | null;
  /** Per input column, the value of an empty cell (--fill-missing); null: empty cells are an error. */
  fill: number[] | null;
}

/** The safetensors __metadata__ key that holds the recipe as JSON (the key 0.1 used). */
export const RECIPE_KEY = LEGACY_CLI_KEY;

function entry(key: string, source: string): string {
  return `${source}: __metadata__["${RECIPE_KEY}"].${key}`;
}

function names(value: unknown, key: string, source: string): string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new FormatError(`${entry(key, source)} must be null or an array of strings`);
  }
  return value as string[];
}

function fillValues(value: unknown, source: string): number[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new FormatError(`${entry('fill', source)} must be null or an array of finite numbers`);
  }
  return value as number[];
}

export function parseRecipe(text: string | undefined, source: string): DataRecipe | null {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError(`${source}: __metadata__["${RECIPE_KEY}"] is not valid JSON`);
  }
  if (!isPlainObject(value)) throw new FormatError(`${source}: __metadata__["${RECIPE_KEY}"] must be an object`);
  const target = value.target ?? null;
  if (target !== null && typeof target !== 'string') throw new FormatError(`${entry('target', source)} must be null or a string`);
  return {
    columns: names(value.columns, 'columns', source),
    target,
    classes: names(value.classes, 'classes', source),
    fill: fillValues(value.fill, source),
  };
}
