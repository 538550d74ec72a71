/**
 * Writes a file so that a crash at any moment leaves either the old file or
 * the new one, never a torn mix: write a temporary file beside it, flush it
 * to disk, then rename it over the target (atomic on POSIX file systems).
 *
 * What is at the path is respected: a regular file is replaced and keeps its
 * mode; a symbolic link stays, and the file it points to is replaced; a
 * directory, device, FIFO or socket is refused with a FileError naming the
 * path. The temporary file is removed when the write fails, and when the
 * process exits or the worker thread is terminated during it
 * (lib/io/temporary-files.ts).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError, notRegular, PIECE_BYTES } from './file-access';
import { trackTemporary, untrackTemporary } from './temporary-files';

/** The file to replace (the target itself, or the file a symbolic link points to) and the mode to keep. */
async function destination(target: string): Promise<{ file: string; mode: number | undefined }> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file: target, mode: undefined };
    throw fileError(error, target, 'write');
  }
  let file = target;
  if (stat.isSymbolicLink()) {
    try {
      file = await fs.realpath(target);
      stat = await fs.stat(file);
    } catch (error) {
      throw fileError(error, target, 'write through the symbolic link');
    }
  }
  if (!stat.isFile()) {
    throw notRegular(target, stat, 'save replaces only regular files');
  }
  return { file, mode: stat.mode & 0o7777 };
}

/** Writes `content` (bytes, or parts one after the other) as one file at `target`. */
export async function writeFileAtomic(target: string, content: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const parts = content instanceof Uint8Array ? [content] : content;
  const { file, mode } = await destination(target);
  // Tracked before it exists: the file appears when open's system call returns, before this function resumes.
  const temporary = trackTemporary(
    path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`),
  );
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(temporary, 'wx', mode ?? 0o644);
  } catch (error) {
    untrackTemporary(temporary);
    throw fileError(error, target, 'write');
  }
  try {
    try {
      // The umask narrowed the mode open() was given: set the replaced file's mode exactly.
      if (mode !== undefined) await handle.chmod(mode);
      for (const part of parts) {
        for (let done = 0; done < part.length; ) {
          const { bytesWritten } = await handle.write(part, done, Math.min(PIECE_BYTES, part.length - done));
          done += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw fileError(error, target, 'write');
  } finally {
    untrackTemporary(temporary);
  }
}
