/**
 * A process that serves: the single one (`tobira start` with one worker), or a worker of the cluster
 * (`bus` says which). Loaded only there, never by the cluster's primary (start.ts).
 */
import { buildTobira, type Tobira } from '../app.js';
import type { ClusterBus } from '../cluster/bus.js';
import type { Config } from '../config.js';
import { startServer } from '../server.js';
import { ensureDemo } from '../services/demo.js';
import { demoRedirectUri, startDemoRp, type Closer } from './demo-rp.js';
import { recordIssuer } from './issuer-file.js';

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

export async function serve(config: Config, bus: ClusterBus, demo: boolean): Promise<void> {
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
