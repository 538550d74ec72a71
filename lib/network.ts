/**
 * Network: the layer stack and everything users do with it. It owns the
 * parameters (one Float32Array), the seeded RNG and the fit loop; the
 * arithmetic happens in an engine behind lib/backends/backend.ts.
 */
import type { BackendModel, BackendName, Trainer } from './backends/backend';
import { selectBackend } from './backends/index';
import { sharedFloat32, sharedFloat64, sharedInt32 } from './backends/shared-memory';
import { rowsOf, targetsOf, toRows, toTargets, type Labels, type Matrix, type Ownership, type RowData } from './data';
import { ArgumentError, BusyError, DisposedError, FormatError, ShapeError } from './errors';
import { initializeParameters } from './init';
import { InputRecipe, resolveRecipe, type InputNormalizationOptions, type RecipeOptions } from './input-normalization';
import { writeFileAtomic } from './io/atomic-file';
import { allocateParameters, allocating, checkNetworkMemory } from './memory-estimate';
import { checkFloat32, keptStepLoss } from './step-guard';
import {
  bytesToState,
  loadModelFile,
  loadUserMetadata,
  RESERVED_METADATA,
  stateFromJSON,
  stateToJSON,
  stateToSafetensors,
  type ModelState,
  type NetworkJSON,
  type TrainingState,
} from './io/model-file';
import { parameterLayout, type LayerOffsets, type ModelSpec, type NormalizationType, type ParameterLayout, type Precision, type Targets } from './model-spec';
import { networkToOnnx } from './onnx/network';
import { Rng } from './rng';
import { runInSlices, runNow, turnOfEventLoop, type Sliced } from './slices';
import { BACKEND_CHOICES, MAX_RATE, PRECISIONS, resolveNetworkOptions, specToOptions, type BackendChoice, type NetworkOptions } from './spec';
import { resolveEarlyStopping } from './early-stopping';
import { metricsOf, type Metrics } from './metrics';
import { resolveSchedule, type ScheduleState } from './schedules';
import { resolveCheckpoint } from './checkpoint';
import { batchWeight, rowWeightsOf, toRowWeights, type WeightOptions } from './row-weights';
import { loggedNames, trainingLoop, type ChunkSizer, type DataSet, type History, type LoopHost, type LoopStep } from './training';
import { checkBatchRows, checkFitBatches, fitOptions, type FitOptions, type ResolvedFitOptions } from './fit-options';
import { checkBoolean, checkKeys, checkNumber, checkObject, checkOneOf, fail, isPlainObject } from './validate';
import { startRunLog } from './run-log';
import { summary } from './summary';

/** One layer's parameters, as getWeights() returns and setWeights() takes them. */
export interface LayerWeights {
  /** units × inputs, row-major (like PyTorch's nn.Linear.weight). */
  weight: Float32Array;
  bias: Float32Array;
  /** A normalized layer's: γ and β, and for batch normalization its running statistics (computeGradients: γ and β only). */
  norm?: NormWeights | BatchNormWeights;
}

/** A normalized layer's affine parameters γ (norm.weight) and β (norm.bias), units each. */
export interface NormWeights {
  weight: Float32Array;
  bias: Float32Array;
}

/** A batch-normalized layer's: γ, β and the running statistics inference mode uses (PyTorch's running_mean, running_var). */
export interface BatchNormWeights extends NormWeights {
  runningMean: Float32Array;
  runningVar: Float32Array;
}

/** What setWeights() takes per layer: getWeights()'s shape, any numeric arrays. */
export interface LayerWeightsInput {
  weight: Matrix;
  bias: Matrix;
  norm?: { weight: Matrix; bias: Matrix; runningMean?: Matrix; runningVar?: Matrix };
}

/** What evaluate() reports: the mean loss and the metrics of the loss (lib/metrics.ts). */
export interface Evaluation extends Metrics {
  loss: number;
}

export interface LoadOptions {
  backend?: BackendChoice;
  /** Overrides the precision the model was saved with (its weights are float32 either way). */
  precision?: Precision;
}

export interface SaveOptions {
  /** Extra string entries for the file's __metadata__ (not the reserved format, version, architecture, optimizer, seed, training). */
  metadata?: Record<string, string>;
  /** Also save what a resumed fit needs (optimizer moments and steps, learning rate and schedule state, RNG, epochsTrained): Network.load then fit continues as the uninterrupted run would have. Default false; during a fit only between chunks of batches (from onEpochEnd or onBatchEnd), or through fit's checkpoint option. */
  trainingState?: boolean;
}

/** Targets: rows × outputs, or for crossEntropy one class label per row. */
export type TargetInput = Matrix | Labels;

/** Async fit: chunks of about this many ms keep onBatchEnd, aborts and published weights fresh. */
const CHUNK_MS = 50;

/** Sizes chunks by the time batches took so far. */
class TimedChunkSizer implements ChunkSizer {
  private secondsPerBatch = 0;
  constructor(private readonly targetMs: number) {}
  next(remaining: number): number {
    if (this.secondsPerBatch === 0) return 1;
    return Math.min(remaining, Math.max(1, Math.floor(this.targetMs / 1000 / this.secondsPerBatch)));
  }
  record(batches: number, seconds: number): void {
    if (batches > 0 && seconds > 0) this.secondsPerBatch = seconds / batches;
  }
}

const EVERYTHING: ChunkSizer = { next: (remaining) => remaining, record: () => {} };

/** The data of one fit, converted and checked. */
interface FitData {
  readonly train: DataSet;
  readonly validation?: DataSet;
  /** The training rows' weights (sample × class), or null. */
  readonly rowWeights: Float32Array | null;
}

/** Options of trainBatch and computeGradients. */
export type BatchOptions = WeightOptions;

export class Network {
  /** The engine that runs this network. */
  readonly backend: BackendName;
  /** The seed of weight initialisation and shuffling. */
  readonly seed: number;
  readonly #spec: ModelSpec;
  readonly #layout: ParameterLayout;
  readonly #params: Float32Array;
  readonly #rng: Rng;
  readonly #model: BackendModel;
  readonly #recipe: InputRecipe;
  #busy = false;
  #disposed = false;
  /**
   * During a fit: the weights as published after the last chunk of batches
   * whose result was finite. Readers read them, never the weights being
   * trained, so they never wait for the training thread and never see a
   * half-applied update; a diverged fit falls back to them.
   */
  #published: Float32Array | null = null;
  /** The running fit's trainer, for dispose() to stop. */
  #trainer: Trainer | null = null;
  /** True while a chunk of batches trains: between chunks (callbacks run then) the optimizer state is settled. */
  #chunkRunning = false;
  /** The rate the next step uses (a schedule moves it; the spec keeps the initial one). */
  #learningRate: number;
  #epochsTrained = 0;
  /** What a schedule carries across epochs and fits (the plateau's best value and patience count). */
  #scheduleState: ScheduleState = {};

  constructor(options: NetworkOptions) {
    const { spec, seed, backend } = resolveNetworkOptions(options);
    checkNetworkMemory(spec);
    this.#spec = spec;
    this.#layout = parameterLayout(spec);
    this.#recipe = new InputRecipe(resolveRecipe(options as unknown as Record<string, unknown>, spec));
    this.seed = seed;
    this.#rng = new Rng(seed);
    // Shared memory: a backend may train it on a thread of its own.
    this.#params = allocateParameters(spec);
    initializeParameters(spec, this.#params, this.#rng);
    this.#learningRate = spec.optimizer.learningRate;
    const chosen = selectBackend(backend);
    this.backend = chosen.name;
    this.#model = allocating('building the network', () => chosen.createModel(spec, this.#params));
  }

  /** Width of an input row. */
  get inputs(): number {
    return this.#spec.inputs;
  }

  /** Width of an output row. */
  get outputs(): number {
    return this.#spec.layers[this.#spec.layers.length - 1].units;
  }

  /** Number of trainable parameters (weights, biases and normalization's γ and β; not the running statistics). */
  get parameterCount(): number {
    return this.#layout.size;
  }

  /** The options that rebuild this architecture (without weights or seed). */
  get options(): ReturnType<typeof specToOptions> & RecipeOptions {
    return { ...specToOptions(this.#spec), ...this.#recipe.toOptions() };
  }

  /** The learning rate the next step uses: the optimizer's, as far as a schedule has moved it. */
  get learningRate(): number {
    return this.#learningRate;
  }

  set learningRate(value: number) {
    this.#idle('setting learningRate');
    this.#learningRate = checkNumber(value, 'learningRate', { min: 0, max: MAX_RATE });
  }

  /** Epochs trained by every fit so far: schedules count epochs from here. */
  get epochsTrained(): number {
    return this.#epochsTrained;
  }

  /** The input normalization, with its statistics once fit or adapt() computed them. */
  get inputNormalization(): InputNormalizationOptions | undefined {
    return this.#recipe.toOptions().inputNormalization;
  }

  /** The class names predictClasses() returns, or null. */
  get classes(): readonly string[] | null {
    return this.#recipe.classes;
  }

  /** A text table of the blocks, their output widths and parameters, with totals (like Keras's model.summary()). */
  summary(): string {
    return summary(this.options);
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

  /** Input rows as the engines take them: checked, then normalized by the network's recipe. */
  #inputs(x: unknown, name = 'x'): RowData {
    return this.#recipe.apply(toRows(x, name, this.#spec.inputs), this.#spec.inputs);
  }

  #targets(y: unknown, rows: number, name = 'y'): Targets {
    return toTargets(y, name, rows, this.outputs, this.#spec.loss);
  }

  /** Outputs (after the last activation), rows × outputs, row-major. */
  predict(x: Matrix): Float32Array {
    this.#usable();
    const { data, rows } = this.#inputs(x);
    const out = new Float32Array(rows * this.outputs);
    this.#model.predict(this.#readable(), data, rows, out);
    return out;
  }

  /** The class of each row: a name when `classes` is set, else an index (argmax, or p > 0.5 for one sigmoid output). */
  predictClasses(x: Matrix): string[] | number[] {
    return this.#recipe.classify(this.predict(x), this.outputs, this.#spec.loss);
  }

  /** Computes the inputNormalization statistics from these rows (replacing any); fit then keeps them. */
  adapt(x: Matrix): void {
    this.#idle('adapt()');
    this.#recipe.adapt(toRows(x, 'x', this.#spec.inputs), this.#spec.inputs);
  }

  /** Mean loss (as the loss defines it) and the metrics of the loss (see Evaluation). */
  evaluate(x: Matrix, y: TargetInput): Evaluation {
    this.#usable();
    const { data, rows } = this.#inputs(x);
    const targets = this.#targets(y, rows);
    const outputs = new Float32Array(rows * this.outputs);
    const { loss } = this.#model.evaluate(this.#readable(), data, targets, rows, outputs);
    return { loss, ...metricsOf(this.#spec.loss, outputs, targets, rows, this.outputs) };
  }

  /** One optimizer step on exactly this batch; returns the loss before the step. */
  trainBatch(x: Matrix, y: TargetInput, options?: BatchOptions): number {
    this.#idle('trainBatch()');
    const { data, rows } = this.#inputs(x);
    checkBatchRows(this.#spec, rows, 'trainBatch()');
    const targets = this.#targets(y, rows);
    const weights = this.#batchWeights(options, targets, rows);
    return keptStepLoss(this.#model.trainBatch(data, targets, rows, this.#learningRate, weights), this.#model);
  }

  /** Gradients of the loss with respect to every parameter, without updating anything. */
  computeGradients(x: Matrix, y: TargetInput, options?: BatchOptions): { loss: number; grads: LayerWeights[] } {
    this.#usable();
    const { data, rows } = this.#inputs(x);
    checkBatchRows(this.#spec, rows, 'computeGradients()');
    const targets = this.#targets(y, rows);
    const weights = this.#batchWeights(options, targets, rows);
    const grads = new Float32Array(this.#layout.size);
    const loss = this.#model.computeGradients(this.#readable(), data, targets, rows, grads, weights);
    return { loss, grads: this.#split(grads, false) };
  }

  /** The row weights of trainBatch's or computeGradients' options, refusing a batch that weighs nothing. */
  #batchWeights(options: BatchOptions | undefined, targets: Targets, rows: number): Float32Array | null {
    if (options === undefined) return null;
    const checked = checkObject(options, 'options');
    checkKeys(checked, 'options', ['sampleWeight', 'classWeight']);
    const weights = toRowWeights(checked as WeightOptions, targets, rows, this.outputs, this.#spec.loss, 'options');
    if (weights !== null && batchWeight(weights, null, 0, rows) === 0) {
      throw new ArgumentError('options.sampleWeight and options.classWeight give every row of the batch weight 0');
    }
    return weights;
  }

  /** Per layer, copies of its values in `flat`: the parameters (gradients), or the whole state with the running statistics. */
  #split(flat: Float32Array, statistics: boolean): LayerWeights[] {
    return this.#layout.layers.map((l) => {
      const copy = (offset: number) => flat.slice(offset, offset + l.units);
      const layer: LayerWeights = { weight: flat.slice(l.weight, l.weight + l.units * l.inputs), bias: copy(l.bias) };
      if (l.normWeight < 0) return layer;
      const norm = { weight: copy(l.normWeight), bias: copy(l.normBias) };
      layer.norm = l.runningMean < 0 || !statistics ? norm : { ...norm, runningMean: copy(l.runningMean), runningVar: copy(l.runningVar) };
      return layer;
    });
  }

  /** Copies of every layer's weight (units × inputs) and bias, and a normalized layer's norm (γ, β, running statistics). */
  getWeights(): LayerWeights[] {
    this.#usable();
    return this.#split(this.#readable(), true);
  }

  /** The weights a reader may see now: never a half-applied update. */
  #readable(): Float32Array {
    return this.#published ?? this.#params;
  }

  /** Replaces every layer's parameters (and running statistics); same shapes as getWeights(). Optimizer state is kept. */
  setWeights(layers: ReadonlyArray<LayerWeightsInput>): void {
    this.#idle('setWeights()');
    const offsets = this.#layout.layers;
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
      checkFloat32(weight.data, `layers[${i}].weight`, l.inputs);
      staged.set(weight.data, l.weight);
      stageVector(staged, entry.bias, `layers[${i}].bias`, l.units, l.bias);
      stageNorm(staged, entry.norm, `layers[${i}]`, l, this.#spec.layers[i].normalization?.type);
    });
    this.#params.set(staged);
  }

  /**
   * The data of a fit, converted and checked: `own` copies it into shared
   * memory the facade owns (an async fit, during which the caller runs on
   * and could overwrite or transfer its arrays); `borrow` uses Float32Array
   * and Int32Array inputs as they are (fitSync). Then the network's input
   * recipe normalizes the inputs (taking its statistics from the training
   * rows if it has none yet).
   */
  *#fitData(x: Matrix, y: TargetInput, options: ResolvedFitOptions, ownership: Ownership): Sliced<FitData> {
    const data = yield* this.#checkedFitData(x, y, options, ownership);
    const { train, validation } = yield* this.#recipe.fitData(data.train, data.validation, this.#spec.inputs, ownership);
    return { train, validation, rowWeights: data.rowWeights };
  }

  /** The data of a fit as given: converted, checked, split. */
  *#checkedFitData(x: Matrix, y: TargetInput, options: ResolvedFitOptions, ownership: Ownership): Sliced<FitData> {
    const inputs = this.#spec.inputs;
    const { loss } = this.#spec;
    const all = yield* rowsOf(x, 'x', inputs, ownership);
    const allTargets = yield* targetsOf(y, 'y', all.rows, this.outputs, loss, ownership);
    const weightOptions = { sampleWeight: options.sampleWeight, classWeight: options.classWeight } as WeightOptions;
    const allWeights = yield* rowWeightsOf(weightOptions, allTargets, all.rows, this.outputs, loss, ownership);
    if (options.validationData) {
      const vx = yield* rowsOf(options.validationData.x, 'options.validationData.x', inputs, ownership);
      const vy = yield* targetsOf(options.validationData.y, 'options.validationData.y', vx.rows, this.outputs, loss, ownership);
      return { train: { x: all.data, targets: allTargets, rows: all.rows }, validation: { x: vx.data, targets: vy, rows: vx.rows }, rowWeights: allWeights };
    }
    if (options.validationSplit === 0) return { train: { x: all.data, targets: allTargets, rows: all.rows }, rowWeights: allWeights };
    const validationRows = Math.floor(all.rows * options.validationSplit);
    const trainRows = all.rows - validationRows;
    if (validationRows < 1 || trainRows < 1) {
      throw new ArgumentError(
        `options.validationSplit ${options.validationSplit} leaves ${trainRows} training and ${validationRows} validation rows of ${all.rows}; both need at least 1`,
      );
    }
    const width = allTargets instanceof Int32Array ? 1 : this.outputs;
    return {
      train: { x: all.data.subarray(0, trainRows * inputs), targets: allTargets.subarray(0, trainRows * width), rows: trainRows },
      validation: { x: all.data.subarray(trainRows * inputs), targets: allTargets.subarray(trainRows * width), rows: validationRows },
      rowWeights: allWeights === null ? null : allWeights.subarray(0, trainRows),
    };
  }

  /** The training loop of one fit over prepared data, its trainer begun. */
  #startLoop(data: FitData, options: ResolvedFitOptions, ownership: Ownership, sizer: ChunkSizer) {
    const { train } = data;
    // A batch larger than the data is the whole data: size the backends' workspace for what exists.
    checkFitBatches(this.#spec, train.rows, options.batchSize);
    const batchSize = Math.min(options.batchSize, train.rows);
    const batches = Math.ceil(train.rows / batchSize);
    const hasValidation = data.validation !== undefined;
    const schedule = resolveSchedule(options.schedule, {
      state: this.#scheduleState,
      baseRate: this.#spec.optimizer.learningRate,
      epochs: options.epochs,
      batchesPerEpoch: batches,
      hasValidation,
    });
    const earlyStopping = resolveEarlyStopping(options.earlyStopping, hasValidation);
    const checkpoint = resolveCheckpoint(options.checkpoint, hasValidation);
    if (checkpoint && ownership === 'borrow') {
      throw new ArgumentError('options.checkpoint needs fit(): fitSync() cannot write files while it trains');
    }
    const logged = loggedNames(this.#spec.loss, this.outputs, hasValidation);
    for (const [monitor, name] of [
      [schedule.monitor, 'options.schedule.monitor'],
      [earlyStopping?.monitor, 'options.earlyStopping.monitor'],
      [checkpoint?.monitor, 'options.checkpoint.monitor'],
    ] as const) {
      if (monitor !== undefined && !logged.includes(monitor)) {
        throw new ArgumentError(`${name} '${monitor}' is not logged by this fit; it logs ${logged.join(', ')}`);
      }
    }
    const order = ownership === 'own' ? sharedInt32(train.rows) : new Int32Array(train.rows);
    const learningRates = ownership === 'own' ? sharedFloat64(batches) : new Float64Array(batches);
    const stats = ownership === 'own' ? sharedFloat64(2 * batches) : new Float64Array(2 * batches);
    const { rowWeights } = data;
    const trainer = this.#model.beginTraining({ x: train.x, targets: train.targets, rows: train.rows, order, batchSize, rowWeights, learningRates, stats });
    this.#trainer = trainer;
    const published = this.#params.slice();
    this.#published = published;
    const params = this.#params;
    const model = this.#model;
    let best: Float32Array | null = null;
    // The host's accessors read and write this network's private state.
    const network = this;
    const host: LoopHost = {
      trainer,
      evaluate: (x, targets, rows, out) => model.evaluate(published, x, targets, rows, out),
      get learningRate() {
        return network.#learningRate;
      },
      set learningRate(rate: number) {
        network.#learningRate = rate;
      },
      get epochsTrained() {
        return network.#epochsTrained;
      },
      set epochsTrained(count: number) {
        network.#epochsTrained = count;
      },
      keepBest: () => {
        best = best === null ? params.slice() : (best.set(params), best);
      },
      restoreBest: () => {
        if (best !== null) params.set(best);
      },
      // Between chunks the backend is idle: its optimizer state is the epoch's.
      saveCheckpoint: (path) =>
        writeFileAtomic(path, stateToSafetensors({ ...this.#state(), params, training: this.#trainingState() }, {}, path)),
      publish: () => {
        if (model.firstNonFiniteParameter() >= 0) {
          params.set(published);
          return false;
        }
        published.set(params);
        return true;
      },
      checkAlive: () => {
        if (this.#disposed) throw new DisposedError('the network was disposed during fit()');
      },
    };
    const loop = trainingLoop(
      host,
      {
        validation: data.validation,
        rows: train.rows,
        epochs: options.epochs,
        batchSize,
        shuffle: options.shuffle,
        loss: this.#spec.loss,
        inputs: this.#spec.inputs,
        outputs: this.outputs,
        order,
        rowWeights,
        learningRates,
        stats,
        schedule,
        earlyStopping,
        checkpoint,
        signal: options.signal,
        onEpochEnd:
          options.log === undefined
            ? options.onEpochEnd
            : startRunLog(options.log, this, options, { train: train.rows, validation: data.validation?.rows ?? 0 }),
        onBatchEnd: options.onBatchEnd,
      },
      this.#rng,
      sizer,
    );
    return { loop, trainer };
  }

  /** After a fit, however it ended: readers see the live weights again. */
  #endFit(): void {
    this.#trainer?.end();
    this.#trainer = null;
    this.#chunkRunning = false;
    this.#published = null;
    this.#busy = false;
    if (this.#disposed) this.#model.dispose();
  }

  /**
   * Trains for `epochs` passes over the data without blocking the event
   * loop: the data is checked and copied in slices, and both backends train
   * on a thread of their own while readers (predict, evaluate, getWeights,
   * toJSON, save) see the weights published after the last chunk of
   * batches. Resolves with the history; an aborted `signal` stops between
   * batches (history.aborted). Rejects with the typed error of bad data,
   * with a DivergenceError when the loss or the weights stop being finite,
   * with the error a callback threw (or its promise rejected with), or with
   * a DisposedError when dispose() interrupts it, even after an abort.
   */
  async fit(x: Matrix, y: TargetInput, options?: FitOptions): Promise<History> {
    this.#idle('a second fit()');
    this.#busy = true;
    let stopOnAbort: (() => void) | undefined;
    const resolved = (() => {
      try {
        return fitOptions(options);
      } catch (error) {
        this.#busy = false;
        throw error;
      }
    })();
    try {
      const data = await runInSlices(this.#fitData(x, y, resolved, 'own'));
      if (this.#disposed) throw new DisposedError('the network was disposed during fit()');
      const { loop, trainer } = this.#startLoop(data, resolved, 'own', new TimedChunkSizer(CHUNK_MS));
      stopOnAbort = () => trainer.stop();
      resolved.signal?.addEventListener('abort', stopOnAbort);
      let step = loop.next();
      while (!step.done) {
        this.#chunkRunning = step.value.kind === 'train';
        const applied = await runStep(step.value, trainer);
        this.#chunkRunning = false;
        step = loop.next(applied);
      }
      return step.value;
    } finally {
      if (stopOnAbort) resolved.signal?.removeEventListener('abort', stopOnAbort);
      this.#endFit();
    }
  }

  /** fit(), synchronously: blocks until training ends. For scripts, not servers. */
  fitSync(x: Matrix, y: TargetInput, options?: FitOptions): History {
    this.#idle('a second fit()');
    const resolved = fitOptions(options);
    const data = runNow(this.#fitData(x, y, resolved, 'borrow'));
    this.#busy = true;
    try {
      const { loop, trainer } = this.#startLoop(data, resolved, 'borrow', EVERYTHING);
      let step = loop.next();
      while (!step.done) {
        step = loop.next(runStepSync(step.value, trainer));
      }
      return step.value;
    } finally {
      this.#endFit();
    }
  }

  /** Plain data (architecture, optimizer, seed, weights) that round-trips bit-exactly. */
  toJSON(): NetworkJSON {
    this.#usable();
    return stateToJSON(this.#state());
  }

  #state(): ModelState {
    return { spec: this.#spec, params: this.#readable(), seed: this.seed, recipe: this.#recipe.toOptions() };
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
    await writeFileAtomic(path, this.#fileParts(options, path));
  }

  /** The bytes save() would write (safetensors), in memory: the twin of save, read back by Network.fromBytes. */
  toBytes(options?: SaveOptions): Uint8Array {
    this.#usable();
    return Buffer.concat(this.#fileParts(options, 'toBytes()'));
  }

  /** What save writes, as parts; checked as load checks it before anything is written. */
  #fileParts(options: SaveOptions | undefined, source: string): Uint8Array[] {
    const { metadata, trainingState } = saveOptions(options);
    if (trainingState && this.#chunkRunning) {
      throw new BusyError('saving with { trainingState: true } waits for the current chunk of batches: do it from onEpochEnd or onBatchEnd, or use the checkpoint option');
    }
    // A copy: the caller may train on while the file is written.
    const state = { ...this.#state(), params: this.#readable().slice() };
    return stateToSafetensors(trainingState ? { ...state, training: this.#trainingState() } : state, metadata, source);
  }

  /** What a resumed fit continues from; read only while no batch trains. */
  #trainingState(): TrainingState {
    return {
      epochsTrained: this.#epochsTrained,
      learningRate: this.#learningRate,
      rng: this.#rng.state,
      schedule: { ...this.#scheduleState },
      optimizer: this.#model.optimizerState(),
    };
  }

  /** The inference graph as an ONNX model (protobuf bytes): input `input` [N, inputs], output `output` [N, outputs], float32. */
  toOnnx(): Uint8Array {
    this.#usable();
    return networkToOnnx(this);
  }

  /** Writes toOnnx()'s model to a file atomically, as save() does. */
  async exportOnnx(path: string): Promise<void> {
    this.#usable();
    if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
    await writeFileAtomic(path, this.toOnnx());
  }

  /** The string entries a file's __metadata__ holds beyond the model itself (what save's options.metadata wrote). */
  static async readMetadata(path: string): Promise<Record<string, string>> {
    if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
    return loadUserMetadata(path);
  }

  static async load(path: string, options?: LoadOptions): Promise<Network> {
    if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
    // Options first: a bad one is refused before any file is read.
    const load = loadOptions(options);
    return Network.#fromState(await loadModelFile(path), load);
  }

  /** Rebuilds a network from safetensors bytes (what toBytes() returns or a model file holds): the twin of load. */
  static fromBytes(bytes: Uint8Array, options?: LoadOptions): Network {
    if (!(bytes instanceof Uint8Array)) fail('bytes', 'a Uint8Array', bytes);
    const load = loadOptions(options);
    return Network.#fromState(bytesToState(bytes, 'Network.fromBytes'), load);
  }

  static #fromState(state: ModelState, { backend, precision }: LoadOptions): Network {
    const network = new Network({
      ...specToOptions(state.spec),
      ...state.recipe,
      seed: state.seed,
      backend,
      precision: precision ?? state.spec.precision,
    });
    network.#params.set(state.params);
    const { training } = state;
    if (training) {
      network.#epochsTrained = training.epochsTrained;
      network.#learningRate = training.learningRate;
      network.#rng.state = training.rng;
      network.#scheduleState = { ...training.schedule };
      network.#model.setOptimizerState(training.optimizer);
    }
    return network;
  }

  /**
   * Frees the engine's memory now. A running fit stops after its current
   * batch and rejects with a DisposedError. Any later use throws.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#busy) this.#trainer?.stop();
    else this.#model.dispose();
  }
}

/** Checks `value` as `units` float32 values (≥ 0 for a variance) and stages them at `offset`. */
function stageVector(staged: Float32Array, value: unknown, name: string, units: number, offset: number, nonNegative = false): void {
  const vector = toRows(value, name, units);
  if (vector.rows !== 1) throw new ShapeError(`${name} must hold ${units} values`);
  checkFloat32(vector.data, name, 0);
  if (nonNegative) {
    const negative = vector.data.findIndex((v) => v < 0);
    if (negative >= 0) throw new ArgumentError(`${name}[${negative}] is ${vector.data[negative]}; a variance is ≥ 0`);
  }
  staged.set(vector.data, offset);
}

/** A layer entry's `norm`: present exactly when the layer is normalized, with the running statistics exactly when by batch. */
function stageNorm(staged: Float32Array, value: unknown, name: string, l: LayerOffsets, type: NormalizationType | undefined): void {
  if (type === undefined) {
    if (value !== undefined) throw new ArgumentError(`${name}.norm is given but ${name} has no normalization`);
    return;
  }
  const keys = type === 'batch' ? ['weight', 'bias', 'runningMean', 'runningVar'] : ['weight', 'bias'];
  if (value === undefined) fail(`${name}.norm`, `{ ${keys.join(', ')} } (${name} has ${type} normalization)`, value);
  const norm = checkObject(value, `${name}.norm`);
  checkKeys(norm, `${name}.norm`, keys);
  stageVector(staged, norm.weight, `${name}.norm.weight`, l.units, l.normWeight);
  stageVector(staged, norm.bias, `${name}.norm.bias`, l.units, l.normBias);
  if (type === 'layer') return;
  stageVector(staged, norm.runningMean, `${name}.norm.runningMean`, l.units, l.runningMean);
  stageVector(staged, norm.runningVar, `${name}.norm.runningVar`, l.units, l.runningVar, true);
}

function saveOptions(options: SaveOptions | undefined): { metadata: Record<string, string>; trainingState: boolean } {
  if (options === undefined) return { metadata: {}, trainingState: false };
  const checked = checkObject(options, 'options');
  checkKeys(checked, 'options', ['metadata', 'trainingState']);
  const trainingState = checkBoolean(checked.trainingState ?? false, 'options.trainingState');
  if (checked.metadata === undefined) return { metadata: {}, trainingState };
  const metadata = checkObject(checked.metadata, 'options.metadata');
  for (const [key, value] of Object.entries(metadata)) {
    if ((RESERVED_METADATA as readonly string[]).includes(key)) {
      throw new ArgumentError(`options.metadata.${key} is a key the model file itself uses; choose another name`);
    }
    if (typeof value !== 'string') fail(`options.metadata.${key}`, 'a string', value);
  }
  return { metadata: metadata as Record<string, string>, trainingState };
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`Network.fromJSON: not valid JSON (${(error as Error).message})`);
  }
}

/** Carries out one step of the training loop for fit; returns the batches applied. */
async function runStep(step: LoopStep, trainer: Trainer): Promise<number> {
  if (step.kind === 'train') return trainer.train(step.first, step.count);
  await (step.kind === 'pause' ? turnOfEventLoop() : step.promise);
  return 0;
}

/** The same for fitSync, which cannot wait for a callback's promise. */
function runStepSync(step: LoopStep, trainer: Trainer): number {
  if (step.kind === 'train') return allocating('training', () => trainer.trainSync(step.first, step.count));
  if (step.kind === 'await') {
    // Keep its rejection from going unhandled: the error below says what happened.
    step.promise.catch(() => {});
    throw new ArgumentError('a callback returned a promise, which fitSync() cannot wait for; use fit()');
  }
  return 0;
}
