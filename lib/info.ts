/** What runs here: the version, the backend 'auto' picks, and the native backend's details or why it did not load. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from './backends/backend';
import { nativeBackend, selectBackend } from './backends/index';

export interface Info {
  version: string;
  /** The backend that 'auto' uses here (BACKPROP_BACKEND counts). */
  backend: BackendName;
  /** SIMD path of the native backend ('scalar', 'avx2', 'avx512', 'avx512bf16', 'amx', 'neon'), or 'js'. */
  isa: string;
  /** How precision 'bfloat16' runs its GEMMs here: 'amx', 'avx512bf16', or 'emulated' (float32 arithmetic on rounded operands). */
  bfloat16: string;
  /** Threads the backend computes with. */
  threads: number;
  /** Path of the loaded native binary, or null when it did not load. */
  binary: string | null;
  /** Why the native backend did not load, when it did not. */
  nativeError?: string;
}

/** The package version, read from package.json (one level above both lib/ and dist/). */
export const version: string = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

export function info(): Info {
  const backend = selectBackend('auto');
  const native = nativeBackend();
  return {
    version,
    backend: backend.name,
    isa: backend.info.isa,
    bfloat16: backend.info.bfloat16,
    threads: backend.info.threads,
    binary: 'backend' in native ? native.backend.info.binary : null,
    ...('error' in native ? { nativeError: native.error } : {}),
  };
}
