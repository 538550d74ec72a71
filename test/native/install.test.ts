/**
 * Packing from a clean checkout (no dist/, no build/, no prebuilds/: prepack
 * builds them) and installing the tarball on a machine without a compiler:
 * the prebuilt binary loads; and when no binary loads and the source build
 * fails, the install still succeeds and the pure-TS engine runs.
 * (Installing from source is what building this repository does.)
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from './helpers';

const work = mkdtempSync(path.join(tmpdir(), 'backprop-install-'));
const shims = path.join(work, 'no-compiler');
let tarball = '';
let packed: string[] = [];

function check(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Every compiler and make on PATH, and CC / CXX, fail. */
function noCompilerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const failing = path.join(shims, 'cc');
  return { ...process.env, PATH: `${shims}${path.delimiter}${process.env.PATH ?? ''}`, CC: failing, CXX: failing, ...extra };
}

function installInto(project: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: path.basename(project), private: true }));
  return spawnSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], {
    cwd: project,
    env,
    encoding: 'utf8',
    timeout: 50_000,
  });
}

/** What require('backprop').info() says in `project`. */
function facadeInfo(project: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const script = `const { info, Network } = require('backprop');
const net = new Network({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', seed: 1 });
const loss = net.trainBatch([[0, 1], [1, 0]], [[1], [1]]);
process.stdout.write(JSON.stringify({ ...info(), backend: net.backend, finite: Number.isFinite(loss) }));`;
  const result = check(spawnSync(process.execPath, ['-e', script], { cwd: project, env, encoding: 'utf8' }), 'require("backprop")');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** The files of the working tree that git does not ignore (what a clone has, with uncommitted changes), copied into a new directory. */
function cleanCopy(): string {
  const clean = path.join(work, 'clean');
  const listed = check(spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: packageRoot, encoding: 'utf8' }), 'git ls-files');
  for (const file of listed.stdout.split('\0').filter((name) => name !== '' && existsSync(path.join(packageRoot, name)))) {
    mkdirSync(path.dirname(path.join(clean, file)), { recursive: true });
    copyFileSync(path.join(packageRoot, file), path.join(clean, file));
  }
  // The devDependencies prepack needs (typescript, prebuildify, node-gyp), as `npm ci` would install them.
  symlinkSync(path.join(packageRoot, 'node_modules'), path.join(clean, 'node_modules'));
  return clean;
}

beforeAll(() => {
  const clean = cleanCopy();
  for (const built of ['dist', 'build', 'prebuilds']) expect(existsSync(path.join(clean, built))).toBe(false);
  const pack = check(spawnSync('npm', ['pack', '--pack-destination', work, '--json'], { cwd: clean, encoding: 'utf8' }), 'npm pack');
  const report = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, report[0].filename);
  packed = report[0].files.map((file) => file.path);
  expect(existsSync(tarball)).toBe(true);
  mkdirSync(shims);
  for (const tool of ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'make', 'gmake']) {
    writeFileSync(path.join(shims, tool), `#!/bin/sh\necho "${tool}: no compiler on this machine" >&2\nexit 1\n`);
    chmodSync(path.join(shims, tool), 0o755);
  }
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack from a clean checkout', () => {
  it('ships the compiled facade, the CLI, the prebuilt binary for this platform and the MIT license', () => {
    for (const file of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/cli/main.js', `prebuilds/${process.platform}-${process.arch}/backprop.node`, 'LICENSE']) {
      expect(packed).toContain(file);
    }
    expect(packed.some((file) => file.startsWith('lib/') || file.startsWith('test/'))).toBe(false);
  });
});

describe('npm install of the packed package, without a compiler', () => {
  it('uses the prebuilt binary: the native engine loads', () => {
    const project = path.join(work, 'with-prebuild');
    const install = check(installInto(project, noCompilerEnv()), 'npm install');
    expect(install.stdout + install.stderr).not.toMatch(/pure-TypeScript engine will be used/);
    const info = facadeInfo(project, noCompilerEnv());
    expect(info.backend).toBe('native');
    expect(info.finite).toBe(true);
    expect(info.binary).toBe(path.join(project, 'node_modules', 'backprop', 'prebuilds', `${process.platform}-${process.arch}`, 'backprop.node'));
  });

  it('succeeds with one warning when no binary loads and the build fails; the pure-TS engine runs', () => {
    const project = path.join(work, 'without-binary');
    // node-gyp-build looks for binaries in $BACKPROP_PREBUILD instead of the package.
    const nowhere = { BACKPROP_PREBUILD: path.join(work, 'nowhere') };
    const install = check(installInto(project, noCompilerEnv(nowhere)), 'npm install');
    const warnings = (install.stdout + install.stderr).match(/^backprop: .*the pure-TypeScript engine will be used\.$/gm) ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/node-gyp rebuild failed/);
    const info = facadeInfo(project, { ...process.env, ...nowhere });
    expect(info.backend).toBe('js');
    expect(info.finite).toBe(true);
    expect(info.nativeError).toMatch(/could not be loaded/);
  });
});
