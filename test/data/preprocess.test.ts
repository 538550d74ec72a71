/** oneHot, standardize, scale, applyPreprocessing and trainTestSplit. */
import { describe, expect, it } from 'vitest';
import { applyPreprocessing, ArgumentError, oneHot, scale, ShapeError, standardize, trainTestSplit } from '../../lib/index.js';

describe('oneHot', () => {
  it('puts a 1 at each label', () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(oneHot(Uint8Array.of(1), 2))).toEqual([0, 1]);
  });

  it.each([
    [[3], 3, /labels\[0\] must be an integer in \[0, 2\], got 3/],
    [[0.5], 3, /labels\[0\] must be an integer in \[0, 2\], got 0.5/],
    [[0], 0, /classes must be an integer in \[1, 16777216\], got 0/],
    ['abc', 3, /labels must be an array or typed array of class labels/],
  ])('refuses %j with %j classes', (labels, classes, message) => {
    expect(() => oneHot(labels as number[], classes)).toThrow(ArgumentError);
    expect(() => oneHot(labels as number[], classes)).toThrow(message);
  });
});

describe('standardize and scale', () => {
  const x = [
    [1, 10, 5],
    [3, 20, 5],
    [5, 60, 5],
  ];

  it('standardize: per-column mean and population std; a constant column becomes 0', () => {
    const { data, stats } = standardize(x, 3);
    const std1 = Math.sqrt(8 / 3);
    const std2 = Math.sqrt(((10 - 30) ** 2 + (20 - 30) ** 2 + (60 - 30) ** 2) / 3);
    expect(stats).toEqual({ kind: 'standardize', mean: [3, 30, 5], std: [std1, std2, 1] });
    expect(Array.from(data)).toEqual(
      [-2 / std1, -20 / std2, 0, 0, -10 / std2, 0, 2 / std1, 30 / std2, 0].map(Math.fround),
    );
  });

  it('scale: per-column (x − min) / (max − min); a constant column becomes 0', () => {
    const { data, stats } = scale(Float32Array.from(x.flat()), 3);
    expect(stats).toEqual({ kind: 'scale', min: [1, 10, 5], max: [5, 60, 5] });
    expect(Array.from(data)).toEqual([0, 0, 0, 0.5, 0.2, 0, 1, 1, 0].map(Math.fround));
  });

  it('applyPreprocessing reproduces the transform bit for bit, on new rows too, and survives JSON', () => {
    for (const method of [standardize, scale]) {
      const { data, stats } = method(x, 3);
      const again = applyPreprocessing(x, JSON.parse(JSON.stringify(stats)) as typeof stats);
      expect(Array.from(again)).toEqual(Array.from(data));
      expect(applyPreprocessing([[3, 30, 5]], stats)).toHaveLength(3);
    }
    expect(Array.from(applyPreprocessing([7, 35, 6], scale(x, 3).stats))).toEqual([1.5, 0.5, 1]);
  });

  it.each([
    [{ kind: 'scale', min: [0], max: [1, 2] }, /stats\.max must be an array of 1 numbers/],
    [{ kind: 'standardize', mean: [0], std: [0] }, /stats\.std\[0\] must be a finite number > 0, got 0/],
    [{ kind: 'normalize' }, /stats\.kind must be 'standardize' or 'scale', got "normalize"/],
    [{ kind: 'scale', min: [0], max: [1], extra: 1 }, /unknown option "extra"/],
  ])('applyPreprocessing refuses %j', (stats, message) => {
    expect(() => applyPreprocessing([1], stats as never)).toThrow(message);
  });

  it('names the data when it does not fit the width', () => {
    expect(() => standardize([1, 2, 3], 2)).toThrow(ShapeError);
    expect(() => scale([[1, Number.NaN]], 2)).toThrow(/x\[0\]\[1\] must be a finite number, got NaN/);
    expect(() => applyPreprocessing([1, 2], scale(x, 3).stats)).toThrow(/x has 2 values, not a multiple of the row width 3/);
    expect(() => standardize(x, 0)).toThrow(/width must be an integer/);
  });
});

describe('trainTestSplit', () => {
  const rows = 10;
  const x = Array.from({ length: rows }, (_, i) => [i, -i]);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);

  it('is a seeded permutation: every row once, inputs and targets kept together', () => {
    const split = trainTestSplit(x, labels, { testFraction: 0.3, seed: 7 });
    expect(split.xTest).toHaveLength(3 * 2);
    expect(split.xTrain).toHaveLength(7 * 2);
    expect(split.yTrain).toBeInstanceOf(Int32Array);
    const seen: number[] = [];
    for (const [xs, ys] of [[split.xTrain, split.yTrain], [split.xTest, split.yTest]] as const) {
      for (let r = 0; r < ys.length; r++) {
        expect(xs[2 * r + 1]).toBe(-xs[2 * r]);
        expect(ys[r]).toBe(xs[2 * r] % 3);
        seen.push(xs[2 * r]);
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
  });

  it('the same seed gives the same split; another seed another one', () => {
    const a = trainTestSplit(x, labels, { seed: 1 });
    const b = trainTestSplit(x, labels, { seed: 1 });
    const c = trainTestSplit(x, labels, { seed: 2 });
    expect(b).toEqual(a);
    expect(Array.from(c.xTest)).not.toEqual(Array.from(a.xTest));
    expect(a.xTest).toHaveLength(2 * 2);
  });

  it('dense targets stay rows of floats; a flat x needs options.inputs', () => {
    const y = x.map(([v]) => [v / 10, 1 - v / 10]);
    const split = trainTestSplit(Float32Array.from(x.flat()), y, { inputs: 2, testFraction: 0.5, seed: 3 });
    expect(split.yTest).toBeInstanceOf(Float32Array);
    for (let r = 0; r < 5; r++) expect(split.yTest[2 * r]).toBe(Math.fround(split.xTest[2 * r] / 10));
    expect(() => trainTestSplit(Float32Array.from(x.flat()), y)).toThrow(/options\.inputs must be the row width of x/);
  });

  it.each([
    [{ testFraction: 0 }, /options\.testFraction must be a finite number > 0 and < 1, got 0/],
    [{ testFraction: 0.01 }, /gives 0 test and 10 training rows; both need at least 1/],
    [{ seed: -1 }, /options\.seed must be an integer ≥ 0, got -1/],
    [{ shuffle: true }, /options has an unknown option "shuffle"/],
  ])('refuses options %j', (options, message) => {
    expect(() => trainTestSplit(x, labels, options as never)).toThrow(ArgumentError);
    expect(() => trainTestSplit(x, labels, options as never)).toThrow(message);
  });

  it('refuses targets that do not match x', () => {
    expect(() => trainTestSplit(x, labels.subarray(1))).toThrow(/y has 9 labels, expected 10 to match x/);
    expect(() => trainTestSplit(x, [1, 2, 3])).toThrow(ShapeError);
  });
});
