/**
 * Tabular data (a header, then records of cells) → numeric input rows and a
 * target column, shared by the CSV and JSON-lines readers. Records are added
 * one at a time, so a reader can stream a file of any length.
 */
import { ArgumentError, FormatError } from '../errors';
import { checkKeys, checkObject, describe, fail } from '../validate';

export interface TableOptions {
  /** Name of the target column; default: the last column. `false`: no target (every column, or `columns`, is an input). */
  target?: string | false;
  /** Names of the input columns, in this order; default: every column but the target. */
  columns?: string[];
  /** Class names for the target, label i being `classes[i]`; default: the distinct values, sorted, when any is not a number. */
  classes?: string[];
  /** Columns that are neither inputs nor the target (when `columns` is not given). */
  drop?: string[];
  /** Empty input cells: `'error'` (default) or `'nan'`, read as NaN for the caller to fill. */
  missing?: 'error' | 'nan';
}

/** The input part of a table. */
export interface TableInputs {
  /** rows × inputs, row-major. */
  x: Float32Array;
  rows: number;
  inputs: number;
  /** Names of the input columns, in the order of x's columns. */
  columns: string[];
}

/** The target part of a table. */
export interface TableTarget {
  /** Name of the target column. */
  target: string;
  /** The target: numbers (Float32Array), or class labels (Int32Array) indexing `classes`. */
  y: Float32Array | Int32Array;
  /** Class names, when the target holds class labels. */
  classes?: string[];
}

type TargetOption<O> = 'target' extends keyof O ? O[keyof O & 'target'] : undefined;

/**
 * Numeric inputs and the target column of a table, typed by the options:
 * no target for `{ target: false }`, maybe one when the options' type
 * allows `false`, else always one.
 */
export type TableData<O extends TableOptions = TableOptions> = [TargetOption<O>] extends [false]
  ? TableInputs
  : false extends TargetOption<O>
    ? TableInputs & Partial<TableTarget>
    : TableInputs & TableTarget;

/** A column the options name that the table does not have (or names twice over): the CLI words it in flags. */
export class ColumnError extends ArgumentError {
  constructor(
    message: string,
    /** The option that named it. */
    readonly option: 'target' | 'columns' | 'drop',
    readonly column: string,
    /** What is wrong: the file lacks it, or it is the target. */
    readonly problem: 'missing' | 'target',
    /** The file's columns. */
    readonly header: readonly string[],
  ) {
    super(message);
  }
}

/** Names the file in a read error that lacks it (EISDIR and other errors after open carry no path). */
export function withPath(error: unknown, path: string): unknown {
  if (error instanceof Error && 'syscall' in error && !('path' in error)) Object.assign(error, { path });
  return error;
}

interface ResolvedTableOptions {
  target: string | false | undefined;
  columns: string[] | undefined;
  classes: string[] | undefined;
  drop: string[];
  missing: 'error' | 'nan';
}

function checkNames(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
    fail(name, 'a non-empty array of strings', value);
  }
  return value as string[];
}

export function resolveTableOptions(value: unknown): ResolvedTableOptions {
  const options = value === undefined ? {} : checkObject(value, 'options');
  checkKeys(options, 'options', ['target', 'columns', 'classes', 'drop', 'missing']);
  const { target } = options;
  if (!(target === undefined || target === false || (typeof target === 'string' && target !== ''))) {
    fail('options.target', 'a column name or false', target);
  }
  const classes = options.classes === undefined ? undefined : checkNames(options.classes, 'options.classes');
  if (classes && new Set(classes).size !== classes.length) fail('options.classes', 'distinct names', classes);
  const missing = options.missing ?? 'error';
  if (missing !== 'error' && missing !== 'nan') fail('options.missing', "'error' or 'nan'", missing);
  return {
    target,
    columns: options.columns === undefined ? undefined : checkNames(options.columns, 'options.columns'),
    classes,
    drop: options.drop === undefined ? [] : checkNames(options.drop, 'options.drop'),
    missing,
  };
}

/** Collects records; `finish()` returns the table's data. */
export class TableBuilder {
  private readonly inputIndex: number[];
  private readonly targetIndex: number;
  private readonly columns: string[];
  private readonly targetCells: unknown[] = [];
  private readonly targetLines: number[] = [];
  private x = new Float32Array(1024);
  private rows = 0;

  constructor(
    private readonly source: string,
    private readonly header: string[],
    private readonly options: ResolvedTableOptions,
  ) {
    // Column positions by name: one pass, so that wide headers parse in linear time.
    const seen = new Map<string, number>();
    header.forEach((name, i) => {
      if (seen.has(name)) throw new FormatError(`${source}: column "${name}" appears twice in the header`);
      seen.set(name, i);
    });
    const known = `(columns: ${header.join(', ')})`;
    const missing = (option: ColumnError['option'], name: string) =>
      new ColumnError(`options.${option}: "${name}" is not a column of ${source} ${known}`, option, name, 'missing', header);
    const target = options.target === undefined ? header[header.length - 1] : options.target;
    if (target !== false && !seen.has(target)) throw missing('target', target);
    for (const name of options.drop) if (!seen.has(name)) throw missing('drop', name);
    this.targetIndex = target === false ? -1 : (seen.get(target) as number);
    const dropped = new Set(options.drop);
    this.columns = options.columns ?? header.filter((name, i) => i !== this.targetIndex && !dropped.has(name));
    for (const name of this.columns) {
      if (!seen.has(name)) throw missing('columns', name);
      if (name === target) throw new ColumnError(`options.columns: "${name}" is the target column`, 'columns', name, 'target', header);
    }
    if (this.columns.length === 0) throw new FormatError(`${source}: no input columns besides the target "${target}"`);
    this.inputIndex = this.columns.map((name) => seen.get(name) as number);
  }

  /** Adds one record: cells in header order; `line` (1-based) locates errors. */
  add(cells: ArrayLike<unknown>, line: number): void {
    if (cells.length !== this.header.length) {
      throw new FormatError(`${this.source}:${line}: ${cells.length} fields, expected ${this.header.length} as in the header`);
    }
    const width = this.inputIndex.length;
    if ((this.rows + 1) * width > this.x.length) {
      const grown = new Float32Array(Math.max(this.x.length * 2, (this.rows + 1) * width));
      grown.set(this.x);
      this.x = grown;
    }
    const offset = this.rows * width;
    this.inputIndex.forEach((column, c) => {
      this.x[offset + c] = this.number(cells[column], line, column);
    });
    if (this.targetIndex >= 0) {
      this.targetCells.push(cells[this.targetIndex]);
      this.targetLines.push(line);
    }
    this.rows++;
  }

  private number(cell: unknown, line: number, column: number): number {
    if (this.options.missing === 'nan' && column !== this.targetIndex && (cell === '' || cell === null)) return NaN;
    const value = typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : cell;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new FormatError(`${this.source}:${line}: column "${this.header[column]}" must be a finite number, got ${describe(cell)}`);
    }
    return value;
  }

  finish(): TableData {
    if (this.rows === 0) throw new FormatError(`${this.source}: no data rows`);
    const data: TableInputs = {
      x: this.x.slice(0, this.rows * this.inputIndex.length),
      rows: this.rows,
      inputs: this.inputIndex.length,
      columns: this.columns,
    };
    if (this.targetIndex < 0) return data;
    return { ...data, target: this.header[this.targetIndex], ...this.targets() };
  }

  /** Numbers when every target cell is one (and no classes were given); class labels otherwise. */
  private targets(): { y: Float32Array | Int32Array; classes?: string[] } {
    const cells = this.targetCells;
    const numeric = (cell: unknown) => typeof cell === 'number' || (typeof cell === 'string' && cell.trim() !== '' && Number.isFinite(Number(cell)));
    if (this.options.classes === undefined && cells.every(numeric)) {
      return { y: Float32Array.from(cells, (cell, i) => this.number(cell, this.targetLines[i], this.targetIndex)) };
    }
    const names = cells.map((cell, i) => {
      if (typeof cell === 'string' || typeof cell === 'number') return String(cell).trim();
      const column = this.header[this.targetIndex];
      throw new FormatError(`${this.source}:${this.targetLines[i]}: target "${column}" must be a number or a string, got ${describe(cell)}`);
    });
    const classes = this.options.classes ?? [...new Set(names)].sort();
    const index = new Map(classes.map((name, i) => [name, i]));
    const y = Int32Array.from(names, (name, i) => {
      const label = index.get(name);
      if (label === undefined) {
        throw new FormatError(`${this.source}:${this.targetLines[i]}: target "${name}" is not one of the classes ${classes.join(', ')}`);
      }
      return label;
    });
    return { y, classes };
  }
}
