/**
 * precision 'bfloat16' through the public API, on every engine: gradients
 * close to float32's (and not equal to them: the rounding happens), the two
 * engines agreeing in bfloat16, a digits model training to the float32
 * accuracy band, files keeping float32 weights and recording the precision,
 * and loading that overrides it either way.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, info, Network, type NetworkOptions } from '../../lib/index.js';
import { BACKENDS } from './backends';
import { loadDigits } from './digits';
import { bitsOf, flatten, random, randomLabels, uniform } from './fixtures';

const OPTIONS: NetworkOptions = {
  inputs: 37,
  layers: [
    { units: 29, activation: 'tanh' },
    { units: 23, activation: 'relu' },
    { units: 5, activation: 'softmax' },
  ],
  loss: 'crossEntropy',
  optimizer: { type: 'sgd', learningRate: 0.1 },
  seed: 17,
};
const ROWS = 19;

function data(seed: number): { x: Float32Array; y: Int32Array } {
  const next = random(seed);
  return { x: uniform(next, ROWS, 37), y: randomLabels(next, ROWS, 5) };
}

/** ‖a − b‖₂ / ‖b‖₂. */
function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(difference / norm);
}

/** Largest |a − b| over max |b|: rounding errors scale with the tensor, not with each element. */
function worstScaled(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

describe('info()', () => {
  it('reports how bfloat16 GEMMs run here', () => {
    expect(['amx', 'avx512bf16', 'emulated']).toContain(info().bfloat16);
  });
});

describe.each(BACKENDS)('precision bfloat16 (%s engine)', (backend) => {
  it('gives gradients within 8 % (relative L2) of float32, and not equal to them', () => {
    const { x, y } = data(1);
    const f32 = new Network({ ...OPTIONS, backend });
    const bf16 = new Network({ ...OPTIONS, backend, precision: 'bfloat16' });
    expect(bf16.options.precision).toBe('bfloat16');
    const exact = f32.computeGradients(x, y);
    const rounded = bf16.computeGradients(x, y);
    // bfloat16 keeps 8 significant bits: each operand moves by up to 2^-9,
    // and a gradient summed over 19 rows with random labels cancels a lot,
    // which magnifies that: measured 5.0 % here on both engines.
    const distance = relativeDistance(flatten(rounded.grads), flatten(exact.grads));
    expect(distance).toBeLessThan(0.08);
    expect(distance).toBeGreaterThan(1e-5);
    expect(Math.abs(rounded.loss - exact.loss)).toBeLessThan(0.01 * exact.loss);
    f32.dispose();
    bf16.dispose();
  });

  it('trains a digits model to the float32 accuracy band', () => {
    const { train, test } = loadDigits(3000, 1000, 2024);
    const options: NetworkOptions = {
      inputs: 784,
      layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'crossEntropy',
      optimizer: { type: 'adam', learningRate: 2e-3 },
      seed: 7,
      backend,
      precision: 'bfloat16',
    };
    const net = new Network(options);
    net.fitSync(train.x, train.labels, { epochs: 6, batchSize: 32 });
    const { accuracy } = net.evaluate(test.x, test.labels);
    // The float32 model of test/api/learning.test.ts (same recipe) clears 90 %.
    expect(accuracy).toBeGreaterThan(0.9);
    net.dispose();
  }, 60_000);

  it('saves float32 weights with the precision recorded, and loads overriding it either way', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'backprop-bf16-'));
    const file = path.join(dir, 'model.safetensors');
    const { x } = data(2);
    const bf16 = new Network({ ...OPTIONS, backend, precision: 'bfloat16' });
    bf16.trainBatch(x, data(2).y);
    await bf16.save(file);
    const bytes = readFileSync(file);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<
      string,
      { dtype?: string }
    > & { __metadata__: { architecture: string } };
    expect(header['layers.0.weight'].dtype).toBe('F32');
    expect((JSON.parse(header.__metadata__.architecture) as { precision: string }).precision).toBe('bfloat16');

    const same = await Network.load(file, { backend });
    expect(same.options.precision).toBe('bfloat16');
    expect(bitsOf(same.getWeights()).equals(bitsOf(bf16.getWeights()))).toBe(true);
    expect(Buffer.from(same.predict(x).buffer).equals(Buffer.from(bf16.predict(x).buffer))).toBe(true);

    const asFloat32 = await Network.load(file, { backend, precision: 'float32' });
    expect(asFloat32.options.precision).toBe('float32');
    const float32Twin = new Network({ ...OPTIONS, backend });
    float32Twin.setWeights(bf16.getWeights());
    expect(Buffer.from(asFloat32.predict(x).buffer).equals(Buffer.from(float32Twin.predict(x).buffer))).toBe(true);
    expect(worstScaled(asFloat32.predict(x), bf16.predict(x))).toBeGreaterThan(1e-6);

    // And back: a float32 model loaded as bfloat16 computes as the bfloat16 one.
    await asFloat32.save(file);
    const backAgain = await Network.load(file, { backend, precision: 'bfloat16' });
    expect(backAgain.options.precision).toBe('bfloat16');
    expect(Buffer.from(backAgain.predict(x).buffer).equals(Buffer.from(bf16.predict(x).buffer))).toBe(true);
    expect(Network.fromJSON(bf16.toJSON(), { backend }).options.precision).toBe('bfloat16');
    expect(Network.fromJSON(bf16.toJSON(), { backend, precision: 'float32' }).options.precision).toBe('float32');
    for (const net of [bf16, same, asFloat32, float32Twin, backAgain]) net.dispose();
  });

  it('refuses an unknown precision, naming the option', async () => {
    expect(() => new Network({ ...OPTIONS, backend, precision: 'float16' as 'float32' })).toThrow(ArgumentError);
    expect(() => new Network({ ...OPTIONS, backend, precision: 'float16' as 'float32' })).toThrow(/precision/);
    const json = new Network({ ...OPTIONS, backend }).toJSON();
    expect(() => Network.fromJSON(json, { precision: 'half' as 'float32' })).toThrow(/options\.precision/);
    await expect(Network.load('missing.safetensors', { precision: 'half' as 'float32' })).rejects.toThrow(ArgumentError);
  });
});

describe.runIf(BACKENDS.includes('native'))('precision bfloat16: native equals js', () => {
  it('agrees on predictions, gradients and a few training steps up to summation order', () => {
    const { x, y } = data(3);
    const js = new Network({ ...OPTIONS, backend: 'js', precision: 'bfloat16' });
    const native = new Network({ ...OPTIONS, backend: 'native', precision: 'bfloat16' });
    const f32 = new Network({ ...OPTIONS, backend: 'js' });
    // Summation order moves a value by ~1e-7; now and then that carries an
    // operand of the next layer across a bfloat16 rounding boundary (2^-8
    // apart), hence 2e-3 of the largest value rather than float32's 1e-5 —
    // still well below the distance to float32.
    const outputs = js.predict(x);
    expect(worstScaled(native.predict(x), outputs)).toBeLessThan(2e-3);
    expect(worstScaled(f32.predict(x), outputs)).toBeGreaterThan(worstScaled(native.predict(x), outputs));
    const gJs = flatten(js.computeGradients(x, y).grads);
    const gNative = flatten(native.computeGradients(x, y).grads);
    expect(relativeDistance(gNative, gJs)).toBeLessThan(2e-3);
    expect(relativeDistance(flatten(f32.computeGradients(x, y).grads), gJs)).toBeGreaterThan(relativeDistance(gNative, gJs));
    for (let step = 0; step < 5; step++) {
      const lossJs = js.trainBatch(x, y);
      const lossNative = native.trainBatch(x, y);
      expect(Math.abs(lossNative - lossJs)).toBeLessThan(1e-3 * lossJs);
    }
    expect(relativeDistance(flatten(native.getWeights()), flatten(js.getWeights()))).toBeLessThan(1e-4);
    for (const net of [js, native, f32]) net.dispose();
  });
});
