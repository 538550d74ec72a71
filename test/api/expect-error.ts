/** Asserts an error's exact class and that its message names what was wrong. */
import { expect } from 'vitest';

type ErrorClass = abstract new (...args: never[]) => Error;

export function expectError(error: unknown, type: ErrorClass, mentions: readonly string[]): void {
  expect(error).toBeInstanceOf(type);
  expect((error as Error).name).toBe(type.name);
  for (const mention of mentions) expect((error as Error).message).toContain(mention);
}

/** The error `run` throws; fails the test when it throws none. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** The error `run`'s promise rejects with; fails the test when it resolves. */
export async function rejected(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, the promise resolved');
}
