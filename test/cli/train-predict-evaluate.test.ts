/**
 * train → predict → evaluate through the built CLI, checked against the same
 * computation done with the library: the saved statistics are reapplied.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCsv, Network, scale, standardize, trainTestSplit } from '../../lib/index.js';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, fixtureDir, idxBytes, runCli, type CliResult } from './run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

/** Predicted probabilities from the CLI's CSV output, as float32 values. */
function probabilities(csv: string): { header: string[]; predicted: string[]; values: Float32Array } {
  const [header, ...rows] = csv.trim().split('\n').map((line) => line.split(','));
  return {
    header,
    predicted: rows.map((row) => row[0]),
    values: Float32Array.from(rows.flatMap((row) => row.slice(1).map(Number))),
  };
}

describe('backprop train / predict / evaluate on CSV', () => {
  const dir = fixtureDir({ 'train.csv': classesCsv(90) });
  let train: CliResult;
  beforeAll(() => {
    train = runCli(
      ['train', '--data', 'train.csv', '--layers', '8:tanh,3:softmax', '--epochs', '4', '--batch-size', '8',
        '--validation-split', '0.2', '--seed', '3', '--standardize', '--out', 'model.safetensors'],
      dir,
    );
  });

  it('trains, prints one line per epoch and writes the model', () => {
    expect(train.stderr).toContain('wrote model.safetensors after 4/4 epochs');
    expect(train.status).toBe(0);
    const lines = train.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^epoch 4\/4 {2}loss \d+\.\d{4} {2}accuracy [\d.]+ {2}val_loss [\d.]+ {2}val_accuracy [\d.]+ {2}\d+ samples\/s/);
  });

  it('the model carries the statistics of the training rows of a seeded stratified split, and the class names', async () => {
    const data = await loadCsv(path.join(dir, 'train.csv'));
    const split = trainTestSplit(data.x, data.y, { testFraction: 0.2, seed: 3, inputs: data.inputs, stratify: true });
    const network = await Network.load(path.join(dir, 'model.safetensors'));
    const { stats } = standardize(split.xTrain, data.inputs);
    expect(network.inputNormalization).toEqual({ mean: stats.mean, std: stats.std });
    expect(network.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    network.dispose();
  });

  it('predict: Network.load of the CLI model predicts the same from raw rows, with the same classes', async () => {
    const result = runCli(['predict', '--model', 'model.safetensors', '--data', 'train.csv'], dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const data = await loadCsv(path.join(dir, 'train.csv'));
    const network = await Network.load(path.join(dir, 'model.safetensors'));
    const expected = network.predict(data.x);
    expect(probabilities(result.stdout).predicted).toEqual(network.predictClasses(data.x));
    const { header, predicted, values } = probabilities(result.stdout);
    expect(header).toEqual(['prediction', 'setosa', 'versicolor', 'virginica']);
    expect(Array.from(values)).toEqual(Array.from(expected));
    for (let r = 0; r < 90; r++) {
      const row = Array.from(expected.subarray(r * 3, r * 3 + 3));
      expect(predicted[r]).toBe(header[1 + row.indexOf(Math.max(...row))]);
    }
    network.dispose();
  });

  it('predict ignores the target column and reads columns by name, in any order', () => {
    const reordered = classesCsv(90)
      .trim()
      .split('\n')
      .map((line) => {
        const [w, h, n] = line.split(',');
        return `${n},${h},${w}`;
      })
      .join('\n');
    const other = fixtureDir({ 'inputs.csv': `${reordered}\n` });
    const result = runCli(['predict', '--model', path.join(dir, 'model.safetensors'), '--data', 'inputs.csv'], other);
    const reference = runCli(['predict', '--model', 'model.safetensors', '--data', 'train.csv'], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(reference.stdout);
  });

  it('predict --out FILE.jsonl writes one JSON object per row', () => {
    const result = runCli(['predict', '--model', 'model.safetensors', '--data', 'train.csv', '--out', 'out.jsonl'], dir);
    expect(result.status).toBe(0);
    const rows = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { prediction: string; probabilities: Record<string, number> });
    expect(rows).toHaveLength(90);
    expect(Object.keys(rows[0].probabilities)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(['setosa', 'versicolor', 'virginica']).toContain(rows[0].prediction);
  });

  it("evaluate reports the library's loss and metrics (human and --json)", async () => {
    const json = runCli(['evaluate', '--model', 'model.safetensors', '--data', 'train.csv', '--json'], dir);
    expect(json.status).toBe(0);
    const reported = JSON.parse(json.stdout) as { loss: number; accuracy: number; samples: number };
    const data = await loadCsv(path.join(dir, 'train.csv'));
    const network = await Network.load(path.join(dir, 'model.safetensors'));
    const expected = network.evaluate(data.x, data.y as Int32Array);
    expect(reported).toEqual({ ...expected, samples: 90 });
    network.dispose();
    const human = runCli(['evaluate', '--model', 'model.safetensors', '--data', 'train.csv'], dir);
    const scores = (['accuracy', 'precision', 'recall', 'f1'] as const).map((name) => `  ${name} ${expected[name]?.toFixed(4)}`).join('');
    const confusion = (expected.confusion ?? []).map((row) => `  ${row.join(' ')}`).join('\n');
    expect(human.stdout).toBe(
      `loss ${expected.loss.toFixed(6)}${scores}  (90 samples)\nconfusion (rows: true class, columns: predicted):\n${confusion}\n`,
    );
  });

  it('--json prints one parseable object per epoch and nothing else on stdout', () => {
    const result = runCli(
      ['train', '--data', 'train.csv', '--layers', '3:softmax', '--epochs', '3', '--seed', '1', '--scale', '--json', '--out', 'json.safetensors'],
      dir,
    );
    expect(result.status).toBe(0);
    const epochs = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { epoch: number; epochs: number; loss: number; accuracy: number });
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of epochs) {
      expect(e.epochs).toBe(3);
      expect(Number.isFinite(e.loss)).toBe(true);
      expect(e.accuracy).toBeGreaterThanOrEqual(0);
    }
  });

  it('--scale statistics are min-max over the training rows, reapplied at predict time', async () => {
    const result = runCli(['predict', '--model', 'json.safetensors', '--data', 'train.csv'], dir);
    const data = await loadCsv(path.join(dir, 'train.csv'));
    const { data: scaled, stats } = scale(data.x, data.inputs);
    const network = await Network.load(path.join(dir, 'json.safetensors'));
    expect(network.inputNormalization).toEqual({ min: stats.min, max: stats.max });
    const { inputNormalization: _recipe, ...architecture } = network.options;
    const plain = new Network({ ...architecture, seed: 0 });
    plain.setWeights(network.getWeights());
    expect(Array.from(probabilities(result.stdout).values)).toEqual(Array.from(plain.predict(scaled)));
    plain.dispose();
    network.dispose();
  });

  it('block options in --layers and loss options reach the saved model', async () => {
    const result = runCli(
      ['train', '--data', 'train.csv', '--layers', '8:tanh:batchnorm:dropout=0.25:l2=0.001,6:l1=1e-4:layernorm:relu,3:softmax', '--label-smoothing', '0.1',
        '--epochs', '2', '--seed', '4', '--out', 'blocks.safetensors'],
      dir,
    );
    expect(result.status).toBe(0);
    const network = await Network.load(path.join(dir, 'blocks.safetensors'));
    expect(network.options.layers).toEqual([
      { units: 8, activation: 'tanh', l2: 0.001, dropout: 0.25, normalization: 'batch' },
      { units: 6, activation: 'relu', l1: 1e-4, normalization: 'layer' },
      { units: 3, activation: 'softmax' },
    ]);
    expect(network.options.loss).toEqual({ type: 'crossEntropy', labelSmoothing: 0.1 });
    network.dispose();
  });

  it('learns: the same seed gives the same model, and enough epochs separate the classes', () => {
    const args = ['train', '--data', 'train.csv', '--layers', '8:tanh,3:softmax', '--epochs', '60', '--lr', '0.05', '--seed', '5', '--standardize'];
    expect(runCli([...args, '--out', 'a.safetensors'], dir).status).toBe(0);
    expect(runCli([...args, '--out', 'b.safetensors'], dir).status).toBe(0);
    expect(readFileSync(path.join(dir, 'a.safetensors'))).toEqual(readFileSync(path.join(dir, 'b.safetensors')));
    const evaluation = JSON.parse(runCli(['evaluate', '--model', 'a.safetensors', '--data', 'train.csv', '--json'], dir).stdout) as { accuracy: number };
    expect(evaluation.accuracy).toBeGreaterThan(0.95);
  });
});

describe('backprop train on JSON lines and IDX', () => {
  it('JSON lines: numeric target column by name, regression with mse', () => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ y: (i % 7) / 7, a: i % 7, b: (i * 3) % 5 }));
    const dir = fixtureDir({ 'data.jsonl': `${lines.join('\n')}\n` });
    const train = runCli(['train', '--data', 'data.jsonl', '--target', 'y', '--layers', '4:relu,1', '--epochs', '2', '--seed', '1'], dir);
    expect(train.stderr).toContain('wrote model.safetensors');
    expect(train.status).toBe(0);
    const predicted = runCli(['predict', '--model', 'model.safetensors', '--data', 'data.jsonl', '--json'], dir);
    const rows = predicted.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
    expect(rows).toHaveLength(40);
    expect(Object.keys(rows[0])).toEqual(['y']);
    const evaluation = JSON.parse(runCli(['evaluate', '--model', 'model.safetensors', '--data', 'data.jsonl', '--json'], dir).stdout) as object;
    expect(Object.keys(evaluation)).toEqual(['loss', 'mae', 'rmse', 'r2', 'samples']);
  });

  it('IDX images and labels, gzip-compressed, with --scale; evaluate needs --labels', () => {
    const images = Uint8Array.from({ length: 30 * 4 }, (_, i) => ((i % 4) === Math.floor(i / 4) % 2 ? 255 : 10));
    const labels = Uint8Array.from({ length: 30 }, (_, i) => i % 2);
    const dir = fixtureDir({
      'train-images-idx3-ubyte.gz': gzipSync(idxBytes([30, 2, 2], images)),
      'train-labels-idx1-ubyte': idxBytes([30], labels),
    });
    const data = ['--data', 'train-images-idx3-ubyte.gz', '--labels', 'train-labels-idx1-ubyte'];
    const train = runCli(['train', ...data, '--layers', '2:softmax', '--epochs', '30', '--lr', '0.1', '--seed', '1', '--scale'], dir);
    expect(train.status).toBe(0);
    const evaluation = JSON.parse(runCli(['evaluate', '--model', 'model.safetensors', ...data, '--json'], dir).stdout) as { accuracy: number };
    expect(evaluation.accuracy).toBe(1);
    const predicted = runCli(['predict', '--model', 'model.safetensors', '--data', 'train-images-idx3-ubyte.gz'], dir);
    expect(predicted.stdout.split('\n')[0]).toBe('prediction,0,1');
    expect(predicted.stdout.trim().split('\n').slice(1).map((line) => line.split(',')[0])).toEqual(Array.from(labels, String));
    const unlabeled = runCli(['evaluate', '--model', 'model.safetensors', '--data', 'train-images-idx3-ubyte.gz'], dir);
    expect(unlabeled.status).toBe(2);
    expect(unlabeled.stderr).toBe('backprop: --labels is required to evaluate on IDX data\n');
  });
});

describe('backprop train --precision bfloat16', () => {
  it('trains in bfloat16 and records it in the model file, which loads in bfloat16', async () => {
    const dir = fixtureDir({ 'train.csv': classesCsv(60) });
    const result = runCli(
      ['train', '--data', 'train.csv', '--layers', '8:tanh,3:softmax', '--epochs', '2', '--seed', '3',
        '--precision', 'bfloat16', '--out', 'model.safetensors'],
      dir,
    );
    expect(result.stderr).toContain('wrote model.safetensors after 2/2 epochs');
    expect(result.status).toBe(0);
    const network = await Network.load(path.join(dir, 'model.safetensors'));
    expect(network.options.precision).toBe('bfloat16');
    network.dispose();
    const refused = runCli(['train', '--data', 'train.csv', '--layers', '3:softmax', '--precision', 'float16'], dir);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--precision');
  });
});
