// The built-in data sets POST /train can name, each with the network that
// suits it: 'xor' (4 rows), 'spirals' (three interleaved spirals in the
// plane, seeded, any number of points) and 'digits' (the 10,000 handwritten
// digits of the `mnist` package, a devDependency of this repository).
import { createRequire } from 'node:module';
import { seededRandom } from '../seeded-random.mjs';

function xor() {
  return {
    x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
    y: new Float32Array([0, 1, 1, 0]),
    network: {
      inputs: 2,
      layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binaryCrossEntropy',
      optimizer: { type: 'adam', learningRate: 0.05 },
    },
  };
}

const SPIRAL_CLASSES = 3;

function spirals(samples, seed) {
  const random = seededRandom(seed);
  const x = new Float32Array(samples * 2);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % SPIRAL_CLASSES;
    const radius = random();
    // One and a half turns per arm, with some angular noise.
    const angle = (label * 2 * Math.PI) / SPIRAL_CLASSES + 3 * Math.PI * radius + 0.3 * (random() - 0.5);
    x[2 * i] = radius * Math.cos(angle);
    x[2 * i + 1] = radius * Math.sin(angle);
    labels[i] = label;
  }
  return {
    x,
    y: labels,
    network: {
      inputs: 2,
      layers: [
        { units: 64, activation: 'relu' },
        { units: 64, activation: 'relu' },
        { units: SPIRAL_CLASSES, activation: 'softmax' },
      ],
      loss: 'crossEntropy',
      optimizer: { type: 'adam', learningRate: 0.01 },
    },
  };
}

const PIXELS = 784;

function digits() {
  const mnist = createRequire(import.meta.url)('mnist');
  const rows = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < mnist[digit].length; i++) rows.push([digit, i]);
  }
  const x = new Float32Array(rows.length * PIXELS);
  const labels = new Int32Array(rows.length);
  rows.forEach(([digit, i], row) => {
    x.set(mnist[digit].raw.slice(i * PIXELS, (i + 1) * PIXELS), row * PIXELS);
    labels[row] = digit;
  });
  return {
    x,
    y: labels,
    network: {
      inputs: PIXELS,
      layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'crossEntropy',
      optimizer: { type: 'adam', learningRate: 1e-3 },
    },
  };
}

export const DATASETS = ['xor', 'spirals', 'digits'];

/** { x, y, network } for a built-in data set; `samples` and `seed` shape 'spirals'. */
export function builtInDataset(name, { samples, seed }) {
  if (name === 'xor') return xor();
  if (name === 'spirals') return spirals(samples, seed);
  return digits();
}
