/**
 * CSV files with a header row (parsed by csv-parse, streamed) → numeric
 * input rows and a target column (see TableOptions for which is which).
 */
import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { FormatError } from '../errors';
import { fail } from '../validate';
import { resolveTableOptions, TableBuilder, withPath, type TableData, type TableOptions } from './table';

/**
 * Reads a CSV file: the first row names the columns; every other row is a
 * sample. Input cells must be finite numbers; the target column may hold
 * numbers or class names (mapped to labels, see TableOptions.classes).
 * Throws a FormatError naming the file and line for ragged rows (and the
 * header's column count), non-numeric
 * cells or broken quoting, an ArgumentError for a target or column the file
 * does not have.
 */
export async function loadCsv<O extends TableOptions = Record<never, never>>(path: string, options?: O): Promise<TableData<O>> {
  if (typeof path !== 'string' || path === '') fail('path', 'a non-empty string', path);
  const resolved = resolveTableOptions(options);
  const input = createReadStream(path);
  const records = input.pipe(parse({ trim: true, skip_empty_lines: true, bom: true, info: true, relax_column_count: true }));
  input.once('error', (error) => records.destroy(error));
  let table: TableBuilder | undefined;
  try {
    for await (const { record, info } of records as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (table === undefined) table = new TableBuilder(path, record, resolved);
      else table.add(record, info.lines);
    }
  } catch (error) {
    if (error instanceof CsvError) throw new FormatError(`${path}: ${error.message}`);
    throw withPath(error, path);
  } finally {
    input.destroy();
    records.destroy();
  }
  if (table === undefined) throw new FormatError(`${path}: empty file, expected a header row`);
  // finish() has the target exactly when the options' target is not false, which TableData<O> says.
  return table.finish() as TableData<O>;
}
