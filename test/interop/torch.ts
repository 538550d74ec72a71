/**
 * Runs this folder's Python scripts with Debian's PyTorch (`python3-torch`)
 * and ONNX (`python3-onnx`).
 * `/usr/bin/python3` explicitly: a `python3` earlier on PATH may be a build
 * without torch. A missing module fails the tests with a message saying
 * what to install; CI installs both.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** Throws, naming the Debian package to install, unless `import <module>` works; returns the module's version. */
export function requirePythonModule(module: string, debianPackage: string): string {
  const result = spawnSync(PYTHON, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${module} is not importable by ${PYTHON} (${result.error?.message ?? result.stderr.trim()}); ` +
        `install it with \`apt-get install -y ${debianPackage}\``,
    );
  }
  return result.stdout.trim();
}

export function requireTorch(): string {
  return requirePythonModule('torch', 'python3-torch');
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
