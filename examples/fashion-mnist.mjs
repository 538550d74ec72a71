// Trains 784-256-128-10 (relu, softmax; cross-entropy; Adam 1e-3; batch 128)
// on Fashion-MNIST, the configuration of PyTorch's reference run, and prints
// test accuracy and training time. The data are the IDX files of Debian's
// `dataset-fashion-mnist` package (apt-get install dataset-fashion-mnist):
//
//   node examples/fashion-mnist.mjs [--epochs 10] [--train-limit N] [--test-limit N]
//                                   [--data-dir /usr/share/datasets/fashion-mnist] [--seed 0]
//                                   [--precision float32|bfloat16]
//
// (after `npm run build`; BACKPROP_THREADS / BACKPROP_BACKEND choose the engine).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Network, info, loadIdx } from 'backprop';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    seed: { type: 'string', default: '0' },
    precision: { type: 'string', default: 'float32' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const dataDir = values['data-dir'];

/** Images as pixels / 255 (rows × 784, as PyTorch's reference run scales them) and labels, the first `limit`. */
async function loadSplit(prefix, limit) {
  const { x, y, rows, inputs } = await loadIdx(
    path.join(dataDir, `${prefix}-images-idx3-ubyte.gz`),
    path.join(dataDir, `${prefix}-labels-idx1-ubyte.gz`),
  );
  const kept = Math.min(rows, limit === undefined ? Infinity : Number(limit));
  const pixels = x.subarray(0, kept * inputs).map((v) => v / 255);
  return { x: pixels, labels: y.subarray(0, kept), rows: kept, inputs };
}

if (!existsSync(path.join(dataDir, 'train-images-idx3-ubyte.gz'))) {
  console.error(`no Fashion-MNIST in ${dataDir}: apt-get install dataset-fashion-mnist, or pass --data-dir`);
  process.exit(1);
}
const train = await loadSplit('train', values['train-limit']);
const test = await loadSplit('t10k', values['test-limit']);

const net = new Network({
  inputs: train.inputs,
  layers: [
    { units: 256, activation: 'relu' },
    { units: 128, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 1e-3 },
  seed,
  precision: values.precision,
});
const { isa, threads } = info();
console.log(
  `backprop: ${net.backend} engine${net.backend === 'native' ? ` (${isa}, ${threads} threads)` : ''}; ` +
    `${train.rows} training images, ${test.rows} test images${values.precision === 'float32' ? '' : `, precision ${values.precision}`}`,
);

const started = performance.now();
const history = await net.fit(train.x, train.labels, {
  epochs,
  batchSize: 128,
  onEpochEnd: ({ epoch, loss, accuracy, samplesPerSecond, seconds }) =>
    console.log(
      `epoch ${epoch}/${epochs}: loss ${loss.toFixed(4)}, train accuracy ${(100 * accuracy).toFixed(2)} %, ` +
        `${seconds.toFixed(2)} s, ${Math.round(samplesPerSecond)} samples/s`,
    ),
});
const seconds = (performance.now() - started) / 1000;

const { accuracy, loss } = net.evaluate(test.x, test.labels);
console.log(`test accuracy ${(100 * accuracy).toFixed(2)} % (loss ${loss.toFixed(4)}) on ${test.rows} test images`);
console.log(`training time ${seconds.toFixed(2)} s for ${history.epochs} epochs (${Math.round(history.samplesPerSecond)} samples/s)`);
net.dispose();
