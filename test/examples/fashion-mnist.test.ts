/** examples/fashion-mnist.mjs on a subset for one epoch: it reads Debian's IDX files and learns. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { runExample, runExampleToEnd } from './run-example';

beforeAll(() => ensureBuiltFacade());

describe('examples/fashion-mnist.mjs', () => {
  it('trains one epoch on 6000 images and reaches over 70 % on 2000 test images', () => {
    const output = runExample('fashion-mnist', ['--epochs', '1', '--train-limit', '6000', '--test-limit', '2000']);
    expect(output).toMatch(/; 6000 training images, 2000 test images$/m);
    expect(output).toMatch(/^epoch 1\/1: loss [\d.]+, train accuracy [\d.]+ %, [\d.]+ s, \d+ samples\/s$/m);
    const accuracy = output.match(/^test accuracy ([\d.]+) % \(loss [\d.]+\) on 2000 test images$/m);
    expect(accuracy).not.toBeNull();
    expect(Number(accuracy![1])).toBeGreaterThan(70);
    expect(output).toMatch(/^training time [\d.]+ s for 1 epochs \(\d+ samples\/s\)$/m);
  });

  it('says how to get the data when the directory has none', () => {
    const result = runExampleToEnd('fashion-mnist', ['--data-dir', '/nonexistent']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no Fashion-MNIST in \/nonexistent: apt-get install dataset-fashion-mnist/);
  });
});
