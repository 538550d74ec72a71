#!/usr/bin/env node
/** Entry point of the `backprop` command (package.json "bin" → dist/cli/main.js). */
import { fileError } from '../io/file-access';
import { reportFailure } from './failure';
import { run } from './program';

// Output that cannot be written (a closed pipe: quietly; a full disk, /dev/full: one line, no stack trace).
process.stdout.on('error', (error) => {
  process.exit(reportFailure(fileError(error, 'standard output', 'write')));
});

void run(process.argv).then((code) => {
  process.exitCode = code;
});
