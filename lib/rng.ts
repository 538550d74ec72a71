/**
 * The facade's one source of randomness (weight init, shuffling), so both
 * engines start from the same bits and visit batches in the same order.
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32.
 */
export class Rng {
  private readonly words = new Uint32Array(4);

  constructor(seed: number) {
    // Mix both 32-bit halves of the (≤ 2^53) seed into the state.
    let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9);
    for (let i = 0; i < 4; i++) {
      mix = (mix + 0x9e3779b9) | 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.words[i] = z ^ (z >>> 16);
    }
    if ((this.words[0] | this.words[1] | this.words[2] | this.words[3]) === 0) this.words[0] = 1;
  }

  /** The generator's state, for a resumed run to continue the same sequence. */
  get state(): number[] {
    return Array.from(this.words);
  }

  set state(words: readonly number[]) {
    this.words.set(words);
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.words;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, bound) (bias below 2^-20 for any bound < 2^32). */
  nextBelow(bound: number): number {
    return Math.floor(this.nextDouble() * bound);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(values: Int32Array): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextBelow(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
