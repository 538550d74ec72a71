/** `backprop predict`: run a saved model on data; CSV or JSON lines to a file or stdout. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, lossName, type BackendChoice } from '../../spec';
import { FORMATS, type DataFormat } from '../data-source';
import { modelInputs } from '../model-inputs';
import { predictionLines } from '../predictions';

interface PredictOptions {
  model: string;
  data: string;
  format?: DataFormat;
  out?: string;
  json?: boolean;
  backend: BackendChoice;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('run a saved model on data and write its outputs (CSV, or JSON lines for --json or an --out ending in .jsonl/.ndjson)')
    .requiredOption('--model <file>', 'model written by backprop train')
    .requiredOption('--data <file>', "inputs: .csv, .jsonl or IDX, with the training data's input columns (a target column is ignored)")
    .addOption(new Option('--format <format>', 'data format (default: from the file name)').choices(FORMATS))
    .option('--out <file>', 'write here instead of stdout')
    .option('--json', 'JSON lines instead of CSV')
    .addOption(new Option('--backend <name>', 'engine').choices(BACKEND_CHOICES).default('auto'))
    .action((options: PredictOptions) => predict(options));
}

async function writeLines(stream: Writable, lines: Iterable<string>): Promise<void> {
  for (const line of lines) {
    if (!stream.write(line)) await once(stream, 'drain');
  }
}

async function predict(options: PredictOptions): Promise<void> {
  const { network, recipe, x } = await modelInputs(options, false);
  try {
    const out = network.predict(x);
    const format = options.json || /\.(jsonl|ndjson)$/i.test(options.out ?? '') ? 'jsonl' : 'csv';
    const names = { classes: network.classes ?? recipe?.classes ?? null, target: recipe?.target ?? null };
    const lines = predictionLines(out, network.outputs, lossName(network.options.loss), names, format);
    if (options.out === undefined) {
      await writeLines(process.stdout, lines);
      return;
    }
    const file = createWriteStream(options.out);
    await once(file, 'open');
    await writeLines(file, lines);
    file.end();
    await once(file, 'finish');
  } finally {
    network.dispose();
  }
}
