// `npm run bench -- [--json]`: every benchmark, GEMM then training, with the same output mode.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const json = process.argv.includes('--json') ? ['--json'] : [];
for (const script of ['gemm.mjs', 'train.mjs']) {
  const result = spawnSync(process.execPath, [path.join(here, script), ...json], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
