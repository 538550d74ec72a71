/**
 * A network's persistent state (architecture, optimizer settings, seed,
 * input recipe and parameters, and optionally its training state) as plain
 * JSON and as safetensors. Loading validates everything and reports any
 * problem as a FormatError.
 */
import { endianness } from 'node:os';
import type { OptimizerSnapshot } from '../backends/backend';
import { ArgumentError, FormatError } from '../errors';
import { firstNonFinite, FLOAT32_RANGE } from '../finite';
import { recipeFromMetadata, recipeMetadata, resolveRecipe, type RecipeOptions } from '../input-normalization';
import { allocateParameters } from '../memory-estimate';
import { parameterLayout, type LayerOffsets, type ModelSpec } from '../model-spec';
import type { ScheduleState } from '../schedules';
import { resolveModelSpec, specToOptions, type LayerOptions, type NetworkOptions, type OptimizerOptions } from '../spec';
import { isPlainObject } from '../validate';
import { withModelBytes, withModelFile, type TensorSource } from './model-reader';
import { encodeHeader, MAX_HEADER_BYTES, parseHeader, type HeaderCheck, type SafetensorsHeader, type Tensor, type TensorEntry } from './safetensors';

export interface ModelState {
  readonly spec: ModelSpec;
  readonly params: Float32Array;
  readonly seed: number;
  /** Input normalization and class names. */
  readonly recipe: RecipeOptions;
  /** Present in files saved with { trainingState: true }: what a resumed fit continues from. */
  readonly training?: TrainingState;
}

/** Everything besides the weights that the next epoch of an uninterrupted run would use. */
export interface TrainingState {
  readonly epochsTrained: number;
  readonly learningRate: number;
  /** The facade's RNG (xoshiro128** words). */
  readonly rng: readonly number[];
  readonly schedule: ScheduleState;
  readonly optimizer: OptimizerSnapshot;
}

/** What `Network.toJSON()` returns: plain data that round-trips bit-exactly. */
export interface NetworkJSON extends RecipeOptions {
  format: 'backprop';
  version: 1;
  inputs: number;
  layers: LayerOptions[];
  loss: NonNullable<NetworkOptions['loss']>;
  optimizer: OptimizerOptions;
  precision: ModelSpec['precision'];
  seed: number;
  /** Per layer: weight (units × inputs, row-major) and bias, as numbers; a normalized layer's norm as getWeights() gives it. */
  weights: { weight: number[]; bias: number[]; norm?: { weight: number[]; bias: number[]; runningMean?: number[]; runningVar?: number[] } }[];
}

const FORMAT_VERSION = 1;

/** One tensor of a layer in the state array: its name in a file (after `layers.{i}.`), in JSON (`weights[i]`), where and how big. */
interface LayerTensor {
  readonly file: string;
  /** The key path in a JSON entry: [key] or ['norm', key]. */
  readonly json: readonly string[];
  readonly offset: number;
  readonly shape: readonly number[];
}

/** A layer's tensors as PyTorch's state_dict of a block names them: weight, bias, norm.weight, norm.bias, norm.running_mean, norm.running_var. */
function layerTensors(l: LayerOffsets): LayerTensor[] {
  const tensors: LayerTensor[] = [
    { file: 'weight', json: ['weight'], offset: l.weight, shape: [l.units, l.inputs] },
    { file: 'bias', json: ['bias'], offset: l.bias, shape: [l.units] },
  ];
  if (l.normWeight >= 0) {
    tensors.push({ file: 'norm.weight', json: ['norm', 'weight'], offset: l.normWeight, shape: [l.units] });
    tensors.push({ file: 'norm.bias', json: ['norm', 'bias'], offset: l.normBias, shape: [l.units] });
  }
  if (l.runningMean >= 0) {
    tensors.push({ file: 'norm.running_mean', json: ['norm', 'runningMean'], offset: l.runningMean, shape: [l.units] });
    tensors.push({ file: 'norm.running_var', json: ['norm', 'runningVar'], offset: l.runningVar, shape: [l.units] });
  }
  return tensors;
}

/** Every layer's tensors, named as in a file. */
function modelTensors(spec: ModelSpec): (LayerTensor & { name: string })[] {
  return parameterLayout(spec).layers.flatMap((l, i) => layerTensors(l).map((t) => ({ ...t, name: `layers.${i}.${t.file}` })));
}

const elements = (shape: readonly number[]) => shape.reduce((product, d) => product * d, 1);

function asFormatError<T>(source: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArgumentError) throw new FormatError(`${source}: ${error.message}`);
    throw error;
  }
}

export function stateToJSON({ spec, params, seed, recipe }: ModelState): NetworkJSON {
  const { layers } = parameterLayout(spec);
  return {
    format: 'backprop',
    version: FORMAT_VERSION,
    ...specToOptions(spec),
    ...recipe,
    seed,
    weights: layers.map((l) => {
      const entry: Record<string, unknown> = {};
      for (const t of layerTensors(l)) {
        const values = Array.from(params.subarray(t.offset, t.offset + elements(t.shape)));
        if (t.json.length === 1) entry[t.json[0]] = values;
        else ((entry.norm ??= {}) as Record<string, unknown>)[t.json[1]] = values;
      }
      return entry as NetworkJSON['weights'][number];
    }),
  };
}

function checkSeed(value: unknown, source: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new FormatError(`${source}: seed must be a non-negative integer`);
  return value as number;
}

export function stateFromJSON(value: unknown): ModelState {
  const source = 'Network.fromJSON';
  if (!isPlainObject(value)) throw new FormatError(`${source}: expected the object toJSON() returns`);
  if (value.format !== 'backprop' || value.version !== FORMAT_VERSION) {
    throw new FormatError(`${source}: expected format 'backprop' version ${FORMAT_VERSION}`);
  }
  const spec = asFormatError(source, () => resolveModelSpec(value, value.optimizer));
  const seed = checkSeed(value.seed, source);
  const recipe = asFormatError(source, () => resolveRecipe(value, spec));
  const { layers } = parameterLayout(spec);
  const weights = value.weights;
  if (!Array.isArray(weights) || weights.length !== layers.length) {
    throw new FormatError(`${source}: weights must have one entry per layer (${layers.length})`);
  }
  const params = allocateParameters(spec);
  layers.forEach((l, i) => {
    const entry: unknown = weights[i];
    if (!isPlainObject(entry)) throw new FormatError(`${source}: weights[${i}] must be { weight, bias }`);
    const norm = entry.norm;
    if (l.normWeight < 0 && norm !== undefined) throw new FormatError(`${source}: weights[${i}].norm is given but layers[${i}] has no normalization`);
    if (l.normWeight >= 0 && !isPlainObject(norm)) throw new FormatError(`${source}: weights[${i}].norm must be an object (layers[${i}] is normalized)`);
    const tensors = layerTensors(l);
    const normKeys = tensors.filter((t) => t.json[0] === 'norm').map((t) => t.json[1]);
    if (isPlainObject(norm)) {
      const unknown = Object.keys(norm).find((key) => !normKeys.includes(key));
      if (unknown !== undefined) throw new FormatError(`${source}: weights[${i}].norm.${unknown} is not a tensor of layers[${i}]'s normalization`);
    }
    for (const t of tensors) {
      const value = t.json.length === 1 ? entry[t.json[0]] : (norm as Record<string, unknown>)[t.json[1]];
      const name = `${source}: weights[${i}].${t.json.join('.')}`;
      copyNumbers(value, params, t.offset, elements(t.shape), name);
      if (t.file === 'norm.running_var') checkVariance(params, t.offset, elements(t.shape), name);
    }
  });
  return { spec, params, seed, recipe };
}

/** Running variances are ≥ 0: a negative one has no square root. */
function checkVariance(params: Float32Array, offset: number, count: number, name: string): void {
  for (let i = 0; i < count; i++) {
    if (params[offset + i] < 0) throw new FormatError(`${name}[${i}] is ${params[offset + i]}; a variance is ≥ 0`);
  }
}

function copyNumbers(value: unknown, into: Float32Array, offset: number, count: number, name: string): void {
  if (!Array.isArray(value) || value.length !== count) throw new FormatError(`${name} must be an array of ${count} numbers`);
  for (let i = 0; i < count; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FormatError(`${name}[${i}] must be a finite number`);
    into[offset + i] = v;
    if (!Number.isFinite(into[offset + i])) throw new FormatError(`${name}[${i}] is ${v}, beyond the float32 range (${FLOAT32_RANGE})`);
  }
}

/** Metadata keys the model file itself uses; user metadata may not take them. */
export const RESERVED_METADATA = ['format', 'version', 'architecture', 'optimizer', 'seed', 'inputNormalization', 'classes', 'training'] as const;

/** Tensors of the optimizer's moments in a file with training state. */
const MOMENTS = ['training.optimizer.first', 'training.optimizer.second'] as const;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The values' bytes as the file stores them (little-endian): a view where the host agrees, else a copy. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return bytes;
}

/**
 * What save writes, as parts to write one after the other: the header, then
 * each tensor's bytes (views of the parameters, not copies). Refuses, before
 * anything is written, what load would refuse: non-finite weights and a
 * header beyond the loader's limit.
 */
export function stateToSafetensors({ spec, params, seed, recipe, training }: ModelState, extra: Record<string, string>, source: string): Uint8Array[] {
  const bad = firstNonFinite(params);
  if (bad >= 0) {
    throw new FormatError(`${source}: parameter ${bad} is ${params[bad]}; load refuses non-finite weights, so nothing was written`);
  }
  const tensors = new Map<string, Tensor>();
  for (const t of modelTensors(spec)) tensors.set(t.name, { shape: [...t.shape], data: params.subarray(t.offset, t.offset + elements(t.shape)) });
  const trainingMetadata: Record<string, string> = {};
  if (training) {
    const { optimizer, ...rest } = training;
    const { size } = parameterLayout(spec);
    tensors.set(MOMENTS[0], { shape: [size], data: optimizer.first });
    tensors.set(MOMENTS[1], { shape: [size], data: optimizer.second });
    trainingMetadata.training = JSON.stringify({ ...rest, optimizerSteps: optimizer.steps });
  }
  const { optimizer, ...architecture } = specToOptions(spec);
  const header = encodeHeader(tensors, {
    ...extra,
    ...recipeMetadata(recipe),
    ...trainingMetadata,
    format: 'backprop',
    version: String(FORMAT_VERSION),
    architecture: JSON.stringify(architecture),
    optimizer: JSON.stringify(optimizer),
    seed: String(seed),
  });
  if (header.length - 8 > MAX_HEADER_BYTES) {
    throw new ArgumentError(
      `options.metadata makes the file's header ${header.length - 8} bytes; load reads headers of at most ${MAX_HEADER_BYTES} bytes, so nothing was written`,
    );
  }
  // The loader's own checks, on the header about to be written: what save writes, load reads.
  const dataBytes = [...tensors.values()].reduce((sum, t) => sum + 4 * t.data.length, 0);
  specFromHeader(parseHeader(header.subarray(8), dataBytes, source, modelHeaderCheck(source)), source);
  return [header, ...[...tensors.values()].map((t) => littleEndianBytes(t.data))];
}

function parseJsonField(metadata: Record<string, string>, key: string, source: string): unknown {
  const text = metadata[key];
  if (text === undefined) {
    const hint =
      key === 'architecture'
        ? ' (a JSON string {"inputs", "layers": [{"units", "activation"}], "loss"}; tensors named layers.{i}.weight / layers.{i}.bias)'
        : '';
    throw new FormatError(`${source}: __metadata__ has no "${key}"${hint}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new FormatError(`${source}: __metadata__.${key} is not valid JSON`);
  }
}

/** The file's __metadata__ without the keys the model file itself uses. */
function userMetadata(header: SafetensorsHeader): Record<string, string> {
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(header.metadata)) {
    if (!(RESERVED_METADATA as readonly string[]).includes(key)) metadata[key] = value;
  }
  return metadata;
}

/** The seed as save writes it: decimal digits, no sign, exponent, hex or spaces. */
function parseSeed(text: string | undefined, source: string): number {
  if (text === undefined) return 0;
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new FormatError(`${source}: __metadata__.seed ${JSON.stringify(text)} is not a decimal integer`);
  return checkSeed(Number(text), source);
}

/**
 * The architecture and seed the metadata describes, checked against the
 * number of tensors before any tensor entry is parsed: a header of a
 * million entries for a two-layer model is refused after one scan of it.
 */
interface HeaderFacts {
  spec: ModelSpec;
  seed: number;
  recipe: RecipeOptions;
  /** The training state's metadata part (its moments are tensors), when the file has one. */
  training?: Omit<TrainingState, 'optimizer'> & { optimizerSteps: number };
}

function finiteNumber(value: unknown, name: string, source: string, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && (!Number.isSafeInteger(value) || value < 0))) {
    throw new FormatError(`${source}: __metadata__.training.${name} must be a ${integer ? 'non-negative integer' : 'finite number'}`);
  }
  return value;
}

/** The metadata part of a file's training state, checked. */
function trainingFromMetadata(text: unknown, source: string): NonNullable<HeaderFacts['training']> {
  if (!isPlainObject(text)) throw new FormatError(`${source}: __metadata__.training must be an object`);
  const { epochsTrained, learningRate, rng, schedule, optimizerSteps } = text;
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
    throw new FormatError(`${source}: __metadata__.training.rng must be 4 unsigned 32-bit integers`);
  }
  if (!isPlainObject(schedule)) throw new FormatError(`${source}: __metadata__.training.schedule must be an object`);
  const scheduleState: ScheduleState = {};
  for (const key of ['plateauBest', 'plateauBadEpochs'] as const) {
    if (schedule[key] !== undefined) scheduleState[key] = finiteNumber(schedule[key], `schedule.${key}`, source);
  }
  return {
    epochsTrained: finiteNumber(epochsTrained, 'epochsTrained', source, true),
    learningRate: finiteNumber(learningRate, 'learningRate', source),
    rng: rng as number[],
    schedule: scheduleState,
    optimizerSteps: finiteNumber(optimizerSteps, 'optimizerSteps', source, true),
  };
}

function specFromMetadata(metadata: Record<string, string>, tensorCount: number, source: string): HeaderFacts {
  const architecture = parseJsonField(metadata, 'architecture', source);
  if (!isPlainObject(architecture)) throw new FormatError(`${source}: __metadata__.architecture must be an object`);
  if (metadata.format !== undefined && metadata.format !== 'backprop') {
    throw new FormatError(`${source}: __metadata__.format is ${JSON.stringify(metadata.format)}, expected "backprop"`);
  }
  if (metadata.version !== undefined && metadata.version !== String(FORMAT_VERSION)) {
    throw new FormatError(`${source}: __metadata__.version is ${JSON.stringify(metadata.version)}, this version reads "${FORMAT_VERSION}"`);
  }
  const optimizer = metadata.optimizer === undefined ? undefined : parseJsonField(metadata, 'optimizer', source);
  const spec = asFormatError(source, () => resolveModelSpec(architecture, optimizer));
  const seed = parseSeed(metadata.seed, source);
  const recipe = recipeFromMetadata(metadata, spec, source);
  const training = metadata.training === undefined ? undefined : trainingFromMetadata(parseJsonField(metadata, 'training', source), source);
  const expected = modelTensors(spec).length + (training ? MOMENTS.length : 0);
  if (tensorCount !== expected) {
    const normalized = spec.layers.some((l) => l.normalization !== null) ? ', layers.{i}.norm.*' : '';
    throw new FormatError(
      `${source}: expected ${expected} tensors (layers.{i}.weight/bias${normalized}${training ? ', training.optimizer.*' : ''}), found ${tensorCount}`,
    );
  }
  return training ? { spec, seed, recipe, training } : { spec, seed, recipe };
}

/** The header's tensors by name, each checked against the architecture (name, shape) before anything is allocated. */
function tensorsOf(facts: HeaderFacts, header: SafetensorsHeader, source: string): Map<string, TensorEntry> {
  const entries = new Map(header.tensors.map((t) => [t.name, t]));
  const { size } = parameterLayout(facts.spec);
  const expected: [string, readonly number[]][] = modelTensors(facts.spec).map((t) => [t.name, t.shape]);
  if (facts.training) for (const name of MOMENTS) expected.push([name, [size]]);
  for (const [name, shape] of expected) {
    const tensor = entries.get(name);
    if (!tensor) throw new FormatError(`${source}: tensor "${name}" is missing`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, j) => d !== shape[j])) {
      throw new FormatError(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  }
  return entries;
}

/** Checks a header as load does (everything but the tensor data). */
function specFromHeader(header: SafetensorsHeader, source: string): HeaderFacts & { entries: Map<string, TensorEntry> } {
  const facts = specFromMetadata(header.metadata, header.tensors.length, source);
  return { ...facts, entries: tensorsOf(facts, header, source) };
}

/** The header check that runs before a model file's tensor entries are parsed. */
function modelHeaderCheck(source: string): HeaderCheck {
  return (metadata, tensorCount) => void specFromMetadata(metadata, tensorCount, source);
}

/** Reads a model file: header checked first, then each tensor straight into the new parameters. */
export function loadModelFile(path: string): Promise<ModelState> {
  return withModelFile(path, modelHeaderCheck(path), async (file) => {
    const reading = readState(file, path);
    for (;;) {
      const step = reading.next();
      if (step.done) return step.value;
      await step.value;
    }
  });
}

/** The string entries of a model file's __metadata__ beyond the model itself, its header checked as load checks it. */
export function loadUserMetadata(path: string): Promise<Record<string, string>> {
  return withModelFile(path, modelHeaderCheck(path), async (file) => userMetadata(file.header));
}

/** Reads save's bytes from memory (Network.fromBytes), checked as a file is. */
export function bytesToState(bytes: Uint8Array, source: string): ModelState {
  return withModelBytes(bytes, source, modelHeaderCheck(source), (file) => {
    const reading = readState(file, source);
    for (;;) {
      const step = reading.next();
      if (step.done) return step.value;
    }
  });
}

/** The state in a model file, its tensors read one after the other (each read yielded, for a file to await). */
function* readState(file: TensorSource, source: string): Generator<void | Promise<void>, ModelState, void> {
  const { spec, seed, recipe, training, entries } = specFromHeader(file.header, source);
  const params = allocateParameters(spec);
  for (const { name, offset, shape, file: kind } of modelTensors(spec)) {
    yield file.read(entries.get(name) as TensorEntry, params, offset);
    const bad = firstNonFinite(params, offset, offset + elements(shape));
    if (bad >= 0) throw new FormatError(`${source}: tensor "${name}" holds a non-finite value`);
    if (kind === 'norm.running_var') checkVariance(params, offset, elements(shape), `${source}: tensor "${name}"`);
  }
  if (!training) return { spec, params, seed, recipe };
  const { size } = parameterLayout(spec);
  const [first, second] = [new Float32Array(size), new Float32Array(size)];
  for (const [name, moments] of [[MOMENTS[0], first], [MOMENTS[1], second]] as const) {
    yield file.read(entries.get(name) as TensorEntry, moments, 0);
    if (firstNonFinite(moments) >= 0) throw new FormatError(`${source}: tensor "${name}" holds a non-finite value`);
  }
  const { optimizerSteps, ...rest } = training;
  return { spec, params, seed, recipe, training: { ...rest, optimizer: { steps: optimizerSteps, first, second } } };
}
