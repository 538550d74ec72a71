// Builds the TypeScript facade (npm run build) only when a source changed:
// when dist/index.js or dist/index.mjs is missing or older than a file in
// lib/ or tsconfig.json. The examples, the demo and the benchmarks run it
// first, so a second run starts at once.
//   node scripts/build-facade.mjs           build if stale
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(entry) {
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

function builtAt(directory, file) {
  const full = path.join(directory, 'dist', file);
  return existsSync(full) ? statSync(full).mtimeMs : 0;
}

/** True when the facade in `directory` must be rebuilt: an output missing or older than a source. */
export function facadeIsStale(directory = root) {
  const built = Math.min(builtAt(directory, 'index.js'), builtAt(directory, 'index.mjs'));
  const sources = [path.join(directory, 'lib'), path.join(directory, 'tsconfig.json')].filter(existsSync);
  return built < Math.max(...sources.map(newestMtime));
}

/** Runs `npm run build` when the facade is stale; returns whether it built. */
export function buildFacade(directory = root) {
  if (!facadeIsStale(directory)) return false;
  const result = spawnSync('npm', ['run', 'build'], { cwd: directory, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.error(buildFacade() ? 'build-facade: built dist/' : 'build-facade: dist/ is up to date');
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
