/**
 * Opening and reading the files users name, with every failure a FileError
 * naming the path: missing, not permitted, a directory, a device or a FIFO
 * (which would block or never end), a file that changed while it was read.
 */
import { constants, promises as fs } from 'node:fs';
import { FileError } from '../errors';

/** One read or write call moves at most this many bytes (the operating system's and Node's limit is just under 2 GiB). */
export const PIECE_BYTES = 1 << 30;

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}

/**
 * A system error (ENOENT, EACCES, EISDIR, ENOSPC, …) as a FileError naming
 * `path` and what was being done; any other error unchanged.
 */
export function fileError(error: unknown, path: string, doing: string): unknown {
  if (!isSystemError(error)) return error;
  // Node's message is "CODE: description, syscall 'path'": keep the description, name the path ourselves.
  const description = error.message.replace(/^[A-Z0-9_]+: /, '').replace(/, \w+( '.*')?( -> '.*')?$/, '');
  return new FileError(`${path}: cannot ${doing} (${error.code}: ${description})`, path, error.code);
}

/** Opens a regular file for reading; anything else (directory, device, FIFO, socket) is refused before a byte is read. */
export async function openRegularFile(path: string): Promise<{ handle: fs.FileHandle; size: number }> {
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fileError(error, path, 'read');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notRegular(path, stat, 'expected a file');
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw fileError(error, path, 'read');
  }
}

/** A FileError for a path that is not a regular file: code EISDIR for a directory, else ENOTREG. */
export function notRegular(path: string, stat: Parameters<typeof kindOf>[0], expected: string): FileError {
  return new FileError(`${path}: is ${kindOf(stat)}, not a regular file; ${expected}`, path, stat.isDirectory() ? 'EISDIR' : 'ENOTREG');
}

/** What a path that is not a regular file is, for messages. */
export function kindOf(stat: { isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean; isSymbolicLink(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Fills `into` from `position` of the file, in pieces of at most `pieceBytes`; a file shorter than promised is a FileError. */
export async function readExactly(
  handle: fs.FileHandle,
  into: Uint8Array,
  position: number,
  path: string,
  pieceBytes: number = PIECE_BYTES,
): Promise<void> {
  let done = 0;
  while (done < into.length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(into, done, Math.min(pieceBytes, into.length - done), position + done));
    } catch (error) {
      throw fileError(error, path, 'read');
    }
    if (bytesRead === 0) throw new FileError(`${path}: the file ended at byte ${position + done} while it was read (changed meanwhile?)`, path, 'ESHORT');
    done += bytesRead;
  }
}
