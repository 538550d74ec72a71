/** examples/xor.mjs learns XOR and says so. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { runExample } from './run-example';

beforeAll(() => ensureBuiltFacade());

describe('examples/xor.mjs', () => {
  it('prints four correct predictions and a small final loss', () => {
    const output = runExample('xor');
    const predictions = [...output.matchAll(/^(\d) xor (\d) -> ([\d.]+) \(expected (\d)\)$/gm)];
    expect(predictions).toHaveLength(4);
    for (const [, a, b, predicted, expected] of predictions) {
      expect(Number(expected)).toBe(Number(a) ^ Number(b));
      expect(Math.round(Number(predicted))).toBe(Number(expected));
    }
    const loss = output.match(/^final loss ([\d.]+) after 500 epochs on the (native|js) engine$/m);
    expect(loss).not.toBeNull();
    expect(Number(loss![1])).toBeLessThan(0.05);
  });

  it('takes the number of epochs from --epochs', () => {
    expect(runExample('xor', ['--epochs', '3'])).toMatch(/^final loss [\d.]+ after 3 epochs/m);
  });
});
