/**
 * A network's persistent state (architecture, optimizer settings, seed and
 * parameters) as plain JSON and as safetensors. Loading validates
 * everything and reports any problem as a FormatError.
 */
import { parameterLayout, type ModelSpec } from '../backends/backend';
import { ArgumentError, FormatError } from '../errors';
import { resolveModelSpec, specToOptions, type LayerOptions, type OptimizerOptions } from '../spec';
import { isPlainObject } from '../validate';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors';

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
  precision: ModelSpec['precision'];
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
  const { layers, size } = parameterLayout(spec);
  const weights = value.weights;
  if (!Array.isArray(weights) || weights.length !== layers.length) {
    throw new FormatError(`${source}: weights must have one entry per layer (${layers.length})`);
  }
  const params = new Float32Array(size);
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
  }
}

/** Metadata keys the model file itself uses; user metadata may not take them. */
export const RESERVED_METADATA = ['format', 'version', 'architecture', 'optimizer', 'seed'] as const;

export function stateToSafetensors({ spec, params, seed }: ModelState, extra: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, Tensor>();
  parameterLayout(spec).layers.forEach((l, i) => {
    tensors.set(`layers.${i}.weight`, { shape: [l.units, l.inputs], data: params.subarray(l.weight, l.weight + l.units * l.inputs) });
    tensors.set(`layers.${i}.bias`, { shape: [l.units], data: params.subarray(l.bias, l.bias + l.units) });
  });
  const { optimizer, ...architecture } = specToOptions(spec);
  return encodeSafetensors(tensors, {
    ...extra,
    format: 'backprop',
    version: String(FORMAT_VERSION),
    architecture: JSON.stringify(architecture),
    optimizer: JSON.stringify(optimizer),
    seed: String(seed),
  });
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
export function userMetadata(bytes: Uint8Array, source: string): Record<string, string> {
  const metadata = { ...decodeSafetensors(bytes, source).metadata };
  for (const key of RESERVED_METADATA) delete metadata[key];
  return metadata;
}

export function stateFromSafetensors(bytes: Uint8Array, source: string): ModelState {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const architecture = parseJsonField(metadata, 'architecture', source);
  if (!isPlainObject(architecture)) throw new FormatError(`${source}: __metadata__.architecture must be an object`);
  const optimizer = metadata.optimizer === undefined ? undefined : parseJsonField(metadata, 'optimizer', source);
  const spec = asFormatError(source, () => resolveModelSpec(architecture, optimizer));
  const seed = metadata.seed === undefined ? 0 : checkSeed(Number(metadata.seed), source);
  const { layers, size } = parameterLayout(spec);
  if (tensors.size !== 2 * layers.length) {
    throw new FormatError(`${source}: expected ${2 * layers.length} tensors (layers.{i}.weight/bias), found ${tensors.size}`);
  }
  const params = new Float32Array(size);
  layers.forEach((l, i) => {
    for (const [kind, offset, shape] of [
      ['weight', l.weight, [l.units, l.inputs]],
      ['bias', l.bias, [l.units]],
    ] as const) {
      const name = `layers.${i}.${kind}`;
      const tensor = tensors.get(name);
      if (!tensor) throw new FormatError(`${source}: tensor "${name}" is missing`);
      if (tensor.shape.length !== shape.length || tensor.shape.some((d, j) => d !== shape[j])) {
        throw new FormatError(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      for (let j = 0; j < tensor.data.length; j++) {
        if (!Number.isFinite(tensor.data[j])) throw new FormatError(`${source}: tensor "${name}" holds a non-finite value`);
      }
      params.set(tensor.data, offset);
    }
  });
  return { spec, params, seed };
}
