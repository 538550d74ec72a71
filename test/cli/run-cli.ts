/** Runs the built CLI (dist/cli/main.js) as a child process, as users run `backprop`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../support/built-facade';

export const CLI = path.join(packageRoot, 'dist', 'cli', 'main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temporary directory holding the given files (name → text or bytes). */
export function fixtureDir(files: Record<string, string | Uint8Array> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'backprop-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** A small, separable 3-class CSV: two informative columns on different scales, one noise column, string labels. */
export function classesCsv(rows: number, seed = 1): string {
  let state = seed;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const names = ['setosa', 'versicolor', 'virginica'];
  const lines = ['width,height,noise,species'];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    const width = (k * 3 + uniform()).toFixed(3);
    const height = (100 - k * 40 + 10 * uniform()).toFixed(3);
    lines.push(`${width},${height},${uniform().toFixed(3)},${names[k]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** IDX bytes: magic 00 00 08 <dims>, big-endian dimensions, then unsigned bytes. */
export function idxBytes(shape: number[], values: ArrayLike<number>): Uint8Array {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(shape.length, 3);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(values))]);
}
