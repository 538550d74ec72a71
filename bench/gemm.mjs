// `npm run bench:gemm -- [--json] [gemm_bench options]`: builds the C++ GEMM
// benchmark (CMake, Release) if needed and runs it with the given options.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build-cmake', 'release');

function run(command, args, stdio = 'inherit') {
  const result = spawnSync(command, args, { cwd: root, stdio });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const quiet = ['ignore', 'ignore', 'inherit'];
run('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release'], quiet);
run('cmake', ['--build', buildDir, '--target', 'gemm_bench', '-j', String(cpus().length)], quiet);
run(path.join(buildDir, 'bench', 'native', 'gemm_bench'), process.argv.slice(2));
