// RSS growth of long-running use, one JSON line per case:
//   trainBatch   N optimizer steps on one network
//   cycles       N networks created, trained one step, disposed
//   finalizer    N networks with large layers created and dropped without
//                dispose (the garbage collector's finalizer must free them)
//   node bench/memory.mjs [--backend native|js] [--steps 100000] [--cycles 10000] [--dropped 200]
// RSS is read after gc() (the script runs itself with --expose-gc and
// --max-semi-space-size=1: V8's young generation otherwise grows by up to
// 30 MB in steps over thousands of cycles, which is sizing, not a leak), after
// a warm-up of half the count (allocator and heap reach their plateau), and at
// the end: what a leak adds grows with the count, a plateau does not.
// Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);
if (typeof globalThis.gc !== 'function') {
  const result = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    steps: { type: 'string', default: '100000' },
    cycles: { type: 'string', default: '10000' },
    dropped: { type: 'string', default: '200' },
  },
});
const { Network } = createRequire(import.meta.url)(path.join(path.dirname(self), '..', 'dist', 'index.js'));
const backend = args.backend;

/** RSS after garbage collection; N-API finalizers run on a later turn of the event loop, hence the waits. */
async function rssMB() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().rss / 2 ** 20;
}

function report(name, count, before, after, extra = {}) {
  const round = (v) => Math.round(v * 100) / 100;
  console.log(JSON.stringify({ bench: 'memory', case: name, backend, count, rssBeforeMB: round(before), rssAfterMB: round(after), growthMB: round(after - before), ...extra }));
}

function data(rows, inputs, classes) {
  const x = new Float32Array(rows * inputs).map((_, i) => Math.sin(i));
  const labels = new Int32Array(rows).map((_, i) => i % classes);
  return { x, labels };
}

function small() {
  return new Network({ inputs: 64, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'crossEntropy', optimizer: 'adam', seed: 1, backend });
}

async function trainBatchSteps(count) {
  const net = small();
  const { x, labels } = data(32, 64, 10);
  for (let i = 0; i < count / 2; i++) net.trainBatch(x, labels);
  const before = await rssMB();
  for (let i = 0; i < count; i++) net.trainBatch(x, labels);
  report('trainBatch', count, before, await rssMB());
  net.dispose();
}

async function createDisposeCycles(count) {
  const { x, labels } = data(32, 64, 10);
  const cycle = () => {
    const net = small();
    net.trainBatch(x, labels);
    net.dispose();
  };
  for (let i = 0; i < count / 2; i++) cycle();
  const before = await rssMB();
  for (let i = 0; i < count; i++) cycle();
  report('cycles', count, before, await rssMB());
}

/** Each dropped network holds ~4 MB of weights and, once trained, ~12 MB more in the engine (adam moments, gradients, workspace). */
async function droppedNetworks(count) {
  const { x, labels } = data(8, 1024, 10);
  const before = await rssMB();
  let peak = before;
  for (let i = 0; i < count; i++) {
    const net = new Network({ inputs: 1024, layers: [{ units: 1024, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'crossEntropy', optimizer: 'adam', seed: i, backend });
    net.trainBatch(x, labels);
    if (i % 10 === 9) peak = Math.max(peak, await rssMB());
  }
  report('finalizer', count, before, await rssMB(), { peakMB: Math.round(peak * 100) / 100 });
}

await trainBatchSteps(Number(args.steps));
await createDisposeCycles(Number(args.cycles));
await droppedNetworks(Number(args.dropped));
