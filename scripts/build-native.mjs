// Builds the native addon with node-gyp into build/Release/backprop.node.
//   node scripts/build-native.mjs             build when the binary is missing or older than
//                                             a native source (what `npm test` runs)
//   node scripts/build-native.mjs --prebuild  likewise for the binary that ships in the package,
//                                             prebuilds/<platform>-<arch>/ (prebuildify --napi --strip)
//   --force                                   build even when up to date
// node-gyp needs Node's headers: npm's `nodedir` config, else the headers
// installed next to this node (<prefix>/include/node), else a download.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const binary = path.join(root, 'build', 'Release', 'backprop.node');
const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'backprop.node');

function newestSource() {
  let newest = statSync(path.join(root, 'binding.gyp')).mtimeMs;
  for (const dir of ['native/core', 'native/core/gemm', 'native/binding']) {
    for (const name of readdirSync(path.join(root, dir))) {
      if (/\.(cpp|h)$/.test(name)) newest = Math.max(newest, statSync(path.join(root, dir, name)).mtimeMs);
    }
  }
  return newest;
}

function withNodeHeaders(env) {
  if (env.npm_config_nodedir) return env;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const local = existsSync(path.join(prefix, 'include', 'node', 'node_api.h'));
  return local ? { ...env, npm_config_nodedir: prefix } : env;
}

function run(script, args) {
  console.log(`$ ${path.relative(root, script)} ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    stdio: 'inherit',
    // JOBS: node-gyp's parallel make, also when prebuildify runs it.
    env: withNodeHeaders({ JOBS: 'max', ...process.env }),
  });
  if (result.status !== 0) {
    console.error(`build-native: ${path.basename(script)} failed`);
    process.exit(result.status ?? 1);
  }
}

const flags = new Set(process.argv.slice(2));
for (const flag of flags) {
  if (flag !== '--force' && flag !== '--prebuild') {
    console.error(`build-native: unknown option ${flag} (expected --force or --prebuild)`);
    process.exit(2);
  }
}

const target = flags.has('--prebuild') ? prebuilt : binary;
if (!flags.has('--force') && existsSync(target) && statSync(target).mtimeMs >= newestSource()) {
  console.log(`build-native: ${path.relative(root, target)} is up to date`);
} else if (flags.has('--prebuild')) {
  // N-API binaries work on every Node version with N-API 8, so building
  // against this Node's headers is enough.
  run(require.resolve('prebuildify/bin.js'), ['--napi', '--strip', '--target', process.versions.node]);
  // prebuildify moves the binary out of build/Release: keep a copy there, so
  // the development build stays in place.
  copyFileSync(prebuilt, binary);
  console.log(`build-native: built ${path.relative(root, prebuilt)} (copied to ${path.relative(root, binary)})`);
} else {
  run(require.resolve('node-gyp/bin/node-gyp.js'), ['rebuild']);
}
