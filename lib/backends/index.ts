/**
 * Which backend runs: 'auto' picks the native addon when it loads (or what
 * BACKPROP_BACKEND says), otherwise the pure-TS backend with one warning.
 */
import { BackendError } from '../errors';
import type { BackendChoice } from '../spec';
import { checkOneOf } from '../validate';
import type { Backend } from './backend';
import { jsBackend } from './js/index';
import { loadNativeBackend } from './native';

let native: { backend: Backend } | { error: string } | undefined;
let warned = false;

/** The native backend, or why it cannot load (loaded once per process). */
export function nativeBackend(): { backend: Backend } | { error: string } {
  const loaded = native ?? loadNativeBackend();
  native = loaded;
  return loaded;
}

function fromEnvironment(): BackendChoice {
  const value = process.env.BACKPROP_BACKEND;
  if (value === undefined || value === '') return 'auto';
  return checkOneOf<BackendChoice>(value, 'BACKPROP_BACKEND', ['auto', 'native', 'js']);
}

export function selectBackend(requested: BackendChoice): Backend {
  const choice = requested === 'auto' ? fromEnvironment() : requested;
  if (choice === 'js') return jsBackend;
  const loaded = nativeBackend();
  if ('backend' in loaded) return loaded.backend;
  if (choice === 'native') {
    throw new BackendError(`the native backend cannot be used: ${loaded.error}`);
  }
  if (!warned) {
    warned = true;
    process.emitWarning(`backprop: using the pure-TypeScript backend because the native addon did not load: ${loaded.error}`);
  }
  return jsBackend;
}
