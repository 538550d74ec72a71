/**
 * Network: the layer stack and everything users do with it. It owns the
 * parameters (one Float32Array), the seeded RNG and the fit loop; the
 * arithmetic happens in an engine behind lib/backends/backend.ts.
 */
import { promises as fs } from 'node:fs';
import {
  parameterLayout,
  type BackendName,
  type Engine,
  type EngineModel,
  type ModelSpec,
  type Precision,
  type Targets,
  type TrainChunk,
} from './backends/backend';
import { selectEngine } from './backends/index';
import { toRows, toTargets, type Labels, type Matrix, type RowData } from './data';
import { ArgumentError, BusyError, DisposedError, FormatError, ShapeError } from './errors';
import { initializeParameters } from './init';
import { writeFileAtomic } from './io/atomic-file';
import {
  RESERVED_METADATA,
  stateFromJSON,
  stateFromSafetensors,
  stateToJSON,
  stateToSafetensors,
  userMetadata,
  type ModelState,
  type NetworkJSON,
} from './io/model-file';
import { Rng } from './rng';
import { BACKEND_CHOICES, PRECISIONS, resolveNetworkOptions, specToOptions, type BackendChoice, type NetworkOptions } from './spec';
import { trainingRun, type ChunkSizer, type DataSet, type History, type TrainingPlan } from './training';
import { fitOptions, type FitOptions } from './fit-options';
import { checkKeys, checkObject, checkOneOf, fail, isPlainObject } from './validate';

/** One layer's parameters, as getWeights() returns and setWeights() takes them. */
export interface LayerWeights {
  /** units × inputs, row-major (like PyTorch's nn.Linear.weight). */
  weight: Float32Array;
  bias: Float32Array;
}

export interface Evaluation {
  loss: number;
  /** Fraction correct: argmax match (crossEntropy), elements on the right side of 0.5 (binaryCrossEntropy). */
  accuracy?: number;
}

export interface LoadOptions {
  backend?: BackendChoice;
  /** Overrides the precision the model was saved with (its weights are float32 either way). */
  precision?: Precision;
}

export interface SaveOptions {
  /** Extra string entries for the file's __metadata__ (not the reserved format, version, architecture, optimizer, seed). */
  metadata?: Record<string, string>;
}

/** Targets: rows × outputs, or for crossEntropy one class label per row. */
export type TargetInput = Matrix | Labels;

/** Async fit: hand a chunk of about this many ms to the engine before the event loop runs again. */
const INLINE_CHUNK_MS = 8;
/** Off-thread fit: chunks of about this many ms keep onBatchEnd and aborts responsive. */
const OFF_THREAD_CHUNK_MS = 50;

/** Sizes chunks by the time batches took so far. */
class TimedChunkSizer implements ChunkSizer {
  private secondsPerBatch = 0;
  constructor(private readonly targetMs: number) {}
  next(remaining: number): number {
    if (this.secondsPerBatch === 0) return 1;
    return Math.min(remaining, Math.max(1, Math.floor(this.targetMs / 1000 / this.secondsPerBatch)));
  }
  record(batches: number, seconds: number): void {
    if (batches > 0) this.secondsPerBatch = seconds / batches;
  }
}

const WHOLE_EPOCH: ChunkSizer = { next: (remaining) => remaining };

export class Network {
  /** The engine that runs this network. */
  readonly backend: BackendName;
  /** The seed of weight initialisation and shuffling. */
  readonly seed: number;
  readonly #spec: ModelSpec;
  readonly #params: Float32Array;
  readonly #rng: Rng;
  readonly #model: EngineModel;
  #busy = false;
  #disposed = false;
  /**
   * During a fit: a copy of the weights as they stood after the last chunk
   * of batches whose result was finite. Readers see it while an engine
   * trains on another thread, and a fit that ends with non-finite weights
   * falls back to it.
   */
  #lastFinite: Float32Array | null = null;
  #readFromLastFinite = false;

  constructor(options: NetworkOptions) {
    const { spec, seed, backend } = resolveNetworkOptions(options);
    this.#spec = spec;
    this.seed = seed;
    this.#rng = new Rng(seed);
    this.#params = new Float32Array(parameterLayout(spec).size);
    initializeParameters(spec, this.#params, this.#rng);
    const engine: Engine = selectEngine(backend);
    this.backend = engine.name;
    this.#model = engine.createModel(spec, this.#params);
  }

  /** Width of an input row. */
  get inputs(): number {
    return this.#spec.inputs;
  }

  /** Width of an output row. */
  get outputs(): number {
    return this.#spec.layers[this.#spec.layers.length - 1].units;
  }

  /** Number of trainable parameters (weights and biases). */
  get parameterCount(): number {
    return this.#params.length;
  }

  /** The options that rebuild this architecture (without weights or seed). */
  get options(): ReturnType<typeof specToOptions> {
    return specToOptions(this.#spec);
  }

  /** True while a fit runs. */
  get training(): boolean {
    return this.#busy;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  #usable(): void {
    if (this.#disposed) throw new DisposedError('this network was disposed');
  }

  #idle(what: string): void {
    this.#usable();
    if (this.#busy) throw new BusyError(`${what} is not allowed while fit() runs on this network`);
  }

  #inputs(x: unknown, name = 'x'): RowData {
    return toRows(x, name, this.#spec.inputs);
  }

  #targets(y: unknown, rows: number, name = 'y'): Targets {
    return toTargets(y, name, rows, this.outputs, this.#spec.loss);
  }

  #accuracy(correct: number, rows: number): number | undefined {
    const { loss } = this.#spec;
    if (loss === 'crossEntropy') return correct / rows;
    if (loss === 'binaryCrossEntropy') return correct / (rows * this.outputs);
    return undefined;
  }

  /** Outputs (after the last activation), rows × outputs, row-major. */
  predict(x: Matrix): Float32Array {
    this.#usable();
    const { data, rows } = this.#inputs(x);
    const out = new Float32Array(rows * this.outputs);
    this.#model.predict(data, rows, out);
    return out;
  }

  /** Mean loss (as the loss defines it) and, for classification, accuracy. */
  evaluate(x: Matrix, y: TargetInput): Evaluation {
    this.#usable();
    const { data, rows } = this.#inputs(x);
    const result = this.#model.evaluate(data, this.#targets(y, rows), rows);
    const accuracy = this.#accuracy(result.correct, rows);
    return accuracy === undefined ? { loss: result.loss } : { loss: result.loss, accuracy };
  }

  /** One optimizer step on exactly this batch; returns the loss before the step. */
  trainBatch(x: Matrix, y: TargetInput): number {
    this.#idle('trainBatch()');
    const { data, rows } = this.#inputs(x);
    return this.#model.trainBatch(data, this.#targets(y, rows), rows);
  }

  /** Gradients of the mean loss with respect to every parameter, without updating anything. */
  computeGradients(x: Matrix, y: TargetInput): { loss: number; grads: LayerWeights[] } {
    this.#usable();
    const { data, rows } = this.#inputs(x);
    const grads = new Float32Array(this.#params.length);
    const loss = this.#model.computeGradients(data, this.#targets(y, rows), rows, grads);
    return { loss, grads: this.#split(grads) };
  }

  #split(flat: Float32Array): LayerWeights[] {
    return parameterLayout(this.#spec).layers.map((l) => ({
      weight: flat.slice(l.weight, l.weight + l.units * l.inputs),
      bias: flat.slice(l.bias, l.bias + l.units),
    }));
  }

  /** Copies of every layer's weight (units × inputs) and bias. */
  getWeights(): LayerWeights[] {
    this.#usable();
    return this.#split(this.#readable());
  }

  /** The weights a reader may see now: never a half-applied update. */
  #readable(): Float32Array {
    return this.#readFromLastFinite && this.#lastFinite !== null ? this.#lastFinite : this.#params;
  }

  /** Replaces every layer's parameters; same shapes as getWeights(). Optimizer state is kept. */
  setWeights(layers: ReadonlyArray<{ weight: Matrix; bias: Matrix }>): void {
    this.#idle('setWeights()');
    const offsets = parameterLayout(this.#spec).layers;
    if (!Array.isArray(layers) || layers.length !== offsets.length) {
      fail('layers', `an array of ${offsets.length} { weight, bias } entries`, layers);
    }
    const staged = new Float32Array(this.#params.length);
    offsets.forEach((l, i) => {
      const entry: unknown = layers[i];
      if (!isPlainObject(entry)) fail(`layers[${i}]`, 'an object { weight, bias }', entry);
      const weight = toRows(entry.weight, `layers[${i}].weight`, l.inputs);
      if (weight.rows !== l.units) {
        throw new ShapeError(`layers[${i}].weight has ${weight.rows} rows, expected ${l.units} (units × inputs)`);
      }
      const bias = toRows(entry.bias, `layers[${i}].bias`, l.units);
      if (bias.rows !== 1) throw new ShapeError(`layers[${i}].bias must hold ${l.units} values`);
      staged.set(weight.data, l.weight);
      staged.set(bias.data, l.bias);
    });
    this.#params.set(staged);
  }

  /**
   * `ownData`: copy x and y when they are the caller's own typed arrays, for
   * an async fit, during which the caller runs on (and could transfer or
   * overwrite them).
   */
  #plan(x: Matrix, y: TargetInput, options: FitOptions | undefined, ownData: boolean): TrainingPlan {
    const resolved = fitOptions(options);
    const given = this.#inputs(x);
    const all = ownData && given.data === x ? { data: given.data.slice(), rows: given.rows } : given;
    const givenTargets = this.#targets(y, all.rows);
    const allTargets = ownData && givenTargets === y ? givenTargets.slice() : givenTargets;
    let train: DataSet = { x: all.data, targets: allTargets, rows: all.rows };
    let validation: DataSet | undefined;
    if (resolved.validationData) {
      const vx = this.#inputs(resolved.validationData.x, 'options.validationData.x');
      validation = { x: vx.data, targets: this.#targets(resolved.validationData.y, vx.rows, 'options.validationData.y'), rows: vx.rows };
    } else if (resolved.validationSplit > 0) {
      const validationRows = Math.floor(all.rows * resolved.validationSplit);
      const trainRows = all.rows - validationRows;
      if (validationRows < 1 || trainRows < 1) {
        throw new ArgumentError(
          `options.validationSplit ${resolved.validationSplit} leaves ${trainRows} training and ${validationRows} validation rows of ${all.rows}; both need at least 1`,
        );
      }
      const width = allTargets instanceof Int32Array ? 1 : this.outputs;
      const inputs = this.#spec.inputs;
      train = { x: all.data.subarray(0, trainRows * inputs), targets: allTargets.subarray(0, trainRows * width), rows: trainRows };
      validation = {
        x: all.data.subarray(trainRows * inputs),
        targets: allTargets.subarray(trainRows * width),
        rows: validationRows,
      };
    }
    return {
      train,
      validation,
      epochs: resolved.epochs,
      // A batch larger than the data is the whole data: size the engines' workspace for what exists.
      batchSize: Math.min(resolved.batchSize, train.rows),
      shuffle: resolved.shuffle,
      loss: this.#spec.loss,
      inputs: this.#spec.inputs,
      outputs: this.outputs,
      signal: resolved.signal,
      onEpochEnd: resolved.onEpochEnd,
      onBatchEnd: resolved.onBatchEnd,
    };
  }

  #begin(x: Matrix, y: TargetInput, options: FitOptions | undefined, ownData: boolean): TrainingPlan {
    this.#idle('a second fit()');
    const plan = this.#plan(x, y, options, ownData);
    this.#busy = true;
    this.#lastFinite = this.#params.slice();
    this.#readFromLastFinite = this.#model.trainsOffThread;
    return plan;
  }

  /** After each chunk: remember the weights if they are all finite. */
  #checkpoint(): void {
    if (this.#lastFinite !== null && allFinite(this.#params)) this.#lastFinite.set(this.#params);
  }

  #end(): void {
    // An update can overflow to Infinity before any loss shows it: keep the last finite weights.
    if (this.#lastFinite !== null && !allFinite(this.#params)) this.#params.set(this.#lastFinite);
    this.#lastFinite = null;
    this.#readFromLastFinite = false;
    this.#busy = false;
    if (this.#disposed) this.#model.dispose();
  }

  /**
   * Trains for `epochs` passes over the data without blocking the event loop:
   * the native engine trains on a worker thread; the pure-TS engine yields to
   * the event loop between batches. Resolves with the history; an aborted
   * `signal` stops between batches (history.aborted). Rejects with a
   * DivergenceError when the loss stops being finite, with the error a
   * callback threw, or with a DisposedError when dispose() interrupts it.
   */
  async fit(x: Matrix, y: TargetInput, options?: FitOptions): Promise<History> {
    const model = this.#model;
    // The caller runs on while fit awaits, and could overwrite or transfer its arrays.
    const plan = this.#begin(x, y, options, true);
    const sizer = new TimedChunkSizer(model.trainsOffThread ? OFF_THREAD_CHUNK_MS : INLINE_CHUNK_MS);
    const stop = () => model.requestStop();
    plan.signal?.addEventListener('abort', stop);
    try {
      const run = trainingRun(model, plan, this.#rng, sizer);
      let step = run.next();
      while (!step.done) {
        if (this.#disposed) throw new DisposedError('the network was disposed during fit()');
        const chunk: TrainChunk | null = step.value;
        let applied = 0;
        if (chunk === null) {
          await yieldToEventLoop();
        } else {
          const started = performance.now();
          applied = model.trainsOffThread ? await model.trainChunkAsync(chunk) : model.trainChunk(chunk);
          sizer.record(applied, (performance.now() - started) / 1000);
          this.#checkpoint();
          if (this.#disposed) throw new DisposedError('the network was disposed during fit()');
          if (!model.trainsOffThread) await yieldToEventLoop();
        }
        step = run.next(applied);
      }
      return step.value;
    } finally {
      plan.signal?.removeEventListener('abort', stop);
      this.#end();
    }
  }

  /** fit(), synchronously: blocks until training ends. For scripts, not servers. */
  fitSync(x: Matrix, y: TargetInput, options?: FitOptions): History {
    const plan = this.#begin(x, y, options, false);
    try {
      const run = trainingRun(this.#model, plan, this.#rng, WHOLE_EPOCH);
      let step = run.next();
      while (!step.done) {
        if (this.#disposed) throw new DisposedError('the network was disposed during fitSync()');
        const applied = step.value === null ? 0 : this.#model.trainChunk(step.value);
        this.#checkpoint();
        step = run.next(applied);
      }
      if (this.#disposed) throw new DisposedError('the network was disposed during fitSync()');
      return step.value;
    } finally {
      this.#end();
    }
  }

  /** Plain data (architecture, optimizer, seed, weights) that round-trips bit-exactly. */
  toJSON(): NetworkJSON {
    this.#usable();
    return stateToJSON(this.#state());
  }

  #state(): ModelState {
    return { spec: this.#spec, params: this.#readable(), seed: this.seed };
  }

  /** Rebuilds a network from toJSON()'s output (or that output as a JSON string). */
  static fromJSON(json: unknown, options?: LoadOptions): Network {
    const load = loadOptions(options);
    return Network.#fromState(stateFromJSON(typeof json === 'string' ? parseJson(json) : json), load);
  }

  /**
   * Writes a safetensors file atomically: a crash mid-save leaves the
   * previous file intact. `options.metadata` adds string entries to the
   * file's __metadata__ (read back with Network.readMetadata).
   */
  async save(path: string, options?: SaveOptions): Promise<void> {
    this.#usable();
    if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
    const metadata = saveMetadata(options);
    await writeFileAtomic(path, stateToSafetensors(this.#state(), metadata));
  }

  /** The string entries a file's __metadata__ holds beyond the model itself (what save's options.metadata wrote). */
  static async readMetadata(path: string): Promise<Record<string, string>> {
    if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
    return userMetadata(await fs.readFile(path), path);
  }

  static async load(path: string, options?: LoadOptions): Promise<Network> {
    if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
    const load = loadOptions(options);
    const bytes = await fs.readFile(path);
    return Network.#fromState(stateFromSafetensors(bytes, path), load);
  }

  static #fromState(state: ModelState, { backend, precision }: LoadOptions): Network {
    const network = new Network({ ...specToOptions(state.spec), seed: state.seed, backend, precision: precision ?? state.spec.precision });
    network.#params.set(state.params);
    return network;
  }

  /**
   * Frees the engine's memory now. A running fit stops after its current
   * batch and rejects with a DisposedError. Any later use throws.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#busy) this.#model.requestStop();
    else this.#model.dispose();
  }
}

function saveMetadata(options: SaveOptions | undefined): Record<string, string> {
  if (options === undefined) return {};
  const checked = checkObject(options, 'options');
  checkKeys(checked, 'options', ['metadata']);
  if (checked.metadata === undefined) return {};
  const metadata = checkObject(checked.metadata, 'options.metadata');
  for (const [key, value] of Object.entries(metadata)) {
    if ((RESERVED_METADATA as readonly string[]).includes(key)) {
      throw new ArgumentError(`options.metadata.${key} is a key the model file itself uses; choose another name`);
    }
    if (typeof value !== 'string') fail(`options.metadata.${key}`, 'a string', value);
  }
  return metadata as Record<string, string>;
}

function loadOptions(options: LoadOptions | undefined): LoadOptions {
  if (options === undefined) return { backend: 'auto' };
  const checked = checkObject(options, 'options');
  checkKeys(checked, 'options', ['backend', 'precision']);
  return {
    backend: checkOneOf<BackendChoice>(checked.backend ?? 'auto', 'options.backend', BACKEND_CHOICES),
    ...(checked.precision === undefined
      ? {}
      : { precision: checkOneOf<Precision>(checked.precision, 'options.precision', PRECISIONS) }),
  };
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`Network.fromJSON: not valid JSON (${(error as Error).message})`);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
