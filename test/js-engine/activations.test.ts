import { describe, expect, it } from 'vitest';
import type { Activation } from '../../lib/model-spec.js';
import { activationKernels } from '../../lib/backends/js/activations.js';
import { randomArray } from './helpers';

const ROWS = 3;
const COLS = 7;
const H = 1e-3;

/** Points away from the kinks of relu, leakyRelu and elu (|z| ≥ 0.05), on both sides of 0. */
function samplePoints(): Float32Array {
  const z = randomArray(ROWS * COLS, 11, -3, 3);
  for (let i = 0; i < z.length; i++) if (Math.abs(z[i]) < 0.05) z[i] = 0.5;
  return z;
}

function apply(name: Activation, z: Float32Array): Float32Array {
  const a = new Float32Array(z.length);
  activationKernels[name].forward(z, a, ROWS, COLS);
  return a;
}

/** L = Σ upstream ⊙ f(z); dL/dz_i by central differences on z_i. */
function numericGradient(name: Activation, z: Float32Array, upstream: Float32Array): Float64Array {
  const g = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) {
    const zp = z.slice();
    const zm = z.slice();
    zp[i] += H;
    zm[i] -= H;
    const ap = apply(name, zp);
    const am = apply(name, zm);
    let diff = 0;
    for (let j = 0; j < z.length; j++) diff += upstream[j] * (ap[j] - am[j]);
    g[i] = diff / (zp[i] - zm[i]);
  }
  return g;
}

const names = Object.keys(activationKernels) as Activation[];

describe.each(names)('%s', (name) => {
  it('backward matches central differences of forward', () => {
    const z = samplePoints();
    const a = apply(name, z);
    const upstream = randomArray(z.length, 5);
    const d = upstream.slice();
    activationKernels[name].backward(z, a, d, ROWS, COLS);
    const expected = numericGradient(name, z, upstream);
    for (let i = 0; i < z.length; i++) expect(d[i]).toBeCloseTo(expected[i], 3);
  });
});

describe('forward values', () => {
  const z = Float32Array.of(-2, -0.5, 0, 0.5, 2, 20, -20);
  const cases: ReadonlyArray<readonly [Activation, (v: number) => number]> = [
    ['linear', (v) => v],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['tanh', Math.tanh],
    ['relu', (v) => Math.max(v, 0)],
    ['leakyRelu', (v) => (v > 0 ? v : 0.01 * v)],
    ['elu', (v) => (v > 0 ? v : Math.exp(v) - 1)],
  ];
  it.each(cases)('%s', (name, f) => {
    const a = new Float32Array(z.length);
    activationKernels[name].forward(z, a, 1, z.length);
    for (let i = 0; i < z.length; i++) expect(a[i]).toBeCloseTo(f(z[i]), 6);
  });

  it('gelu is z·Φ(z), exact', () => {
    const a = new Float32Array(3);
    activationKernels.gelu.forward(Float32Array.of(1, -1, 0), a, 1, 3);
    expect(a[0]).toBeCloseTo(0.8413447460685429, 6);
    expect(a[1]).toBeCloseTo(-0.15865525393145707, 6);
    expect(a[2]).toBe(0);
  });

  it('softmax is stable for large logits and sums to 1 per row', () => {
    const a = new Float32Array(6);
    activationKernels.softmax.forward(Float32Array.of(1000, 1001, 1002, -1002, -1001, -1000), a, 2, 3);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0] + e[1] + e[2];
    for (let j = 0; j < 3; j++) {
      expect(a[j]).toBeCloseTo(e[j] / s, 6);
      expect(a[3 + j]).toBeCloseTo(e[j] / s, 6);
    }
  });

  it.each(names)('%s lets NaN through, so that the loss reports it', (name) => {
    const a = new Float32Array(2);
    activationKernels[name].forward(Float32Array.of(Number.NaN, 1), a, 1, 2);
    expect(a[0]).toBeNaN();
  });

  it('relu and leakyRelu take the z ≤ 0 derivative at exactly 0', () => {
    const z = Float32Array.of(0);
    const a = Float32Array.of(0);
    const d = Float32Array.of(1);
    activationKernels.relu.backward(z, a, d, 1, 1);
    expect(d[0]).toBe(0);
    d[0] = 1;
    activationKernels.leakyRelu.backward(z, a, d, 1, 1);
    expect(d[0]).toBeCloseTo(0.01, 8);
  });
});
