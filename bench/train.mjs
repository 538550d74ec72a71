// Training throughput (samples/s of trainBatch and of fit) and batch-1
// predict latency, for the configurations of bench/reference/torch_mlp.py:
// synthetic standard-normal inputs, random labels, a pool of 32 batches.
//   node bench/train.mjs [--json] [--backends native,js] [--threads 1,2]
//        [--configs xor,small,mnist,wide] [--opts sgd,adam] [--seconds 2] [--repeats 3]
//        [--dropout 0.2]   (dropout after every hidden activation; default 0: none)
//        [--normalization none|batch|layer]   (after every hidden Linear; default none)
//        [--precision float32,bfloat16]
// Each (backend, threads) runs in its own process: BACKPROP_THREADS sizes
// the native pool once per process. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CONFIGS = {
  xor: { sizes: [2, 16, 1], hidden: 'tanh', output: 'sigmoid', loss: 'mse', batch: 4 },
  small: { sizes: [784, 128, 10], hidden: 'relu', output: 'softmax', loss: 'crossEntropy', batch: 32 },
  mnist: { sizes: [784, 256, 128, 10], hidden: 'relu', output: 'softmax', loss: 'crossEntropy', batch: 128 },
  wide: { sizes: [784, 1024, 1024, 10], hidden: 'relu', output: 'softmax', loss: 'crossEntropy', batch: 256 },
};
const OPTIMIZERS = {
  sgd: { type: 'sgd', learningRate: 0.01, momentum: 0.9 },
  adam: { type: 'adam', learningRate: 1e-3 },
};
const POOL_BATCHES = 32;

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    backends: { type: 'string', default: 'native,js' },
    threads: { type: 'string', default: `1,${cpus().length}` },
    configs: { type: 'string', default: Object.keys(CONFIGS).join(',') },
    opts: { type: 'string', default: Object.keys(OPTIMIZERS).join(',') },
    seconds: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
    dropout: { type: 'string', default: '0' },
    normalization: { type: 'string', default: 'none' },
    backend: { type: 'string' },
    precision: { type: 'string', default: 'float32' },
  },
});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Standard normal values from a seeded generator (Box–Muller). */
function normals(count, seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

function makeData(config) {
  const inputs = config.sizes[0];
  const outputs = config.sizes.at(-1);
  const rows = POOL_BATCHES * config.batch;
  const x = normals(rows * inputs, 1);
  if (config.loss === 'mse') {
    const y = new Float32Array(rows * outputs).map((_, i) => (x[i * inputs] > 0 ? 1 : 0));
    return { x, y, rows, inputs };
  }
  const y = new Int32Array(rows).map((_, i) => (Math.imul(i + 1, 2654435761) >>> 7) % outputs);
  return { x, y, rows, inputs };
}

/** A hidden block as the flags say: Linear → normalization → activation → dropout. */
function hiddenBlock(units, activation) {
  const block = { units, activation, dropout: Number(args.dropout) };
  return args.normalization === 'none' ? block : { ...block, normalization: args.normalization };
}

function network(Network, backend, config, optimizer, precision = 'float32') {
  const [inputs, ...units] = config.sizes;
  return new Network({
    inputs,
    layers: units.map((u, i) => (i === units.length - 1 ? { units: u, activation: config.output } : hiddenBlock(u, config.hidden))),
    loss: config.loss,
    optimizer,
    seed: 0,
    backend,
    precision,
  });
}

function batchView(data, config, b) {
  const rows = config.batch;
  const start = (b % POOL_BATCHES) * rows;
  const width = data.y.length / data.rows;
  return [data.x.subarray(start * data.inputs, (start + rows) * data.inputs), data.y.subarray(start * width, (start + rows) * width)];
}

function timeTrainBatch(net, data, config, seconds) {
  let samples = 0;
  let b = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const [x, y] = batchView(data, config, b++);
    net.trainBatch(x, y);
    samples += config.batch;
  }
  return samples / ((performance.now() - started) / 1000);
}

async function timeFit(net, data, config, seconds) {
  const epochSeconds = await (async () => {
    const started = performance.now();
    await net.fit(data.x, data.y, { epochs: 1, batchSize: config.batch });
    return (performance.now() - started) / 1000;
  })();
  const epochs = Math.max(1, Math.round(seconds / epochSeconds));
  const started = performance.now();
  await net.fit(data.x, data.y, { epochs, batchSize: config.batch });
  return (epochs * data.rows) / ((performance.now() - started) / 1000);
}

// Wall and CPU microseconds per call: on a shared host the process's CPU
// time per call drifts much less than wall time.
function predictLatency(net, data, seconds) {
  const row = data.x.subarray(0, data.inputs);
  let calls = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 100; i++) net.predict(row);
    calls += 100;
  }
  const cpu = process.cpuUsage(cpuStarted);
  return { wall: ((performance.now() - started) * 1000) / calls, cpu: (cpu.user + cpu.system) / calls };
}

async function child() {
  const { Network, info } = await import('backprop');
  const backend = args.backend;
  const seconds = Number(args.seconds);
  const repeats = Number(args.repeats);
  const facts = info();
  const engine = backend === 'native' ? { isa: facts.isa, threads: facts.threads } : { isa: 'js', threads: 1 };
  const cases = args.precision.split(',').flatMap((precision) => args.configs.split(',').map((name) => [precision, name]));
  for (const [precision, name] of cases) {
    const config = CONFIGS[name];
    const data = makeData(config);
    for (const opt of args.opts.split(',')) {
      const trainBatchRates = [];
      const fitRates = [];
      for (let r = 0; r < repeats; r++) {
        const net = network(Network, backend, config, OPTIMIZERS[opt], precision);
        timeTrainBatch(net, data, config, Math.min(0.5, seconds / 4));
        trainBatchRates.push(timeTrainBatch(net, data, config, seconds));
        fitRates.push(await timeFit(net, data, config, seconds));
        net.dispose();
      }
      for (const [mode, rates] of [['trainBatch', trainBatchRates], ['fit', fitRates]]) {
        console.log(JSON.stringify({ bench: 'train', backend, ...engine, precision, bfloat16: facts.bfloat16, config: name, optimizer: opt, dropout: Number(args.dropout), normalization: args.normalization, mode, batch: config.batch, samplesPerSecond: Math.round(median(rates)) }));
      }
    }
    if (name === 'small' || name === 'mnist') {
      const net = network(Network, backend, config, OPTIMIZERS.sgd, precision);
      const latencies = [];
      for (let r = 0; r < repeats; r++) latencies.push(predictLatency(net, data, Math.min(1, seconds)));
      net.dispose();
      const microseconds = Number(median(latencies.map((l) => l.wall)).toFixed(2));
      const cpuMicroseconds = Number(median(latencies.map((l) => l.cpu)).toFixed(2));
      console.log(JSON.stringify({ bench: 'predict', backend, ...engine, precision, config: name, normalization: args.normalization, batch: 1, microseconds, cpuMicroseconds }));
    }
  }
}

function parent() {
  const script = fileURLToPath(import.meta.url);
  const rows = [];
  for (const backend of args.backends.split(',')) {
    const threadCounts = backend === 'js' ? ['1'] : [...new Set(args.threads.split(','))];
    for (const threads of threadCounts) {
      const forwarded = ['--configs', args.configs, '--opts', args.opts, '--seconds', args.seconds, '--repeats', args.repeats, '--dropout', args.dropout, '--normalization', args.normalization, '--precision', args.precision];
      const result = spawnSync(process.execPath, [script, '--child', '--backend', backend, ...forwarded], {
        env: { ...process.env, BACKPROP_THREADS: threads },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      for (const line of result.stdout.split('\n').filter(Boolean)) {
        if (args.json) console.log(line);
        else rows.push(JSON.parse(line));
      }
      if (result.status !== 0) process.exitCode = 1;
    }
  }
  if (!args.json) {
    for (const r of rows) {
      const what = `${r.precision === 'bfloat16' ? 'bf16 ' : ''}${r.bench === 'train' ? `${r.config} ${r.optimizer} ${r.mode}` : `${r.config} predict(batch 1)`}`;
      const value = r.bench === 'train' ? `${r.samplesPerSecond} samples/s` : `${r.microseconds} µs (${r.cpuMicroseconds} CPU µs)`;
      console.log(`${r.backend.padEnd(6)} ${r.isa.padEnd(6)} ${String(r.threads).padStart(2)} threads  ${what.padEnd(24)} ${value}`);
    }
  }
}

if (args.child) await child();
else parent();
