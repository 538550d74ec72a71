/**
 * --fill-missing: the value an empty input cell takes, per column, from the
 * training rows (mean, median or zero of the cells that are there), saved
 * with the model so that predict and evaluate fill the same way.
 */
export const FILL_METHODS = ['mean', 'median', 'zero'] as const;
export type FillMethod = (typeof FILL_METHODS)[number];

/** One value per column of `x` (rows × inputs) from its non-empty (non-NaN) cells; 0 for a column with none. */
export function fillValues(x: Float32Array, inputs: number, method: FillMethod): number[] {
  return Array.from({ length: inputs }, (_, c) => {
    if (method === 'zero') return 0;
    const present: number[] = [];
    for (let i = c; i < x.length; i += inputs) if (!Number.isNaN(x[i])) present.push(x[i]);
    if (present.length === 0) return 0;
    if (method === 'mean') return present.reduce((sum, v) => sum + v, 0) / present.length;
    present.sort((a, b) => a - b);
    const middle = present.length >> 1;
    return present.length % 2 === 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
  });
}

/** Replaces every NaN cell of `x` by its column's value, in place. */
export function fillMissing(x: Float32Array, values: readonly number[]): void {
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) x[i] = values[i % values.length];
}
