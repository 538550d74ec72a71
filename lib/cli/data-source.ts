/**
 * Where the CLI's data comes from: a CSV file, a JSON-lines file, or IDX
 * files (samples and, optionally, labels), chosen by --format or by the
 * file's name, and read into input rows and (optionally) a target.
 */
import * as path from 'node:path';
import { ArgumentError } from '../errors';
import { loadCsv } from '../io/csv';
import { loadIdx } from '../io/idx';
import { loadJsonl } from '../io/jsonl';
import { ColumnError, type TableOptions } from '../io/table';

export const FORMATS = ['csv', 'jsonl', 'idx'] as const;
export type DataFormat = (typeof FORMATS)[number];

export interface DataFiles {
  data: string;
  labels?: string;
  format?: DataFormat;
}

export interface LoadedData {
  x: Float32Array;
  rows: number;
  inputs: number;
  /** Input column names; null for IDX. */
  columns: string[] | null;
  /** Target column name; null for IDX labels or when no target was read. */
  target: string | null;
  y?: Float32Array | Int32Array;
  classes: string[] | null;
}

/** IDX when --labels is given or the name looks like MNIST's (…-idx3-ubyte[.gz], .idx); JSON lines for .jsonl/.ndjson; else CSV. */
export function detectFormat({ data, labels, format }: DataFiles): DataFormat {
  if (labels !== undefined && format !== undefined && format !== 'idx') {
    throw new ArgumentError(`--labels is for IDX data, but --format is ${format}`);
  }
  if (format !== undefined) return format;
  if (labels !== undefined) return 'idx';
  const name = path.basename(data).toLowerCase().replace(/\.gz$/, '');
  if (/idx\d-ubyte$|\.idx\d?$/.test(name)) return 'idx';
  if (/\.(jsonl|ndjson)$/.test(name)) return 'jsonl';
  return 'csv';
}

/** How the command line names each table option: a flag (`--target`) or where the value came from ("the model's input column"). */
export type ColumnFlags = Partial<Record<ColumnError['option'], string>>;

/** A table option's error in the command line's words. */
function inFlagTerms(error: unknown, file: string, flags: ColumnFlags): unknown {
  if (!(error instanceof ColumnError)) return error;
  const named = `${flags[error.option] ?? `--${error.option}`} ${error.column}`;
  if (error.problem === 'target') return new ArgumentError(`${named}: that is the target column (--target)`);
  return new ArgumentError(`${named}: no such column in ${path.basename(file)}; columns are ${error.header.join(', ')}`);
}

/** Reads the data; `table` says which columns are inputs and target (CSV and JSON lines), `flags` how errors name them. */
export async function loadData(files: DataFiles, table: TableOptions, flags: ColumnFlags): Promise<LoadedData> {
  const format = detectFormat(files);
  if (format === 'idx') {
    const { x, rows, inputs, y } = await loadIdx(files.data, files.labels);
    return { x, rows, inputs, columns: null, target: null, y, classes: null };
  }
  const read = format === 'csv' ? loadCsv : loadJsonl;
  try {
    const { x, rows, inputs, columns, target, y, classes } = await read(files.data, table);
    return { x, rows, inputs, columns, target: target ?? null, y, classes: classes ?? null };
  } catch (error) {
    throw inFlagTerms(error, files.data, flags);
  }
}
