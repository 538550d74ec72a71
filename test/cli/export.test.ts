/**
 * backprop export: the ONNX model, run by onnxruntime-web on the raw CSV
 * columns, predicts what `backprop predict` prints for the same CSV; the
 * training statistics (--standardize, --scale) are folded into the model.
 */
import { existsSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCsv, Network } from '../../lib/index.js';
import { expectClose, runOnnx } from '../onnx/onnx-runtime';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, fixtureDir, runCli } from './run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

/** The numbers of `backprop predict`'s CSV, without its header and (for classes) its predicted-class column. */
function printed(csv: string, skip: number): Float32Array {
  const rows = csv.trim().split('\n').slice(1);
  return Float32Array.from(rows.flatMap((row) => row.split(',').slice(skip).map(Number)));
}

/** A regression CSV: y = a − 2b + noise, with b on a large scale and a constant column c. */
function regressionCsv(rows: number): string {
  const lines = ['a,b,c,y'];
  for (let i = 0; i < rows; i++) {
    const a = ((i * 37) % 11) / 3;
    const b = 100 + ((i * 53) % 17) * 5;
    lines.push(`${a.toFixed(3)},${b},7,${(a - 2 * (b - 140) / 40 + ((i % 3) - 1) / 10).toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe.each([
  { name: 'classes, --standardize', csv: classesCsv(60), layers: '8:gelu,3:softmax', recipe: '--standardize', skip: 1 },
  { name: 'regression, --scale with a constant column', csv: regressionCsv(50), layers: '6:elu,4:tanh,1', recipe: '--scale', skip: 0 },
])('backprop export: $name', ({ csv, layers, recipe, skip }) => {
  const dir = fixtureDir({ 'data.csv': csv });

  it('the ONNX model takes the raw columns and predicts what backprop predict prints', async () => {
    const train = runCli(['train', '--data', 'data.csv', '--layers', layers, '--epochs', '5', '--batch-size', '8', '--seed', '2', recipe, '--out', 'model.safetensors'], dir);
    expect(train.status).toBe(0);
    const exported = runCli(['export', '--model', 'model.safetensors', '--out', 'model.onnx'], dir);
    expect(exported.status).toBe(0);
    expect(exported.stderr).toMatch(/^wrote model\.onnx: input \[N, 3\] \((width, height, noise|a, b, c)\), output \[N, [13]\]\n$/);
    const predicted = runCli(['predict', '--model', 'model.safetensors', '--data', 'data.csv'], dir);
    expect(predicted.status).toBe(0);
    const expected = printed(predicted.stdout, skip);
    const data = await loadCsv(path.join(dir, 'data.csv'));
    const actual = await runOnnx(await fs.readFile(path.join(dir, 'model.onnx')), data.x, data.rows);
    expectClose(actual, expected, expected.length / data.rows);
  });
});

describe('backprop export of a model the library saved', () => {
  it('has no recipe to fold in: the ONNX model predicts what the network predicts', async () => {
    const dir = fixtureDir();
    const network = new Network({ inputs: 4, layers: [{ units: 5, activation: 'relu' }, { units: 2, activation: 'sigmoid' }], seed: 9 });
    await network.save(path.join(dir, 'lib.safetensors'));
    const result = runCli(['export', '--model', 'lib.safetensors', '--out', 'lib.onnx'], dir);
    expect(result.stderr).toBe('wrote lib.onnx: input [N, 4], output [N, 2]\n');
    const x = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 3);
    expectClose(await runOnnx(await fs.readFile(path.join(dir, 'lib.onnx')), x, 3), network.predict(x), 2);
    network.dispose();
  });

  it('a missing model is a usage error naming the file, and nothing is written', () => {
    const dir = fixtureDir();
    const result = runCli(['export', '--model', 'missing.safetensors', '--out', 'out.onnx'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/missing\.safetensors: cannot read \(ENOENT: no such file or directory\)/);
    expect(existsSync(path.join(dir, 'out.onnx'))).toBe(false);
  });
});
