/**
 * The test section of a report: a saved model run on labelled data
 * (`backprop report --model … --data …`), or the network `backprop train`
 * just trained, run on its validation rows.
 */
import { lossName } from '../spec';
import * as path from 'node:path';
import { ArgumentError } from '../errors';
import type { Network } from '../index';
import { testResults, type TestResults } from '../report/index';
import { modelInputs, type ModelInputOptions } from './model-inputs';
import { targetsFor } from './targets';

export async function modelTestResults(options: ModelInputOptions): Promise<TestResults> {
  const { network, recipe, x, data } = await modelInputs(options, true);
  try {
    if (data.y === undefined) throw new ArgumentError('--labels is required to test on IDX data');
    const loss = lossName(network.options.loss);
    return testResults({
      source: path.basename(options.data),
      loss,
      outputs: network.outputs,
      rows: data.rows,
      predictions: network.predict(x),
      targets: targetsFor(data.y, data.classes, loss, network.outputs),
      classes: data.classes ?? recipe?.classes ?? null,
    });
  } finally {
    network.dispose();
  }
}

/** The last `rows` rows of `x` and `y` (the targets as fit took them), run through `network`. */
export function validationTestResults(
  network: Network,
  x: Float32Array,
  y: Float32Array | Int32Array,
  rows: number,
  classes: string[] | null,
  source: string,
): TestResults {
  const targetWidth = y.length / (x.length / network.inputs);
  return testResults({
    source,
    loss: lossName(network.options.loss),
    outputs: network.outputs,
    rows,
    predictions: network.predict(x.subarray(x.length - rows * network.inputs)),
    targets: y.subarray(y.length - rows * targetWidth),
    classes,
  });
}
