/**
 * fit's `log` option writes a JSON-lines run log: a header (summary,
 * architecture, options), then one line per finished epoch holding every
 * number of the epoch log; a second fit appends a second run; and the
 * reader takes it back, tolerating only a last line cut short by a kill.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, FormatError, Network, type EpochLog } from '../../lib/index.js';
import { epochRecord, parseRunLog, readRunLog, type EpochRecord, type RunHeader } from '../../lib/report/index.js';
import { BACKENDS } from '../api/backends';

function folder(): string {
  return mkdtempSync(path.join(tmpdir(), 'backprop-run-log-'));
}

function threeClasses(rows: number): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    x.push([k + ((i * 7) % 10) / 20, ((i * 13) % 17) / 17]);
    y.push(k);
  }
  return { x, y };
}

function lines(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

describe.each(BACKENDS)('fit option log (%s engine)', (backend) => {
  it('writes a header, then one line per epoch with every number of the epoch log', async () => {
    const file = path.join(folder(), 'run.jsonl');
    const net = new Network({ inputs: 2, layers: [{ units: 6, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'crossEntropy', optimizer: { type: 'sgd', learningRate: 0.2 }, seed: 4, backend });
    const { x, y } = threeClasses(90);
    const logs: EpochLog[] = [];
    await net.fit(x, y, { epochs: 4, batchSize: 16, validationSplit: 0.2, log: file, onEpochEnd: (log) => logs.push(log) });
    const [header, ...epochs] = lines(file) as [RunHeader, ...EpochRecord[]];
    expect(header).toMatchObject({
      type: 'run',
      backend,
      seed: 4,
      parameters: net.parameterCount,
      network: net.options,
      fit: { epochs: 4, batchSize: 16, shuffle: true, validationSplit: 0.2, log: file },
      rows: { train: 72, validation: 18 },
    });
    expect(header.summary).toMatch(/1 dense 6 · tanh\s+6\s+18\n/);
    expect(header.summary).toMatch(/total \(inputs 2\)\s+39\n/);
    expect(Object.keys(header.fit)).not.toContain('onEpochEnd');
    expect(epochs).toHaveLength(4);
    epochs.forEach((record, i) => {
      const numbers = Object.fromEntries(Object.entries(logs[i]).filter(([, value]) => typeof value === 'number'));
      expect(record).toEqual({ type: 'epoch', ...numbers, learningRate: 0.2 });
      expect(record.epoch).toBe(i + 1);
    });
    expect(Object.keys(epochs[0])).toEqual(expect.arrayContaining(['loss', 'accuracy', 'valLoss', 'valAccuracy', 'samplesPerSecond', 'seconds']));
    net.dispose();
  });

  it('appends: each fit on the same file is another run', () => {
    const file = path.join(folder(), 'twice.jsonl');
    const net = new Network({ inputs: 2, layers: [{ units: 1 }], seed: 1, backend });
    net.fitSync([[0, 1], [1, 0]], [[1], [0]], { epochs: 2, log: file });
    net.fitSync([[0, 1], [1, 0]], [[1], [0]], { epochs: 3, log: file });
    const runs = parseRunLog(readFileSync(file, 'utf8'), file);
    expect(runs.map((run) => [run.name, run.header?.fit.epochs, run.epochs.map((e) => e.epoch)])).toEqual([
      ['twice #1', 2, [1, 2]],
      ['twice #2', 3, [1, 2, 3]],
    ]);
    net.dispose();
  });
});

describe('run log records', () => {
  it('keep every numeric field the epoch log has, and the epoch log’s own learning rate first', () => {
    const log = { epoch: 3, epochs: 9, loss: 0.5, samplesPerSecond: 10, seconds: 2, valF1: 0.75, valAuc: 0.9, learningRate: 0.05 };
    expect(epochRecord(log as EpochLog, 0.1)).toEqual({ type: 'epoch', ...log });
  });

  it('write a non-finite number as null', () => {
    const log: EpochLog = { epoch: 1, epochs: 1, loss: Number.NaN, samplesPerSecond: Number.POSITIVE_INFINITY, seconds: 0 };
    expect(JSON.parse(JSON.stringify(epochRecord(log, 0.01)))).toMatchObject({ loss: null, samplesPerSecond: null, learningRate: 0.01 });
  });

  it('describe data-sized options by their length', async () => {
    const file = path.join(folder(), 'data.jsonl');
    const net = new Network({ inputs: 1, layers: [{ units: 1 }], seed: 1 });
    net.fitSync(new Float32Array([0, 1, 2, 3]), new Float32Array([0, 1, 2, 3]), { validationData: { x: [[4]], y: [[4]] }, log: file });
    const [run] = await readRunLog(file);
    expect(run.header?.fit.validationData).toBe('1 rows');
    net.dispose();
  });
});

describe('reading run logs', () => {
  const header = JSON.stringify({ type: 'run', summary: '', network: {}, fit: {} });
  const epoch = (n: number) => JSON.stringify({ type: 'epoch', epoch: n, loss: 1 / n });

  it('drops a last line cut short (a kill mid-write) and keeps every finished epoch', () => {
    const [run] = parseRunLog(`${header}\n${epoch(1)}\n${epoch(2)}\n{"type":"epo`, 'cut.jsonl');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  });

  it('refuses a broken line elsewhere, naming the file and line', () => {
    expect(() => parseRunLog(`${header}\n{"type":\n${epoch(2)}\n`, 'bad.jsonl')).toThrow(new FormatError('bad.jsonl:2: not valid JSON'));
    expect(() => parseRunLog(`${header}\n[1, 2]\n`, 'odd.jsonl')).toThrow(/odd\.jsonl:2: expected a run header or an epoch line/);
  });

  it('refuses an empty file', async () => {
    const file = path.join(folder(), 'empty.jsonl');
    writeFileSync(file, '');
    await expect(readRunLog(file)).rejects.toThrow(/empty\.jsonl: holds no run/);
  });

  it('refuses a log option that is not a path', () => {
    const net = new Network({ inputs: 1, layers: [{ units: 1 }], seed: 1 });
    for (const log of ['', 3, {}]) {
      expect(() => net.fitSync([[0]], [[0]], { log } as never)).toThrow(ArgumentError);
      expect(() => net.fitSync([[0]], [[0]], { log } as never)).toThrow(/options\.log must be a non-empty string \(a file path\)/);
    }
    net.dispose();
  });
});
