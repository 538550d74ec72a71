/** A job's training data, as the worker reads it: decoded inline arrays, or a file read with the CLI's loaders. */
import { lossName } from '../spec';
import { loadData } from '../cli/data-source';
import { targetsFor } from '../cli/targets';
import { toRows, toTargets, type Matrix } from '../data';
import { ArgumentError, ShapeError } from '../errors';
import type { Network, TargetInput } from '../network';
import type { FileData, InlineData } from './job';
import { isFileData } from './job';

export interface JobData {
  /** rows × inputs, row-major. */
  x: Float32Array;
  y: Float32Array | Int32Array;
  rows: number;
}

/** `data` has been through decodeTypedArrays: typed arrays are real ones again. Targets come back as fit takes them (labels as Int32Array). */
export async function readJobData(data: InlineData | FileData, network: Network): Promise<JobData> {
  const loss = lossName(network.options.loss);
  if (!isFileData(data)) {
    const { data: x, rows } = toRows(data.x as Matrix, 'job.data.x', network.inputs);
    return { x, rows, y: toTargets(data.y as TargetInput, 'job.data.y', rows, network.outputs, loss) };
  }
  const file = await loadData(
    { data: data.path, labels: data.labels, format: data.format },
    { target: data.target },
    { target: 'job.data.target', columns: 'job.data.columns', drop: 'job.data.drop' },
  );
  if (file.y === undefined) throw new ArgumentError(`job.data.labels is required to train on IDX data (${data.path})`);
  if (file.inputs !== network.inputs) {
    throw new ShapeError(`${data.path} gives ${file.inputs} inputs per row, the network takes ${network.inputs}`);
  }
  const y = targetsFor(file.y, file.classes, loss, network.outputs);
  return { x: file.x, rows: file.rows, y: toTargets(y, `${data.path}: the target`, file.rows, network.outputs, loss) };
}
