import { describe, expect, it } from 'vitest';
import { erf } from '../../lib/backends/js/erf.js';

// Reference values: correctly rounded erf (CPython's math.erf / mpmath).
const known: ReadonlyArray<readonly [number, number]> = [
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [1.5, 0.9661051464753108],
  [2, 0.9953222650189527],
  [2.5, 0.999593047982555],
  [3, 0.9999779095030014],
  [-3, -0.9999779095030014],
  [3.5, 0.9999992569016276],
  [4.5, 0.9999999998033839],
  [5.9, 0.9999999999999999],
];

describe('erf', () => {
  it.each(known)('erf(%d) matches the reference to 1e-14 relative', (x, expected) => {
    expect(Math.abs(erf(x) - expected)).toBeLessThanOrEqual(1e-14 * Math.abs(expected));
  });

  it('is 2x/√π for tiny x, with full relative precision', () => {
    expect(erf(1e-10)).toBeCloseTo(1.1283791670955126e-10, 24);
    expect(erf(-1e-300) / -1.1283791670955126e-300).toBeCloseTo(1, 14);
    expect(Object.is(erf(0), 0)).toBe(true);
  });

  it('saturates to ±1 from 6 on', () => {
    expect(erf(6)).toBe(1);
    expect(erf(40)).toBe(1);
    expect(erf(-6)).toBe(-1);
    expect(erf(Infinity)).toBe(1);
  });

  it('is odd and monotone across the switch between expansions', () => {
    let previous = -1;
    for (let x = 2.4; x <= 2.6; x += 0.001) {
      expect(erf(-x)).toBe(-erf(x));
      expect(erf(x)).toBeGreaterThanOrEqual(previous);
      previous = erf(x);
    }
  });

  it('propagates NaN', () => {
    expect(erf(Number.NaN)).toBeNaN();
  });
});
