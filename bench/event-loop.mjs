// How free the event loop stays while a server trains in-process: the mnist
// configuration (784-256-128-10, relu, softmax, crossEntropy, adam, batch
// 128) fits a 60,000 × 784 float32 data set (188 MB, synthetic) while a 10 ms
// setInterval calls predict() on one row at every tick. One JSON line per
// backend:
//   node bench/event-loop.mjs [--backends native,js] [--seconds 5] [--rows 60000]
// fitReturnMs: how long the fit() call took to hand back its promise;
// worstGapMs: the longest time between two ticks (10 ms when nothing blocks);
// predicts/ticks: every tick's predict answered; worstPredictMs: the slowest.
// Needs `npm run build` first.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'native,js' },
    seconds: { type: 'string', default: '5' },
    rows: { type: 'string', default: '60000' },
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const { Network } = createRequire(import.meta.url)(path.join(here, '..', 'dist', 'index.js'));
const INTERVAL_MS = 10;
const INPUTS = 784;

function data(rows) {
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const x = new Float32Array(rows * INPUTS);
  for (let i = 0; i < x.length; i++) x[i] = uniform();
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) labels[r] = Math.floor(uniform() * 10);
  return { x, labels };
}

async function measure(backend, seconds, { x, labels }) {
  const net = new Network({
    inputs: INPUTS,
    layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: 'adam',
    seed: 1,
    backend,
  });
  const row = x.subarray(0, INPUTS);
  net.predict(row); // warm: the reader's workspace exists before the clock starts
  const gaps = [];
  let predicts = 0;
  let worstPredictMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    net.predict(row);
    const took = performance.now() - now;
    worstPredictMs = Math.max(worstPredictMs, took);
    predicts++;
  }, INTERVAL_MS);
  const controller = new AbortController();
  const stop = setTimeout(() => controller.abort(), seconds * 1000);
  let batches = 0;
  const called = performance.now();
  const fitting = net.fit(x, labels, { epochs: 1e6, batchSize: 128, signal: controller.signal, onBatchEnd: () => void batches++ });
  const fitReturnMs = performance.now() - called;
  await fitting;
  clearTimeout(stop);
  clearInterval(timer);
  net.dispose();
  const round = (v) => Math.round(v * 10) / 10;
  return {
    bench: 'event-loop',
    backend,
    config: 'mnist',
    rows: x.length / INPUTS,
    seconds,
    batches,
    intervalMs: INTERVAL_MS,
    fitReturnMs: round(fitReturnMs),
    ticks: gaps.length,
    predicts,
    worstGapMs: round(Math.max(...gaps)),
    meanGapMs: round(gaps.reduce((a, b) => a + b, 0) / gaps.length),
    worstPredictMs: round(worstPredictMs),
  };
}

const training = data(Number(args.rows));
for (const backend of args.backends.split(',')) {
  console.log(JSON.stringify(await measure(backend, Number(args.seconds), training)));
}
