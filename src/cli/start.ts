/**
 * `tobira start`: one process (TOBIRA_WORKERS=1), or a supervising primary with that many workers on
 * one port (node:cluster, src/cluster/). The primary prepares what must exist once — data directory,
 * keys, CA, store schema and migrations, the demo records — by building Tobira once and closing it,
 * so workers never race to create them; then it forks. Jobs that need to run once per service run in
 * worker 0 (retention purge, expiry reminders); the outbox worker runs in every worker (mail is claimed
 * with a lease); the demo relying party runs in the primary, once.
 */
import cluster from 'node:cluster';
import { buildTobira, type Tobira } from '../app.js';
import { localBus, workerBus, type ClusterBus, type WorkerChannel } from '../cluster/bus.js';
import { superviseWorkers } from '../cluster/primary.js';
import { WORKER_SLOT_ENV } from '../cluster/protocol.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { startServer } from '../server.js';
import { ensureDemo, type DemoStatus } from '../services/demo.js';
import { printDemo } from './demo-banner.js';
import { recordIssuer } from './issuer-file.js';

export const demoRedirectUri = (port: number): string => `http://localhost:${port}/callback`;

type Closer = () => Promise<void>;

/** SIGTERM / SIGINT (both arrive on Ctrl-C in a terminal): run the closers once, then exit. */
function closeOnSignal(log: Tobira['log'], closers: Closer[]): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    for (const close of closers) await close().catch(() => undefined);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));
}

async function startDemoRp(config: Config, demo: DemoStatus, caPem: string): Promise<Closer> {
  const { startDemoRp: start } = await import('../demo/relying-party.js');
  const rp = await start({
    issuer: config.issuer,
    clientId: demo.clientId,
    clientSecret: demo.clientSecret,
    port: config.demoRpPort,
    host: 'localhost',
    caPem,
  });
  printDemo(demo, { tobira: config.issuer, rp: rp.url });
  return rp.close;
}

/** A process that serves: the single one, or a worker of the cluster (`bus` says which). */
async function serve(config: Config, bus: ClusterBus, demo: boolean): Promise<void> {
  const tobira = await buildTobira(config, { bus });
  const server = await startServer(tobira);
  const closers: Closer[] = [server.close, tobira.close];
  if (bus.workers === 1) {
    await recordIssuer(config);
    tobira.log.info('tobira started', {
      listen: server.url,
      issuer: config.issuer,
      store: tobira.store.kind,
    });
    if (demo) {
      const status = await ensureDemo(tobira, { redirectUri: demoRedirectUri(config.demoRpPort) });
      closers.unshift(await startDemoRp(config, status, tobira.ca.certificatePem));
    }
  } else {
    process.send?.({ tobira: 'ready', url: server.url });
  }
  tobira.outbox.start();
  if (bus.slot === 0) {
    tobira.retention.start();
    tobira.expiryReminders.start();
  }
  closeOnSignal(tobira.log, closers);
}

/** The primary: prepare once, check the store allows several processes, fork, supervise. */
async function supervise(config: Config, demo: boolean): Promise<void> {
  const log = createLogger(config.logLevel);
  const tobira = await buildTobira(config, { log });
  let status: DemoStatus | null = null;
  try {
    if (tobira.store.multiProcess === false)
      throw new ConfigError(
        `invalid configuration TOBIRA_WORKERS (workers) = ${config.workers}: this store is correct in one process only (FerretDB: not atomic across connections); set TOBIRA_WORKERS=1 or use MongoDB`,
      );
    if (demo) status = await ensureDemo(tobira, { redirectUri: demoRedirectUri(config.demoRpPort) });
  } finally {
    await tobira.close();
  }
  await recordIssuer(config);
  const supervision = superviseWorkers({ workers: config.workers, log });
  const closers: Closer[] = [];
  const listening = await Promise.race([supervision.ready, supervision.done.then(() => null)]);
  if (listening) {
    log.info('tobira started', {
      listen: listening,
      issuer: config.issuer,
      store: tobira.store.kind,
      workers: config.workers,
    });
    if (status) closers.push(await startDemoRp(config, status, tobira.ca.certificatePem));
  }
  const code = await supervision.done;
  for (const close of closers) await close().catch(() => undefined);
  process.exit(code);
}

export async function start(demo: boolean): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) {
    const slot = Number(process.env[WORKER_SLOT_ENV] ?? 0);
    const channel = process as unknown as WorkerChannel;
    return serve(config, workerBus({ slot, workers: config.workers, channel }), false);
  }
  if (config.workers === 1) return serve(config, localBus(), demo);
  return supervise(config, demo);
}
