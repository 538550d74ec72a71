/** `backprop export`: a saved model as an ONNX file, with its data recipe folded in. */
import { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic-file';
import { networkToOnnx } from '../../onnx/network';
import { loadModel } from '../model-file';
import { RECIPE_KEY } from '../recipe';

interface ExportOptions {
  model: string;
  out: string;
}

export function exportCommand(): Command {
  return new Command('export')
    .description(
      'write a saved model as ONNX (for ONNX Runtime and other ONNX tools). The statistics of --scale / --standardize ' +
        'are folded in as the first nodes, so the ONNX model takes the raw input columns, as predict does; ' +
        'its input is "input" [N, columns], its output "output" [N, outputs] (probabilities for softmax)',
    )
    .requiredOption('--model <file>', 'model written by backprop train (or Network.save)')
    .requiredOption('--out <file>', 'ONNX file to write (atomically)')
    .action((options: ExportOptions) => exportModel(options));
}

async function exportModel(options: ExportOptions): Promise<void> {
  // Any engine holds the same weights; the pure-TS one needs no addon.
  const { network, recipe } = await loadModel(options.model, 'js');
  try {
    // The network carries its input normalization: the export folds it in.
    const bytes = networkToOnnx(network, { metadata: recipe ? { [RECIPE_KEY]: JSON.stringify(recipe) } : {} });
    await writeFileAtomic(options.out, bytes);
    const columns = recipe?.columns ? ` (${recipe.columns.join(', ')})` : '';
    process.stderr.write(`wrote ${options.out}: input [N, ${network.inputs}]${columns}, output [N, ${network.outputs}]\n`);
  } finally {
    network.dispose();
  }
}
