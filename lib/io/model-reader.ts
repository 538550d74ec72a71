/**
 * Reads a safetensors model file the way its header promises and no
 * further: a regular file only, the 8-byte length, a header within the
 * loader's limit and the file's size, then each tensor's bytes straight into
 * the caller's Float32Array, in pieces, so that files of any size load and a
 * device or an endless file is refused before anything large is read.
 */
import { endianness } from 'node:os';
import { copyFloats, headerLength, parseHeader, type HeaderCheck, type SafetensorsHeader, type TensorEntry } from './safetensors';
import { openRegularFile, PIECE_BYTES, readExactly } from './file-access';

/** A model file's parsed header and a way to read one tensor's values. */
export interface TensorSource {
  readonly header: SafetensorsHeader;
  /** Reads the tensor's values into `into`, from element `at` (at once from memory, by a promise from a file). */
  read(entry: TensorEntry, into: Float32Array, at: number): void | Promise<void>;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Opens `path`, parses its header (`check` sees the metadata and tensor count first), runs `use`, and closes the file whatever happens. */
export async function withModelFile<T>(path: string, check: HeaderCheck, use: (source: TensorSource) => Promise<T>): Promise<T> {
  const { handle, size } = await openRegularFile(path);
  try {
    const prefix = new Uint8Array(8);
    if (size >= 8) await readExactly(handle, prefix, 0, path);
    const length = headerLength(prefix, size, path);
    const text = new Uint8Array(length);
    await readExactly(handle, text, 8, path);
    const header = parseHeader(text, size - 8 - length, path, check);
    const read = async (entry: TensorEntry, into: Float32Array, at: number): Promise<void> => {
      const position = header.dataStart + entry.begin;
      const bytes = entry.end - entry.begin;
      if (LITTLE_ENDIAN_HOST) {
        await readExactly(handle, new Uint8Array(into.buffer, into.byteOffset + 4 * at, bytes), position, path);
        return;
      }
      const piece = new Uint8Array(Math.min(bytes, PIECE_BYTES));
      for (let done = 0; done < bytes; done += piece.length) {
        const part = piece.subarray(0, Math.min(piece.length, bytes - done));
        await readExactly(handle, part, position + done, path);
        copyFloats(part, into, at + done / 4);
      }
    };
    return await use({ header, read });
  } finally {
    await handle.close();
  }
}

/** withModelFile's twin over bytes in memory (Network.fromBytes): the same header checks, tensors copied out of `bytes` at once. */
export function withModelBytes<T>(bytes: Uint8Array, source: string, check: HeaderCheck, use: (source: TensorSource) => T): T {
  const length = headerLength(bytes.subarray(0, 8), bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + length), bytes.length - 8 - length, source, check);
  const read = (entry: TensorEntry, into: Float32Array, at: number): void => {
    copyFloats(bytes.subarray(header.dataStart + entry.begin, header.dataStart + entry.end), into, at);
  };
  return use({ header, read });
}
