/**
 * A network's persistent state (architecture, optimizer settings, seed and
 * parameters) as plain JSON and as safetensors. Loading validates
 * everything and reports any problem as a FormatError.
 */
import { parameterLayout, type ModelSpec } from '../backends/backend';
import { ArgumentError, FormatError } from '../errors';
import { resolveModelSpec, specToOptions, type LayerOptions, type OptimizerOptions } from '../spec';
import { isPlainObject } from '../validate';
import { endianness } from 'node:os';
import { allocateParameters } from '../memory-estimate';
import { firstNonFinite, FLOAT32_RANGE } from '../finite';
import { encodeHeader, MAX_HEADER_BYTES, parseHeader, type HeaderCheck, type SafetensorsHeader, type Tensor, type TensorEntry } from './safetensors';
import { withModelFile, type TensorSource } from './model-reader';

export interface ModelState {
  readonly spec: ModelSpec;
  readonly params: Float32Array;
  readonly seed: number;
}

/** What `Network.toJSON()` returns: plain data that round-trips bit-exactly. */
export interface NetworkJSON {
  format: 'backprop';
  version: 1;
  inputs: number;
  layers: LayerOptions[];
  loss: ModelSpec['loss'];
  optimizer: OptimizerOptions;
  seed: number;
  /** Per layer: weight (units × inputs, row-major) and bias, as numbers. */
  weights: { weight: number[]; bias: number[] }[];
}

const FORMAT_VERSION = 1;

function asFormatError<T>(source: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArgumentError) throw new FormatError(`${source}: ${error.message}`);
    throw error;
  }
}

export function stateToJSON({ spec, params, seed }: ModelState): NetworkJSON {
  const { layers } = parameterLayout(spec);
  return {
    format: 'backprop',
    version: FORMAT_VERSION,
    ...specToOptions(spec),
    seed,
    weights: layers.map((l) => ({
      weight: Array.from(params.subarray(l.weight, l.weight + l.units * l.inputs)),
      bias: Array.from(params.subarray(l.bias, l.bias + l.units)),
    })),
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
  const { layers } = parameterLayout(spec);
  const weights = value.weights;
  if (!Array.isArray(weights) || weights.length !== layers.length) {
    throw new FormatError(`${source}: weights must have one entry per layer (${layers.length})`);
  }
  const params = allocateParameters(spec);
  layers.forEach((l, i) => {
    const entry: unknown = weights[i];
    if (!isPlainObject(entry)) throw new FormatError(`${source}: weights[${i}] must be { weight, bias }`);
    copyNumbers(entry.weight, params, l.weight, l.units * l.inputs, `${source}: weights[${i}].weight`);
    copyNumbers(entry.bias, params, l.bias, l.units, `${source}: weights[${i}].bias`);
  });
  return { spec, params, seed };
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
export const RESERVED_METADATA = ['format', 'version', 'architecture', 'optimizer', 'seed'] as const;

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
export function stateToSafetensors({ spec, params, seed }: ModelState, extra: Record<string, string>, source: string): Uint8Array[] {
  const bad = firstNonFinite(params);
  if (bad >= 0) {
    throw new FormatError(`${source}: parameter ${bad} is ${params[bad]}; load refuses non-finite weights, so nothing was written`);
  }
  const tensors = new Map<string, Tensor>();
  parameterLayout(spec).layers.forEach((l, i) => {
    tensors.set(`layers.${i}.weight`, { shape: [l.units, l.inputs], data: params.subarray(l.weight, l.weight + l.units * l.inputs) });
    tensors.set(`layers.${i}.bias`, { shape: [l.units], data: params.subarray(l.bias, l.bias + l.units) });
  });
  const { optimizer, ...architecture } = specToOptions(spec);
  const header = encodeHeader(tensors, {
    ...extra,
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
  specFromHeader(parseHeader(header.subarray(8), 4 * params.length, source, modelHeaderCheck(source)), source);
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
function specFromMetadata(metadata: Record<string, string>, tensorCount: number, source: string): { spec: ModelSpec; seed: number } {
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
  const { layers } = parameterLayout(spec);
  if (tensorCount !== 2 * layers.length) {
    throw new FormatError(`${source}: expected ${2 * layers.length} tensors (layers.{i}.weight/bias), found ${tensorCount}`);
  }
  return { spec, seed };
}

/** The header's tensors by name, each checked against the architecture (name, shape) before anything is allocated. */
function tensorsOf(spec: ModelSpec, header: SafetensorsHeader, source: string): Map<string, TensorEntry> {
  const entries = new Map(header.tensors.map((t) => [t.name, t]));
  parameterLayout(spec).layers.forEach((l, i) => {
    for (const [kind, shape] of [
      ['weight', [l.units, l.inputs]],
      ['bias', [l.units]],
    ] as const) {
      const name = `layers.${i}.${kind}`;
      const tensor = entries.get(name);
      if (!tensor) throw new FormatError(`${source}: tensor "${name}" is missing`);
      if (tensor.shape.length !== shape.length || tensor.shape.some((d, j) => d !== shape[j])) {
        throw new FormatError(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
    }
  });
  return entries;
}

/** Checks a header as load does (everything but the tensor data). */
function specFromHeader(header: SafetensorsHeader, source: string): { spec: ModelSpec; seed: number; entries: Map<string, TensorEntry> } {
  const { spec, seed } = specFromMetadata(header.metadata, header.tensors.length, source);
  return { spec, seed, entries: tensorsOf(spec, header, source) };
}

/** The header check that runs before a model file's tensor entries are parsed. */
function modelHeaderCheck(source: string): HeaderCheck {
  return (metadata, tensorCount) => void specFromMetadata(metadata, tensorCount, source);
}

/** Reads a model file: header checked first, then each tensor straight into the new parameters. */
export function loadModelFile(path: string): Promise<ModelState> {
  return withModelFile(path, modelHeaderCheck(path), (file) => stateFromSafetensors(file, path));
}

/** The string entries of a model file's __metadata__ beyond the model itself, its header checked as load checks it. */
export function loadUserMetadata(path: string): Promise<Record<string, string>> {
  return withModelFile(path, modelHeaderCheck(path), async (file) => userMetadata(file.header));
}

async function stateFromSafetensors(file: TensorSource, source: string): Promise<ModelState> {
  const { spec, seed, entries } = specFromHeader(file.header, source);
  const params = allocateParameters(spec);
  for (const [i, l] of parameterLayout(spec).layers.entries()) {
    for (const [kind, offset, count] of [
      ['weight', l.weight, l.units * l.inputs],
      ['bias', l.bias, l.units],
    ] as const) {
      const name = `layers.${i}.${kind}`;
      await file.read(entries.get(name) as TensorEntry, params, offset);
      const bad = firstNonFinite(params, offset, offset + count);
      if (bad >= 0) throw new FormatError(`${source}: tensor "${name}" holds a non-finite value`);
    }
  }
  return { spec, params, seed };
}
