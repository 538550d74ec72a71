/** The `backprop` command line: commander setup, the commands, and exit codes. */
import { Command, CommanderError } from 'commander';
import { version } from '../index';
import { benchCommand } from './commands/bench';
import { evaluateCommand } from './commands/evaluate';
import { infoCommand } from './commands/info';
import { predictCommand } from './commands/predict';
import { trainCommand } from './commands/train';
import { workerCommand } from './commands/worker';
import { reportFailure, USAGE } from './failure';

/** Commander reports its own errors (unknown options, bad values) as one prefixed line; we choose the exit code. */
function configure(command: Command): Command {
  return command
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`backprop: ${text.replace(/^error: /, '')}`) });
}

export function program(): Command {
  const root = configure(new Command('backprop'))
    .description('train multilayer perceptrons by backpropagation')
    .version(version, '-v, --version');
  for (const command of [trainCommand(), predictCommand(), evaluateCommand(), benchCommand(), infoCommand(), workerCommand()]) {
    root.addCommand(configure(command));
  }
  return root;
}

/** Runs the command line; resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; help shown for a missing command, and every usage error, exit 2.
      return error.exitCode === 0 ? 0 : USAGE;
    }
    return reportFailure(error);
  }
}
