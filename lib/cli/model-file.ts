/** A model file with the CLI's data recipe in its safetensors __metadata__. */
import { Network, type BackendChoice } from '../index';
import { parseRecipe, RECIPE_KEY, type DataRecipe } from './recipe';

export async function saveModel(network: Network, path: string, recipe: DataRecipe): Promise<void> {
  await network.save(path, { metadata: { [RECIPE_KEY]: JSON.stringify(recipe) } });
}

/** The network and its recipe (null for a file saved by the library rather than by `backprop train`). */
export async function loadModel(path: string, backend: BackendChoice): Promise<{ network: Network; recipe: DataRecipe | null }> {
  const network = await Network.load(path, { backend });
  const metadata = await Network.readMetadata(path);
  return { network, recipe: parseRecipe(metadata[RECIPE_KEY], path) };
}
