// Trains 784-256-128-10 (relu, softmax; cross-entropy; Adam 1e-3; batch 128)
// on Fashion-MNIST, the configuration of PyTorch's reference run, and prints
// test accuracy and training time. The data are the IDX files of Debian's
// `dataset-fashion-mnist` package (apt-get install dataset-fashion-mnist):
//
//   node examples/fashion-mnist.mjs [--epochs 10] [--train-limit N] [--test-limit N]
//                                   [--data-dir /usr/share/datasets/fashion-mnist] [--seed 0]
//
// (after `npm run build`; BACKPROP_THREADS / BACKPROP_BACKEND choose the engine).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Network, info } from 'backprop';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    seed: { type: 'string', default: '0' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const dataDir = values['data-dir'];

// An IDX file of unsigned bytes (the MNIST format), gzip-compressed as Debian
// ships it: 00 00 08 <dimensions>, one big-endian uint32 per dimension, data.
function readIdxBytes(file) {
  const bytes = gunzipSync(readFileSync(file));
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error(`${file}: not an IDX file of unsigned bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: bytes[3] }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * shape.length);
  if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${file}: ${data.length} data bytes do not fill shape [${shape}]`);
  return { shape, data };
}

/** Images as pixels / 255 (rows × 784) and their labels, the first `limit` of them. */
function loadSplit(prefix, limit) {
  const images = readIdxBytes(path.join(dataDir, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdxBytes(path.join(dataDir, `${prefix}-labels-idx1-ubyte.gz`));
  const rows = Math.min(images.shape[0], limit === undefined ? Infinity : Number(limit));
  const pixels = images.shape[1] * images.shape[2];
  const x = new Float32Array(rows * pixels);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, labels: Int32Array.from(labels.data.subarray(0, rows)), rows, pixels };
}

if (!existsSync(path.join(dataDir, 'train-images-idx3-ubyte.gz'))) {
  console.error(`no Fashion-MNIST in ${dataDir}: apt-get install dataset-fashion-mnist, or pass --data-dir`);
  process.exit(1);
}
const train = loadSplit('train', values['train-limit']);
const test = loadSplit('t10k', values['test-limit']);

const net = new Network({
  inputs: train.pixels,
  layers: [
    { units: 256, activation: 'relu' },
    { units: 128, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 1e-3 },
  seed,
});
const { isa, threads } = info();
console.log(
  `backprop: ${net.backend} engine${net.backend === 'native' ? ` (${isa}, ${threads} threads)` : ''}; ` +
    `${train.rows} training images, ${test.rows} test images`,
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
