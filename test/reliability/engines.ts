/**
 * The reliability suite proves its guarantees on both engines, so the native
 * addon must be there: a missing binary fails these tests instead of
 * quietly leaving the native half out.
 */
import path from 'node:path';
import { info, type BackendName } from '../../lib/index.js';

export const ENGINES: readonly BackendName[] = ['js', 'native'];

/** The loaded addon's path; throws (failing the test) when it did not load. */
export function nativeBinary(): string {
  const { binary, nativeError } = info();
  if (binary === null) throw new Error(`the native addon did not load (${nativeError ?? 'no reason given'}); run npm run build:native`);
  return binary;
}

export const fixtures = path.join(__dirname, 'fixtures');
