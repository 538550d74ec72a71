/**
 * Lines of a text stream, each at most a given number of bytes: a longer
 * line is a FormatError naming the file and line, found before the line is
 * held in memory (readline would build the string and fail with a RangeError
 * out of the caller's reach).
 */
import type { Readable } from 'node:stream';
import { FormatError } from '../errors';

/** Lines of the JSON-lines and CSV readers are at most this long. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** UTF-8 lines of `stream` (without their "\n" or "\r\n") with their 1-based numbers. */
export async function* readLines(
  stream: Readable,
  source: string,
  maxBytes: number = MAX_LINE_BYTES,
): AsyncGenerator<{ text: string; line: number }> {
  const decoder = new TextDecoder('utf-8');
  let pieces: Buffer[] = [];
  let length = 0;
  let line = 1;
  const tooLong = (): never => {
    throw new FormatError(`${source}:${line}: line longer than ${maxBytes} bytes (the limit of one line)`);
  };
  const finish = (last: Buffer): string => {
    const bytes = Buffer.concat([...pieces, last]);
    pieces = [];
    length = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return decoder.decode(bytes.subarray(0, end));
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      if (length + newline - start > maxBytes) tooLong();
      yield { text: finish(chunk.subarray(start, newline)), line };
      line++;
      start = newline + 1;
    }
    length += chunk.length - start;
    if (length > maxBytes) tooLong();
    if (start < chunk.length) pieces.push(chunk.subarray(start));
  }
  if (length > 0) yield { text: finish(Buffer.alloc(0)), line };
}
