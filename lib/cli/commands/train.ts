/** `backprop train`: read data, build a network, fit it with progress, save it with its data recipe. */
import { Command, Option } from 'commander';
import { Network, type History, type LayerOptions, type LossName, type OptimizerName, type Precision } from '../../index';
import { ArgumentError } from '../../errors';
import { applyPreprocessing, scale, standardize, type Preprocessing } from '../../preprocess';
import { BACKEND_CHOICES, LOSSES, OPTIMIZERS, PRECISIONS, type BackendChoice } from '../../spec';
import { FORMATS, loadData, type DataFormat } from '../data-source';
import { saveModel } from '../model-file';
import { fraction, integer, layers, positiveNumber } from '../options';
import { progressReporter } from '../progress';
import { targetsFor } from '../targets';

interface TrainOptions {
  data: string;
  labels?: string;
  format?: DataFormat;
  target?: string;
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
  precision: Precision;
  out: string;
  json?: boolean;
}

/** The loss that fits the last activation: softmax → crossEntropy, sigmoid → binaryCrossEntropy, else mse. */
function defaultLoss(last: LayerOptions): LossName {
  if (last.activation === 'softmax') return 'crossEntropy';
  if (last.activation === 'sigmoid') return 'binaryCrossEntropy';
  return 'mse';
}

/** Statistics from the training rows only (validation rows excluded), applied to every row. */
function preprocess(x: Float32Array, inputs: number, trainRows: number, options: TrainOptions): { x: Float32Array; stats: Preprocessing | null } {
  if (!options.scale && !options.standardize) return { x, stats: null };
  const { stats } = (options.scale ? scale : standardize)(x.subarray(0, trainRows * inputs), inputs);
  return { x: applyPreprocessing(x, stats), stats };
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a network on a CSV, JSON-lines or IDX data set and save it (safetensors)')
    .requiredOption('--data <file>', 'training data: .csv (header row), .jsonl (one object per line) or IDX (…-idx3-ubyte[.gz])')
    .option('--labels <file>', 'IDX labels file (…-idx1-ubyte[.gz]) for IDX --data')
    .addOption(new Option('--format <format>', 'data format (default: from the file name)').choices(FORMATS))
    .option('--target <column>', 'target column of CSV / JSON lines (default: the last)')
    .requiredOption('--layers <spec>', 'layers as UNITS[:ACTIVATION],…, e.g. 128:relu,10:softmax', layers)
    .addOption(new Option('--loss <name>', 'loss (default: crossEntropy after softmax, binaryCrossEntropy after sigmoid, else mse)').choices(LOSSES))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
    .addOption(new Option('--precision <name>', 'precision of the matrix products').choices(PRECISIONS).default('float32'))
    .option('--lr <rate>', "learning rate (default: the optimizer's, as in PyTorch)", positiveNumber)
    .option('--epochs <n>', 'passes over the training data', integer(1), 10)
    .option('--batch-size <n>', 'samples per optimizer step', integer(1), 32)
    .option('--validation-split <fraction>', 'fraction of rows, from the end, held out for validation', fraction, 0)
    .option('--seed <n>', 'seed of weight initialisation and shuffling (default: random, printed)', integer(0))
    .addOption(new Option('--scale', 'scale each input column to [0, 1]: (x − min) / (max − min)').conflicts('standardize'))
    .option('--standardize', 'standardize each input column: (x − mean) / std')
    .addOption(new Option('--backend <name>', 'engine').choices(BACKEND_CHOICES).default('auto'))
    .option('--out <file>', 'model file to write', 'model.safetensors')
    .option('--json', 'print one JSON object per epoch instead of a progress bar or lines')
    .action((options: TrainOptions) => train(options));
}

async function train(options: TrainOptions): Promise<void> {
  const data = await loadData(options, { target: options.target });
  if (data.y === undefined) throw new ArgumentError('--labels is required to train on IDX data');
  const validationRows = Math.floor(data.rows * options.validationSplit);
  const { x, stats } = preprocess(data.x, data.inputs, data.rows - validationRows, options);
  const last = options.layers[options.layers.length - 1];
  const loss = options.loss ?? defaultLoss(last);
  const network = new Network({
    inputs: data.inputs,
    layers: options.layers,
    loss,
    optimizer: options.lr === undefined ? options.optimizer : { type: options.optimizer, learningRate: options.lr },
    seed: options.seed,
    backend: options.backend,
    precision: options.precision,
  });
  const y = targetsFor(data.y, data.classes, loss, last.units);
  const batches = Math.ceil((data.rows - validationRows) / options.batchSize);
  process.stderr.write(
    `training ${network.parameterCount} parameters on ${data.rows - validationRows} rows (${validationRows} for validation), ` +
      `${network.backend} engine, seed ${network.seed}\n`,
  );
  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit without saving)\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  const progress = progressReporter(options.json === true, options.epochs, batches);
  try {
    let history: History;
    try {
      history = await network.fit(x, y, {
        epochs: options.epochs,
        batchSize: options.batchSize,
        validationSplit: options.validationSplit,
        signal: stop.signal,
        onBatchEnd: (log) => progress.batch(log),
        onEpochEnd: (log) => progress.epoch(log),
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
    }
    await saveModel(network, options.out, { columns: data.columns, target: data.target, classes: data.classes, preprocessing: stats });
    const stopped = history.aborted ? ', stopped by Ctrl-C' : '';
    process.stderr.write(`wrote ${options.out} after ${history.epochs}/${options.epochs} epochs${stopped}\n`);
    if (history.aborted) process.exitCode = 130;
  } finally {
    network.dispose();
  }
}
