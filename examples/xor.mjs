// Learns XOR with a 2-8-1 network and prints its predictions and final loss:
// `node examples/xor.mjs [--epochs 500] [--seed 1]` (after `npm run build`).
import { parseArgs } from 'node:util';
import { Network } from 'backprop';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];

const net = new Network({
  inputs: 2,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossEntropy',
  optimizer: { type: 'adam', learningRate: 0.05 },
  seed,
});
const history = await net.fit(x, y, { epochs, batchSize: 4 });
const predictions = net.predict(x);
x.forEach(([a, b], i) => console.log(`${a} xor ${b} -> ${predictions[i].toFixed(4)} (expected ${y[i][0]})`));
console.log(`final loss ${history.loss.at(-1).toFixed(6)} after ${history.epochs} epochs on the ${net.backend} engine`);
net.dispose();
