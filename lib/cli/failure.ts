/**
 * How the CLI reports a failure: one line on stderr, never a stack trace,
 * and an exit code that says whose fault it was: 2 for bad arguments and
 * unreadable or malformed files, 1 for anything else (e.g. divergence).
 */
import { ArgumentError, BackendError, FileError, FormatError } from '../errors';
import { fileError } from '../io/file-access';

/** Exit code for usage errors: bad arguments, unreadable or malformed files. */
export const USAGE = 2;

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'path' in error && 'syscall' in error;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The reader of our output went away (e.g. `| head`): nothing left to say to anyone. */
export function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Writes the message and returns the exit code. */
export function reportFailure(error: unknown): number {
  if (isClosedPipe(error)) return 0;
  // A system error that escaped the library's own wrapping (e.g. the CLI's own output file).
  if (isFileSystemError(error)) return reportFailure(fileError(error, error.path, 'use'));
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`backprop: ${oneLine(message)}\n`);
  const usage = error instanceof ArgumentError || error instanceof FormatError || error instanceof FileError || error instanceof BackendError;
  return usage ? USAGE : 1;
}
