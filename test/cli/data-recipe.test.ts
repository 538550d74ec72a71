/**
 * What `backprop train` does with the data beyond reading it: a seeded,
 * stratified --validation-split, --columns / --drop, --fill-missing saved
 * with the model, binary string labels on one sigmoid unit with a class
 * column at predict time, and models written by 0.1's CLI.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCsv, Network } from '../../lib/index.js';
import { writingTo } from '../../lib/cli/output-file';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, fixtureDir, runCli } from './run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

/** classesCsv's rows sorted by class, as sklearn's iris.csv is. */
function sortedCsv(rows: number): string {
  const [header, ...lines] = classesCsv(rows).trim().split('\n');
  const byClass = (line: string) => line.split(',')[3];
  return `${[header, ...lines.sort((a, b) => byClass(a).localeCompare(byClass(b)))].join('\n')}\n`;
}

describe('backprop train: the data recipe', () => {
  it('--validation-split holds out a seeded, stratified random share of a file sorted by class', () => {
    const dir = fixtureDir({ 'sorted.csv': sortedCsv(90) });
    const args = ['train', '--data', 'sorted.csv', '--layers', '8:tanh,3:softmax', '--epochs', '40', '--lr', '0.05', '--standardize', '--validation-split', '0.2', '--seed', '2', '--json'];
    const result = runCli([...args, '--out', 'a.safetensors'], dir);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('on 72 rows (18 for validation)');
    const last = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { valAccuracy: number };
    // The file's last 18 rows are all of one class, which the training rows would then lack.
    expect(last.valAccuracy).toBeGreaterThan(0.9);
    expect(runCli([...args, '--out', 'b.safetensors'], dir).status).toBe(0);
    expect(readFileSync(path.join(dir, 'b.safetensors'))).toEqual(readFileSync(path.join(dir, 'a.safetensors')));
  });

  it('--drop leaves out a text id column; --columns chooses inputs; predict reads the same columns', async () => {
    const csv = classesCsv(30).split('\n').map((line, i) => (line === '' ? line : `${i === 0 ? 'id' : `row-${i}`},${line}`)).join('\n');
    const dir = fixtureDir({ 'ids.csv': csv });
    const refused = runCli(['train', '--data', 'ids.csv', '--layers', '3:softmax', '--epochs', '1'], dir);
    expect(refused.stderr).toMatch(/column "id" must be a finite number, got "row-1"/);
    const dropped = runCli(['train', '--data', 'ids.csv', '--drop', 'id', '--layers', '3:softmax', '--epochs', '1', '--out', 'drop.safetensors'], dir);
    expect(dropped.status).toBe(0);
    expect((await Network.load(path.join(dir, 'drop.safetensors'))).inputs).toBe(3);
    const chosen = runCli(['train', '--data', 'ids.csv', '--columns', 'height,width', '--layers', '3:softmax', '--epochs', '1', '--out', 'cols.safetensors'], dir);
    expect(chosen.status).toBe(0);
    const predicted = runCli(['predict', '--model', 'cols.safetensors', '--data', 'ids.csv'], dir);
    expect(predicted.status).toBe(0);
    const network = await Network.load(path.join(dir, 'cols.safetensors'));
    const data = await loadCsv(path.join(dir, 'ids.csv'), { columns: ['height', 'width'], target: false });
    expect(predicted.stdout.trim().split('\n').slice(1).map((line) => line.split(',')[0])).toEqual(network.predictClasses(data.x));
  });

  it('--fill-missing median fills empty cells with the training rows\' medians, saved and reused by predict', async () => {
    const dir = fixtureDir({ 'gaps.csv': 'a,b,y\n1,,p\n3,10,q\n5,20,p\n,40,q\n' });
    const refused = runCli(['train', '--data', 'gaps.csv', '--layers', '2:softmax', '--epochs', '1'], dir);
    expect(refused.stderr).toMatch(/gaps\.csv:2: column "b" must be a finite number, got ""/);
    const train = runCli(['train', '--data', 'gaps.csv', '--fill-missing', 'median', '--layers', '2:softmax', '--epochs', '1', '--seed', '1'], dir);
    expect(train.status).toBe(0);
    const metadata = await Network.readMetadata(path.join(dir, 'model.safetensors'));
    expect(JSON.parse(metadata['backprop.data']).fill).toEqual([3, 20]);
    const predicted = runCli(['predict', '--model', 'model.safetensors', '--data', 'gaps.csv', '--json'], dir);
    expect(predicted.status).toBe(0);
    const network = await Network.load(path.join(dir, 'model.safetensors'));
    const filled = network.predict([[1, 20], [3, 10], [5, 20], [3, 40]]);
    const rows = predicted.stdout.trim().split('\n').map((line) => JSON.parse(line) as { probabilities: { p: number } });
    expect(rows.map((row) => Math.fround(row.probabilities.p))).toEqual([0, 1, 2, 3].map((r) => filled[r * 2]));
  });

  it('binary string labels train one sigmoid unit; predict adds the thresholded class column', async () => {
    const lines = ['x,answer', ...Array.from({ length: 40 }, (_, i) => `${(i % 2) * 4 - 2 + (i % 5) / 10},${i % 2 ? 'yes' : 'no'}`)];
    const dir = fixtureDir({ 'binary.csv': `${lines.join('\n')}\n` });
    const train = runCli(['train', '--data', 'binary.csv', '--layers', '1:sigmoid', '--epochs', '60', '--lr', '0.1', '--seed', '1'], dir);
    expect(train.stderr).toContain('wrote model.safetensors');
    const network = await Network.load(path.join(dir, 'model.safetensors'));
    expect(network.classes).toEqual(['no', 'yes']);
    const predicted = runCli(['predict', '--model', 'model.safetensors', '--data', 'binary.csv'], dir);
    const [header, ...rows] = predicted.stdout.trim().split('\n').map((line) => line.split(','));
    expect(header).toEqual(['prediction', 'answer']);
    expect(rows.map((row) => row[0])).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 ? 'yes' : 'no')));
    for (const row of rows) expect(row[0]).toBe(Number(row[1]) > 0.5 ? 'yes' : 'no');
  });

  it('a model written by 0.1 (statistics and classes in its own metadata entry) predicts as it did', async () => {
    const dir = fixtureDir({ 'train.csv': classesCsv(30) });
    const data = await loadCsv(path.join(dir, 'train.csv'));
    const network = new Network({ inputs: 3, layers: [{ units: 3, activation: 'softmax' }], loss: 'crossEntropy', seed: 4 });
    const mean = [1, 50, 0.5];
    const std = [2, 30, 0.3];
    const recipe = { columns: data.columns, target: 'species', classes: ['setosa', 'versicolor', 'virginica'], preprocessing: { kind: 'standardize', mean, std } };
    await network.save(path.join(dir, 'old.safetensors'), { metadata: { 'backprop.data': JSON.stringify(recipe) } });
    const predicted = runCli(['predict', '--model', 'old.safetensors', '--data', 'train.csv'], dir);
    expect(predicted.status).toBe(0);
    const standardized = data.x.map((v, i) => (v - mean[i % 3]) / std[i % 3]);
    const expected = network.predict(standardized);
    const values = predicted.stdout.trim().split('\n').slice(1).flatMap((line) => line.split(',').slice(1).map((text) => Math.fround(Number(text))));
    expect(values).toEqual(Array.from(expected));
  });
});

describe('file errors after training', () => {
  it('name the path the user gave, not the temporary file', async () => {
    const dir = fixtureDir();
    const error = await writingTo('model.safetensors', () => fs.readFile(path.join(dir, '.model.safetensors.1234.tmp'))).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).path).toBe('model.safetensors');
  });
});
