/**
 * `backprop bench`: runs the repository's benchmarks (bench/gemm.mjs, the C++
 * GEMM, built with CMake on first use; bench/train.mjs, training
 * throughput). bench/ is not in the published package: this works in a
 * checkout of the repository only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { ArgumentError } from '../../errors';
import { integer, integerList, listOf, positiveNumber } from '../options';

/** The package root: dist/cli/commands → three levels up. */
const ROOT = path.resolve(__dirname, '..', '..', '..');

const SUITES = ['gemm', 'train'] as const;
const CONFIGS = ['xor', 'small', 'mnist', 'wide'];

interface BenchOptions {
  json?: boolean;
  only?: (typeof SUITES)[number];
  configs?: string[];
  backends?: string[];
  optimizers?: string[];
  threads?: number[];
  seconds?: number;
  repeats?: number;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('run the benchmarks of bench/ (GEMM, then training); needs a checkout of the repository, not the npm package')
    .option('--json', 'one JSON object per measurement instead of a table')
    .addOption(new Option('--only <suite>', 'run one suite').choices(SUITES))
    .option('--configs <list>', `training networks, from ${CONFIGS.join(',')} (default: all)`, listOf(CONFIGS))
    .option('--backends <list>', 'training engines, from native,js (default: both)', listOf(['native', 'js']))
    .option('--optimizers <list>', 'training optimizers, from sgd,adam (default: both)', listOf(['sgd', 'adam']))
    .option('--threads <list>', 'thread counts, e.g. 1,2 (default: 1 and every core)', integerList)
    .option('--seconds <s>', 'training: seconds per measurement (default 2)', positiveNumber)
    .option('--repeats <n>', 'training: repeats, the median is reported (default 3)', integer(1))
    .action((options: BenchOptions) => bench(options));
}

function run(script: string, args: string[]): void {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bench', script), ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = result.status ?? 1;
}

function bench(options: BenchOptions): void {
  if (!existsSync(path.join(ROOT, 'bench', 'train.mjs'))) {
    throw new ArgumentError(
      `backprop bench runs bench/ of a repository checkout, which ${ROOT} is not (the npm package leaves it out); clone the repository, npm install, and run it there`,
    );
  }
  const json = options.json ? ['--json'] : [];
  const threads = options.threads ? ['--threads', options.threads.join(',')] : [];
  if (options.only !== 'train') run('gemm.mjs', [...json, ...threads]);
  if (options.only === 'gemm' || process.exitCode) return;
  const forwarded: [string, string | undefined][] = [
    ['--configs', options.configs?.join(',')],
    ['--backends', options.backends?.join(',')],
    ['--opts', options.optimizers?.join(',')],
    ['--seconds', options.seconds?.toString()],
    ['--repeats', options.repeats?.toString()],
  ];
  run('train.mjs', [...json, ...threads, ...forwarded.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value]))]);
}
