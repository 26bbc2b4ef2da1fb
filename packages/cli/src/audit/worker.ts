// A worker thread of `fundguard audit` (see coordinator.ts): one AuditShard, driven by messages.
import { parentPort, workerData } from 'node:worker_threads';
import { AuditShard, type BatchTask, type ChunkTask, type ShardSetup } from './shard.ts';

export type WorkerRequest = { type: 'parse'; task: ChunkTask } | { type: 'evaluate'; task: BatchTask } | { type: 'close' };

const { setup, index } = workerData as { setup: ShardSetup; index: number };
const port = parentPort!;
let shard: AuditShard;
try {
  shard = new AuditShard(setup, index);
  port.postMessage({ type: 'ready' });
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
}

port.on('message', (m: WorkerRequest) => {
  try {
    if (m.type === 'parse') port.postMessage({ type: 'parsed', result: shard.parse(m.task) });
    else if (m.type === 'evaluate') port.postMessage({ type: 'evaluated', result: shard.evaluate(m.task) });
    else {
      shard.close();
      port.close();
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
