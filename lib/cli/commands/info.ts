/** `backprop info`: version, engine, SIMD path, threads, and where the native binary came from (or why not); with --model, the model's summary. */
import { Command } from 'commander';
import { info, Network } from '../../index';

interface InfoOptions {
  json?: boolean;
  model?: string;
}

export function infoCommand(): Command {
  return new Command('info')
    .description("the version, the engine 'auto' uses here, its SIMD path and threads, the native binary or why it did not load")
    .option('--json', 'print a JSON object')
    .option('--model <file>', "also print a saved model's summary (blocks, output widths, parameters) and training state")
    .action((options: InfoOptions) => showInfo(options));
}

async function showInfo(options: InfoOptions): Promise<void> {
  const facts = info();
  const model = options.model === undefined ? null : await Network.load(options.model, { backend: 'js' });
  try {
    if (options.json) {
      const about = model && { summary: model.summary(), options: model.options, epochsTrained: model.epochsTrained, learningRate: model.learningRate };
      process.stdout.write(`${JSON.stringify(model ? { ...facts, model: about } : facts)}\n`);
      return;
    }
    const lines = [
      `version  ${facts.version}`,
      `backend  ${facts.backend}`,
      `isa      ${facts.isa}`,
      `threads  ${facts.threads}`,
      `bfloat16 ${facts.bfloat16}`,
      `binary   ${facts.binary ?? `not loaded: ${facts.nativeError ?? 'unknown reason'}`}`,
    ];
    if (model) {
      lines.push('', `model    ${options.model}: ${model.epochsTrained} epochs trained, learning rate ${model.learningRate}`, model.summary());
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    model?.dispose();
  }
}
