/**
 * Weights never silently become infinite outside fit, on both engines:
 * trainBatch undoes a step whose loss or update is not finite (a
 * DivergenceError, as fit), setWeights and fromJSON refuse numbers float32
 * cannot hold. So save never has infinite weights to write.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, DivergenceError, FormatError, Network } from '../../lib/index.js';
import { parameterLayout } from '../../lib/model-spec';
import { stateToSafetensors } from '../../lib/io/model-file';
import { resolveNetworkOptions } from '../../lib/spec';
import { expectError, thrown } from '../api/expect-error';
import { ENGINES, nativeBinary } from './engines';

nativeBinary();

const FLOAT32_MAX = 3.4028234663852886e38;
/** The smallest double that rounds to Infinity in float32. */
const FLOAT32_OVERFLOW = 3.4028235677973366e38;

function network(backend: (typeof ENGINES)[number], learningRate = 0.1): Network {
  return new Network({
    inputs: 2,
    layers: [{ units: 3, activation: 'tanh' }, { units: 1 }],
    loss: 'mse',
    optimizer: { type: 'sgd', learningRate },
    seed: 5,
    backend,
  });
}

describe.each(ENGINES)('on the %s engine', (backend) => {
  it('trainBatch: an update that overflows is undone with a DivergenceError', () => {
    const net = network(backend, FLOAT32_MAX);
    const before = net.getWeights();
    const error = thrown(() => net.trainBatch([[1, 2]], [[3]]));
    expectError(error, DivergenceError, ['trainBatch', 'the update made parameter', 'undone']);
    expect(net.getWeights()).toEqual(before);
    // The network is still usable and still finite.
    expect(Number.isFinite(net.predict([1, 2])[0])).toBe(true);
  });

  it('trainBatch: a loss that is not finite is a DivergenceError, weights kept', () => {
    const net = network(backend);
    // The largest float32 weights: the output overflows to Infinity, and so does the loss.
    const weights = net.getWeights();
    weights[1].weight.fill(FLOAT32_MAX);
    weights[1].bias.fill(FLOAT32_MAX);
    net.setWeights(weights);
    const before = net.getWeights();
    const error = thrown(() => net.trainBatch([[1, 2]], [[0]]));
    expectError(error, DivergenceError, ['trainBatch', 'the loss was']);
    expect(net.getWeights()).toEqual(before);
  });

  it('trainBatch: a finite step is applied and returns the loss', () => {
    const net = network(backend);
    const before = net.getWeights();
    expect(Number.isFinite(net.trainBatch([[1, 2]], [[3]]))).toBe(true);
    expect(net.getWeights()).not.toEqual(before);
  });

  it('setWeights refuses a number float32 rounds to Infinity, and accepts the largest finite float32', () => {
    const net = network(backend);
    const weights = net.getWeights();
    const before = net.getWeights();
    const tooLarge = weights.map((l) => ({ weight: Array.from(l.weight), bias: Array.from(l.bias) }));
    tooLarge[1].weight[2] = FLOAT32_OVERFLOW;
    expectError(thrown(() => net.setWeights(tooLarge)), ArgumentError, ['layers[1].weight[0][2]', 'float32']);
    tooLarge[1].weight[2] = 1;
    tooLarge[0].bias[1] = -1e39;
    expectError(thrown(() => net.setWeights(tooLarge)), ArgumentError, ['layers[0].bias[1]', 'float32']);
    expect(net.getWeights()).toEqual(before);
    tooLarge[0].bias[1] = -FLOAT32_MAX;
    net.setWeights(tooLarge);
    expect(net.getWeights()[0].bias[1]).toBe(-FLOAT32_MAX);
  });

  it('fromJSON refuses a weight float32 cannot hold', () => {
    const json = network(backend).toJSON();
    json.weights[0].weight[4] = 1e39;
    expectError(thrown(() => Network.fromJSON(json, { backend })), FormatError, ['weights[0].weight[4]', 'float32']);
    json.weights[0].weight[4] = FLOAT32_MAX;
    expect(Network.fromJSON(json, { backend }).getWeights()[0].weight[4]).toBe(FLOAT32_MAX);
  });
});

// No public call leaves weights non-finite any more; save checks anyway, before anything is written.
it('save refuses to encode non-finite weights (load would refuse the file)', () => {
  const { spec } = resolveNetworkOptions({ inputs: 2, layers: [{ units: 3 }] });
  const params = new Float32Array(parameterLayout(spec).size);
  params[4] = Infinity;
  const error = thrown(() => stateToSafetensors({ spec, params, seed: 1, recipe: {} }, {}, 'model.safetensors'));
  expectError(error, FormatError, ['model.safetensors', 'parameter 4 is Infinity', 'nothing was written']);
  params[4] = 0;
  expect(stateToSafetensors({ spec, params, seed: 1, recipe: {} }, {}, 'model.safetensors').length).toBe(1 + 2);
});
