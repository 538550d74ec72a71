/**
 * The data recipe a network carries (Keras's Normalization layer, and the
 * class names): per-column input normalization applied to every input row
 * before it reaches an engine, so both engines see the same float32 inputs,
 * and the names of the classes predictClasses() returns. Plain options in,
 * plain options out (toJSON, the model file's metadata).
 */
import type { LossName, ModelSpec } from './model-spec';
import type { Ownership, RowData } from './data';
import { ArgumentError, FormatError } from './errors';
import { checkPreprocessing, scaling, scalingOf, standardization, standardizationOf, transform, transformInto, type Preprocessing } from './preprocess';
import type { Sliced } from './slices';
import { checkKeys, checkNumber, describe, fail, isPlainObject } from './validate';

/**
 * `'standardize'`: x′ = (x − mean) / std (population std); `'scale'`:
 * x′ = (x − min) / (max − min); statistics from the training rows of the
 * first fit or from `adapt(x)`. Or the statistics themselves, one number
 * per input column. A constant column becomes 0.
 */
export type InputNormalizationOptions =
  | 'standardize'
  | 'scale'
  | { mean: number[]; std: number[] }
  | { min: number[]; max: number[] };

/** The recipe as network options (and as toJSON() and the model file hold it). */
export interface RecipeOptions {
  inputNormalization?: InputNormalizationOptions;
  classes?: string[];
}

/** The NetworkOptions keys this module owns. */
export const RECIPE_KEYS = ['inputNormalization', 'classes'] as const;

/** The CLI of 0.1 kept its --standardize/--scale statistics and class names under this __metadata__ key. */
export const LEGACY_CLI_KEY = 'backprop.data';

function columns(value: unknown, name: string, width: number): number[] {
  if (!Array.isArray(value) || value.length !== width) fail(name, `an array of ${width} numbers (one per input)`, value);
  return value.map((v: unknown, i) => checkNumber(v, `${name}[${i}]`));
}

function resolveNormalization(value: unknown, inputs: number): InputNormalizationOptions | undefined {
  const name = 'inputNormalization';
  if (value === undefined || value === 'standardize' || value === 'scale') return value;
  if (!isPlainObject(value)) fail(name, "'standardize', 'scale', { mean, std } or { min, max }", value);
  if ('mean' in value || 'std' in value) {
    checkKeys(value, name, ['mean', 'std']);
    const mean = columns(value.mean, `${name}.mean`, inputs);
    const std = columns(value.std, `${name}.std`, inputs);
    std.forEach((s, i) => checkNumber(s, `${name}.std[${i}]`, { min: 0, minExclusive: true }));
    return { mean, std };
  }
  checkKeys(value, name, ['min', 'max']);
  const min = columns(value.min, `${name}.min`, inputs);
  const max = columns(value.max, `${name}.max`, inputs);
  max.forEach((high, i) => {
    if (high < min[i]) throw new ArgumentError(`${name}.max[${i}] is ${high}, below ${name}.min[${i}] ${min[i]}`);
  });
  return { min, max };
}

/** How many class names a network with this loss and output width takes, or why it takes none. */
function classCount(loss: LossName, outputs: number): number | string {
  if (loss === 'crossEntropy') return outputs;
  if (loss === 'binaryCrossEntropy' && outputs === 1) return 2;
  return `classes needs loss 'crossEntropy' (one name per output) or 'binaryCrossEntropy' with one output (two names), not '${loss}' with ${outputs} output${outputs === 1 ? '' : 's'}`;
}

function resolveClasses(value: unknown, spec: ModelSpec): string[] | undefined {
  if (value === undefined) return undefined;
  const count = classCount(spec.loss, spec.layers[spec.layers.length - 1].units);
  if (typeof count === 'string') throw new ArgumentError(count);
  if (!Array.isArray(value) || value.length !== count || !value.every((v) => typeof v === 'string')) {
    fail('classes', `an array of ${count} class names (strings)`, value);
  }
  if (new Set(value).size !== value.length) fail('classes', 'distinct names', value);
  return [...(value as string[])];
}

/** Checks the recipe part of network options. */
export function resolveRecipe(options: Record<string, unknown>, spec: ModelSpec): RecipeOptions {
  const recipe: RecipeOptions = {};
  const inputNormalization = resolveNormalization(options.inputNormalization, spec.inputs);
  const classes = resolveClasses(options.classes, spec);
  if (inputNormalization !== undefined) recipe.inputNormalization = inputNormalization;
  if (classes !== undefined) recipe.classes = classes;
  return recipe;
}

function statsOf(options: InputNormalizationOptions | undefined): Preprocessing | null {
  if (options === undefined || typeof options === 'string') return null;
  return 'mean' in options ? { kind: 'standardize', ...options } : { kind: 'scale', ...options };
}

/** A network's recipe: validated at construction, adapted at most once by fit, replaced by adapt(). */
export class InputRecipe {
  readonly #kind: 'standardize' | 'scale' | null;
  #stats: Preprocessing | null;
  readonly classes: readonly string[] | null;

  constructor(recipe: RecipeOptions) {
    const normalization = recipe.inputNormalization;
    this.#stats = statsOf(normalization);
    this.#kind = typeof normalization === 'string' ? normalization : (this.#stats?.kind ?? null);
    this.classes = recipe.classes ? Object.freeze([...recipe.classes]) : null;
  }

  /** The options that rebuild this recipe: statistics once known, else the name. */
  toOptions(): RecipeOptions {
    const options: RecipeOptions = {};
    const stats = this.#stats;
    if (stats !== null) {
      options.inputNormalization =
        stats.kind === 'standardize' ? { mean: [...stats.mean], std: [...stats.std] } : { min: [...stats.min], max: [...stats.max] };
    } else if (this.#kind !== null) {
      options.inputNormalization = this.#kind;
    }
    if (this.classes !== null) options.classes = [...this.classes];
    return options;
  }

  /** Computes the statistics of this recipe's kind from these rows (every column of `inputs`). */
  adapt(rows: RowData, inputs: number): void {
    if (this.#kind === null) throw new ArgumentError('adapt() needs the network option inputNormalization');
    this.#stats = (this.#kind === 'standardize' ? standardization : scaling)(rows.data, rows.rows, inputs);
  }

  /**
   * A fit's data as the engines see it: a named normalization without
   * statistics yet takes them from the training rows (validation rows are
   * separate), then both are normalized.
   */
  *fitData<T extends { x: Float32Array; rows: number }>(
    train: T,
    validation: T | undefined,
    inputs: number,
    ownership: Ownership,
  ): Sliced<{ train: T; validation: T | undefined }> {
    if (this.#kind === null) return { train, validation };
    this.#stats ??= yield* (this.#kind === 'standardize' ? standardizationOf : scalingOf)(train.x, train.rows, inputs);
    const stats = this.#stats;
    // Data the fit owns is normalized in place; the caller's (fitSync) into a copy.
    function* normalized(set: T): Sliced<T> {
      const out = ownership === 'own' ? set.x : new Float32Array(set.x.length);
      yield* transformInto(set.x, inputs, stats, out);
      return { ...set, x: out };
    }
    return { train: yield* normalized(train), validation: validation && (yield* normalized(validation)) };
  }

  /** The rows as the engines see them: normalized, in a new array, or the rows themselves. */
  apply(rows: RowData, inputs: number): RowData {
    if (this.#kind === null) return rows;
    if (this.#stats === null) {
      throw new ArgumentError(
        `inputNormalization '${this.#kind}' has no statistics yet: fit the network, call net.adapt(x), or give { ${this.#kind === 'standardize' ? 'mean, std' : 'min, max'} }`,
      );
    }
    return { data: transform(rows.data, inputs, this.#stats), rows: rows.rows };
  }

  /** The class of each output row (see classify), named by this recipe's classes when set. */
  classify(out: Float32Array, outputs: number, loss: LossName): string[] | number[] {
    return classify(out, outputs, loss, this.classes);
  }
}

/** The class of each output row: argmax (crossEntropy) or p > 0.5 (one sigmoid output); a name when `classes` are given. */
export function classify(out: Float32Array, outputs: number, loss: LossName, classes: readonly string[] | null): string[] | number[] {
  const count = classCount(loss, outputs);
  if (typeof count === 'string') throw new ArgumentError(`predictClasses: ${count.replace(/^classes needs/, 'needs')}`);
  const rows = out.length / outputs;
  const labels = Array.from({ length: rows }, (_, r) => {
    if (outputs === 1) return out[r] > 0.5 ? 1 : 0;
    let best = 0;
    for (let c = 1; c < outputs; c++) if (out[r * outputs + c] > out[r * outputs + best]) best = c;
    return best;
  });
  return classes === null ? labels : labels.map((label) => classes[label]);
}

/** The model file's __metadata__ entries of a recipe (JSON strings). */
export function recipeMetadata(recipe: RecipeOptions): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const key of RECIPE_KEYS) if (recipe[key] !== undefined) metadata[key] = JSON.stringify(recipe[key]);
  return metadata;
}

function parseEntry(text: string, key: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FormatError(`${source}: __metadata__["${key}"] is not valid JSON`);
  }
}

/**
 * The recipe a model file holds; for a file written by 0.1's CLI, the
 * statistics and class names of its own metadata entry (class names only
 * where the network's loss takes them).
 */
export function recipeFromMetadata(metadata: Record<string, string>, spec: ModelSpec, source: string): RecipeOptions {
  const raw: Record<string, unknown> = {};
  for (const key of RECIPE_KEYS) if (metadata[key] !== undefined) raw[key] = parseEntry(metadata[key], key, source);
  const legacy = metadata[LEGACY_CLI_KEY];
  if (raw.inputNormalization === undefined && raw.classes === undefined && legacy !== undefined) {
    Object.assign(raw, legacyRecipe(parseEntry(legacy, LEGACY_CLI_KEY, source), spec, source));
  }
  try {
    return resolveRecipe(raw, spec);
  } catch (error) {
    if (error instanceof ArgumentError) throw new FormatError(`${source}: ${error.message}`);
    throw error;
  }
}

function legacyRecipe(value: unknown, spec: ModelSpec, source: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new FormatError(`${source}: __metadata__["${LEGACY_CLI_KEY}"] must be an object`);
  const recipe: Record<string, unknown> = {};
  if (value.preprocessing !== null && value.preprocessing !== undefined) {
    let stats: Preprocessing;
    try {
      stats = checkPreprocessing(value.preprocessing, 'preprocessing');
    } catch (error) {
      throw new FormatError(`${source}: __metadata__["${LEGACY_CLI_KEY}"]: ${(error as Error).message}`);
    }
    recipe.inputNormalization = stats.kind === 'standardize' ? { mean: stats.mean, std: stats.std } : { min: stats.min, max: stats.max };
  }
  const classes = value.classes;
  if (Array.isArray(classes) && classes.length === classCount(spec.loss, spec.layers[spec.layers.length - 1].units)) {
    recipe.classes = classes;
  } else if (classes !== null && classes !== undefined && !Array.isArray(classes)) {
    throw new FormatError(`${source}: __metadata__["${LEGACY_CLI_KEY}"].classes must be null or an array, got ${describe(classes)}`);
  }
  return recipe;
}
