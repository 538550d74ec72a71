/**
 * The report opened in headless Chromium (Debian's, through playwright-core):
 * it makes no request, logs no error, draws one point per logged epoch in
 * every chart (two runs overlaid), and tests the model: a confusion matrix
 * whose cells sum to the test rows, or predicted-vs-true points with R².
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { classesCsv, fixtureDir, runCli } from '../cli/run-cli';
// @ts-expect-error: a plain ES module shared with scripts/report-screenshot.mjs
import { chartPoints, launchChromium, watchedPage } from '../../scripts/headless-chromium.mjs';

interface Watched {
  page: { goto(url: string): Promise<unknown>; waitForSelector(s: string): Promise<unknown>; evaluate<T>(f: () => T): Promise<T>; textContent(s: string): Promise<string | null>; screenshot(o: object): Promise<unknown>; close(): Promise<void> };
  refused: string[];
  errors: string[];
}
type Points = Record<string, Array<{ label: string; points: number }>>;

let dir: string;
let context: { close(): Promise<void> };

function cli(args: string[]): string {
  const result = runCli(args, dir);
  if (result.status !== 0) throw new Error(`backprop ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

function regressionCsv(rows: number): string {
  const lines = ['a,b,y'];
  for (let i = 0; i < rows; i++) {
    const a = ((i * 37) % 101) / 101;
    const b = ((i * 53) % 97) / 97;
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${(2 * a - b + 0.05 * Math.sin(i)).toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Opens a report file; fails on any request leaving it and on any console error. */
async function open(file: string): Promise<Watched> {
  const url = pathToFileURL(path.join(dir, file)).href;
  const watched = (await watchedPage(context, (requested: string) => requested === url)) as Watched;
  await watched.page.goto(url);
  await watched.page.waitForSelector('body[data-ready]');
  return watched;
}

function expectQuiet(watched: Watched): void {
  expect(watched.refused).toEqual([]);
  expect(watched.errors).toEqual([]);
}

beforeAll(async () => {
  ensureBuiltFacade();
  dir = fixtureDir({ 'train.csv': classesCsv(600), 'test.csv': classesCsv(150, 9), 'values.csv': regressionCsv(400) });
  const common = ['--data', 'train.csv', '--validation-split', '0.2', '--standardize', '--seed', '3', '--json'];
  cli(['train', ...common, '--layers', '16:relu,3:softmax', '--epochs', '6', '--log', 'adam.jsonl', '--out', 'adam.safetensors']);
  cli(['train', ...common, '--layers', '8:tanh,3:softmax', '--epochs', '4', '--optimizer', 'sgd', '--lr', '0.1', '--log', 'sgd.jsonl', '--out', 'sgd.safetensors']);
  cli(['report', '--log', 'adam.jsonl', '--log', 'sgd.jsonl', '--model', 'adam.safetensors', '--data', 'test.csv', '--out', 'classes.html']);
  cli(['train', '--data', 'values.csv', '--layers', '8:tanh,1', '--epochs', '5', '--validation-split', '0.25', '--seed', '1', '--json', '--report', 'values.html', '--out', 'values.safetensors']);
  context = await launchChromium(dir);
}, 300_000);

afterAll(async () => {
  await context?.close();
});

describe('backprop report', () => {
  it('overlays both runs with one point per logged epoch in every chart, offline and without errors', async () => {
    const watched = await open('classes.html');
    const charts = (await chartPoints(watched.page)) as Points;
    // One chart per logged metric: the validation metrics fit logs for crossEntropy among them.
    expect(Object.keys(charts)).toEqual(['loss', 'accuracy', 'f1', 'precision', 'recall', 'learningRate', 'samplesPerSecond']);
    expect(charts.loss.map((set) => set.label)).toEqual(['adam · loss', 'adam · valLoss', 'sgd · loss', 'sgd · valLoss']);
    expect(charts.accuracy.map((set) => set.label)).toEqual(['adam · accuracy', 'adam · valAccuracy', 'sgd · accuracy', 'sgd · valAccuracy']);
    for (const sets of Object.values(charts)) {
      for (const set of sets) expect(set.points).toBe(set.label.startsWith('adam') ? 6 : 4);
    }
    // The learning-rate curve holds each run's rate.
    const rates = await watched.page.evaluate(() =>
      (window as unknown as { Chart: { getChart(c: Element): { data: { datasets: Array<{ data: Array<{ y: number }> }> } } } }).Chart.getChart(
        document.querySelector('figure[data-chart="learningRate"] canvas') as Element,
      ).data.datasets.map((set) => [...new Set(set.data.map((p) => p.y))]),
    );
    expect(rates).toEqual([[0.001], [0.1]]);
    expect(await watched.page.textContent('#runs')).toMatch(/1 dense 16 · relu\s+16\s+64/);
    const screenshot = path.join(dir, 'classes.png');
    await watched.page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    expectQuiet(watched);
    await watched.page.close();
  });

  it('draws the confusion matrix of the model on the test rows, agreeing with backprop evaluate', async () => {
    const watched = await open('classes.html');
    const cells = await watched.page.evaluate(() =>
      [...document.querySelectorAll('table.confusion tr')].slice(1).map((row) => [...row.querySelectorAll('td')].map((cell) => Number(cell.dataset.count))),
    );
    expect(cells).toHaveLength(3);
    expect(cells.flat().reduce((a, b) => a + b, 0)).toBe(150);
    const { accuracy } = JSON.parse(cli(['evaluate', '--model', 'adam.safetensors', '--data', 'test.csv', '--json'])) as { accuracy: number };
    expect((cells[0][0] + cells[1][1] + cells[2][2]) / 150).toBeCloseTo(accuracy, 10);
    // Each class's recall is its diagonal cell over its row.
    const recalls = await watched.page.evaluate(() =>
      [...document.querySelectorAll('table.per-class tr')].slice(1).map((row) => row.querySelectorAll('td')[1].textContent),
    );
    expect(recalls).toEqual(cells.map((row, k) => `${((100 * row[k]) / row.reduce((a, b) => a + b, 0)).toFixed(1)}%`));
    expectQuiet(watched);
    await watched.page.close();
  });
});

describe('the page watcher', () => {
  it('sees a request that leaves the page and a console error (so the checks above can fail)', async () => {
    writeFileSync(path.join(dir, 'leaky.html'), '<body data-ready><img src="http://example.invalid/pixel.png"><script>console.error("boom")</script></body>');
    const watched = await open('leaky.html');
    expect(watched.refused).toEqual(['http://example.invalid/pixel.png']);
    expect(watched.errors).toContain('boom');
    await watched.page.close();
  });
});

describe('backprop train --report', () => {
  it('draws the run and the predicted-vs-true points of the validation rows with R²', async () => {
    expect(existsSync(path.join(dir, 'values.html'))).toBe(true);
    const watched = await open('values.html');
    const charts = (await chartPoints(watched.page)) as Points;
    expect(charts.loss.map((set) => set.label)).toEqual(['loss', 'valLoss']);
    expect(await watched.page.textContent('#runs')).toMatch(/^values — 5 epochs logged/);
    expect(await watched.page.textContent('#runs')).not.toMatch(/"log"/);
    for (const [name, sets] of Object.entries(charts)) {
      for (const set of sets) expect(set.points).toBe(name === 'scatter' ? (set.label === 'rows' ? 100 : 2) : 5);
    }
    expect(await watched.page.textContent('#test')).toMatch(/the 100 validation rows of values\.csv.*R² -?\d\.\d{4}, MAE/s);
    await watched.page.screenshot({ path: path.join(dir, 'values.png'), fullPage: true });
    expectQuiet(watched);
    await watched.page.close();
  });
});
