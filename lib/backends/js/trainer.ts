/**
 * A fit on the js backend. `trainSync` runs on the calling thread; `train`
 * runs the same JsModel code on a worker thread (worker.ts) over the same
 * shared memory, so an async fit gives the bits fitSync gives and the event
 * loop stays free.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BackendError } from '../../errors';
import type { Trainer, TrainingPlan } from '../backend';
import { sharedInt32 } from '../shared-memory';
import type { JsModel } from './model';
import type { WorkerReply, WorkerSetup } from './worker-protocol';

/** The compiled worker: lib/backends/js → dist/backends/js, and dist itself. */
const workerScript = path.join(__dirname, '..', '..', '..', 'dist', 'backends', 'js', 'worker.js');

function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}

export class JsTrainer implements Trainer {
  /** [0] ≠ 0: end the running batches after the current one. */
  private readonly stopFlag = sharedInt32(1);
  private worker: Worker | null = null;

  constructor(
    private readonly model: JsModel,
    private readonly plan: TrainingPlan,
  ) {}

  beginEpoch(): void {}

  trainSync(first: number, count: number): number {
    Atomics.store(this.stopFlag, 0, 0);
    return this.model.trainBatches(this.plan, first, count, this.stopFlag);
  }

  train(first: number, count: number): Promise<number> {
    Atomics.store(this.stopFlag, 0, 0);
    const worker = this.worker ?? this.startWorker();
    worker.ref();
    return new Promise<number>((resolve, reject) => {
      const settle = (reply: WorkerReply) => {
        worker.off('message', settle);
        worker.off('error', fail);
        worker.unref();
        if (reply.kind === 'done') resolve(reply.applied);
        else reject(new BackendError(`the js backend's training thread failed: ${reply.message}`));
      };
      const fail = (error: Error) => settle({ kind: 'failed', message: error.message });
      worker.on('message', settle);
      worker.on('error', fail);
      worker.postMessage({ first, count });
    });
  }

  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  end(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private startWorker(): Worker {
    const { model, plan } = this;
    for (const array of [model.params, model.optimizer.first, plan.x, plan.targets, plan.order, plan.stats]) {
      if (!isShared(array)) throw new BackendError('an async fit on the js backend needs its arrays in shared memory');
    }
    const setup: WorkerSetup = {
      spec: model.spec,
      params: model.params,
      optimizer: model.optimizer,
      plan,
      stopFlag: this.stopFlag,
    };
    this.worker = new Worker(workerScript, { workerData: setup });
    return this.worker;
  }
}
