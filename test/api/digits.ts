/**
 * A seeded sample of the handwritten digits the `mnist` package ships
 * (784 pixels in [0, 1] per image, per-digit raw arrays).
 */
import { createRequire } from 'node:module';
import { random } from './fixtures';

interface Digit {
  readonly raw: ArrayLike<number>;
  readonly length: number;
}

const PIXELS = 784;

export interface DigitSet {
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly rows: number;
}

/** `train` + `test` distinct images drawn by a seeded shuffle of all digits. */
export function loadDigits(train: number, test: number, seed: number): { train: DigitSet; test: DigitSet } {
  const mnist = createRequire(__filename)('mnist') as Record<number, Digit>;
  const pool: [digit: number, index: number][] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) pool.push([d, i]);
  const next = random(seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const take = (start: number, rows: number): DigitSet => {
    const x = new Float32Array(rows * PIXELS);
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const [digit, index] = pool[start + r];
      const raw = mnist[digit].raw;
      for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = raw[index * PIXELS + p];
      labels[r] = digit;
    }
    return { x, labels, rows };
  };
  return { train: take(0, train), test: take(train, test) };
}
