/** What runs here: the version, the engine 'auto' picks, and the native engine's details or why it did not load. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from './backends/backend';
import { nativeEngine, selectEngine } from './backends/index';

export interface Info {
  version: string;
  /** The engine that backend 'auto' uses here (BACKPROP_BACKEND counts). */
  backend: BackendName;
  /** SIMD path of the native engine ('scalar', 'avx2', 'avx512', 'avx512bf16', 'amx', 'neon'), or 'js'. */
  isa: string;
  /** How precision 'bfloat16' runs its GEMMs here: 'amx', 'avx512bf16', or 'emulated' (float32 arithmetic on rounded operands). */
  bfloat16: string;
  /** Threads the engine computes with. */
  threads: number;
  /** Path of the loaded native binary, or null when it did not load. */
  binary: string | null;
  /** Why the native engine did not load, when it did not. */
  nativeError?: string;
}

/** The package version, read from package.json (one level above both lib/ and dist/). */
export const version: string = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

export function info(): Info {
  const engine = selectEngine('auto');
  const native = nativeEngine();
  return {
    version,
    backend: engine.name,
    isa: engine.info.isa,
    bfloat16: engine.info.bfloat16,
    threads: engine.info.threads,
    binary: 'engine' in native ? native.engine.info.binary : null,
    ...('error' in native ? { nativeError: native.error } : {}),
  };
}
