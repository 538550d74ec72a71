/**
 * Runs this folder's Python scripts with Debian's PyTorch (`python3-torch`).
 * `/usr/bin/python3` explicitly: a `python3` earlier on PATH may be a build
 * without torch. A missing torch fails the tests with a message saying what
 * to install; CI installs it.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** Throws, naming the package to install, unless `import torch` works. */
export function requireTorch(): string {
  const result = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `PyTorch is not importable by ${PYTHON} (${result.error?.message ?? result.stderr.trim()}); ` +
        'install it with `apt-get install -y python3-torch`',
    );
  }
  return result.stdout.trim();
}

/** Runs test/interop/<script> with these arguments and parses the JSON it prints. */
export function runTorchScript<T>(script: string, args: string[]): T {
  const result = spawnSync(PYTHON, [path.join(__dirname, script), ...args], {
    encoding: 'utf8',
    // Leave no __pycache__ in the source tree.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Writes rows of float32 values, little-endian, as the scripts read them. */
export async function writeRows(file: string, values: Float32Array): Promise<void> {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  await fs.writeFile(file, bytes);
}
