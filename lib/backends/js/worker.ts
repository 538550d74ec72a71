/** The js backend's training thread: JsModel.trainBatches over memory shared with the JS thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { JsModel } from './model';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol';

const setup = workerData as WorkerSetup;
const model = new JsModel(setup.spec, setup.params, setup.optimizer);
const port = parentPort;
if (port === null) throw new Error('lib/backends/js/worker.ts runs only as a worker thread');

port.on('message', ({ first, count }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { kind: 'done', applied: model.trainBatches(setup.plan, first, count, setup.stopFlag) };
  } catch (error) {
    reply = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
