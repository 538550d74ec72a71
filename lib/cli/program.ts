/** The `backprop` command line: commander setup, the commands, and exit codes. */
import { Command, CommanderError } from 'commander';
import { version } from '../index';
import { benchCommand } from './commands/bench';
import { evaluateCommand } from './commands/evaluate';
import { exportCommand } from './commands/export';
import { infoCommand } from './commands/info';
import { predictCommand } from './commands/predict';
import { reportCommand } from './commands/report';
import { trainCommand } from './commands/train';
import { workerCommand } from './commands/worker';
import { reportFailure, USAGE } from './failure';

/** Commander reports its own errors (unknown options, bad values) as one prefixed line, with its "did you mean"; we choose the exit code. */
function configure(command: Command): Command {
  return command
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`backprop: ${text.replace(/^error: /, '').replace(/\s*\n\(Did you mean (.*)\)/, ' (did you mean $1)')}`),
    });
}

/**
 * Commander checks required options before unknown ones, so `--layer` (for
 * --layers) would be reported as "--layers not specified". Parse the
 * subcommand's options first, alone, to name an unknown one.
 */
function checkUnknownOptions(argv: string[]): void {
  const [name, ...args] = argv.slice(2);
  const command = program().commands.find((c) => c.name() === name);
  // Help wins over every other problem; commander shows it.
  if (command === undefined || args.includes('--help') || args.includes('-h')) return;
  const { unknown } = command.parseOptions(args);
  // unknownOption (commander's own message and suggestion) is public in JavaScript but missing from the typings.
  const report = command as unknown as { unknownOption(flag: string): never };
  if (unknown.length > 0 && unknown[0].startsWith('-')) report.unknownOption(unknown[0]);
}

export function program(): Command {
  const root = configure(new Command('backprop'))
    .description('train multilayer perceptrons by backpropagation')
    .version(version, '-v, --version');
  for (const command of [trainCommand(), predictCommand(), evaluateCommand(), exportCommand(), reportCommand(), benchCommand(), infoCommand(), workerCommand()]) {
    root.addCommand(configure(command));
  }
  return root;
}

/** Runs the command line; resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    checkUnknownOptions(argv);
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
