/**
 * JSON lines (one JSON object per line, the same keys on every line) →
 * numeric input rows and a target column (see TableOptions).
 */
import { FormatError } from '../errors';
import { fail, isPlainObject } from '../validate';
import { fileError, openRegularFile } from './file-access';
import { MAX_LINE_BYTES, readLines } from './lines';
import { resolveTableOptions, TableBuilder, type TableData, type TableOptions } from './table';

/**
 * Reads a JSON-lines file: each non-empty line is an object; the keys of the
 * first one name the columns (the last key is the default target), and every
 * other line must have the same keys. Input values must be finite numbers
 * (or strings holding one);
 * the target may hold numbers or class names. Throws a FormatError naming
 * the file and line for invalid JSON, a missing key, a non-numeric value or
 * a line over 64 MiB, a FileError naming the file when it cannot be read.
 */
export async function loadJsonl<O extends TableOptions = Record<never, never>>(path: string, options?: O): Promise<TableData<O>> {
  if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
  const resolved = resolveTableOptions(options);
  const { handle } = await openRegularFile(path);
  const stream = handle.createReadStream();
  let table: TableBuilder | undefined;
  let header: string[] = [];
  try {
    for await (const { text, line: number } of readLines(stream, path, MAX_LINE_BYTES)) {
      if (text.trim() === '') continue;
      const record = parseLine(text, path, number);
      if (table === undefined) {
        header = Object.keys(record);
        table = new TableBuilder(path, header, resolved);
      }
      const keys = Object.keys(record);
      const missing = header.find((key) => !(key in record));
      if (missing !== undefined || keys.length !== header.length) {
        const problem = missing !== undefined ? `has no key "${missing}"` : `has keys ${keys.join(', ')}`;
        throw new FormatError(`${path}:${number}: ${problem}; expected the keys of the first line (${header.join(', ')})`);
      }
      table.add(header.map((key) => record[key]), number);
    }
  } catch (error) {
    throw fileError(error, path, 'read');
  } finally {
    stream.destroy();
  }
  if (table === undefined) throw new FormatError(`${path}: no JSON objects`);
  // finish() has the target exactly when the options' target is not false, which TableData<O> says.
  return table.finish() as TableData<O>;
}

function parseLine(text: string, path: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${path}:${line}: not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) throw new FormatError(`${path}:${line}: expected a JSON object`);
  return value;
}
