/** `backprop info`: version, engine, SIMD path, threads, and where the native binary came from (or why not). */
import { Command } from 'commander';
import { info } from '../../index';

export function infoCommand(): Command {
  return new Command('info')
    .description("the version, the engine 'auto' uses here, its SIMD path and threads, the native binary or why it did not load")
    .option('--json', 'print a JSON object')
    .action((options: { json?: boolean }) => {
      const facts = info();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(facts)}\n`);
        return;
      }
      const lines = [
        `version  ${facts.version}`,
        `backend  ${facts.backend}`,
        `isa      ${facts.isa}`,
        `threads  ${facts.threads}`,
        `bfloat16 ${facts.bfloat16}`,
        `binary   ${facts.binary ?? `not loaded: ${facts.nativeError ?? 'unknown reason'}`}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
