/** loadCsv and loadJsonl: columns, targets, class names, and errors that name the file, line and argument. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, FormatError, loadCsv, loadJsonl } from '../../lib/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'backprop-data-'));

function file(name: string, text: string): string {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

describe('loadCsv', () => {
  const iris = file('iris.csv', '\ufeffa, b ,species\n1,2,virginica\n\n3.5,-4e1,setosa\n5," 6",virginica\n');

  it('reads inputs row-major; the last column is the target; class names sorted', async () => {
    const data = await loadCsv(iris);
    expect(data).toEqual({
      x: Float32Array.of(1, 2, 3.5, -40, 5, 6),
      rows: 3,
      inputs: 2,
      columns: ['a', 'b'],
      target: 'species',
      y: Int32Array.of(1, 0, 1),
      classes: ['setosa', 'virginica'],
    });
  });

  it('target by name, input columns by name and order, given classes, or no target', async () => {
    const data = await loadCsv(iris, { target: 'a', columns: ['b'] });
    expect(data.target).toBe('a');
    expect(data.y).toEqual(Float32Array.of(1, 3.5, 5));
    expect(data.x).toEqual(Float32Array.of(2, -40, 6));
    const named = await loadCsv(iris, { classes: ['virginica', 'setosa', 'versicolor'] });
    expect(named.y).toEqual(Int32Array.of(0, 1, 0));
    expect(named.classes).toEqual(['virginica', 'setosa', 'versicolor']);
    const inputs = await loadCsv(file('inputs.csv', 'a,b\n1,2\n'), { target: false });
    expect(inputs).toEqual({ x: Float32Array.of(1, 2), rows: 1, inputs: 2, columns: ['a', 'b'] });
  });

  it.each([
    ['ragged.csv', 'a,b\n1,2\n3\n', {}, FormatError, /ragged\.csv:3: 1 fields, expected 2 as in the header/],
    ['cell.csv', 'a,b\n1,2\n,4\n', {}, FormatError, /cell\.csv:3: column "a" must be a finite number, got ""/],
    ['inf.csv', 'a,b\nInfinity,2\n', {}, FormatError, /inf\.csv:2: column "a" must be a finite number, got "Infinity"/],
    ['twice.csv', 'a,a,b\n1,2,3\n', {}, FormatError, /twice\.csv: column "a" appears twice in the header/],
    ['header.csv', 'a,b\n', {}, FormatError, /header\.csv: no data rows/],
    ['only.csv', 'y\n1\n', {}, FormatError, /only\.csv: no input columns besides the target "y"/],
    ['target.csv', 'a,b\n1,2\n', { target: 'c' }, ArgumentError, /options\.target: "c" is not a column of .*target\.csv \(columns: a, b\)/],
    ['columns.csv', 'a,b\n1,2\n', { columns: ['b'] }, ArgumentError, /options\.columns: "b" is the target column/],
    ['unknown.csv', 'a,b\n1,x\n', { classes: ['y'] }, FormatError, /unknown\.csv:2: target "x" is not one of the classes y/],
    ['option.csv', 'a,b\n1,2\n', { targets: 'b' }, ArgumentError, /options has an unknown option "targets"/],
  ])('%s', async (name, text, options, type, message) => {
    const promise = loadCsv(file(name, text), options as never);
    await expect(promise).rejects.toThrow(type);
    await expect(loadCsv(path.join(dir, name), options as never)).rejects.toThrow(message);
  });

  it('turns file-system errors into a FileError naming the path', async () => {
    const missing = path.join(dir, 'missing.csv');
    await expect(loadCsv(missing)).rejects.toMatchObject({ name: 'FileError', code: 'ENOENT', path: missing });
    await expect(loadCsv(dir)).rejects.toMatchObject({ name: 'FileError', code: 'EISDIR', path: dir });
    await expect(loadCsv('')).rejects.toThrow(/path must be a non-empty string/);
  });
});

describe('loadJsonl', () => {
  it('reads objects line by line; the keys of the first line are the columns', async () => {
    const data = await loadJsonl(file('d.jsonl', '{"x1":1,"x2":2,"label":"cat"}\n\n{"x2":4,"x1":3,"label":"dog"}\n'));
    expect(data).toEqual({
      x: Float32Array.of(1, 2, 3, 4),
      rows: 2,
      inputs: 2,
      columns: ['x1', 'x2'],
      target: 'label',
      y: Int32Array.of(0, 1),
      classes: ['cat', 'dog'],
    });
  });

  it.each([
    ['json.jsonl', '{"a":1,"b":2}\n{"a":1,\n', /json\.jsonl:2: not valid JSON/],
    ['list.jsonl', '[1,2]\n', /list\.jsonl:1: expected a JSON object/],
    ['keys.jsonl', '{"a":1,"b":2}\n{"a":1,"b":2,"c":3}\n', /keys\.jsonl:2: has keys a, b, c; expected the keys of the first line \(a, b\)/],
    ['array.jsonl', '{"a":[1],"b":2}\n{"a":"x","b":2}\n', /array\.jsonl:1: column "a" must be a finite number, got an array of length 1/],
    ['string.jsonl', '{"a":"1","b":2}\n{"a":"x","b":2}\n', /string\.jsonl:2: column "a" must be a finite number, got "x"/],
    ['target.jsonl', '{"a":1,"b":null}\n', /target\.jsonl:1: target "b" must be a number or a string, got null/],
    ['empty.jsonl', '\n\n', /empty\.jsonl: no JSON objects/],
  ])('%s', async (name, text, message) => {
    await expect(loadJsonl(file(name, text))).rejects.toThrow(FormatError);
    await expect(loadJsonl(path.join(dir, name))).rejects.toThrow(message);
  });
});
