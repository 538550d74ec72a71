/** `backprop train`: read data, build a network, fit it with progress, save it with its data recipe. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { Network, type History, type LayerOptions, type LossName, type OptimizerName } from '../../index';
import { ArgumentError } from '../../errors';
import type { InputNormalizationOptions } from '../../input-normalization';
import { BACKEND_CHOICES, LOSSES, OPTIMIZERS, type BackendChoice } from '../../spec';
import { FORMATS, loadData, type DataFormat } from '../data-source';
import { FILL_METHODS, fillMissing, fillValues, type FillMethod } from '../fill-missing';
import { saveModel } from '../model-file';
import { fraction, integer, layers, names, positiveNumber } from '../options';
import { checkWritable, writingTo } from '../output-file';
import { progressReporter } from '../progress';
import { networkClasses, targetsFor } from '../targets';
import { validationTestResults } from '../test-results';
import { validationSplit } from '../validation-split';
import { readRunLog, writeReport } from '../../report/index';

interface TrainOptions {
  data: string;
  labels?: string;
  format?: DataFormat;
  target?: string;
  columns?: string[];
  drop?: string[];
  fillMissing?: FillMethod;
  layers: LayerOptions[];
  loss?: LossName;
  optimizer: OptimizerName;
  lr?: number;
  epochs: number;
  batchSize: number;
  validationSplit: number;
  seed?: number;
  scale?: boolean;
  standardize?: boolean;
  backend: BackendChoice;
  out: string;
  json?: boolean;
  log?: string;
  report?: string;
}

/** The loss that fits the last activation: softmax → crossEntropy, sigmoid → binaryCrossEntropy, else mse. */
function defaultLoss(last: LayerOptions): LossName {
  if (last.activation === 'softmax') return 'crossEntropy';
  if (last.activation === 'sigmoid') return 'binaryCrossEntropy';
  return 'mse';
}

function inputNormalization(options: TrainOptions): InputNormalizationOptions | undefined {
  if (options.standardize) return 'standardize';
  return options.scale ? 'scale' : undefined;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a network on a CSV, JSON-lines or IDX data set and save it (safetensors)')
    .requiredOption('--data <file>', 'training data: .csv (header row), .jsonl (one object per line) or IDX (…-idx3-ubyte[.gz])')
    .option('--labels <file>', 'IDX labels file (…-idx1-ubyte[.gz]) for IDX --data')
    .addOption(new Option('--format <format>', 'data format (default: from the file name)').choices(FORMATS))
    .option('--target <column>', 'target column of CSV / JSON lines (default: the last)')
    .option('--columns <list>', 'input columns, comma-separated (default: every column but the target and --drop)', names)
    .addOption(new Option('--drop <list>', 'columns that are not inputs, comma-separated (an id, a date, …)').argParser(names).conflicts('columns'))
    .addOption(new Option('--fill-missing <how>', "empty input cells take the training rows' column mean, median or zero (saved with the model)").choices(FILL_METHODS))
    .requiredOption('--layers <spec>', 'layers as UNITS[:ACTIVATION],…, e.g. 128:relu,10:softmax', layers)
    .addOption(new Option('--loss <name>', 'loss (default: crossEntropy after softmax, binaryCrossEntropy after sigmoid, else mse)').choices(LOSSES))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
    .option('--lr <rate>', "learning rate (default: the optimizer's, as in PyTorch)", positiveNumber)
    .option('--epochs <n>', 'passes over the training data', integer(1), 10)
    .option('--batch-size <n>', 'samples per optimizer step', integer(1), 32)
    .option('--validation-split <fraction>', 'fraction of rows held out for validation: a seeded random choice (--seed), stratified by class for classification', fraction, 0)
    .option('--seed <n>', 'seed of weight initialisation and shuffling (default: random, printed)', integer(0))
    .addOption(new Option('--scale', "scale each input column to [0, 1]: (x − min) / (max − min), the training rows' min and max, saved in the model").conflicts('standardize'))
    .option('--standardize', "standardize each input column: (x − mean) / std, the training rows' statistics, saved in the model")
    .addOption(new Option('--backend <name>', 'engine').choices(BACKEND_CHOICES).default('auto'))
    .option('--out <file>', 'model file to write', 'model.safetensors')
    .option('--json', 'print one JSON object per epoch instead of a progress bar or lines')
    .option('--log <file>', 'append a run log: a header line, then one JSON line per finished epoch')
    .option('--report <file>', 'write an HTML report of this run when training ends (with the validation rows tested)')
    .action((options: TrainOptions) => train(options));
}

async function train(options: TrainOptions): Promise<void> {
  await checkWritable(options.out, '--out');
  const data = await loadData(
    options,
    { target: options.target, columns: options.columns, drop: options.drop, missing: options.fillMissing ? 'nan' : 'error' },
    { target: '--target', columns: '--columns', drop: '--drop' },
  );
  if (data.y === undefined) throw new ArgumentError('--labels is required to train on IDX data');
  const last = options.layers[options.layers.length - 1];
  const loss = options.loss ?? defaultLoss(last);
  const y = targetsFor(data.y, data.classes, loss, last.units);
  const network = new Network({
    inputs: data.inputs,
    layers: options.layers,
    loss,
    optimizer: options.lr === undefined ? options.optimizer : { type: options.optimizer, learningRate: options.lr },
    seed: options.seed,
    backend: options.backend,
    inputNormalization: inputNormalization(options),
    classes: networkClasses(data.classes, loss, last.units),
  });
  let scratch: string | null = null;
  try {
    const split = validationSplit(data.x, y, data.inputs, options.validationSplit, network.seed, loss !== 'mse');
    const fill = options.fillMissing ? fillValues(split.train.x, data.inputs, options.fillMissing) : null;
    if (fill !== null) for (const part of [split.train, split.validation]) if (part) fillMissing(part.x, fill);
    const trainRows = split.train.x.length / data.inputs;
    const validationRows = data.rows - trainRows;
    process.stderr.write(
      `training ${network.parameterCount} parameters on ${trainRows} rows (${validationRows} for validation), ` +
        `${network.backend} engine, seed ${network.seed}\n`,
    );
    // A report is drawn from a run log: a temporary one when the user keeps none.
    scratch = options.report !== undefined && options.log === undefined ? await mkdtemp(path.join(tmpdir(), 'backprop-train-')) : null;
    const log = scratch === null ? options.log : path.join(scratch, 'run.jsonl');
    const history = await fitWithProgress(network, split, { ...options, log }, Math.ceil(trainRows / options.batchSize));
    const recipe = { columns: data.columns, target: data.target, classes: data.classes, fill };
    await writingTo(options.out, () => saveModel(network, options.out, recipe));
    const stopped = history.aborted ? ', stopped by Ctrl-C' : '';
    process.stderr.write(`wrote ${options.out} after ${history.epochs}/${options.epochs} epochs${stopped}\n`);
    if (options.report !== undefined && log !== undefined) {
      // This run is the log's last one; it is named after the model, and a temporary log is no option of the user's.
      const run = (await readRunLog(log)).slice(-1).map(({ header, epochs }) => ({
        name: path.parse(options.out).name,
        header: header && scratch !== null ? { ...header, fit: { ...header.fit, log: undefined } } : header,
        epochs,
      }));
      const { validation } = split;
      const test = validation
        ? validationTestResults(network, validation.x, validation.y, validationRows, data.classes, `the ${validationRows} validation rows of ${path.basename(options.data)}`)
        : null;
      await writeReport(options.report, { runs: run, test });
      process.stderr.write(`wrote ${options.report}\n`);
    }
    if (history.aborted) process.exitCode = 130;
  } finally {
    network.dispose();
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
}

/** Fits with a progress display; the first Ctrl-C stops after the current batch, a second one quits. */
async function fitWithProgress(
  network: Network,
  split: ReturnType<typeof validationSplit>,
  options: TrainOptions,
  batches: number,
): Promise<History> {
  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit without saving)\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  const progress = progressReporter(options.json === true, options.epochs, batches);
  try {
    return await network.fit(split.train.x, split.train.y, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      validationData: split.validation,
      signal: stop.signal,
      log: options.log,
      onBatchEnd: (log) => progress.batch(log),
      onEpochEnd: (log) => progress.epoch(log),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
}
