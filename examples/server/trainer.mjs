// One model trained in the background. fit() runs off the event loop, so
// the server keeps answering while it trains; predict() reads the weights as
// they stand between two batches. The model is kept after training ends or
// is stopped, until the next POST /train replaces it.
import { ArgumentError, Network } from 'backprop';
import { epochRecord } from 'backprop/report';
import { DATASETS, builtInDataset } from './datasets.mjs';
import { HttpError, requireObject } from './http-json.mjs';

const TRAIN_KEYS = ['dataset', 'data', 'samples', 'layers', 'loss', 'optimizer', 'epochs', 'batchSize', 'seed'];

function integerField(body, key, fallback, min) {
  const value = body[key] ?? fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new HttpError(400, `${key} must be an integer ≥ ${min}`);
  return value;
}

/** The data and network options a POST /train body asks for (a built-in data set, or its own rows). */
function trainingRequest(body) {
  requireObject(body, 'the body');
  const unknown = Object.keys(body).filter((key) => !TRAIN_KEYS.includes(key));
  if (unknown.length > 0) throw new HttpError(400, `unknown field(s) ${unknown.join(', ')}; expected ${TRAIN_KEYS.join(', ')}`);
  const epochs = integerField(body, 'epochs', 20, 1);
  const batchSize = integerField(body, 'batchSize', 32, 1);
  const seed = integerField(body, 'seed', 1, 0);
  let x;
  let y;
  let network;
  let dataset;
  if (body.data !== undefined) {
    if (body.dataset !== undefined) throw new HttpError(400, 'give either dataset or data, not both');
    const data = requireObject(body.data, 'data');
    if (!Array.isArray(data.x) || !Array.isArray(data.x[0]) || !Array.isArray(data.y)) {
      throw new HttpError(400, 'data must be { x: [[...], ...] (rows), y: rows or class labels }');
    }
    if (!Array.isArray(body.layers)) throw new HttpError(400, 'layers is required with data (e.g. [{"units":8,"activation":"tanh"},{"units":1}])');
    ({ x, y } = data);
    network = { inputs: x[0].length, layers: body.layers, loss: body.loss, optimizer: body.optimizer };
    dataset = 'data';
  } else {
    dataset = body.dataset ?? 'spirals';
    if (!DATASETS.includes(dataset)) throw new HttpError(400, `dataset must be one of ${DATASETS.join(', ')}`);
    const samples = integerField(body, 'samples', 3000, 3);
    const builtIn = builtInDataset(dataset, { samples, seed });
    ({ x, y } = builtIn);
    network = { ...builtIn.network };
    for (const key of ['layers', 'loss', 'optimizer']) if (body[key] !== undefined) network[key] = body[key];
  }
  return { dataset, x, y, network: { ...network, seed }, epochs, batchSize };
}

/** Runs `build`, turning the library's argument errors (bad options, shapes, values) into 400s. */
function asBadRequest(build) {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArgumentError) throw new HttpError(400, error.message);
    throw error;
  }
}

export class Trainer {
  #net = null;
  #controller = null;
  #run = null;
  #status = { state: 'idle' };
  /** The run being drawn on the status page: one line per finished epoch, as a run log holds them. */
  #curves = null;

  /** Starts training in the background; throws an HttpError for a bad request or while training runs. */
  start(body) {
    if (this.#run) throw new HttpError(409, 'a training is running; POST /stop first');
    const request = trainingRequest(body);
    const net = asBadRequest(() => new Network(request.network));
    // evaluate() checks the data exactly as fit() will, but synchronously, so
    // bad shapes are answered with a 400 instead of a failed background job.
    let initial;
    try {
      initial = asBadRequest(() => net.evaluate(request.x, request.y));
    } catch (error) {
      net.dispose();
      throw error;
    }
    this.#net?.dispose();
    this.#net = net;
    this.#controller = new AbortController();
    const started = performance.now();
    this.#status = {
      state: 'training',
      dataset: request.dataset,
      backend: net.backend,
      epoch: 0,
      epochs: request.epochs,
      batch: 0,
      batches: 0,
      progress: 0,
      loss: initial.loss,
      accuracy: initial.accuracy,
      samplesPerSecond: 0,
      seconds: 0,
    };
    const status = this.#status;
    const curves = { name: request.dataset, header: null, epochs: [] };
    this.#curves = curves;
    const rate = net.options.optimizer.learningRate;
    const elapsed = () => (performance.now() - started) / 1000;
    this.#run = net
      .fit(request.x, request.y, {
        epochs: request.epochs,
        batchSize: request.batchSize,
        signal: this.#controller.signal,
        onBatchEnd: ({ epoch, batch, batches, samplesPerSecond }) => {
          Object.assign(status, { batch, batches, samplesPerSecond, seconds: elapsed() });
          status.progress = ((epoch - 1) * batches + batch) / (request.epochs * batches);
        },
        onEpochEnd: (log) => {
          const { epoch, loss, accuracy, samplesPerSecond } = log;
          Object.assign(status, { epoch, loss, accuracy, samplesPerSecond, seconds: elapsed() });
          curves.epochs.push(epochRecord(log, rate));
        },
      })
      .then(
        (history) => Object.assign(status, { state: history.aborted ? 'stopped' : 'done', seconds: elapsed() }),
        (error) => Object.assign(status, { state: 'failed', error: error.message, seconds: elapsed() }),
      )
      .finally(() => {
        this.#run = null;
        this.#controller = null;
      });
    return { state: status.state, dataset: status.dataset, epochs: status.epochs, backend: net.backend };
  }

  status() {
    return { ...this.#status };
  }

  /** The epochs of the latest training so far, `{ runs }` as the status page draws them. */
  curves() {
    return { runs: this.#curves === null ? [] : [this.#curves] };
  }

  /** Outputs for these rows from the model as it stands now, training or not. */
  predict(body) {
    if (!this.#net) throw new HttpError(409, 'no model yet; POST /train first');
    const { rows } = requireObject(body, 'the body');
    if (!Array.isArray(rows) || rows.length === 0) throw new HttpError(400, 'rows must be a non-empty array of input rows');
    const flat = asBadRequest(() => this.#net.predict(rows));
    const width = this.#net.outputs;
    const outputs = [];
    for (let i = 0; i < flat.length; i += width) outputs.push(Array.from(flat.subarray(i, i + width)));
    return { outputs, training: this.#run !== null, epoch: this.#status.epoch };
  }

  /** Stops a running training between two batches and resolves once it has stopped; the model is kept. */
  async stop() {
    if (!this.#run) throw new HttpError(409, 'no training is running');
    const run = this.#run;
    this.#controller.abort();
    await run;
    return this.status();
  }

  /** Stops training (if any) and frees the model. */
  async close() {
    if (this.#run) await this.stop();
    this.#net?.dispose();
    this.#net = null;
  }
}
