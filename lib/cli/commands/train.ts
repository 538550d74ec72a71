/** `backprop train`: read data, build a network, fit it with progress, save it with its data recipe. */
import { lossName } from '../../spec';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { Network, type FitOptions, type History, type LayerOptions, type LossName, type NetworkOptions, type OptimizerName, type OptimizerOptions, type Precision } from '../../index';
import { ArgumentError } from '../../errors';
import type { InputNormalizationOptions } from '../../input-normalization';
import { BACKEND_CHOICES, LOSSES, OPTIMIZERS, PRECISIONS, type BackendChoice } from '../../spec';
import { FORMATS, loadData, type DataFormat } from '../data-source';
import { FILL_METHODS, fillMissing, fillValues, type FillMethod } from '../fill-missing';
import { saveModel } from '../model-file';
import { fraction, integer, layers, names, positiveNumber } from '../options';
import { checkWritable, writingTo } from '../output-file';
import { progressReporter } from '../progress';
import { networkClasses, targetsFor } from '../targets';
import { validationTestResults } from '../test-results';
import { balancedClassWeights, classWeightFlag, scheduleFlag, type ScheduleFlag } from '../training-control';
import { classesOf } from '../../row-weights';
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
  layers?: LayerOptions[];
  loss?: LossName;
  labelSmoothing?: number;
  huberDelta?: number;
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
  log?: string;
  report?: string;
  schedule?: ScheduleFlag;
  earlyStopping?: number | true;
  monitor?: string;
  clipNorm?: number;
  classWeight?: 'balanced' | number[];
  checkpoint?: string;
  resume?: string;
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

/** The loss with --label-smoothing / --huber-delta (the facade refuses them on another loss). */
function lossOption(loss: LossName, options: TrainOptions): NonNullable<NetworkOptions['loss']> {
  const settings: Record<string, number> = {};
  if (options.labelSmoothing !== undefined) settings.labelSmoothing = options.labelSmoothing;
  if (options.huberDelta !== undefined) settings.delta = options.huberDelta;
  return Object.keys(settings).length === 0 ? loss : ({ type: loss, ...settings } as NonNullable<NetworkOptions['loss']>);
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
    .option('--layers <spec>', 'layers as UNITS[:ACTIVATION][:batchnorm|layernorm][:NAME=VALUE]…,… (NAME: dropout, l1, l2), e.g. 128:relu:batchnorm:dropout=0.2,64:gelu:layernorm:l2=1e-4,10:softmax (required unless --resume)', layers)
    .addOption(new Option('--loss <name>', 'loss (default: crossEntropy after softmax, binaryCrossEntropy after sigmoid, else mse)').choices(LOSSES))
    .option('--label-smoothing <epsilon>', 'crossEntropy label smoothing in [0, 1)', fraction)
    .option('--huber-delta <delta>', "huber's delta (default 1)", positiveNumber)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
    .addOption(new Option('--precision <name>', 'precision of the matrix products').choices(PRECISIONS).default('float32'))
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
    .option('--schedule <spec>', 'learning-rate schedule: cosine[:MIN_LR], step:SIZE[:GAMMA], exponential:GAMMA, onecycle:MAX_LR, plateau[:PATIENCE[:FACTOR]]', scheduleFlag)
    .option('--early-stopping [patience]', 'stop after PATIENCE epochs (default 0) without improvement of --monitor, keeping the best weights', integer(0))
    .option('--monitor <name>', 'what --early-stopping, a plateau schedule and --checkpoint watch: loss, valLoss (default with validation), valAccuracy, valF1, valAuc, valR2, …')
    .option('--clip-norm <n>', 'scale the gradients to an L2 norm of at most N', positiveNumber)
    .option('--class-weight <weights>', "'balanced' (rows / (classes × rows of the class)) or one weight per class, comma-separated", classWeightFlag)
    .option('--checkpoint <file>', 'after each epoch, write the model with its training state (atomically) to FILE')
    .option('--resume <file>', 'continue training a model saved with its training state (a --checkpoint file), for --epochs more epochs')
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
  const network = await trainedNetwork(options, data.inputs, data.classes, data.y);
  const loss = lossName(network.options.loss);
  const y = targetsFor(data.y, data.classes, loss, network.outputs);
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

/** A new network from --layers and the other flags, or the --resume model with its training state. */
async function trainedNetwork(options: TrainOptions, inputs: number, classes: string[] | null, target: Parameters<typeof targetsFor>[0]): Promise<Network> {
  if (options.resume !== undefined) {
    const network = await Network.load(options.resume, { backend: options.backend });
    if (network.inputs !== inputs) {
      network.dispose();
      throw new ArgumentError(`--resume ${options.resume} takes ${network.inputs} inputs, the data gives ${inputs}`);
    }
    return network;
  }
  if (options.layers === undefined) throw new ArgumentError('--layers is required (unless --resume continues a saved model)');
  const last = options.layers[options.layers.length - 1];
  const loss = options.loss ?? defaultLoss(last);
  // The target's classes against the last layer, in flag terms, before the network's own checks.
  targetsFor(target, classes, loss, last.units);
  const type = options.optimizer;
  return new Network({
    inputs,
    layers: options.layers,
    loss: lossOption(loss, options),
    optimizer: {
      type,
      ...(options.lr === undefined ? {} : { learningRate: options.lr }),
      ...(options.clipNorm === undefined ? {} : { clipNorm: options.clipNorm }),
    } as OptimizerOptions,
    seed: options.seed,
    backend: options.backend,
    inputNormalization: inputNormalization(options),
    classes: networkClasses(classes, loss, last.units),
    precision: options.precision,
  });
}

/** The --early-stopping, --schedule, --class-weight and --checkpoint flags as fit options. */
function trainingControl(options: TrainOptions, network: Network, y: Float32Array | Int32Array, rows: number): FitOptions {
  const monitor = options.monitor === undefined ? {} : { monitor: options.monitor };
  const control: FitOptions = {};
  if (options.earlyStopping !== undefined) {
    control.earlyStopping = { patience: options.earlyStopping === true ? 0 : options.earlyStopping, ...monitor };
  }
  if (options.schedule !== undefined) {
    const schedule = options.schedule;
    control.schedule = typeof schedule !== 'function' && schedule.type === 'plateau' ? { ...schedule, ...monitor } : schedule;
  }
  if (options.classWeight !== undefined) {
    const classes = lossName(network.options.loss) === 'crossEntropy' ? network.outputs : 2;
    control.classWeight =
      options.classWeight === 'balanced' ? balancedClassWeights(classesOf(y, rows, network.outputs), classes) : options.classWeight;
  }
  if (options.checkpoint !== undefined) control.checkpoint = { path: options.checkpoint, ...monitor };
  return control;
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
      ...trainingControl(options, network, split.train.y, split.train.x.length / network.inputs),
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
