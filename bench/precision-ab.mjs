// float32 against bfloat16 on the native engine, interleaved in one process
// so that a shared machine's drift hits both alike: rounds of `--steps`
// trainBatch calls on each precision in turn (the first round is warm-up),
// then batch-1 predict latency of each.
//   node bench/precision-ab.mjs [--configs mnist,wide] [--steps 10] [--rounds 6]
// Configurations as in bench/train.mjs (Adam 1e-3, synthetic data); needs
// `npm run build`; BACKPROP_THREADS and BACKPROP_ISA choose the engine.
import { parseArgs } from 'node:util';
import { Network, info } from 'backprop';

const CONFIGS = {
  mnist: { sizes: [784, 256, 128, 10], batch: 128 },
  wide: { sizes: [784, 1024, 1024, 10], batch: 256 },
};
const PRECISIONS = ['float32', 'bfloat16'];
const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: 'mnist,wide' },
    steps: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '6' },
  },
});

function network(config, precision) {
  const [inputs, ...units] = config.sizes;
  return new Network({
    inputs,
    layers: units.map((u, i) => ({ units: u, activation: i === units.length - 1 ? 'softmax' : 'relu' })),
    loss: 'crossEntropy',
    optimizer: 'adam',
    seed: 0,
    backend: 'native',
    precision,
  });
}

const { isa, bfloat16, threads } = info();
for (const name of args.configs.split(',')) {
  const config = CONFIGS[name];
  const x = Float32Array.from({ length: config.batch * config.sizes[0] }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: config.batch }, (_, i) => (i * 7) % 10);
  const nets = Object.fromEntries(PRECISIONS.map((p) => [p, network(config, p)]));
  const milliseconds = { float32: 0, bfloat16: 0 };
  const steps = Number(args.steps);
  const rounds = Number(args.rounds);
  for (let round = 0; round < rounds; round++) {
    for (const p of PRECISIONS) {
      const started = performance.now();
      for (let s = 0; s < steps; s++) nets[p].trainBatch(x, y);
      if (round > 0) milliseconds[p] += performance.now() - started;
    }
  }
  const row = x.subarray(0, config.sizes[0]);
  const predict = {};
  for (const p of PRECISIONS) {
    const started = performance.now();
    for (let i = 0; i < 500; i++) nets[p].predict(row);
    predict[p] = Number((((performance.now() - started) / 500) * 1000).toFixed(1));
    nets[p].dispose();
  }
  const samples = (rounds - 1) * steps * config.batch;
  const rate = (p) => Math.round((samples / milliseconds[p]) * 1000);
  console.log(JSON.stringify({
    bench: 'precision-ab', isa, bfloat16, threads, config: name, batch: config.batch,
    samplesPerSecond: { float32: rate('float32'), bfloat16: rate('bfloat16') },
    bfloat16OverFloat32: Number((milliseconds.float32 / milliseconds.bfloat16).toFixed(3)),
    predictMicroseconds: predict,
  }));
}
