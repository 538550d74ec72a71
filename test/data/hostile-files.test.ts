/**
 * The data loaders never crash, hang or balloon on a file: every failure is
 * their promise's rejection with a typed error naming the file (and line);
 * a line is at most 64 MiB; headers parse in linear time; devices and
 * FIFOs are refused before reading; gzip IDX data inflates into an array of
 * the size its header implies and no further.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileError, FormatError, loadCsv, loadIdx, loadJsonl } from '../../lib/index.js';
import { expectError, rejected } from '../api/expect-error';
import { ensureBuiltFacade, packageRoot } from '../support/built-facade';

const dir = mkdtempSync(path.join(tmpdir(), 'backprop-hostile-files-'));

function file(name: string, contents: string | Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, contents);
  return full;
}

const LOADERS: [string, (path: string) => Promise<unknown>][] = [
  ['loadCsv', (p) => loadCsv(p)],
  ['loadJsonl', (p) => loadJsonl(p)],
  ['loadIdx', (p) => loadIdx(p)],
];

describe.each(LOADERS)('%s', (_name, load) => {
  it('a missing file is a FileError naming it', async () => {
    const missing = path.join(dir, 'missing');
    const error = await rejected(() => load(missing));
    expectError(error, FileError, [missing, 'ENOENT']);
  });

  it('a device is refused before it is read (/dev/zero never ends)', async () => {
    const error = await rejected(() => load('/dev/zero'));
    expectError(error, FileError, ['/dev/zero', 'not a regular file']);
    expect(error).toMatchObject({ code: 'ENOTREG' });
  });
});

describe('line length', () => {
  const LONG = 64 * 1024 * 1024 + 16;

  it('loadJsonl refuses a line over 64 MiB, naming file and line', async () => {
    const jsonl = file('long.jsonl', `{"a": 1, "y": 0}\n{"a": "${'7'.repeat(LONG)}", "y": 1}\n`);
    expectError(await rejected(() => loadJsonl(jsonl)), FormatError, [`${jsonl}:2`, 'longer than 67108864 bytes']);
  });

  it('loadCsv refuses a record over 64 MiB, naming the file', async () => {
    const csv = file('long.csv', `a,y\n${'7'.repeat(LONG)},1\n`);
    expectError(await rejected(() => loadCsv(csv)), FormatError, [csv, '67108864', 'line 2']);
  });

  it('loadJsonl still reads CRLF lines and a last line without a newline', async () => {
    const jsonl = file('crlf.jsonl', '{"a": 1, "y": 0}\r\n\r\n{"a": 2, "y": 1}');
    expect(await loadJsonl(jsonl)).toMatchObject({ x: Float32Array.of(1, 2), rows: 2, y: Float32Array.of(0, 1) });
  });
});

// Quadratic header parsing took 23 s for 100,000 columns (so about 90 s for 200,000); linear,
// 200,000 take a few seconds. The 60 s limit is a sevenfold margin either way, not a benchmark.
describe('a header of 200,000 columns', () => {
  const columns = 200_000;
  const names = Array.from({ length: columns }, (_, i) => `c${i}`);

  it('loadCsv reads it', { timeout: 60_000 }, async () => {
    const csv = file('wide.csv', `${names.join(',')}\n${names.map((_, i) => i % 7).join(',')}\n`);
    const data = await loadCsv(csv);
    expect([data.rows, data.inputs, data.target]).toEqual([1, columns - 1, `c${columns - 1}`]);
  });

  it('loadJsonl reads it', { timeout: 60_000 }, async () => {
    const row = `{${names.map((name, i) => `"${name}":${i % 7}`).join(',')}}\n`;
    const data = await loadJsonl(file('wide.jsonl', row + row));
    expect([data.rows, data.inputs]).toEqual([2, columns - 1]);
  });
});

describe('IDX', () => {
  it('a label of 2147483647 is read exactly', async () => {
    const images = Buffer.from([0, 0, 0x08, 1, 0, 0, 0, 1, 5]);
    const labels = Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff]);
    const data = await loadIdx(file('one-image', images), file('one-label', labels));
    expect(Array.from(data.y ?? [])).toEqual([2147483647]);
  });

  // A 10 × 10 image file whose gzip data inflates to 256 MiB: it inflated wholly before
  // (a 1 GiB bomb took 9.9 GB of RSS); now it stops at the 100 bytes the header promises.
  it('gzip data that inflates past the header dimensions is refused without inflating it', async () => {
    const bomb = path.join(dir, 'bomb-idx3-ubyte.gz');
    const header = Buffer.from([0, 0, 0x08, 2, 0, 0, 0, 10, 0, 0, 0, 10]);
    const zeros = Buffer.alloc(1 << 20);
    async function* content(): AsyncGenerator<Buffer> {
      yield header;
      for (let i = 0; i < 256; i++) yield zeros;
    }
    await pipeline(Readable.from(content()), createGzip({ level: 1 }), createWriteStream(bomb));
    ensureBuiltFacade();
    const script = `
      const { loadIdx } = require(${JSON.stringify(packageRoot)});
      const before = process.resourceUsage().maxRSS;
      loadIdx(${JSON.stringify(bomb)}).then(
        () => console.log(JSON.stringify({ loaded: true })),
        (error) => console.log(JSON.stringify({ name: error.name, message: error.message, grewMB: (process.resourceUsage().maxRSS - before) / 1024 })),
      );`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { name: string; message: string; grewMB: number };
    expect(result.name).toBe('FormatError');
    expect(result.message).toContain('inflates past the 112 bytes');
    expect(result.grewMB).toBeLessThan(64);
  });
});
