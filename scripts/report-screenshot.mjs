// Makes docs/report.png, the README's picture of a report: two runs on the
// 10,000 digits of the `mnist` package (a devDependency), logged with fit's
// `log` option, the first model tested on 1,000 held-out digits, the page
// written by backprop/report and photographed by the same headless Chromium
// the report tests use. `node scripts/report-screenshot.mjs` after `npm run build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Network, trainTestSplit } from 'backprop';
import { testResults, writeReport } from 'backprop/report';
import { builtInDataset } from '../examples/server/datasets.mjs';
import { launchChromium, watchedPage } from './headless-chromium.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'docs', 'report.png');
const folder = mkdtempSync(path.join(tmpdir(), 'backprop-screenshot-'));
// Logs named relative to the folder, so the page shows "log": "adam-128.jsonl" rather than a temporary path.
process.chdir(folder);

const digits = builtInDataset('digits', {});
const { xTrain, yTrain, xTest, yTest } = trainTestSplit(digits.x, digits.y, { testFraction: 0.1, seed: 7, inputs: 784 });
const runs = [
  { name: 'adam-128', layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 1e-3 } },
  { name: 'sgd-64', layers: [{ units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }], optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 } },
];
const logs = [];
let tested;
for (const run of runs) {
  const net = new Network({ inputs: 784, layers: run.layers, loss: 'crossEntropy', optimizer: run.optimizer, seed: 7 });
  const log = `${run.name}.jsonl`;
  await net.fit(xTrain, yTrain, { epochs: 12, batchSize: 64, validationSplit: 0.1, log });
  logs.push(log);
  tested ??= testResults({
    source: '1,000 held-out digits',
    loss: 'crossEntropy',
    outputs: 10,
    rows: yTest.length,
    predictions: net.predict(xTest),
    targets: yTest,
    classes: null,
  });
  net.dispose();
}
const report = path.join(folder, 'report.html');
await writeReport(report, { logs, test: tested, title: 'Digits: Adam vs SGD with momentum' });

const context = await launchChromium(folder);
try {
  const url = pathToFileURL(report).href;
  const { page, refused, errors } = await watchedPage(context, (requested) => requested === url);
  await page.goto(url);
  await page.waitForSelector('body[data-ready]');
  if (refused.length > 0 || errors.length > 0) throw new Error(`the report asked for ${refused.join(', ')} or logged ${errors.join('; ')}`);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${path.relative(root, out)}`);
} finally {
  await context.close();
  rmSync(folder, { recursive: true, force: true });
}
