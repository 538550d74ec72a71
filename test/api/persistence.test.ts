/** toJSON/fromJSON and save/load round trips, and the safetensors layout on disk. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DisposedError, FormatError, Network } from '../../lib/index.js';
import { expectError, thrown } from './expect-error';
import { BACKENDS } from './backends';
import { bitsOf, bytesOf, random, randomLabels, uniform } from './fixtures';
import { buildSafetensors, parseSafetensors, tensorOf, type TensorEntry } from './safetensors-file';

let directory: string;
beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-persistence-'));
});
afterAll(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

const next = random(31);
const X = uniform(next, 40, 5);
const LABELS = randomLabels(next, 40, 3);

function trainedNetwork(backend: (typeof BACKENDS)[number]): Network {
  const net = new Network({
    inputs: 5,
    layers: [{ units: 7, activation: 'gelu' }, { units: 6, activation: 'elu' }, { units: 3, activation: 'softmax' }],
    loss: 'crossEntropy',
    optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
    seed: 8,
    backend,
  });
  net.fitSync(X, LABELS, { epochs: 2, batchSize: 8 });
  return net;
}

describe.each(BACKENDS)('persistence on the %s backend', (backend) => {
  it('round-trips through toJSON, JSON.stringify and fromJSON bit-exactly', () => {
    const net = trainedNetwork(backend);
    const text = JSON.stringify(net.toJSON());
    for (const source of [text, JSON.parse(text) as unknown]) {
      const copy = Network.fromJSON(source, { backend });
      expect(copy.backend).toBe(backend);
      expect(bitsOf(copy.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
      expect(bytesOf(copy.predict(X)).equals(bytesOf(net.predict(X)))).toBe(true);
      expect(copy.options).toEqual(net.options);
      expect(copy.seed).toBe(net.seed);
    }
  });

  it('round-trips through save and load bit-exactly', async () => {
    const net = trainedNetwork(backend);
    const file = path.join(directory, `${backend}-roundtrip.safetensors`);
    await net.save(file);
    const copy = await Network.load(file, { backend });
    expect(copy.backend).toBe(backend);
    expect(bitsOf(copy.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
    expect(bytesOf(copy.predict(X)).equals(bytesOf(net.predict(X)))).toBe(true);
    expect(copy.options).toEqual(net.options);
    expect(copy.seed).toBe(net.seed);
  });

  it('toBytes() holds exactly the bytes save() writes, and fromBytes() loads them bit-exactly', async () => {
    const net = trainedNetwork(backend);
    const file = path.join(directory, `${backend}-bytes.safetensors`);
    await net.save(file, { metadata: { note: 'twin' } });
    const bytes = net.toBytes({ metadata: { note: 'twin' } });
    expect(Buffer.from(bytes).equals(await fs.readFile(file))).toBe(true);
    const copy = Network.fromBytes(bytes, { backend });
    expect(copy.backend).toBe(backend);
    expect(bitsOf(copy.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
    expect(bytesOf(copy.predict(X)).equals(bytesOf(net.predict(X)))).toBe(true);
    expect(copy.options).toEqual(net.options);
    expect(copy.seed).toBe(net.seed);
  });

  it('keeps dropout, l1, l2 and loss options through both formats: same options, same training-mode gradients', async () => {
    const net = new Network({
      inputs: 5,
      layers: [{ units: 7, activation: 'relu', dropout: 0.3, l2: 1e-3 }, { units: 3, activation: 'softmax', l1: 1e-4 }],
      loss: { type: 'crossEntropy', labelSmoothing: 0.15 },
      seed: 12,
      backend,
    });
    const file = path.join(directory, `${backend}-blocks.safetensors`);
    await net.save(file);
    const copies = [await Network.load(file, { backend }), Network.fromJSON(JSON.stringify(net.toJSON()), { backend })];
    const expected = net.computeGradients(X, LABELS);
    for (const copy of copies) {
      expect(copy.options).toEqual(net.options);
      const actual = copy.computeGradients(X, LABELS);
      expect(actual.loss).toBe(expected.loss);
      expect(bitsOf(actual.grads).equals(bitsOf(expected.grads))).toBe(true);
      copy.dispose();
    }
    expect(net.options.layers[0]).toEqual({ units: 7, activation: 'relu', dropout: 0.3, l2: 1e-3 });
    expect(net.options.loss).toEqual({ type: 'crossEntropy', labelSmoothing: 0.15 });
    net.dispose();
  });

  it('writes the safetensors layout PyTorch reads', async () => {
    const net = trainedNetwork(backend);
    const file = path.join(directory, `${backend}-layout.safetensors`);
    await net.save(file);
    const bytes = new Uint8Array(await fs.readFile(file));
    const parsed = parseSafetensors(bytes);
    expect(parsed.headerLength % 8).toBe(0);
    expect(8 + parsed.headerLength + parsed.data.length).toBe(bytes.length);

    const weights = net.getWeights();
    const names = weights.flatMap((_, i) => [`layers.${i}.weight`, `layers.${i}.bias`]);
    expect(Object.keys(parsed.header).filter((k) => k !== '__metadata__').sort()).toEqual([...names].sort());
    let covered = 0;
    weights.forEach(({ weight, bias }, i) => {
      const units = bias.length;
      const w = tensorOf(parsed, `layers.${i}.weight`);
      const b = tensorOf(parsed, `layers.${i}.bias`);
      expect(w.entry.dtype).toBe('F32');
      expect(b.entry.dtype).toBe('F32');
      expect(w.entry.shape).toEqual([units, weight.length / units]);
      expect(b.entry.shape).toEqual([units]);
      expect(bytesOf(w.values).equals(bytesOf(weight))).toBe(true);
      expect(bytesOf(b.values).equals(bytesOf(bias))).toBe(true);
      covered += w.values.byteLength + b.values.byteLength;
    });
    expect(covered).toBe(parsed.data.length);

    const metadata = parsed.header.__metadata__ as Record<string, unknown>;
    expect(Object.values(metadata).every((v) => typeof v === 'string')).toBe(true);
    const { optimizer, ...architecture } = net.options;
    expect(JSON.parse(metadata.architecture as string)).toEqual(architecture);
    expect(JSON.parse(metadata.optimizer as string)).toEqual(optimizer);
  });

  it('reads tensors wherever their offsets put them', async () => {
    const net = trainedNetwork(backend);
    const original = path.join(directory, `${backend}-original.safetensors`);
    await net.save(original);
    const parsed = parseSafetensors(new Uint8Array(await fs.readFile(original)));
    // Rewrite the data with the tensors in reverse order.
    const names = Object.keys(parsed.header).filter((k) => k !== '__metadata__').reverse();
    const header: Record<string, unknown> = { __metadata__: parsed.header.__metadata__ };
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const name of names) {
      const { entry, values } = tensorOf(parsed, name);
      const data = new Uint8Array(bytesOf(values));
      header[name] = { ...entry, data_offsets: [offset, offset + data.length] } satisfies TensorEntry;
      chunks.push(data);
      offset += data.length;
    }
    const reordered = path.join(directory, `${backend}-reordered.safetensors`);
    await fs.writeFile(reordered, buildSafetensors(header, Buffer.concat(chunks)));
    const copy = await Network.load(reordered, { backend });
    expect(bitsOf(copy.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
  });

  it('replaces an existing file and leaves no temporary file behind', async () => {
    const sub = await fs.mkdtemp(path.join(directory, 'overwrite-'));
    const file = path.join(sub, 'model.safetensors');
    const first = trainedNetwork(backend);
    await first.save(file);
    const second = new Network({ ...first.options, seed: 9, backend });
    await second.save(file);
    expect(await fs.readdir(sub)).toEqual(['model.safetensors']);
    const loaded = await Network.load(file, { backend });
    expect(bitsOf(loaded.getWeights()).equals(bitsOf(second.getWeights()))).toBe(true);
  });
});

describe('toBytes / fromBytes errors', () => {
  it('fromBytes refuses what is not safetensors bytes, naming the source', () => {
    expectError(thrown(() => Network.fromBytes('model' as never)), ArgumentError, ['bytes', 'Uint8Array']);
    expectError(thrown(() => Network.fromBytes(new Uint8Array([1, 2, 3]))), FormatError, ['Network.fromBytes', 'safetensors']);
  });

  it('toBytes of a disposed network throws a DisposedError', () => {
    const net = trainedNetwork('js');
    net.dispose();
    expectError(thrown(() => net.toBytes()), DisposedError, ['disposed']);
  });
});

describe('user metadata in model files', () => {
  it('stores save(path, { metadata }) entries in __metadata__ and reads them back, without the reserved keys', async () => {
    const net = trainedNetwork('js');
    const file = path.join(directory, 'with-metadata.safetensors');
    await net.save(file, { metadata: { 'app.recipe': '{"scale":2}', note: 'hello' } });
    expect(await Network.readMetadata(file)).toEqual({ 'app.recipe': '{"scale":2}', note: 'hello' });
    const { header } = parseSafetensors(await fs.readFile(file));
    const metadata = header.__metadata__ as Record<string, string>;
    expect(metadata.format).toBe('backprop');
    expect(metadata.note).toBe('hello');
    const loaded = await Network.load(file, { backend: 'js' });
    expect(bitsOf(loaded.getWeights()).equals(bitsOf(net.getWeights()))).toBe(true);
    const plain = path.join(directory, 'plain.safetensors');
    await net.save(plain);
    expect(await Network.readMetadata(plain)).toEqual({});
  });

  it.each([
    [{ metadata: { format: 'mine' } }, 'options.metadata.format'],
    [{ metadata: { seed: '1' } }, 'options.metadata.seed'],
    [{ metadata: { count: 3 } }, 'options.metadata.count'],
    [{ metadata: 'x' }, 'options.metadata'],
    [{ metdata: {} }, 'metdata'],
  ])('refuses %j naming %s', async (options, mentions) => {
    const net = trainedNetwork('js');
    const error: unknown = await net.save(path.join(directory, 'refused.safetensors'), options as never).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as Error).message).toContain(mentions);
  });
});
