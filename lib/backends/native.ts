/**
 * The native backend: loads the addon (node-gyp-build finds build/Release or
 * prebuilds/<platform>-<arch>) and adapts its NativeModel to BackendModel.
 */
import path from 'node:path';
import {
  ArgumentError,
  BackendError,
  BackpropError,
  BusyError,
  DisposedError,
  ShapeError,
} from '../errors';
import { useFloat32Scan } from '../finite';
import { removeOnTeardown } from '../io/temporary-files';
import { parameterLayout, type Targets } from '../model-spec';
import type { Backend, BackendInfo, BackendModel, OptimizerSnapshot, Score, UndoneUpdate, Trainer, TrainingPlan } from './backend';

/** The addon's NativeModel, as native/binding/model_wrap.cpp defines it. */
interface RawNativeModel {
  predict(weights: Float32Array, x: Float32Array, rows: number, out: Float32Array): void;
  evaluate(weights: Float32Array, x: Float32Array, targets: Targets, rows: number, out: Float32Array | null): Score;
  computeGradients(
    weights: Float32Array, x: Float32Array, targets: Targets, rows: number, grads: Float32Array, rowWeights: Float32Array | null,
  ): number;
  trainBatch(x: Float32Array, targets: Targets, rows: number, learningRate: number, rowWeights: Float32Array | null): number;
  undoneUpdate(): UndoneUpdate | null;
  firstNonFiniteParameter(): number;
  readOptimizerState(first: Float32Array, second: Float32Array): number;
  writeOptimizerState(steps: number, first: Float32Array, second: Float32Array): void;
  beginTraining(plan: TrainingPlan): void;
  beginEpoch(): void;
  trainBatches(first: number, count: number): number;
  trainBatchesAsync(first: number, count: number): Promise<number>;
  requestStop(): void;
  endTraining(): void;
  dispose(): void;
}

/** The classes the addon instantiates for its errors (native/binding/errors.cpp). */
interface ErrorClasses {
  readonly ArgumentError: typeof ArgumentError;
  readonly ShapeError: typeof ShapeError;
  readonly BusyError: typeof BusyError;
  readonly DisposedError: typeof DisposedError;
  readonly BackendError: typeof BackendError;
  readonly BackpropError: typeof BackpropError;
}

/** What native/binding/addon.cpp exports. */
interface RawAddon {
  /** Throws BackendError when BACKPROP_ISA or BACKPROP_THREADS cannot be used here. */
  info(): { isa: string; bfloat16: string; threads: number; isaSupported: string[]; napiVersion: number };
  setErrorClasses(classes: ErrorClasses): void;
  /** Index of the first NaN or ±Infinity of values[from, to), or −1 (lib/finite.ts). */
  firstNonFinite(values: Float32Array, from: number, to: number): number;
  /** Files removed when this thread's environment is torn down (lib/io/temporary-files.ts). */
  trackTemporaryFile(file: string): void;
  untrackTemporaryFile(file: string): void;
  NativeModel: new (spec: unknown, params: Float32Array) => RawNativeModel;
}

/** node-gyp-build: `load(dir)` requires the binary, `load.resolve(dir)` says which. */
interface NodeGypBuild {
  resolve(dir: string): string;
}

class NativeTrainer implements Trainer {
  constructor(private readonly raw: RawNativeModel) {}

  beginEpoch(): void {
    this.raw.beginEpoch();
  }

  train(first: number, count: number): Promise<number> {
    return this.raw.trainBatchesAsync(first, count);
  }

  trainSync(first: number, count: number): number {
    return this.raw.trainBatches(first, count);
  }

  stop(): void {
    this.raw.requestStop();
  }

  end(): void {
    this.raw.endTraining();
  }
}

class NativeBackendModel implements BackendModel {
  constructor(
    private readonly raw: RawNativeModel,
    private readonly parameters: number,
  ) {}

  predict(weights: Float32Array, x: Float32Array, rows: number, out: Float32Array): void {
    this.raw.predict(weights, x, rows, out);
  }

  evaluate(weights: Float32Array, x: Float32Array, targets: Targets, rows: number, out: Float32Array | null): Score {
    return this.raw.evaluate(weights, x, targets, rows, out);
  }

  computeGradients(
    weights: Float32Array, x: Float32Array, targets: Targets, rows: number, grads: Float32Array, rowWeights: Float32Array | null,
  ): number {
    return this.raw.computeGradients(weights, x, targets, rows, grads, rowWeights);
  }

  trainBatch(x: Float32Array, targets: Targets, rows: number, learningRate: number, rowWeights: Float32Array | null): number {
    return this.raw.trainBatch(x, targets, rows, learningRate, rowWeights);
  }

  undoneUpdate(): UndoneUpdate | null {
    return this.raw.undoneUpdate();
  }

  firstNonFiniteParameter(): number {
    return this.raw.firstNonFiniteParameter();
  }

  optimizerState(): OptimizerSnapshot {
    const first = new Float32Array(this.parameters);
    const second = new Float32Array(this.parameters);
    return { steps: this.raw.readOptimizerState(first, second), first, second };
  }

  setOptimizerState({ steps, first, second }: OptimizerSnapshot): void {
    this.raw.writeOptimizerState(steps, first, second);
  }

  beginTraining(plan: TrainingPlan): Trainer {
    this.raw.beginTraining(plan);
    return new NativeTrainer(this.raw);
  }

  dispose(): void {
    this.raw.dispose();
  }
}

/** The package root: two levels above this file in lib/backends and dist/backends. */
const packageRoot = path.resolve(__dirname, '..', '..');

function describe(error: unknown): string {
  return error instanceof Error ? error.message.trim() : String(error);
}

/**
 * The native backend, or why it cannot run here (binary missing or not
 * loadable, BACKPROP_ISA or BACKPROP_THREADS unusable, ...). Never throws.
 */
export function loadNativeBackend(): { backend: Backend } | { error: string } {
  let binary: string;
  let addon: RawAddon;
  try {
    const nodeGypBuild: NodeGypBuild = require('node-gyp-build');
    binary = nodeGypBuild.resolve(packageRoot);
    addon = require(binary);
  } catch (error) {
    return { error: `the native addon could not be loaded: ${describe(error)}` };
  }
  try {
    addon.setErrorClasses({ ArgumentError, ShapeError, BusyError, DisposedError, BackendError, BackpropError });
    removeOnTeardown(addon);
    const { isa, bfloat16, threads } = addon.info();
    const info: BackendInfo = { isa, threads, bfloat16, binary };
    useFloat32Scan((values, from, to) => addon.firstNonFinite(values, from, to));
    const backend: Backend = {
      name: 'native',
      info,
      createModel: (spec, params) => new NativeBackendModel(new addon.NativeModel(spec, params), parameterLayout(spec).size),
    };
    return { backend };
  } catch (error) {
    return { error: describe(error) };
  }
}
