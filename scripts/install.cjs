// What `npm install` runs for this package. The addon is optional: the
// pure-TypeScript engine runs wherever it cannot load, so this script never
// fails the install.
//   1. a binary that loads (prebuilds/<platform>-<arch>/ shipped in the
//      package, or an earlier build in build/Release) → done;
//   2. else build from source with node-gyp (npm puts its own on PATH);
//   3. if that fails too, print one warning and exit 0.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Why the addon does not load here, or null when it does. */
function loadError() {
  try {
    require(require('node-gyp-build').resolve(root));
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
}

/** Last line of node-gyp's output that says what went wrong. */
function lastErrorLine(output) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const errors = lines.filter((line) => /error/i.test(line));
  return (errors.length > 0 ? errors : lines).slice(-1)[0] || 'no output';
}

function buildFromSource() {
  const result = spawnSync('node-gyp', ['rebuild'], {
    cwd: root,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (result.error) return `node-gyp could not be started: ${result.error.message}`;
  if (result.status !== 0) return `node-gyp rebuild failed: ${lastErrorLine(result.stdout + result.stderr)}`;
  return loadError();
}

if (loadError() !== null) {
  const buildError = buildFromSource();
  if (buildError !== null) {
    console.warn(
      `backprop: no prebuilt native addon for ${process.platform}-${process.arch} and building one failed ` +
        `(${buildError}); the pure-TypeScript engine will be used.`,
    );
  }
}
