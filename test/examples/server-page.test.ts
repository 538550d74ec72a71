/**
 * The training server's status page (GET /), in headless Chromium: its
 * learning curves grow while a training runs, it asks nothing of any other
 * host, and it logs no error.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { startExample } from './run-example';
// @ts-expect-error: a plain ES module shared with scripts/report-screenshot.mjs
import { launchChromium, watchedPage } from '../../scripts/headless-chromium.mjs';

let child: ChildProcessWithoutNullStreams;
let base: string;
let context: { close(): Promise<void> };

beforeAll(async () => {
  ensureBuiltFacade();
  const started = await startExample('server', ['--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  child = started.child;
  base = started.match[1];
  context = await launchChromium(mkdtempSync(path.join(tmpdir(), 'backprop-server-page-')));
});
afterAll(async () => {
  await context?.close();
  if (child.exitCode === null) child.kill('SIGKILL');
});

async function post(route: string, body?: object): Promise<Response> {
  return fetch(`${base}${route}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

it('GET / draws the loss curve of the running training, growing epoch by epoch', async () => {
  const page = await fetch(`${base}/`);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const { page: browser, refused, errors } = await watchedPage(context, (url: string) => url.startsWith(`${base}/`));
  await browser.goto(`${base}/`);
  await browser.waitForSelector('body[data-ready]');
  expect(await browser.textContent('#curves')).toMatch(/No epoch finished yet/);

  expect((await post('/train', { dataset: 'spirals', samples: 3000, epochs: 100000, batchSize: 32 })).status).toBe(202);
  // Waits (polling in the page) until the loss curve holds a number of points that `holds` accepts.
  const lossPoints = async (holds: 'atLeast' | 'moreThan' | 'exactly', count: number): Promise<number> => {
    const handle = await browser.waitForFunction(
      ({ holds, count }: { holds: string; count: number }) => {
        const canvas = document.querySelector('figure[data-chart="loss"] canvas');
        const points = canvas ? (window as unknown as { Chart: { getChart(c: Element): { data: { datasets: Array<{ data: unknown[] }> } } } }).Chart.getChart(canvas).data.datasets[0].data.length : 0;
        const ok = holds === 'atLeast' ? points >= count : holds === 'moreThan' ? points > count : points === count;
        return ok ? points : false;
      },
      { holds, count },
      { timeout: 60_000 },
    );
    return (await handle.jsonValue()) as number;
  };
  const first = await lossPoints('atLeast', 2);
  expect(await lossPoints('moreThan', first)).toBeGreaterThan(first);
  const charts = await browser.evaluate(() => [...document.querySelectorAll('figure[data-chart]')].map((f) => (f as HTMLElement).dataset.chart));
  expect(charts).toEqual(['loss', 'accuracy', 'learningRate', 'samplesPerSecond']);

  // Once stopped, the page settles on every epoch the server finished.
  const stopped = (await (await post('/stop')).json()) as { state: string; epoch: number };
  expect(stopped.state).toBe('stopped');
  expect(await lossPoints('exactly', stopped.epoch)).toBe(stopped.epoch);
  expect(refused).toEqual([]);
  expect(errors).toEqual([]);
  await browser.close();
});
