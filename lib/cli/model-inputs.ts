/**
 * A saved model and data to run it on, read the way `backprop train` read
 * its training data: the same input columns, class names and empty-cell
 * values. The network applies its own input normalization.
 */
import { ShapeError } from '../errors';
import type { Network } from '../index';
import type { BackendChoice } from '../spec';
import { loadData, type DataFiles, type LoadedData } from './data-source';
import { fillMissing } from './fill-missing';
import { loadModel } from './model-file';
import type { DataRecipe } from './recipe';

export interface ModelInputOptions extends DataFiles {
  model: string;
  backend: BackendChoice;
  target?: string;
}

export interface ModelInputs {
  network: Network;
  recipe: DataRecipe | null;
  /** Inputs as train read them (empty cells filled), before the network's normalization. */
  x: Float32Array;
  data: LoadedData;
}

/** `withTarget`: also read the target (evaluate); otherwise the file's target column, if any, is ignored. */
export async function modelInputs(options: ModelInputOptions, withTarget: boolean): Promise<ModelInputs> {
  const { network, recipe } = await loadModel(options.model, options.backend);
  try {
    const data = await loadData(
      options,
      {
        columns: recipe?.columns ?? undefined,
        target: withTarget ? (options.target ?? recipe?.target ?? undefined) : false,
        classes: recipe?.classes ?? undefined,
        missing: recipe?.fill ? 'nan' : 'error',
      },
      { columns: "the model's input column", target: options.target === undefined ? "the model's target column" : '--target' },
    );
    if (data.inputs !== network.inputs) {
      throw new ShapeError(`${options.data} gives ${data.inputs} inputs per row, the model takes ${network.inputs}`);
    }
    if (recipe?.fill) fillMissing(data.x, recipe.fill);
    return { network, recipe, x: data.x, data };
  } catch (error) {
    network.dispose();
    throw error;
  }
}
