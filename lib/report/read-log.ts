/** Reads run logs (lib/run-log.ts) back into runs: one per header line, each with its epochs. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../errors';
import type { EpochRecord, RunHeader } from '../run-log';
import { isPlainObject } from '../validate';

export interface Run {
  /** The file's name without its extension, with "#k" when the file holds several runs. */
  name: string;
  /** null for epochs logged before any header line. */
  header: RunHeader | null;
  epochs: EpochRecord[];
}

/** Parses the text of a run log; `source` names it in errors and in run names. */
export function parseRunLog(text: string, source: string): Run[] {
  const runs: Array<Omit<Run, 'name'>> = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A last line without its newline is a write cut short by a kill: every finished epoch is before it.
      if (index === lines.length - 1) return;
      throw new FormatError(`${source}:${index + 1}: not valid JSON`);
    }
    if (isPlainObject(value) && value.type === 'run') {
      runs.push({ header: value as unknown as RunHeader, epochs: [] });
    } else if (isPlainObject(value) && value.type === 'epoch' && typeof value.epoch === 'number') {
      if (runs.length === 0) runs.push({ header: null, epochs: [] });
      runs[runs.length - 1].epochs.push(value as EpochRecord);
    } else {
      throw new FormatError(`${source}:${index + 1}: expected a run header or an epoch line of a backprop run log`);
    }
  });
  const base = path.basename(source).replace(/\.[^.]*$/, '');
  return runs.map((run, i) => ({ name: runs.length > 1 ? `${base} #${i + 1}` : base, ...run }));
}

export async function readRunLog(file: string): Promise<Run[]> {
  const runs = parseRunLog(await fs.readFile(file, 'utf8'), file);
  if (runs.length === 0) throw new FormatError(`${file}: holds no run (an empty run log)`);
  return runs;
}
