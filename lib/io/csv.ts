/**
 * CSV files with a header row (parsed by csv-parse, streamed) → numeric
 * input rows and a target column (see TableOptions for which is which).
 */
import { CsvError, parse } from 'csv-parse';
import { FormatError } from '../errors';
import { fail } from '../validate';
import { fileError, openRegularFile } from './file-access';
import { MAX_LINE_BYTES } from './lines';
import { resolveTableOptions, TableBuilder, type TableData, type TableOptions } from './table';

/**
 * Reads a CSV file: the first row names the columns; every other row is a
 * sample. Input cells must be finite numbers; the target column may hold
 * numbers or class names (mapped to labels, see TableOptions.classes).
 * Throws a FormatError naming the file and line for ragged rows (and the
 * header's column count), non-numeric
 * cells or broken quoting, an ArgumentError for a target or column the file
 * does not have, a FileError naming the file when it cannot be read.
 * A record is at most 64 MiB.
 */
export async function loadCsv<O extends TableOptions = Record<never, never>>(path: string, options?: O): Promise<TableData<O>> {
  if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
  const resolved = resolveTableOptions(options);
  const { handle } = await openRegularFile(path);
  const input = handle.createReadStream();
  const records = input.pipe(
    parse({ trim: true, skip_empty_lines: true, bom: true, info: true, relax_column_count: true, max_record_size: MAX_LINE_BYTES }),
  );
  input.once('error', (error) => records.destroy(error));
  let table: TableBuilder | undefined;
  try {
    for await (const { record, info } of records as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (table === undefined) table = new TableBuilder(path, record, resolved);
      else table.add(record, info.lines);
    }
  } catch (error) {
    if (error instanceof CsvError) throw new FormatError(`${path}: ${error.message}`);
    throw fileError(error, path, 'read');
  } finally {
    input.destroy();
    records.destroy();
  }
  if (table === undefined) throw new FormatError(`${path}: empty file, expected a header row`);
  // finish() has the target exactly when the options' target is not false, which TableData<O> says.
  return table.finish() as TableData<O>;
}
