/** trainTestSplit's stratify option and kFold, and the README's example of them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, kFold, trainTestSplit } from '../../lib/index.js';

/** 60 rows sorted by class: 30 of class 0, 20 of class 1, 10 of class 2; x = [row, class]. */
const LABELS = Int32Array.from({ length: 60 }, (_, i) => (i < 30 ? 0 : i < 50 ? 1 : 2));
const X = Array.from(LABELS, (label, i) => [i, label]);

function counts(labels: ArrayLike<number>): number[] {
  const out = [0, 0, 0];
  for (let i = 0; i < labels.length; i++) out[labels[i]]++;
  return out;
}

describe('trainTestSplit with stratify', () => {
  it('gives every class its share of the test rows, and keeps rows with their targets', () => {
    const split = trainTestSplit(X, LABELS, { testFraction: 0.2, seed: 4, stratify: true });
    expect(counts(split.yTest)).toEqual([6, 4, 2]);
    expect(counts(split.yTrain)).toEqual([24, 16, 8]);
    for (let r = 0; r < split.yTest.length; r++) expect(split.xTest[2 * r + 1]).toBe(split.yTest[r]);
    const rows = [...Array.from({ length: 12 }, (_, r) => split.xTest[2 * r]), ...Array.from({ length: 48 }, (_, r) => split.xTrain[2 * r])];
    expect(rows.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // The rows are mixed, not one class after another.
    expect(Array.from(split.yTest).slice(0, 6)).not.toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('shares out rounding by the largest remainder; one-hot rows stratify by their argmax', () => {
    const oneHot = Array.from(LABELS, (label) => [0, 1, 2].map((c) => (c === label ? 1 : 0)));
    const split = trainTestSplit(X, oneHot, { testFraction: 0.25, seed: 1, stratify: true });
    // 15 test rows: exact shares 7.5, 5, 2.5 → 8, 5, 2 (ties to the earlier class).
    const argmax = Array.from({ length: 15 }, (_, r) => [0, 1, 2].findIndex((c) => split.yTest[r * 3 + c] === 1));
    expect(counts(argmax)).toEqual([8, 5, 2]);
  });

  it('is seeded; without stratify the split is unchanged from before (same permutation)', () => {
    expect(trainTestSplit(X, LABELS, { seed: 9, stratify: true })).toEqual(trainTestSplit(X, LABELS, { seed: 9, stratify: true }));
    expect(trainTestSplit(X, LABELS, { seed: 9, stratify: false })).toEqual(trainTestSplit(X, LABELS, { seed: 9 }));
    expect(() => trainTestSplit(X, LABELS, { stratify: 'yes' as never })).toThrow(/options\.stratify must be/);
  });
});

describe('kFold', () => {
  it('deals every row into exactly one test fold; each split trains on the rest', () => {
    const folds = kFold(X, LABELS, { folds: 7, seed: 2 });
    expect(folds).toHaveLength(7);
    const tested: number[] = [];
    for (const fold of folds) {
      const size = fold.yTest.length;
      expect(size === 8 || size === 9).toBe(true);
      expect(fold.yTrain.length).toBe(60 - size);
      const test = new Set(Array.from({ length: size }, (_, r) => fold.xTest[2 * r]));
      for (let r = 0; r < fold.yTrain.length; r++) expect(test.has(fold.xTrain[2 * r])).toBe(false);
      tested.push(...test);
    }
    expect(tested.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('stratified: every fold holds each class in proportion', () => {
    for (const fold of kFold(X, LABELS, { folds: 5, seed: 3, stratify: true })) expect(counts(fold.yTest)).toEqual([6, 4, 2]);
    expect(kFold(X, LABELS, { folds: 5, seed: 3, stratify: true })).toEqual(kFold(X, LABELS, { folds: 5, seed: 3, stratify: true }));
  });

  it('refuses fewer than 2 folds, more folds than rows, unknown options', () => {
    expect(() => kFold(X, LABELS, { folds: 1 })).toThrow(ArgumentError);
    expect(() => kFold(X, LABELS, { folds: 61 })).toThrow(/options\.folds 61 is more than the 60 rows/);
    expect(() => kFold(X, LABELS, { testFraction: 0.2 } as never)).toThrow(/unknown option "testFraction"/);
  });
});

describe("the README's data-helper example", () => {
  it('splits first and takes the statistics from the training rows only', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Data helpers (library)'));
    const example = section.slice(section.indexOf('```js'), section.indexOf('```', section.indexOf('```js') + 5));
    expect(example.indexOf('trainTestSplit(x, y')).toBeGreaterThan(0);
    expect(example.indexOf('trainTestSplit(x, y')).toBeLessThan(example.indexOf('standardize(xTrain'));
    expect(example).not.toMatch(/standardize\(x,/);
  });
});
