// `npm run fuzz -- [--cases N] [--seed S] [--targets a,b] [--trace]`: seeded random calls at
// every entry point of the raw native addon (info, setErrorClasses, the
// NativeModel constructor and each of its methods — readers with hostile
// weights, beginTraining with hostile plan objects —, random sequences of a
// training session's calls, and calls while trainBatchesAsync runs) and at
// the model loaders (Network.fromJSON of mutated documents, Network.load of
// mutated safetensors files). Every call must return or throw an Error — the
// loaders a FormatError — and the process must never crash. Prints one JSON
// summary line; exits 1 when a case failed.
// The safetensors parser is TypeScript (lib/io/safetensors.ts), so there is
// no C++ parser for a libFuzzer target. Not fuzzed: transferring away the
// arrays of a plan while its trainBatchesAsync runs (between calls it is
// fuzzed, and refused). N-API cannot pin a buffer, so the binding's contract
// is that callers keep them attached while batches run; the facade does (fit
// trains on copies it owns and never exposes, and params never leave it).
// Needs `npm run build` first; runs itself again with --expose-gc when
// started without it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);
if (typeof globalThis.gc !== 'function') {
  const result = spawnSync(process.execPath, ['--expose-gc', self, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.signal !== null) console.error(`fuzz: the process was killed by ${result.signal} (rerun with --trace to see the case)`);
  process.exit(result.status ?? 1);
}

const USAGE = 'usage: node scripts/fuzz.mjs [--cases N] [--seed S] [--targets NAME,…] [--trace]';
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      cases: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      targets: { type: 'string' },
      trace: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`fuzz: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const CASES = Number(args.cases);
const SEED = Number(args.seed);

const require = createRequire(import.meta.url);
const backprop = require(path.join(path.dirname(self), '..', 'dist', 'index.js'));
const { binary } = backprop.info();
if (binary === null) {
  console.error(`fuzz: the native addon did not load (${backprop.info().nativeError}); the raw entry points cannot be fuzzed`);
  process.exit(1);
}
// The instance the facade loaded, with the facade's error classes registered.
const addon = require(binary);
const FACADE_CLASSES = {
  ArgumentError: backprop.ArgumentError,
  ShapeError: backprop.ShapeError,
  BusyError: backprop.BusyError,
  DisposedError: backprop.DisposedError,
  BackendError: backprop.BackendError,
  BackpropError: backprop.BackpropError,
};

// ---- seeded randomness (mulberry32) ----
let state = SEED >>> 0;
function uniform() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const below = (n) => Math.floor(uniform() * n);
const pick = (list) => list[below(list.length)];
const chance = (p) => uniform() < p;

// ---- random values ----
// Integers past 2^31 stay refused or fail to allocate at once; mid-size ones
// (10^7…10^9) are left out on purpose: a batchSize of that size is a valid
// request for gigabytes, which is not what this fuzzer is about.
const NUMBERS = [0, -0, 1, -1, 2, 3, 5, 0.5, 1.5, -2.5, NaN, Infinity, -Infinity, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 1e300, -1e300, Number.MIN_VALUE, 1e-300];
const STRINGS = ['', 'relu', 'softmax', 'sigmoid', 'linear', 'crossEntropy', 'mse', 'binaryCrossEntropy', 'adam', 'sgd', 'x', '3', '\u0000', 'é'.repeat(3)];
const KEYS = ['inputs', 'layers', 'units', 'activation', 'loss', 'optimizer', 'type', 'learningRate', 'momentum', 'nesterov', 'weightDecay', 'beta1', 'beta2', 'epsilon', 'alpha', 'clipNorm', 'clipValue', '__proto__', 'constructor', 'length'];
const PLAN_KEYS = ['x', 'targets', 'rows', 'order', 'batchSize', 'rowWeights', 'learningRates', 'stats'];
const ARRAY_KINDS = [Float32Array, Float64Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray, BigInt64Array, BigUint64Array];
const LENGTHS = [0, 1, 2, 3, 5, 8, 10, 13, 26, 30, 64, 100];

/**
 * Gives `target` an own, enumerable `key` (as JSON.parse would, "__proto__"
 * included) without running setters or changing its prototype. An array's
 * length is left alone: no JSON document can set it.
 */
function setOwn(target, key, v) {
  if (Array.isArray(target) && key === 'length') return;
  Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function number() {
  return chance(0.7) ? pick(NUMBERS) : below(chance(0.5) ? 8 : 300) - (chance(0.2) ? 150 : 0);
}

function typedArray() {
  const length = chance(0.8) ? pick(LENGTHS) : below(400);
  if (chance(0.05)) return new DataView(new ArrayBuffer(length * 4));
  if (chance(0.05)) return Buffer.alloc(length);
  const Kind = chance(0.5) ? pick([Float32Array, Int32Array, Float64Array]) : pick(ARRAY_KINDS);
  const shared = chance(0.1);
  const buffer = shared ? new SharedArrayBuffer((length + 2) * Kind.BYTES_PER_ELEMENT) : new ArrayBuffer((length + 2) * Kind.BYTES_PER_ELEMENT);
  const array = new Kind(buffer, chance(0.2) ? Kind.BYTES_PER_ELEMENT : 0, length);
  const bigint = Kind === BigInt64Array || Kind === BigUint64Array;
  for (let i = 0; i < length; i++) {
    array[i] = bigint ? BigInt(below(5)) : chance(0.05) ? pick(NUMBERS) : below(4);
  }
  if (!shared && chance(0.05)) structuredClone(buffer, { transfer: [buffer] });
  return array;
}

function value(depth = 0) {
  switch (below(depth > 1 ? 7 : 10)) {
    case 0:
    case 1:
      return number();
    case 2:
      return pick(STRINGS);
    case 3:
      return pick([null, undefined, true, false, 5n, -(2n ** 64n), Symbol('s'), () => 1, function named() {}, class K {}, new Date(0), /x/]);
    case 4:
    case 5:
      return typedArray();
    case 6:
      return new ArrayBuffer(pick(LENGTHS));
    case 7:
      return Array.from({ length: pick(LENGTHS.slice(0, 6)) }, () => value(depth + 1));
    default: {
      const object = {};
      for (let i = below(4); i > 0; i--) setOwn(object, pick(KEYS), value(depth + 1));
      return object;
    }
  }
}

// ---- a valid model and arguments, to mutate ----
const SPEC = {
  inputs: 3,
  layers: [{ units: 4, activation: 'relu', l1: 0, l2: 0, dropout: 0.25 }, { units: 3, activation: 'softmax', l1: 0, l2: 1e-3, dropout: 0 }],
  loss: 'crossEntropy',
  lossParameters: { labelSmoothing: 0.1, delta: 1 },
  optimizer: { type: 'adam', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, alpha: 0.99, clipNorm: 0, clipValue: 0 },
  dropoutSeed: 7,
  precision: 'float32',
};
const PARAMS = 3 * 4 + 4 + 4 * 3 + 3;
const ROWS = 10;
const BATCH = 3;
const BATCHES = 4;

/** Weights for a reader: mostly right, often hostile (wrong kind or length, detached, shared, the live params). */
function weightsArgument(params) {
  const roll = below(10);
  if (roll < 4) return new Float32Array(PARAMS).map(() => uniform() - 0.5);
  if (roll === 4 && params !== undefined) return params;
  if (roll === 5) {
    const shared = new Float32Array(new SharedArrayBuffer(PARAMS * 4));
    return shared.fill(chance(0.5) ? 0.1 : NaN);
  }
  if (roll === 6) {
    const detached = new Float32Array(PARAMS);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    return detached;
  }
  if (roll === 7) return new Float32Array(pick([0, 1, PARAMS - 1, PARAMS + 1, 2 * PARAMS]));
  return value();
}

function validArguments(method, params) {
  const x = new Float32Array(ROWS * 3).map(() => uniform() - 0.5);
  const labels = new Int32Array(ROWS).map(() => below(3));
  switch (method) {
    case 'predict':
      return [weightsArgument(params), x, ROWS, new Float32Array(ROWS * 3)];
    case 'evaluate':
      return [weightsArgument(params), x, labels, ROWS, pick([null, new Float32Array(ROWS * 3), new Float32Array(ROWS * 3 - 1)])];
    case 'computeGradients':
      return [weightsArgument(params), x, labels, ROWS, new Float32Array(PARAMS), rowWeightsArgument()];
    case 'trainBatch':
      return [x, labels, ROWS, pick([0.01, 0, 1e30, -1, NaN]), rowWeightsArgument()];
    case 'beginTraining':
      return [hostilePlan()];
    case 'trainBatches':
    case 'trainBatchesAsync':
      return [below(BATCHES + 2), pick([0, 1, 2, BATCHES, 2 ** 53 - 1])];
    default:
      return [];
  }
}

/** Row weights: none, one per row (also 0, negative or NaN), or the wrong length. */
function rowWeightsArgument() {
  const roll = below(4);
  if (roll === 0) return null;
  if (roll === 1) return new Float32Array(ROWS).map(() => pick([1, 0.5, 0, 2]));
  if (roll === 2) return new Float32Array(ROWS).map(() => pick([1, 0, -1, NaN, Infinity]));
  return chance(0.5) ? new Float32Array(pick([0, ROWS - 1, ROWS + 1])) : value();
}

/** A valid plan over ROWS rows in BATCHES batches of BATCH rows. */
function validPlan() {
  return {
    x: new Float32Array(ROWS * 3).map(() => uniform() - 0.5),
    targets: chance(0.7) ? new Int32Array(ROWS).map(() => below(3)) : new Float32Array(ROWS * 3).map(() => below(2)),
    rows: ROWS,
    order: new Int32Array(ROWS).map((_, i) => (i * 7) % ROWS),
    batchSize: BATCH,
    rowWeights: chance(0.5) ? null : new Float32Array(ROWS).map(() => pick([1, 0.5, 2, 0])),
    learningRates: new Float64Array(BATCHES).fill(0.01),
    stats: new Float64Array(2 * BATCHES),
  };
}

/**
 * A plan with one or two fields replaced (random values, wrong kinds or
 * lengths, out-of-range order indices, throwing getters), a missing field, a
 * proxy answering something else at every read, or no object at all.
 */
function hostilePlan() {
  const roll = below(12);
  if (roll === 0) return value();
  const plan = validPlan();
  if (roll === 1) return plan;
  if (roll === 2) {
    return new Proxy(plan, { get: (target, key) => (chance(0.5) ? target[key] : chance(0.5) ? value() : target[pick(PLAN_KEYS)]) });
  }
  for (let edits = 1 + below(2); edits > 0; edits--) {
    const key = pick(PLAN_KEYS);
    const edit = below(6);
    // Every edit leaves the field configurable, so that a later edit may replace it.
    if (edit === 0) delete plan[key];
    else if (edit === 1) Object.defineProperty(plan, key, { configurable: true, get: () => { throw new RangeError(`no ${key} here`); } });
    else if (edit === 2 && key === 'order' && peek(plan, 'order') instanceof Int32Array) plan.order[below(ROWS)] = pick([-1, ROWS, 2 ** 31 - 1, -(2 ** 31)]);
    else if (edit === 3) setOwn(plan, key, typedArray());
    else setOwn(plan, key, value());
  }
  return plan;
}

/** The valid call with one or two arguments replaced, added or dropped; or wholly random arguments. */
function argumentsFor(method, params) {
  if (chance(0.2)) return Array.from({ length: below(9) }, () => value());
  const list = validArguments(method, params);
  for (let edits = 1 + below(2); edits > 0; edits--) {
    const roll = below(10);
    if (roll === 0) list.push(value());
    else if (roll === 1) list.pop();
    else if (list.length > 0) list[below(list.length)] = value();
  }
  return list;
}

function deepCopy(object) {
  return JSON.parse(JSON.stringify(object));
}

/** A plain object or array: what a JSON document is made of, and what mutateTree edits. */
function isTree(node) {
  return Array.isArray(node) || (node !== null && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype);
}

/** Sets, deletes or replaces something at a random place in a JSON-like tree. */
function mutateTree(root) {
  let node = root;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = pick(keys);
    const child = node[key];
    if (isTree(child) && chance(0.6)) {
      node = child;
      continue;
    }
    const roll = below(4);
    if (roll === 0) delete node[key];
    else if (roll === 1 && Array.isArray(child)) child.length = pick([0, 1, Math.max(0, child.length - 1), child.length + 1]);
    else setOwn(node, key, value());
    return root;
  }
  setOwn(node, pick(KEYS), value());
  return root;
}

function freshModel(params = new Float32Array(PARAMS).map(() => uniform() - 0.5)) {
  return { model: new addon.NativeModel(SPEC, params), params };
}

const METHODS = ['predict', 'evaluate', 'computeGradients', 'trainBatch', 'undoneUpdate', 'firstNonFiniteParameter', 'beginTraining', 'beginEpoch', 'trainBatches', 'trainBatchesAsync', 'requestStop', 'endTraining', 'dispose'];

/** A field of a (possibly hostile) plan, read as the harness reads it: a getter that throws gives undefined. */
function peek(plan, key) {
  try {
    return plan[key];
  } catch {
    return undefined;
  }
}

/** Detaches one typed array of a plan (never while its batches run: see the note at the top). */
function detachOne(plan) {
  const arrays = PLAN_KEYS.map((key) => peek(plan, key)).filter((v) => ArrayBuffer.isView(v) && !(v.buffer instanceof SharedArrayBuffer) && v.buffer.byteLength > 0);
  if (arrays.length > 0) {
    const { buffer } = pick(arrays);
    structuredClone(buffer, { transfer: [buffer] });
  }
}

// ---- the targets: each runs one case and returns what the call gave ----
const directory = mkdtempSync(path.join(tmpdir(), 'backprop-fuzz-'));
const modelFile = path.join(directory, 'model.safetensors');
const source = new backprop.Network({ inputs: 3, layers: [{ units: 4, activation: 'gelu' }, { units: 2, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', optimizer: 'adamw', seed: 3, backend: 'js' });
const VALID_JSON = source.toJSON();
await source.save(modelFile);
const VALID_FILE = new Uint8Array(require('node:fs').readFileSync(modelFile));

/**
 * What the library threw, marked so: an error of the harness itself (a bug
 * here) is never counted as the library's, and stops the run instead.
 */
class FromLibrary {
  constructor(error) {
    this.error = error;
  }
}

/** Runs one call into the library (addon or facade); whatever it throws or rejects with is the library's. */
async function library(call) {
  try {
    const result = call();
    return result instanceof Promise ? await result : result;
  } catch (error) {
    throw new FromLibrary(error);
  }
}

/** The library's error of a FromLibrary, rethrowing anything else (a harness failure). */
function libraryError(thrown) {
  if (!(thrown instanceof FromLibrary)) throw thrown;
  return thrown.error;
}

const TARGETS = {
  async info() {
    const args = chance(0.7) ? [] : Array.from({ length: 1 + below(2) }, () => value());
    return library(() => addon.info(...args));
  },

  async setErrorClasses() {
    const classes = chance(0.5) ? { ...FACADE_CLASSES } : value();
    if (classes !== null && typeof classes === 'object') {
      for (let i = below(3); i > 0; i--) classes[pick(Object.keys(FACADE_CLASSES))] = value();
    }
    try {
      await library(() => addon.setErrorClasses(classes));
      // Whatever got registered must at worst throw something: provoke one error.
      const { model } = await library(() => freshModel());
      try {
        model.predict(new Float32Array(PARAMS), new Float32Array(3), 0, new Float32Array(3));
      } catch {
        // any thrown value will do while foreign classes are registered
      }
    } finally {
      await library(() => addon.setErrorClasses(FACADE_CLASSES));
    }
  },

  async construct() {
    const spec = chance(0.8) ? mutateTree(deepCopy(SPEC)) : value();
    const params = chance(0.6) ? new Float32Array(chance(0.8) ? PARAMS : below(60)) : value();
    const args = chance(0.1) ? Array.from({ length: below(4) }, () => value()) : [spec, params];
    const model = await library(() => new addon.NativeModel(...args));
    await library(() => model.dispose());
  },

  async method() {
    const { model, params } = await library(() => freshModel());
    const before = pick(['fresh', 'fresh', 'trained', 'session', 'epoch', 'ended', 'disposed', 'detached']);
    if (before === 'trained') {
      const args = [...validArguments('trainBatch').slice(0, 3), 0.01, null];
      await library(() => model.trainBatch(...args));
    }
    if (before === 'session' || before === 'epoch' || before === 'ended') {
      const plan = validPlan();
      await library(() => model.beginTraining(plan));
    }
    if (before === 'epoch') await library(() => model.beginEpoch());
    if (before === 'ended') await library(() => model.endTraining());
    if (before === 'disposed') await library(() => model.dispose());
    if (before === 'detached') structuredClone(params.buffer, { transfer: [params.buffer] });
    const method = pick(METHODS);
    const args = argumentsFor(method, params);
    return library(() => model[method](...args));
  },

  /**
   * A random sequence of a training session's calls — plans valid or
   * hostile, orders rewritten (also out of range) between epochs, plan
   * arrays detached between calls, runs awaited or not, stops, ends,
   * disposes — each of which must return or throw an Error.
   */
  async session() {
    const { model, params } = await library(() => freshModel());
    let plan = validPlan();
    let running = null;
    const settled = [];
    const step = async () => {
      switch (below(12)) {
        case 0: {
          plan = chance(0.6) ? validPlan() : hostilePlan();
          const given = plan;
          return library(() => model.beginTraining(given));
        }
        case 1:
        case 2:
          return library(() => model.beginEpoch());
        case 3: {
          const args = validArguments('trainBatches');
          return library(() => model.trainBatches(...args));
        }
        case 4: {
          const args = validArguments('trainBatchesAsync');
          const promise = library(() => model.trainBatchesAsync(...args));
          settled.push(promise.catch((thrown) => {
            if (!(libraryError(thrown) instanceof Error)) throw new FromLibrary(new Error(`trainBatchesAsync rejected with a non-Error: ${String(thrown.error)}`));
          }));
          if (chance(0.5)) return promise;
          running = promise;
          return undefined;
        }
        case 5:
          if (plan !== null && typeof plan === 'object') {
            const order = peek(plan, 'order');
            if (order instanceof Int32Array && order.length > 0) order[below(order.length)] = chance(0.7) ? below(ROWS) : pick([-1, ROWS, 2 ** 31 - 1]);
          }
          return undefined;
        case 6:
          if (running === null && plan !== null && typeof plan === 'object') detachOne(plan);
          return undefined;
        case 7:
          return library(() => model.requestStop());
        case 8:
          return library(() => model.endTraining());
        case 9:
          return chance(0.2) ? library(() => model.dispose()) : undefined;
        default: {
          const reader = pick(['predict', 'evaluate', 'computeGradients']);
          const args = validArguments(reader, params);
          return library(() => model[reader](...args));
        }
      }
    };
    for (let i = 1 + below(8); i > 0; i--) {
      try {
        await step();
      } catch (thrown) {
        const error = libraryError(thrown);
        if (!(error instanceof Error)) throw new FromLibrary(new Error(`a session call threw a non-Error: ${String(error)}`));
      }
      // A run left going is awaited before anything may detach its arrays.
      if (running !== null && chance(0.5)) {
        await library(() => model.requestStop());
        await running.catch(() => {});
        running = null;
      }
    }
    await library(() => model.requestStop());
    await Promise.all(settled);
    await library(() => model.dispose());
  },

  /** Calls in random order while trainBatchesAsync runs. */
  async interleaved() {
    const { model, params } = await library(() => freshModel());
    const rows = 4000;
    const batches = rows / 2;
    const plan = {
      x: new Float32Array(rows * 3).map(() => uniform()),
      targets: new Int32Array(rows).map(() => below(3)),
      rows,
      order: new Int32Array(rows).map((_, i) => (i * 7919) % rows),
      batchSize: 2,
      learningRates: new Float64Array(batches).fill(0.01),
      stats: new Float64Array(2 * batches),
    };
    await library(() => model.beginTraining(plan));
    await library(() => model.beginEpoch());
    const running = library(() => model.trainBatchesAsync(0, batches));
    const outcomes = [];
    for (let i = below(5); i > 0; i--) {
      const method = pick(METHODS);
      const args = argumentsFor(method, params);
      try {
        outcomes.push(await library(() => model[method](...args)));
      } catch (thrown) {
        const error = libraryError(thrown);
        if (!(error instanceof Error)) throw new FromLibrary(new Error(`${method} during trainBatchesAsync threw a non-Error: ${String(error)}`));
      }
    }
    await library(() => model.requestStop());
    return running;
  },

  async fromJSON() {
    const roll = below(4);
    let document;
    if (roll === 0) document = value();
    else if (roll === 1) {
      const text = JSON.stringify(VALID_JSON);
      const cut = below(text.length);
      document = chance(0.5) ? text.slice(0, cut) : text.slice(0, cut) + pick(['"', '}', '9e999', 'null', ',']) + text.slice(cut + 1);
    } else {
      document = deepCopy(VALID_JSON);
      for (let i = 1 + below(2); i > 0; i--) mutateTree(document);
    }
    const backend = pick(['js', 'native']);
    const net = await library(() => backprop.Network.fromJSON(document, { backend }));
    await library(() => net.dispose());
  },

  async load() {
    let bytes = VALID_FILE.slice();
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    switch (below(6)) {
      case 0:
        for (let i = 1 + below(8); i > 0; i--) bytes[below(bytes.length)] ^= 1 << below(8);
        break;
      case 1:
        bytes = bytes.subarray(0, below(bytes.length));
        break;
      case 2:
        view.setBigUint64(0, BigInt(pick([0, 1, 7, headerLength - 1, headerLength + 1, headerLength + 8, bytes.length, 2 ** 53, 2 ** 40])), true);
        break;
      case 3:
        view.setBigUint64(0, pick([2n ** 64n - 1n, 2n ** 63n, 2n ** 32n]), true);
        break;
      case 4: {
        // Rewrite one number inside the header text, keeping the length.
        const text = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('latin1');
        const digits = [...text.matchAll(/\d+/g)];
        const target = pick(digits);
        const replacement = String(pick([0, 1, 9, 99, 999, 12345678, 2 ** 31])).padStart(target[0].length, '0').slice(0, target[0].length);
        bytes.set(Buffer.from(replacement, 'latin1'), 8 + target.index);
        break;
      }
      default: {
        const at = below(bytes.length);
        const extra = new Uint8Array(1 + below(16)).map(() => below(256));
        const grown = new Uint8Array(bytes.length + extra.length);
        grown.set(bytes.subarray(0, at));
        grown.set(extra, at);
        grown.set(bytes.subarray(at), at + extra.length);
        bytes = grown;
      }
    }
    writeFileSync(modelFile, bytes);
    const backend = pick(['js', 'native']);
    const net = await library(() => backprop.Network.load(modelFile, { backend }));
    await library(() => net.dispose());
  },
};

const WEIGHTS = { info: 1, setErrorClasses: 2, construct: 6, method: 12, session: 8, interleaved: 3, fromJSON: 5, load: 6 };
const chosen = args.targets === undefined ? Object.keys(WEIGHTS) : args.targets.split(',');
for (const name of chosen) {
  if (!(name in WEIGHTS)) {
    console.error(`fuzz: unknown target ${name}; expected some of ${Object.keys(WEIGHTS).join(', ')}`);
    process.exit(1);
  }
}
const SCHEDULE = chosen.flatMap((name) => Array(WEIGHTS[name]).fill(name));
/** Targets whose errors must be the loaders' FormatError, not just any Error. */
const LOADERS = new Set(['fromJSON', 'load']);

const summary = { fuzz: 'summary', seed: SEED, targets: chosen, cases: 0, returned: 0, threw: {}, failed: 0, failures: [] };
for (let i = 0; i < CASES; i++) {
  const target = pick(SCHEDULE);
  if (args.trace) console.log(`case ${i} ${target}`);
  summary.cases++;
  try {
    await TARGETS[target]();
    summary.returned++;
  } catch (thrown) {
    if (!(thrown instanceof FromLibrary)) {
      rmSync(directory, { recursive: true, force: true });
      console.error(`fuzz: the harness itself failed in case ${i} (${target}), not the library:`, thrown);
      process.exit(2);
    }
    const { error } = thrown;
    const name = error instanceof Error ? error.constructor.name : typeof error;
    summary.threw[name] = (summary.threw[name] ?? 0) + 1;
    const expected = LOADERS.has(target) ? error instanceof backprop.FormatError : error instanceof Error;
    if (!expected) {
      summary.failed++;
      if (summary.failures.length < 20) summary.failures.push({ case: i, target, error: `${name}: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
}
rmSync(directory, { recursive: true, force: true });
console.log(JSON.stringify(summary));
process.exit(summary.failed === 0 ? 0 : 1);
