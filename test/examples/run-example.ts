/** Runs the scripts of examples/ as users do: `node examples/<name>.mjs`, importing the built package. */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../support/built-facade';

function scriptOf(name: string): string {
  return path.join(packageRoot, 'examples', `${name}.mjs`);
}

/** Runs an example to completion: its exit status and output. */
export function runExampleToEnd(name: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [scriptOf(name), ...args], { cwd: packageRoot, encoding: 'utf8', timeout: 120_000 });
}

/** Runs an example to completion; throws with its output unless it exits with 0. */
export function runExample(name: string, args: string[] = []): string {
  const result = runExampleToEnd(name, args);
  if (result.status !== 0) {
    throw new Error(`examples/${name}.mjs exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/** Starts a long-running example; resolves with the process and the first stdout line matching `ready`. */
export function startExample(
  name: string,
  args: string[],
  ready: RegExp,
  timeoutMs = 20_000,
): Promise<{ child: ChildProcessWithoutNullStreams; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [scriptOf(name), ...args], { cwd: packageRoot });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`examples/${name}.mjs did not print ${ready} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`examples/${name}.mjs exited with ${code} before it was ready:\n${output}`));
    });
  });
}
