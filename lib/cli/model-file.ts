/**
 * A model file with the CLI's data recipe in its safetensors __metadata__.
 *
 * Interim: Network.save() cannot add metadata yet, so this writes the same
 * bytes save() would (via the model-file encoder) plus one metadata entry.
 * Once the facade has `save(path, { metadata })` and
 * `Network.readMetadata(path)`, both functions become one call each.
 */
import { promises as fs } from 'node:fs';
import { Network, type BackendChoice } from '../index';
import { writeFileAtomic } from '../io/atomic-file';
import { stateFromJSON, stateToSafetensors } from '../io/model-file';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors';
import { parseRecipe, RECIPE_KEY, type DataRecipe } from './recipe';

export async function saveModel(network: Network, path: string, recipe: DataRecipe): Promise<void> {
  const { tensors, metadata } = decodeSafetensors(stateToSafetensors(stateFromJSON(network.toJSON())), path);
  await writeFileAtomic(path, encodeSafetensors(tensors, { ...metadata, [RECIPE_KEY]: JSON.stringify(recipe) }));
}

/** The network and its recipe (null for a file saved by the library rather than by `backprop train`). */
export async function loadModel(path: string, backend: BackendChoice): Promise<{ network: Network; recipe: DataRecipe | null }> {
  const network = await Network.load(path, { backend });
  const { metadata } = decodeSafetensors(await fs.readFile(path), path);
  return { network, recipe: parseRecipe(metadata[RECIPE_KEY], path) };
}
