/** Bad arguments and unreadable or malformed files: exit code 2 and exactly one line on stderr, no stack trace. */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { CLI, classesCsv, fixtureDir, idxBytes, runCli } from './run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

const LAYERS = ['--layers', '3:softmax'];

function expectUsageError(args: string[], dir: string, message: RegExp): void {
  const result = runCli(args, dir);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/^backprop: [^\n]+\n$/);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('the CLI refuses bad input with one line and exit code 2', () => {
  const dir = fixtureDir({
    'good.csv': classesCsv(12),
    'ragged.csv': 'a,b,y\n1,2,x\n3,4\n',
    'text.csv': 'a,b,y\n1,2,x\n3,four,y\n',
    'empty.csv': '',
    'quote.csv': 'a,b,y\n1,"2,x\n',
    'bad.jsonl': '{"a":1,"y":2}\n{"a":1\n',
    'keys.jsonl': '{"a":1,"y":2}\n{"b":1,"y":2}\n',
    'truncated-idx3-ubyte': idxBytes([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).subarray(0, 20),
    'magic-idx3-ubyte': Buffer.from('GIF89a not an idx file'),
    'broken-idx3-ubyte.gz': gzipSync(idxBytes([1, 2], [1, 2])).subarray(0, 12),
    'labels-idx1-ubyte': idxBytes([2], [0, 1]),
    'images-idx3-ubyte': idxBytes([3, 1, 2], [1, 2, 3, 4, 5, 6]),
    'not-a-model.safetensors': 'hello',
  });

  it.each([
    [['train', '--data', 'ragged.csv', ...LAYERS], /ragged\.csv:3: 2 fields, expected 3 as in the header/],
    [['train', '--data', 'text.csv', ...LAYERS], /text\.csv:3: column "b" must be a finite number, got "four"/],
    [['train', '--data', 'good.csv', '--target', 'colour', ...LAYERS], /--target colour: no such column in good\.csv; columns are width, height, noise, species/],
    [['train', '--data', 'empty.csv', ...LAYERS], /empty\.csv: empty file/],
    [['train', '--data', 'quote.csv', ...LAYERS], /quote\.csv: Quote Not Closed/],
    [['train', '--data', 'bad.jsonl', ...LAYERS], /bad\.jsonl:2: not valid JSON/],
    [['train', '--data', 'keys.jsonl', ...LAYERS], /keys\.jsonl:2: has no key "a"/],
    [['train', '--data', 'truncated-idx3-ubyte', '--labels', 'labels-idx1-ubyte', ...LAYERS], /truncated-idx3-ubyte: IDX data truncated: 20 bytes, expected 28/],
    [['train', '--data', 'magic-idx3-ubyte', '--labels', 'labels-idx1-ubyte', ...LAYERS], /magic-idx3-ubyte: not an IDX file/],
    [['train', '--data', 'broken-idx3-ubyte.gz', ...LAYERS], /broken-idx3-ubyte\.gz: broken gzip data/],
    [['train', '--data', 'images-idx3-ubyte', '--labels', 'labels-idx1-ubyte', ...LAYERS], /labels-idx1-ubyte has 2 labels, images-idx3-ubyte has 3 samples/],
    [['train', '--data', 'images-idx3-ubyte', ...LAYERS], /--labels is required to train on IDX data/],
    [['train', '--data', 'missing.csv', ...LAYERS], /missing\.csv: cannot read \(ENOENT: no such file or directory\)/],
    [['train', '--data', '.', ...LAYERS], /backprop: \.: is a directory, not a regular file/],
    [['train', '--data', 'good.csv'], /--layers is required \(unless --resume continues a saved model\)/],
    [['train', '--data', 'good.csv', '--layers', '3:sofmax'], /"sofmax" is not an activation/],
    [['train', '--data', 'good.csv', '--layers', '0:relu'], /'0:relu' is invalid/],
    [['train', '--data', 'good.csv', '--layers', '8:relu:drop=0.2,3:softmax'], /"drop=0\.2" in "8:relu:drop=0\.2" is not NAME=NUMBER with NAME one of dropout, l1, l2/],
    [['train', '--data', 'good.csv', '--layers', '8:relu:tanh,3:softmax'], /"8:relu:tanh" has two activations/],
    [['train', '--data', 'good.csv', '--layers', '8:relu:batchnorm:layernorm,3:softmax'], /"8:relu:batchnorm:layernorm" has two normalizations/],
    [['train', '--data', 'good.csv', '--layers', '8:relu,3:softmax:layernorm'], /layers\[1\]\.normalization is not allowed on a 'softmax' layer/],
    [['train', '--data', 'good.csv', '--layers', '8:relu:dropout=1,3:softmax'], /layers\[0\]\.dropout/],
    [['train', '--data', 'good.csv', '--layers', '8:relu:l2=-1,3:softmax'], /layers\[0\]\.l2/],
    [['train', '--data', 'good.csv', ...LAYERS, '--label-smoothing', '1'], /'--label-smoothing <epsilon>' argument '1' is invalid/],
    [['train', '--data', 'good.csv', '--layers', '3', '--loss', 'huber', '--label-smoothing', '0.1'], /loss/],
    [['train', '--data', 'good.csv', '--layers', '3', '--loss', 'mae', '--huber-delta', '0'], /'--huber-delta <delta>' argument '0' is invalid/],
    [['train', '--data', 'good.csv', ...LAYERS, '--epochs', 'ten'], /'--epochs <n>' argument 'ten' is invalid\. expected an integer ≥ 1/],
    [['train', '--data', 'good.csv', ...LAYERS, '--lr', '-1'], /'--lr <rate>' argument '-1' is invalid/],
    [['train', '--data', 'good.csv', ...LAYERS, '--validation-split', '1'], /expected a number in \[0, 1\)/],
    [['train', '--data', 'good.csv', ...LAYERS, '--optimizer', 'adamm'], /'--optimizer <name>' argument 'adamm' is invalid/],
    [['train', '--data', 'good.csv', ...LAYERS, '--scale', '--standardize'], /'--scale' cannot be used with option '--standardize'/],
    [['train', '--data', 'good.csv', ...LAYERS, '--loss', 'mse', '--lr', '1', '--frobnicate'], /unknown option '--frobnicate'/],
    [['train', '--data', 'good.csv', '--layers', '2:softmax'], /the target has 3 classes \(setosa, versicolor, virginica\) but the last layer has 2 units: write --layers …,3:softmax/],
    [['train', '--data', 'good.csv', '--layers', '4:softmax'], /the target has 3 classes \(setosa, versicolor, virginica\) but the last layer has 4 units: write --layers …,3:softmax/],
    [['train', '--data', 'good.csv', '--layers', '1:sigmoid'], /one sigmoid unit takes two: write --layers …,3:softmax/],
    [['train', '--data', 'good.csv', '--layer', '3:softmax'], /^backprop: unknown option '--layer' \(did you mean --layers\?\)\n$/],
    [['train', '--data', 'good.csv', '--columns', 'width,depth', ...LAYERS], /--columns depth: no such column in good\.csv; columns are width, height, noise, species/],
    [['train', '--data', 'good.csv', '--drop', 'colour', ...LAYERS], /--drop colour: no such column in good\.csv/],
    [['train', '--data', 'good.csv', '--columns', 'width,species', ...LAYERS], /--columns species: that is the target column/],
    [['train', '--data', 'good.csv', ...LAYERS, '--validation-split', '0.01'], /--validation-split 0\.01 of 12 rows holds out 0/],
    [['train', '--data', 'good.csv', ...LAYERS, '--out', 'missing/dir/m.safetensors'], /--out missing\/dir\/m\.safetensors: directory .*missing\/dir does not exist/],
    [['train', '--data', 'good.csv', ...LAYERS, '--out', '.'], /--out \.: is a directory/],
    [['train', '--data', 'good.csv', '--layers', '3:relu', '--loss', 'crossEntropy'], /needs a final 'softmax' layer/],
    [['predict', '--model', 'not-a-model.safetensors', '--data', 'good.csv'], /not-a-model\.safetensors: safetensors/],
    [['predict', '--model', 'missing.safetensors', '--data', 'good.csv'], /missing\.safetensors: cannot read \(ENOENT: no such file or directory\)/],
    [['predict', '--model', '/dev/zero', '--data', 'good.csv'], /backprop: \/dev\/zero: is a device, not a regular file/],
    [['evaluate', '--data', 'good.csv'], /required option '--model <file>' not specified/],
    [['worker', '--queue', 'q'], /required option '--redis <url>' not specified/],
    [['worker', '--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--concurrency', '0'], /'--concurrency <n>' argument '0' is invalid\. expected an integer ≥ 1/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', (args, message) => expectUsageError(args, dir, message));

  it('output that cannot be written (predict > /dev/full) is one line naming it, exit code 2', () => {
    const model = runCli(['train', '--data', 'good.csv', ...LAYERS, '--epochs', '1', '--out', 'full.safetensors'], dir);
    expect(model.status).toBe(0);
    const full = openSync('/dev/full', 'w');
    const result = spawnSync(process.execPath, [CLI, 'predict', '--model', 'full.safetensors', '--data', 'good.csv'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^backprop: standard output: cannot write \(ENOSPC: no space left on device\)\n$/);
  });

  it('a data recipe whose width differs from the model inputs is refused', async () => {
    const model = runCli(['train', '--data', 'good.csv', ...LAYERS, '--epochs', '1', '--standardize', '--out', 'recipe.safetensors'], dir);
    expect(model.status).toBe(0);
    const { Network } = await import('../../lib/index.js');
    const metadata = await Network.readMetadata(path.join(dir, 'recipe.safetensors'));
    const recipe = JSON.parse(metadata['backprop.data']) as { columns: string[] };
    recipe.columns.push('extra');
    const net = await Network.load(path.join(dir, 'recipe.safetensors'));
    await net.save(path.join(dir, 'wide-recipe.safetensors'), { metadata: { 'backprop.data': JSON.stringify(recipe) } });
    expectUsageError(['predict', '--model', 'wide-recipe.safetensors', '--data', 'good.csv'], dir, /wide-recipe\.safetensors: the data recipe's input columns is 4 wide, the model takes 3 inputs/);
  });

  it('data whose width does not match the model', () => {
    const model = runCli(['train', '--data', 'good.csv', ...LAYERS, '--epochs', '1', '--out', 'm.safetensors'], dir);
    expect(model.status).toBe(0);
    expectUsageError(['predict', '--model', 'm.safetensors', '--data', 'images-idx3-ubyte'], dir, /images-idx3-ubyte gives 2 inputs per row, the model takes 3/);
    expectUsageError(['evaluate', '--model', 'm.safetensors', '--data', 'text.csv'], dir, /the model's target column species: no such column in text\.csv; columns are a, b, y/);
    expectUsageError(['predict', '--model', 'm.safetensors', '--data', 'text.csv'], dir, /the model's input column width: no such column in text\.csv; columns are a, b, y/);
    expectUsageError(['evaluate', '--model', 'm.safetensors', '--data', 'good.csv', '--target', 'colour'], dir, /--target colour: no such column in good\.csv/);
  });
});
