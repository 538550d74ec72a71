/** A model file with the CLI's data recipe in its safetensors __metadata__. */
import { FormatError, Network, type BackendChoice } from '../index';
import { parseRecipe, RECIPE_KEY, type DataRecipe } from './recipe';

export async function saveModel(network: Network, path: string, recipe: DataRecipe): Promise<void> {
  await network.save(path, { metadata: { [RECIPE_KEY]: JSON.stringify(recipe) } });
}

/** The network and its recipe (null for a file saved by the library rather than by `backprop train`). */
export async function loadModel(path: string, backend: BackendChoice): Promise<{ network: Network; recipe: DataRecipe | null }> {
  const network = await Network.load(path, { backend });
  const metadata = await Network.readMetadata(path);
  const recipe = parseRecipe(metadata[RECIPE_KEY], path);
  if (recipe !== null) checkRecipeWidth(recipe, network.inputs, path);
  return { network, recipe };
}

/** Every width the recipe stores must be the model's: a wider recipe would silently reshape the data. */
function checkRecipeWidth(recipe: DataRecipe, inputs: number, path: string): void {
  const { fill, columns } = recipe;
  const widths: [string, number | undefined][] = [
    ['input columns', columns?.length],
    ['fill values', fill?.length],
  ];
  for (const [what, width] of widths) {
    if (width !== undefined && width !== inputs) {
      throw new FormatError(`${path}: the data recipe's ${what} is ${width} wide, the model takes ${inputs} inputs`);
    }
  }
}
