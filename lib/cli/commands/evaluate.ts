/** `backprop evaluate`: mean loss and the loss's metrics of a saved model on labelled data. */
import { Command, Option } from 'commander';
import { ArgumentError } from '../../errors';
import { BACKEND_CHOICES, lossName, type BackendChoice } from '../../spec';
import { FORMATS, type DataFormat } from '../data-source';
import { modelInputs } from '../model-inputs';
import { targetsFor } from '../targets';

interface EvaluateOptions {
  model: string;
  data: string;
  labels?: string;
  format?: DataFormat;
  target?: string;
  json?: boolean;
  backend: BackendChoice;
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description(
      "a saved model's mean loss and metrics on labelled data: accuracy, macro precision/recall/F1 and the confusion " +
        'matrix (softmax), precision/recall/F1/AUC (one sigmoid), MAE/RMSE/R² (regression)',
    )
    .requiredOption('--model <file>', 'model written by backprop train')
    .requiredOption('--data <file>', 'data: .csv, .jsonl or IDX images')
    .option('--labels <file>', 'IDX labels file for IDX --data')
    .addOption(new Option('--format <format>', 'data format (default: from the file name)').choices(FORMATS))
    .option('--target <column>', 'target column (default: the one the model was trained on)')
    .option('--json', 'print a JSON object')
    .addOption(new Option('--backend <name>', 'engine').choices(BACKEND_CHOICES).default('auto'))
    .action((options: EvaluateOptions) => evaluate(options));
}

async function evaluate(options: EvaluateOptions): Promise<void> {
  const { network, x, data } = await modelInputs(options, true);
  try {
    if (data.y === undefined) throw new ArgumentError('--labels is required to evaluate on IDX data');
    const y = targetsFor(data.y, data.classes, lossName(network.options.loss), network.outputs);
    const result = { ...network.evaluate(x, y), samples: data.rows };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const { confusion, samples, loss, ...metrics } = result;
    const scores = Object.entries(metrics).map(([name, value]) => `  ${name} ${(value as number).toFixed(4)}`);
    process.stdout.write(`loss ${loss.toFixed(6)}${scores.join('')}  (${samples} samples)\n`);
    if (confusion) {
      process.stdout.write(`confusion (rows: true class, columns: predicted):\n${confusion.map((row) => `  ${row.join(' ')}`).join('\n')}\n`);
    }
  } finally {
    network.dispose();
  }
}
