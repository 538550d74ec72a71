/**
 * examples/server.mjs trains in the background and keeps serving: /predict is
 * answered between two epochs of a running training, /status progresses,
 * /stop keeps the model, and bad requests get 400s without harming the server.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { startExample } from './run-example';

let child: ChildProcessWithoutNullStreams;
let base: string;

beforeAll(async () => {
  ensureBuiltFacade();
  const started = await startExample('server', ['--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  child = started.child;
  base = started.match[1];
});
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

interface Status {
  state: string;
  epoch: number;
  epochs: number;
  progress: number;
  loss: number;
  accuracy?: number;
  samplesPerSecond: number;
}

async function call(method: string, path: string, body?: string | object): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, json: await response.json() };
}

/** Polls /status (at most `tries` times, 10 ms apart) until `done` holds; fails naming the last status. */
async function statusUntil(done: (status: Status) => boolean, tries = 1000): Promise<Status> {
  let last: Status | undefined;
  for (let i = 0; i < tries; i++) {
    last = (await call('GET', '/status')).json as Status;
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`status never reached the expected state; last: ${JSON.stringify(last)}`);
}

describe('examples/server.mjs', () => {
  it('starts idle, with nothing to predict from', async () => {
    expect((await call('GET', '/status')).json).toEqual({ state: 'idle' });
    const predict = await call('POST', '/predict', { rows: [[0, 0]] });
    expect(predict.status).toBe(409);
    expect(predict.json.error).toMatch(/POST \/train first/);
  });

  it.each([
    ['malformed JSON', '{"dataset": ', /not valid JSON/],
    ['a non-object body', '[1, 2]', /body must be a JSON object/],
    ['an unknown field', { dataset: 'xor', epoch: 3 }, /unknown field\(s\) epoch/],
    ['an unknown dataset', { dataset: 'cifar' }, /dataset must be one of xor, spirals, digits/],
    ['a bad epoch count', { dataset: 'xor', epochs: 0 }, /epochs must be an integer/],
    ['ragged rows', { data: { x: [[1, 2], [3]], y: [[1], [0]] }, layers: [{ units: 1 }] }, /x\[1\] has 1 values, expected 2/],
    ['too few targets', { data: { x: [[1, 2], [3, 4]], y: [[1]] }, layers: [{ units: 1 }] }, /y has 1 rows of 1, expected 2 rows/],
    ['an unknown activation', { dataset: 'xor', layers: [{ units: 4, activation: 'swish' }, { units: 1, activation: 'sigmoid' }] }, /layers\[0\]\.activation must be one of/],
  ])('answers /train with %s by a 400 and a JSON error', async (_, body, message) => {
    const response = await call('POST', '/train', body);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatch(message);
  });

  it('answers unknown routes and methods with 404 and 405', async () => {
    expect((await call('GET', '/nothing')).status).toBe(404);
    expect((await call('GET', '/train')).status).toBe(405);
    expect((await call('POST', '/stop')).status).toBe(409);
  });

  it('predicts between two epochs of a running training, reports progress, and stops on request', async () => {
    const train = await call('POST', '/train', { dataset: 'spirals', samples: 20000, epochs: 100000, batchSize: 32 });
    expect(train.status).toBe(202);
    expect(train.json).toMatchObject({ state: 'training', dataset: 'spirals', epochs: 100000 });
    expect((await call('POST', '/train', { dataset: 'xor' })).status).toBe(409);

    const first = await statusUntil((s) => s.epoch >= 1);
    expect(first.state).toBe('training');
    expect(first.samplesPerSecond).toBeGreaterThan(0);

    const predict = await call('POST', '/predict', { rows: [[0.1, 0.2], [-0.5, 0.3]] });
    expect(predict.status).toBe(200);
    expect(predict.json.training).toBe(true);
    expect(predict.json.epoch).toBeGreaterThanOrEqual(first.epoch);
    expect(predict.json.outputs).toHaveLength(2);
    for (const row of predict.json.outputs as number[][]) {
      expect(row).toHaveLength(3);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const badRows = await call('POST', '/predict', { rows: [[1, 2, 3]] });
    expect(badRows.status).toBe(400);
    expect(badRows.json.error).toMatch(/expected 2/);

    // Training went on after the prediction: more epochs, more progress, still running.
    const later = await statusUntil((s) => s.epoch > predict.json.epoch);
    expect(later.state).toBe('training');
    expect(later.progress).toBeGreaterThan(first.progress);
    expect(later.progress).toBeLessThan(1);

    const stop = await call('POST', '/stop');
    expect(stop.status).toBe(200);
    expect(stop.json.state).toBe('stopped');
    expect(stop.json.epoch).toBeGreaterThanOrEqual(later.epoch);
    expect(stop.json.epoch).toBeLessThan(100000);
    expect(stop.json.accuracy).toBeGreaterThan(0.5);

    const afterStop = await call('POST', '/predict', { rows: [[0.1, 0.2]] });
    expect(afterStop.status).toBe(200);
    expect(afterStop.json.training).toBe(false);
  });

  it('trains on rows given in the request to completion', async () => {
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const train = await call('POST', '/train', {
      data: { x, y: [[0], [1], [1], [0]] },
      layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binaryCrossEntropy',
      optimizer: { type: 'adam', learningRate: 0.05 },
      epochs: 300,
      batchSize: 4,
    });
    expect(train.status).toBe(202);
    const done = await statusUntil((s) => s.state !== 'training');
    expect(done).toMatchObject({ state: 'done', epoch: 300, progress: 1 });
    const outputs = (await call('POST', '/predict', { rows: x })).json.outputs as number[][];
    expect(outputs.map(([p]) => Math.round(p))).toEqual([0, 1, 1, 0]);
  });

  it('exits cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
