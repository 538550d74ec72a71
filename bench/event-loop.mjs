// How free the event loop stays during fit(): the gaps between the ticks of a
// 10 ms setInterval while the mnist configuration (784-256-128-10, relu,
// softmax, crossEntropy, adam, batch 128, synthetic data) trains for a fixed
// time, one JSON line per engine:
//   node bench/event-loop.mjs [--backends native,js] [--seconds 3]
// worstGapMs is the longest time between two ticks (10 ms when nothing ever
// blocks). Needs `npm run build` first.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'native,js' },
    seconds: { type: 'string', default: '3' },
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const { Network } = createRequire(import.meta.url)(path.join(here, '..', 'dist', 'index.js'));
const INTERVAL_MS = 10;
const ROWS = 4096;

function data() {
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return { x: new Float32Array(ROWS * 784).map(uniform), labels: new Int32Array(ROWS).map(() => Math.floor(uniform() * 10)) };
}

async function measure(backend, seconds, { x, labels }) {
  const net = new Network({
    inputs: 784,
    layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: 'adam',
    seed: 1,
    backend,
  });
  const gaps = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, INTERVAL_MS);
  const controller = new AbortController();
  const stop = setTimeout(() => controller.abort(), seconds * 1000);
  let batches = 0;
  await net.fit(x, labels, { epochs: 1e6, batchSize: 128, signal: controller.signal, onBatchEnd: () => void batches++ });
  clearTimeout(stop);
  clearInterval(timer);
  net.dispose();
  const round = (v) => Math.round(v * 10) / 10;
  return {
    bench: 'event-loop',
    backend,
    config: 'mnist',
    seconds,
    batches,
    intervalMs: INTERVAL_MS,
    ticks: gaps.length,
    worstGapMs: round(Math.max(...gaps)),
    meanGapMs: round(gaps.reduce((a, b) => a + b, 0) / gaps.length),
  };
}

const training = data();
for (const backend of args.backends.split(',')) {
  console.log(JSON.stringify(await measure(backend, Number(args.seconds), training)));
}
