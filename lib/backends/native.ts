/**
 * The native engine: loads the addon (node-gyp-build finds build/Release or
 * prebuilds/<platform>-<arch>) and adapts its NativeModel to EngineModel.
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
import type {
  Engine,
  EngineInfo,
  EngineModel,
  Evaluation,
  ModelSpec,
  TrainChunk,
  Targets,
} from './backend';

/** A TrainChunk as the addon's trainChunk and trainChunkAsync take it: field by field. */
type RawChunk = [
  x: Float32Array,
  targets: Targets,
  order: Int32Array,
  batchSize: number,
  firstBatch: number,
  batchCount: number,
  stats: Float64Array,
];

function rawChunk(c: TrainChunk): RawChunk {
  return [c.x, c.targets, c.order, c.batchSize, c.firstBatch, c.batchCount, c.stats];
}

/** The addon's NativeModel, as native/binding/model_wrap.cpp defines it. */
interface RawNativeModel {
  predict(x: Float32Array, rows: number, out: Float32Array): void;
  evaluate(x: Float32Array, targets: Targets, rows: number): Evaluation;
  computeGradients(x: Float32Array, targets: Targets, rows: number, grads: Float32Array): number;
  trainBatch(x: Float32Array, targets: Targets, rows: number): number;
  trainChunk(...chunk: RawChunk): number;
  trainChunkAsync(...chunk: RawChunk): Promise<number>;
  requestStop(): void;
  resetOptimizer(): void;
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
  /** Throws BackendError when BACKPROP_ISA is unknown or unsupported here. */
  info(): { isa: string; bfloat16: string; threads: number; isaSupported: string[]; napiVersion: number };
  setErrorClasses(classes: ErrorClasses): void;
  NativeModel: new (spec: ModelSpec, params: Float32Array) => RawNativeModel;
}

/** node-gyp-build: `load(dir)` requires the binary, `load.resolve(dir)` says which. */
interface NodeGypBuild {
  resolve(dir: string): string;
}

class NativeEngineModel implements EngineModel {
  readonly trainsOffThread = true;

  constructor(private readonly raw: RawNativeModel) {}

  predict(x: Float32Array, rows: number, out: Float32Array): void {
    this.raw.predict(x, rows, out);
  }

  evaluate(x: Float32Array, targets: Targets, rows: number): Evaluation {
    return this.raw.evaluate(x, targets, rows);
  }

  computeGradients(x: Float32Array, targets: Targets, rows: number, grads: Float32Array): number {
    return this.raw.computeGradients(x, targets, rows, grads);
  }

  trainBatch(x: Float32Array, targets: Targets, rows: number): number {
    return this.raw.trainBatch(x, targets, rows);
  }

  trainChunk(c: TrainChunk): number {
    return this.raw.trainChunk(...rawChunk(c));
  }

  /** Argument errors reject (like the errors of the work itself) instead of throwing. */
  async trainChunkAsync(c: TrainChunk): Promise<number> {
    return this.raw.trainChunkAsync(...rawChunk(c));
  }

  requestStop(): void {
    this.raw.requestStop();
  }

  resetOptimizer(): void {
    this.raw.resetOptimizer();
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

/** The core sizes its pool from BACKPROP_THREADS; a value it cannot use is an error, not a silent default. */
function checkThreadsVariable(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const threads = Number(value);
  return /^[0-9]+$/.test(value) && threads >= 1 && threads <= 256
    ? null
    : `BACKPROP_THREADS=${value} is not a thread count: expected an integer from 1 to 256`;
}

/**
 * The native engine, or why it cannot run here (binary missing or not
 * loadable, BACKPROP_ISA invalid, ...). Never throws.
 */
export function loadNativeEngine(): { engine: Engine } | { error: string } {
  const threadsError = checkThreadsVariable(process.env.BACKPROP_THREADS);
  if (threadsError !== null) return { error: threadsError };
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
    const { isa, bfloat16, threads } = addon.info();
    const info: EngineInfo = { isa, threads, bfloat16, binary };
    const engine: Engine = {
      name: 'native',
      info,
      createModel: (spec, params) => new NativeEngineModel(new addon.NativeModel(spec, params)),
    };
    return { engine };
  } catch (error) {
    return { error: describe(error) };
  }
}
