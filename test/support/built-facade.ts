/** The compiled package (dist/), built on demand when lib/ is newer, for tests that load it as users do. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const packageRoot = path.resolve(__dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function builtAt(file: string): number {
  const full = path.join(packageRoot, 'dist', file);
  return existsSync(full) ? statSync(full).mtimeMs : 0;
}

/** Runs `npm run build` unless dist/index.js and dist/index.mjs are newer than every file in lib/. */
export function ensureBuiltFacade(): void {
  if (Math.min(builtAt('index.js'), builtAt('index.mjs')) >= newestMtime(path.join(packageRoot, 'lib'))) return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: packageRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
}
