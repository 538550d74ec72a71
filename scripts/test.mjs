// `npm test`: type-check and build, compile the type-level tests (test/types:
// each @ts-expect-error line must fail to compile), build the native addon if it is missing,
// run the C++ tests (plain and under ASan + UBSan), then the vitest suite,
// once as is and once more for each SIMD path this CPU can be forced onto.
// Ends with one "N passed, N failed" line over everything it ran.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const jobs = String(Math.max(1, cpus().length));
const totals = { passed: 0, failed: 0 };

function run(command, args, env = {}) {
  console.log(`\n$ ${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function must(command, args, env) {
  if (!run(command, args, env)) {
    console.error(`\n${command} ${args.join(' ')} failed`);
    totals.failed++;
    finish();
  }
}

function finish() {
  console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
  process.exit(totals.failed === 0 ? 0 : 1);
}

function ctest(buildDir, buildType, extra) {
  must('cmake', ['-S', '.', '-B', buildDir, `-DCMAKE_BUILD_TYPE=${buildType}`, ...extra]);
  must('cmake', ['--build', buildDir, '-j', jobs]);
  const ok = run('ctest', ['--test-dir', buildDir, '--output-on-failure', '-j', jobs]);
  // ctest's own summary line says how many passed; count whole suites here.
  if (ok) totals.passed++;
  else totals.failed++;
}

function vitest(label, files, env) {
  const report = path.join(tmpdir(), `backprop-vitest-${process.pid}-${label}.json`);
  run('npx', ['vitest', 'run', ...files, '--reporter=default', '--reporter=json', `--outputFile=${report}`], env);
  try {
    const { numPassedTests, numFailedTests, numFailedTestSuites, numTotalTests } = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += numPassedTests;
    // A file that fails to load has no failed test of its own: count it too.
    totals.failed += numFailedTests + numFailedTestSuites + (numTotalTests === 0 ? 1 : 0);
  } catch {
    console.error(`vitest (${label}) wrote no report`);
    totals.failed++;
  } finally {
    rmSync(report, { force: true });
  }
}

function forcibleIsas() {
  const probe = `const { info } = require('./dist/index.js'); const i = info(); process.stdout.write(i.isa);`;
  return ['scalar', 'avx2', 'avx512', 'neon', 'avx512bf16', 'amx'].filter((isa) => {
    const result = spawnSync(process.execPath, ['-e', probe], {
      cwd: root,
      env: { ...process.env, BACKPROP_ISA: isa, BACKPROP_BACKEND: 'native' },
      encoding: 'utf8',
    });
    return result.status === 0 && result.stdout === isa;
  });
}

must('npm', ['run', 'build']);
must('npx', ['tsc', '-p', 'test/types']);
totals.passed++;
must(process.execPath, ['scripts/build-native.mjs']);
ctest('build-cmake/release', 'Release', []);
ctest('build-cmake/asan', 'Debug', ['-DBACKPROP_SANITIZE=ON']);
vitest('all', [], {});
// The install tests do not depend on the SIMD path: once is enough.
for (const isa of forcibleIsas()) vitest(isa, ['test/api', 'test/native', '--exclude', '**/install.test.ts'], { BACKPROP_ISA: isa });
finish();
