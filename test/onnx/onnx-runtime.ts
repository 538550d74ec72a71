/**
 * Runs an exported model with onnxruntime-web (its WebAssembly backend, in
 * Node), and compares outputs within a relative tolerance.
 */
import * as ort from 'onnxruntime-web';

// Two cores shared by every test: one WebAssembly thread, no worker pool.
ort.env.wasm.numThreads = 1;

/** Outputs of the model's `output` for `rows` rows of `x` fed to its `input`. */
export async function runOnnx(model: Uint8Array, x: Float32Array, rows: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', x, [rows, x.length / rows]) });
    const output = result.output;
    if (output.dims[0] !== rows) throw new Error(`output has ${output.dims[0]} rows, expected ${rows}`);
    return output.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Relative tolerance: |actual − expected| ≤ 1e-5 · max(|expected|, 1) (absolute below 1). */
export const TOLERANCE = 1e-5;

/** Throws, naming the first element that differs by more than the tolerance. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, width: number, label = ''): void {
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const bound = TOLERANCE * Math.max(Math.abs(expected[i]), 1);
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      throw new Error(`${label} row ${Math.floor(i / width)}, output ${i % width}: ${actual[i]}, expected ${expected[i]} (±${bound})`);
    }
  }
}
