// A hyperparameter sweep through the training queue: 32 configurations
// (hidden units × optimizer × learning rate) of a spirals classifier, trained
// by `backprop worker` processes, the best printed at the end.
//   node examples/sweep.mjs [--workers 2] [--epochs 30] [--redis redis://host:6379]
// Without --redis it starts its own redis-server (Debian's redis-server
// package). --workers 0 adds the jobs and waits for workers started elsewhere.
import { parseArgs } from 'node:util';
import { TrainingQueue } from 'backprop/queue';
import { builtInDataset } from './server/datasets.mjs';
import { startRedis, startWorkers } from './local-redis.mjs';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    epochs: { type: 'string', default: '30' },
    redis: { type: 'string' },
  },
});
const workerCount = Number(values.workers);
const epochs = Number(values.epochs);

const { x, y } = builtInDataset('spirals', { samples: 1500, seed: 1 });
const configurations = [];
for (const units of [8, 16, 32, 64]) {
  for (const type of ['adam', 'sgd']) {
    for (const learningRate of type === 'adam' ? [0.001, 0.003, 0.01, 0.03] : [0.03, 0.1, 0.3, 1]) {
      configurations.push({ units, optimizer: { type, learningRate } });
    }
  }
}

const redis = values.redis === undefined ? await startRedis() : { url: values.redis, stop: async () => undefined };
const name = `sweep-${process.pid}`;
const queue = new TrainingQueue({ connection: redis.url, name });
const workers = workerCount > 0 ? await startWorkers(redis.url, name, workerCount) : null;
try {
  const threads = workers === null ? '' : `, ${workers.threads} threads each`;
  console.log(`${configurations.length} jobs on ${workerCount} workers${threads} (queue ${name} at ${redis.url})`);
  const started = performance.now();
  const ids = await Promise.all(
    configurations.map(({ units, optimizer }) =>
      queue.add({
        network: { inputs: 2, layers: [{ units, activation: 'relu' }, { units, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: 'crossEntropy', optimizer, seed: 1 },
        fit: { epochs, batchSize: 32, validationSplit: 0.2 },
        data: { x, y },
      }),
    ),
  );
  const results = await Promise.all(ids.map((id) => queue.result(id)));
  const seconds = (performance.now() - started) / 1000;
  const rows = configurations.map((config, i) => ({ ...config, metrics: results[i].metrics }));
  for (const { units, optimizer, metrics } of rows) {
    console.log(`${String(units).padStart(3)} units  ${optimizer.type.padEnd(4)} lr ${String(optimizer.learningRate).padEnd(5)}  val accuracy ${metrics.accuracy.toFixed(3)}  val loss ${metrics.loss.toFixed(4)}`);
  }
  const best = rows.reduce((a, b) => (b.metrics.loss < a.metrics.loss ? b : a));
  console.log(`best: ${best.units} units, ${best.optimizer.type}, learning rate ${best.optimizer.learningRate}: val accuracy ${best.metrics.accuracy.toFixed(3)}, val loss ${best.metrics.loss.toFixed(4)}`);
  console.log(`${ids.length} jobs in ${seconds.toFixed(2)} s with ${workerCount} workers: ${Math.round((ids.length / seconds) * 3600)} jobs/hour`);
} finally {
  await workers?.stop();
  await queue.close();
  await redis.stop();
}
