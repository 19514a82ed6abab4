/**
 * `tobira start`: one process (TOBIRA_WORKERS=1), or a supervising primary with that many workers on
 * one port (node:cluster, src/cluster/). What must exist once — data directory, keys, CA, store schema
 * and migrations, the demo records — is prepared first, in a process of its own (prepare.ts), so workers
 * never race to create them and the primary never loads the server; then it forks. Jobs that need to run once per service run in
 * worker 0 (retention purge, expiry reminders); the outbox worker runs in every worker (mail is claimed
 * with a lease); the demo relying party runs in the primary, once.
 */
import cluster from 'node:cluster';
import { localBus, workerBus, type WorkerChannel } from '../cluster/bus.js';
import { checkpointInPrimary } from '../cluster/checkpoints.js';
import { prepareInOwnProcess } from '../cluster/preparation.js';
import { superviseWorkers } from '../cluster/primary.js';
import { PREPARE_ENV, WORKER_SLOT_ENV } from '../cluster/protocol.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { startDemoRp, type Closer } from './demo-rp.js';
import { recordIssuer } from './issuer-file.js';

/**
 * The primary: prepare once (in a process of its own: prepare.ts, which also refuses several workers on
 * a store correct in one process only), fork, supervise, and run SQLite's checkpoints
 * (cluster/checkpoints.ts). It loads neither the server nor the store (only SQLite's driver for those).
 */
async function supervise(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const prepared = await prepareInOwnProcess();
  if ('failed' in prepared) process.exit(prepared.failed);
  await recordIssuer(config);
  const closers: Closer[] = [];
  if (prepared.store === 'sqlite') closers.push(await checkpointInPrimary(config, log));
  const supervision = superviseWorkers({ workers: config.workers, log });
  const listening = await Promise.race([supervision.ready, supervision.done.then(() => null)]);
  if (listening) {
    log.info('tobira started', {
      listen: listening,
      issuer: config.issuer,
      store: prepared.store,
      workers: config.workers,
    });
    if (prepared.demo) closers.push(await startDemoRp(config, prepared.demo, prepared.caPem));
  }
  const code = await supervision.done;
  for (const close of closers) await close().catch(() => undefined);
  process.exit(code);
}

export async function start(demo: boolean): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker && process.env[PREPARE_ENV]) {
    const prepared = await (await import('./prepare.js')).prepare(config, demo);
    process.send!(prepared, undefined, undefined, () => process.exit(0));
    return;
  }
  if (cluster.isWorker) {
    const { serve } = await import('./serve.js');
    const slot = Number(process.env[WORKER_SLOT_ENV] ?? 0);
    const channel = process as unknown as WorkerChannel;
    return serve(config, workerBus({ slot, workers: config.workers, channel }), false);
  }
  if (config.workers === 1) return (await import('./serve.js')).serve(config, localBus(), demo);
  return supervise(config);
}
