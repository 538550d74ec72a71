/**
 * The output file of a long run is checked before the run starts, and a
 * write that still fails names the user's path, not a temporary file's.
 */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ArgumentError } from '../errors';

/** Throws an ArgumentError in `flag` terms when `file` cannot be written (its directory missing, not writable, or a directory itself). */
export async function checkWritable(file: string, flag: string): Promise<void> {
  const directory = path.dirname(path.resolve(file));
  const where = `${flag} ${file}`;
  const info = await fs.stat(directory).catch(() => null);
  if (info === null) throw new ArgumentError(`${where}: directory ${directory} does not exist`);
  if (!info.isDirectory()) throw new ArgumentError(`${where}: ${directory} is not a directory`);
  await fs.access(directory, constants.W_OK).catch(() => {
    throw new ArgumentError(`${where}: directory ${directory} is not writable`);
  });
  const existing = await fs.stat(file).catch(() => null);
  if (existing?.isDirectory()) throw new ArgumentError(`${where}: is a directory`);
}

/** Runs `write`; a file system error it throws names `file` (the user's path) instead of a temporary file. */
export async function writingTo<T>(file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Error && 'syscall' in error) Object.assign(error, { path: file });
    throw error;
  }
}
