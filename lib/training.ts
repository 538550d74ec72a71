/**
 * The training loop of fit/fitSync, written once as a generator: it yields
 * each chunk of batches for the driver to run (synchronously, on the JS
 * thread between event-loop turns, or off-thread), and `null` where an async
 * driver should let the event loop run.
 */
import type { EngineModel, LossName, Targets, TrainChunk } from './backends/backend';
import { DivergenceError } from './errors';
import type { Rng } from './rng';

export interface BatchLog {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  /** Mean loss of the batch, before its step. */
  loss: number;
  /** Fraction correct in the batch (crossEntropy, binaryCrossEntropy). */
  accuracy?: number;
  size: number;
  /** Training samples per second in this epoch so far. */
  samplesPerSecond: number;
}

export interface EpochLog {
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch's samples (each batch's loss before its step). */
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Training samples per second in this epoch (validation excluded). */
  samplesPerSecond: number;
  seconds: number;
}

export interface History {
  /** Completed epochs. */
  epochs: number;
  loss: number[];
  /** Empty for mse. */
  accuracy: number[];
  /** Empty without validation data. */
  valLoss: number[];
  valAccuracy: number[];
  /** True when the signal stopped training early (weights are those after the last applied batch). */
  aborted: boolean;
  /** Training samples per second over the whole fit. */
  samplesPerSecond: number;
}

export interface DataSet {
  readonly x: Float32Array;
  readonly targets: Targets;
  readonly rows: number;
}

export interface TrainingPlan {
  readonly train: DataSet;
  readonly validation?: DataSet;
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly loss: LossName;
  readonly inputs: number;
  readonly outputs: number;
  readonly signal?: AbortSignal;
  readonly onEpochEnd?: (log: EpochLog) => void;
  readonly onBatchEnd?: (log: BatchLog) => void;
}

/** Decides how many batches the next chunk holds; the driver learns from timing. */
export interface ChunkSizer {
  next(remaining: number): number;
}

/** Rows per evaluation call, so the JS engine never holds the event loop long. */
const EVALUATION_BLOCK = 64;

/** How many predictions a loss's `correct` count is out of, per row. */
function predictionsPerRow(loss: LossName, outputs: number): number {
  return loss === 'binaryCrossEntropy' ? outputs : loss === 'crossEntropy' ? 1 : 0;
}

function* evaluateInBlocks(
  model: EngineModel,
  data: DataSet,
  inputs: number,
  targetWidth: number,
): Generator<null, { loss: number; correct: number }, number> {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.rows; start += EVALUATION_BLOCK) {
    const rows = Math.min(EVALUATION_BLOCK, data.rows - start);
    const result = model.evaluate(
      data.x.subarray(start * inputs, (start + rows) * inputs),
      data.targets.subarray(start * targetWidth, (start + rows) * targetWidth),
      rows,
    );
    lossSum += result.loss * rows;
    correct += result.correct;
    yield null;
  }
  return { loss: lossSum / data.rows, correct };
}

export function* trainingRun(
  model: EngineModel,
  plan: TrainingPlan,
  rng: Rng,
  sizer: ChunkSizer,
): Generator<TrainChunk | null, History, number> {
  const { train, batchSize, epochs } = plan;
  const perRow = predictionsPerRow(plan.loss, plan.outputs);
  const targetWidth = (t: Targets) => (t instanceof Int32Array ? 1 : plan.outputs);
  const batches = Math.ceil(train.rows / batchSize);
  const order = new Int32Array(train.rows);
  const stats = new Float64Array(2 * batches);
  const history: History = { epochs: 0, loss: [], accuracy: [], valLoss: [], valAccuracy: [], aborted: false, samplesPerSecond: 0 };
  let trainedSamples = 0;
  let trainingSeconds = 0;

  for (let epoch = 1; epoch <= epochs && !history.aborted; epoch++) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (plan.shuffle) rng.shuffle(order);
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    for (let batch = 0; batch < batches; ) {
      if (plan.signal?.aborted) {
        history.aborted = true;
        break;
      }
      const count = Math.max(1, Math.min(sizer.next(batches - batch), batches - batch));
      const chunk: TrainChunk = {
        x: train.x,
        targets: train.targets,
        order,
        batchSize,
        firstBatch: batch,
        batchCount: count,
        stats: stats.subarray(2 * batch, 2 * (batch + count)),
      };
      const applied = yield chunk;
      const elapsed = (performance.now() - started) / 1000;
      for (let j = 0; j < applied; j++) {
        const b = batch + j;
        const size = Math.min(batchSize, train.rows - b * batchSize);
        const loss = stats[2 * b];
        lossSum += loss * size;
        correct += stats[2 * b + 1];
        samples += size;
        plan.onBatchEnd?.({
          epoch,
          batch: b + 1,
          batches,
          loss,
          ...(perRow ? { accuracy: stats[2 * b + 1] / (size * perRow) } : {}),
          size,
          samplesPerSecond: samples / elapsed,
        });
      }
      if (applied < count) {
        const failed = batch + applied;
        const loss = stats[2 * failed];
        if (!Number.isFinite(loss)) {
          throw new DivergenceError(
            `training diverged: the loss became ${loss} in epoch ${epoch}, batch ${failed + 1}; that batch was not applied, and the network keeps its last finite weights`,
            epoch,
            failed + 1,
          );
        }
        history.aborted = true;
      }
      batch += applied;
      if (history.aborted) break;
    }
    const seconds = (performance.now() - started) / 1000;
    trainedSamples += samples;
    trainingSeconds += seconds;
    if (history.aborted) break;

    const log: EpochLog = {
      epoch,
      epochs,
      loss: lossSum / samples,
      samplesPerSecond: samples / seconds,
      seconds,
    };
    history.loss.push(log.loss);
    if (perRow) {
      log.accuracy = correct / (samples * perRow);
      history.accuracy.push(log.accuracy);
    }
    if (plan.validation) {
      const result = yield* evaluateInBlocks(model, plan.validation, plan.inputs, targetWidth(plan.validation.targets));
      log.valLoss = result.loss;
      history.valLoss.push(result.loss);
      if (perRow) {
        log.valAccuracy = result.correct / (plan.validation.rows * perRow);
        history.valAccuracy.push(log.valAccuracy);
      }
    }
    history.epochs = epoch;
    plan.onEpochEnd?.(log);
  }
  history.samplesPerSecond = trainingSeconds > 0 ? trainedSamples / trainingSeconds : 0;
  return history;
}
