/**
 * Temporary files being written now, removed if their thread or process
 * ends before the write does: at process exit (process.exit, e.g. a second
 * Ctrl-C in the CLI) by an 'exit' handler, and, in a worker thread that is
 * terminated (where no JavaScript runs any more), by the native addon's
 * environment teardown when the addon is loaded (native/binding/temporary_files.h).
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';

/** What the native addon offers: files it removes when this thread's environment is torn down. */
export interface TeardownRegistry {
  trackTemporaryFile(file: string): void;
  untrackTemporaryFile(file: string): void;
}

const pending = new Set<string>();
let exitHandlerInstalled = false;
let teardown: TeardownRegistry | null = null;

/** Called once the native addon is loaded in this thread. */
export function removeOnTeardown(registry: TeardownRegistry): void {
  teardown = registry;
}

/** Tracks `file` until `untrackTemporary`; returns its absolute path. */
export function trackTemporary(file: string): string {
  const absolute = path.resolve(file);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', () => {
      for (const name of pending) rmSync(name, { force: true });
    });
  }
  pending.add(absolute);
  teardown?.trackTemporaryFile(absolute);
  return absolute;
}

export function untrackTemporary(absolute: string): void {
  pending.delete(absolute);
  teardown?.untrackTemporaryFile(absolute);
}
