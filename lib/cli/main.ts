#!/usr/bin/env node
/** Entry point of the `backprop` command (package.json "bin" → dist/cli/main.js). */
import { isClosedPipe } from './failure';
import { run } from './program';

process.stdout.on('error', (error) => {
  if (!isClosedPipe(error)) throw error;
  process.exit(0);
});

void run(process.argv).then((code) => {
  process.exitCode = code;
});
