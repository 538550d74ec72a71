/** `backprop report`: one self-contained HTML page from run logs, with a model's results on test data. */
import { Command, Option } from 'commander';
import { ArgumentError } from '../../errors';
import { writeReport } from '../../report/index';
import { BACKEND_CHOICES, type BackendChoice } from '../../spec';
import { FORMATS, type DataFormat } from '../data-source';
import { modelTestResults } from '../test-results';

interface ReportOptions {
  log: string[];
  model?: string;
  data?: string;
  labels?: string;
  format?: DataFormat;
  target?: string;
  backend: BackendChoice;
  title?: string;
  out: string;
}

/** Repeated --log options, in order (no default, so that commander still requires one). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write an HTML report (opens offline): learning curves of run logs, and a model tested on labelled data')
    .requiredOption('--log <file>', 'run log written by train --log (repeat to overlay runs)', collect)
    .option('--model <file>', 'model to test on --data: confusion matrix (classification) or predicted vs true (regression)')
    .option('--data <file>', 'labelled test data: .csv, .jsonl or IDX images')
    .option('--labels <file>', 'IDX labels file for IDX --data')
    .addOption(new Option('--format <format>', 'data format (default: from the file name)').choices(FORMATS))
    .option('--target <column>', 'target column (default: the one the model was trained on)')
    .addOption(new Option('--backend <name>', 'engine').choices(BACKEND_CHOICES).default('auto'))
    .option('--title <text>', 'page title', 'Training report')
    .option('--out <file>', 'HTML file to write', 'report.html')
    .action((options: ReportOptions) => report(options));
}

async function report(options: ReportOptions): Promise<void> {
  if ((options.model === undefined) !== (options.data === undefined)) {
    throw new ArgumentError('--model and --data go together: the model is tested on the data');
  }
  const test = options.model === undefined ? null : await modelTestResults({ ...options, model: options.model, data: options.data as string });
  await writeReport(options.out, { logs: options.log, test, title: options.title });
  process.stderr.write(`wrote ${options.out}\n`);
}
