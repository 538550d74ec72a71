/** Malformed JSON documents and safetensors files are refused with a FormatError. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, Network, type NetworkJSON } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { expectError, rejected, thrown } from './expect-error';
import { buildSafetensors, parseSafetensors, withHeaderText, type SafetensorsFile, type TensorEntry } from './safetensors-file';

function network(): Network {
  return new Network({
    inputs: 3,
    layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'sigmoid' }],
    loss: 'binaryCrossEntropy',
    optimizer: 'adamw',
    seed: 12,
    backend: 'js',
  });
}

/** A deep copy of a valid document, edited. */
function editedJSON(edit: (json: Record<string, unknown> & NetworkJSON) => void): unknown {
  const json = JSON.parse(JSON.stringify(network().toJSON())) as Record<string, unknown> & NetworkJSON;
  edit(json);
  return json;
}

const JSON_CASES: [string, () => unknown, string[]][] = [
  ['a string that is not JSON', () => '{"format": "backprop", ', ['JSON']],
  ['null', () => null, ['Network.fromJSON']],
  ['a number', () => 42, ['Network.fromJSON']],
  ['an unknown version', () => editedJSON((j) => ((j as Record<string, unknown>).version = 2)), ['version']],
  ['no format tag', () => editedJSON((j) => delete (j as Record<string, unknown>).format), ['format']],
  ['missing weights', () => editedJSON((j) => delete (j as Record<string, unknown>).weights), ['weights']],
  ['one weight entry too few', () => editedJSON((j) => j.weights.pop()), ['weights']],
  ['a weight array too short', () => editedJSON((j) => j.weights[0].weight.pop()), ['weights[0].weight']],
  ['a bias array too long', () => editedJSON((j) => j.weights[1].bias.push(0)), ['weights[1].bias']],
  ['a NaN weight', () => editedJSON((j) => (j.weights[0].weight[3] = NaN)), ['weights[0].weight[3]']],
  ['a null weight (NaN after JSON.stringify)', () => JSON.stringify(editedJSON((j) => (j.weights[1].weight[0] = NaN))), ['weights[1].weight[0]']],
  ['a string weight', () => editedJSON((j) => ((j.weights[0].bias as unknown[])[0] = '0')), ['weights[0].bias[0]']],
  ['an unknown activation', () => editedJSON((j) => ((j.layers[0] as { activation: string }).activation = 'swish')), ['layers[0].activation']],
  ['a loss the last layer cannot feed', () => editedJSON((j) => (j.loss = 'crossEntropy')), ['crossEntropy']],
  ['an unknown optimizer', () => editedJSON((j) => ((j.optimizer as { type: string }).type = 'lbfgs')), ['optimizer.type']],
  ['a negative seed', () => editedJSON((j) => (j.seed = -3)), ['seed']],
  ['missing inputs', () => editedJSON((j) => delete (j as Record<string, unknown>).inputs), ['inputs']],
];

describe('Network.fromJSON', () => {
  it.each(JSON_CASES)('refuses %s', (_name, source, mentions) => {
    expectError(thrown(() => Network.fromJSON(source())), FormatError, mentions);
  });

  it('accepts the unedited document (the cases above are not refused for another reason)', () => {
    expect(Network.fromJSON(editedJSON(() => undefined)).parameterCount).toBe(4 * 3 + 4 + 2 * 4 + 2);
  });
});

let directory: string;
let valid: SafetensorsFile;
beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-file-errors-'));
  const file = path.join(directory, 'valid.safetensors');
  await network().save(file);
  valid = parseSafetensors(new Uint8Array(await fs.readFile(file)));
});
afterAll(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

/** The valid file's bytes with an edited copy of its header. */
function editedHeader(edit: (header: Record<string, TensorEntry> & { __metadata__: Record<string, string> }) => void): Uint8Array {
  const header = JSON.parse(JSON.stringify(valid.header)) as Record<string, TensorEntry> & { __metadata__: Record<string, string> };
  edit(header);
  return buildSafetensors(header, valid.data);
}

function validBytes(): Uint8Array {
  return buildSafetensors(valid.header, valid.data);
}

const SAFETENSORS_CASES: [string, () => Uint8Array, string[]][] = [
  ['an empty file', () => new Uint8Array(0), ['8-byte']],
  ['a file shorter than its header length', () => validBytes().subarray(0, 20), ['header length']],
  ['truncated tensor data', () => validBytes().subarray(0, validBytes().length - 4), ['data_offsets']],
  [
    'a huge header length',
    () => {
      const bytes = validBytes().slice();
      new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
      return bytes;
    },
    ['header length'],
  ],
  ['a header that is not JSON', () => withHeaderText('{"layers.0.weight": nope}   ', valid.data), ['header']],
  ['a header that is a JSON array', () => withHeaderText('[1, 2, 3]', valid.data), ['header']],
  ['offsets past the data', () => editedHeader((h) => (h['layers.1.bias'].data_offsets[1] += 1000)), ['layers.1.bias', 'data_offsets']],
  [
    'overlapping tensors',
    () =>
      editedHeader((h) => {
        const [begin, end] = h['layers.0.bias'].data_offsets;
        h['layers.0.bias'].data_offsets = [begin - 4, end - 4];
      }),
    ['overlap'],
  ],
  ['a wrong dtype', () => editedHeader((h) => (h['layers.0.weight'].dtype = 'F16')), ['layers.0.weight', 'F16']],
  ['a shape that does not match the bytes', () => editedHeader((h) => (h['layers.1.weight'].shape = [2, 5])), ['layers.1.weight', 'shape']],
  ['a transposed weight', () => editedHeader((h) => (h['layers.0.weight'].shape = [3, 4])), ['layers.0.weight', 'shape']],
  ['a missing tensor', () => editedHeader((h) => delete h['layers.1.bias']), ['tensors']],
  [
    'a misnamed tensor',
    () =>
      editedHeader((h) => {
        h['layers.1.offset'] = h['layers.1.bias'];
        delete h['layers.1.bias'];
      }),
    ['layers.1.bias', 'missing'],
  ],
  ['no architecture metadata', () => editedHeader((h) => delete h.__metadata__.architecture), ['architecture']],
  ['architecture metadata that is not JSON', () => editedHeader((h) => (h.__metadata__.architecture = '{inputs: 3')), ['architecture']],
  ['an unknown activation in the metadata', () => editedHeader((h) => (h.__metadata__.architecture = h.__metadata__.architecture.replace('"relu"', '"swish"'))), ['layers[0].activation']],
  ['a metadata value that is not a string', () => editedHeader((h) => ((h.__metadata__ as Record<string, unknown>).seed = 12)), ['__metadata__']],
  [
    'a repeated __metadata__ key (the last would win)',
    () => {
      const text = JSON.stringify(valid.header);
      const repeated = `{"__metadata__":${JSON.stringify({ ...(valid.header.__metadata__ as object), architecture: '{}' })},${text.slice(1)}`;
      return withHeaderText(repeated + ' '.repeat((8 - (Buffer.byteLength(repeated) % 8)) % 8), valid.data);
    },
    ['repeats the key "__metadata__"'],
  ],
  [
    'a repeated key inside a tensor entry',
    () => {
      const text = JSON.stringify(valid.header).replace('"dtype":"F32"', '"dtype":"F16","dtype":"F32"');
      return withHeaderText(text + ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8), valid.data);
    },
    ['repeats the key "dtype"'],
  ],
  ['an unknown format', () => editedHeader((h) => (h.__metadata__.format = 'keras')), ['__metadata__.format', 'keras']],
  ['an unknown version', () => editedHeader((h) => (h.__metadata__.version = '2')), ['__metadata__.version', '"2"']],
  ['a seed in hexadecimal', () => editedHeader((h) => (h.__metadata__.seed = '0x10')), ['__metadata__.seed', '0x10']],
  ['a seed with an exponent', () => editedHeader((h) => (h.__metadata__.seed = '1e3')), ['__metadata__.seed']],
  ['trailing bytes after the last tensor', () => buildSafetensors(valid.header, Uint8Array.from([...valid.data, 0, 0, 0, 0])), ['4 bytes after the last tensor']],
  [
    'a gap between tensors',
    () => {
      // Every tensor after the first moves 4 bytes on; 4 unused bytes open after the first.
      const header = JSON.parse(JSON.stringify(valid.header)) as Record<string, TensorEntry>;
      const entries = Object.entries(header).filter(([name]) => name !== '__metadata__');
      const first = Math.min(...entries.map(([, e]) => e.data_offsets[0]));
      const firstEnd = entries.find(([, e]) => e.data_offsets[0] === first)![1].data_offsets[1];
      for (const [, e] of entries) if (e.data_offsets[0] >= firstEnd) e.data_offsets = [e.data_offsets[0] + 4, e.data_offsets[1] + 4];
      const data = new Uint8Array(valid.data.length + 4);
      data.set(valid.data.subarray(0, firstEnd));
      data.set(valid.data.subarray(firstEnd), firstEnd + 4);
      return buildSafetensors(header, data);
    },
    ['gap of 4 bytes'],
  ],
  ['an unknown key in a tensor entry', () => editedHeader((h) => ((h['layers.0.bias'] as unknown as Record<string, unknown>).extra = 1)), ['layers.0.bias', 'unknown keys extra']],
  [
    'thousands of tensors the architecture does not name',
    () =>
      editedHeader((h) => {
        for (let i = 0; i < 20_000; i++) (h as Record<string, unknown>)[`t${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
      }),
    ['expected 4 tensors', 'found 20004'],
  ],
  [
    'a non-finite weight',
    () => {
      const bytes = validBytes().slice();
      new DataView(bytes.buffer).setFloat32(8 + valid.headerLength, NaN, true);
      return bytes;
    },
    ['non-finite'],
  ],
];

describe.each(BACKENDS)('Network.load on the %s backend', (backend) => {
  it.each(SAFETENSORS_CASES)('refuses %s, naming the file', async (name, bytes, mentions) => {
    const file = path.join(directory, `${name.replace(/\W+/g, '-')}.safetensors`);
    await fs.writeFile(file, bytes());
    expectError(await rejected(() => Network.load(file, { backend })), FormatError, [...mentions, file]);
  });

  it('loads the file rebuilt from the parsed parts (the cases above are not refused for another reason)', async () => {
    const file = path.join(directory, `rebuilt-${backend}.safetensors`);
    await fs.writeFile(file, validBytes());
    expect((await Network.load(file, { backend })).parameterCount).toBe(network().parameterCount);
  });
});
