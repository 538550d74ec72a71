/**
 * Which engine runs: 'auto' picks the native addon when it loads (or what
 * BACKPROP_BACKEND says), otherwise the pure-TS engine with one warning.
 */
import { BackendError } from '../errors';
import type { BackendChoice } from '../spec';
import { checkOneOf } from '../validate';
import type { Engine } from './backend';
import { jsEngine } from './js/index';
import { loadNativeEngine } from './native';

let native: { engine: Engine } | { error: string } | undefined;
let warned = false;

/** The native engine, or why it cannot load (loaded once per process). */
export function nativeEngine(): { engine: Engine } | { error: string } {
  const loaded = native ?? loadNativeEngine();
  native = loaded;
  return loaded;
}

function fromEnvironment(): BackendChoice {
  const value = process.env.BACKPROP_BACKEND;
  if (value === undefined || value === '') return 'auto';
  return checkOneOf<BackendChoice>(value, 'BACKPROP_BACKEND', ['auto', 'native', 'js']);
}

export function selectEngine(requested: BackendChoice): Engine {
  const choice = requested === 'auto' ? fromEnvironment() : requested;
  if (choice === 'js') return jsEngine;
  const loaded = nativeEngine();
  if ('engine' in loaded) return loaded.engine;
  if (choice === 'native') {
    throw new BackendError(`the native engine cannot be used: ${loaded.error}`);
  }
  if (!warned) {
    warned = true;
    process.emitWarning(`backprop: using the pure-TypeScript engine because the native addon did not load: ${loaded.error}`);
  }
  return jsEngine;
}
