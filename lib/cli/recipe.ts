/**
 * The data recipe the CLI keeps with a model: which columns are inputs,
 * which is the target, the class names, and the preprocessing statistics,
 * so that predict and evaluate turn new data into inputs exactly as train did.
 */
import { FormatError } from '../errors';
import { checkPreprocessing, type Preprocessing } from '../preprocess';
import { isPlainObject } from '../validate';

export interface DataRecipe {
  /** Input column names in order; null for positional data (IDX). */
  columns: string[] | null;
  /** Target column name; null for IDX labels. */
  target: string | null;
  /** Class names (label i is classes[i]); null when labels are the target's own integers. */
  classes: string[] | null;
  preprocessing: Preprocessing | null;
}

/** The safetensors __metadata__ key that holds the recipe as JSON. */
export const RECIPE_KEY = 'backprop.data';

function names(value: unknown, key: string, source: string): string[] | null {
  if (value === null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new FormatError(`${source}: __metadata__["${RECIPE_KEY}"].${key} must be null or an array of strings`);
  }
  return value as string[];
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
  const target = value.target;
  if (target !== null && typeof target !== 'string') {
    throw new FormatError(`${source}: __metadata__["${RECIPE_KEY}"].target must be null or a string`);
  }
  let preprocessing: Preprocessing | null = null;
  if (value.preprocessing !== null) {
    try {
      preprocessing = checkPreprocessing(value.preprocessing, 'preprocessing');
    } catch (error) {
      throw new FormatError(`${source}: __metadata__["${RECIPE_KEY}"]: ${(error as Error).message}`);
    }
  }
  return {
    columns: names(value.columns, 'columns', source),
    target,
    classes: names(value.classes, 'classes', source),
    preprocessing,
  };
}
