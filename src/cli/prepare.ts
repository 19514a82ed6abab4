/**
 * What must exist once before a cluster's workers start — data directory, keys, CA, store schema and
 * migrations, the one-time sealing passes, the demo records — made by building Tobira once and closing
 * it, so that workers never race to create them. It runs in a process of its own that the primary
 * forks and that then exits (src/cluster/preparation.ts): the primary, which only supervises, never
 * loads the server (≈ 50 MiB it would keep for its lifetime).
 */
import { buildTobira } from '../app.js';
import type { Prepared } from '../cluster/protocol.js';
import { ConfigError, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { ensureDemo } from '../services/demo.js';
import { demoRedirectUri } from './demo-rp.js';

/** Prepares, or throws (a refusal: the process says it in one line and exits 1). */
export async function prepare(config: Config, demo: boolean): Promise<Prepared> {
  const tobira = await buildTobira(config, { log: createLogger(config.logLevel) });
  try {
    if (tobira.store.multiProcess === false)
      throw new ConfigError(
        `invalid configuration TOBIRA_WORKERS (workers) = ${config.workers}: this store is correct in one process only (FerretDB: not atomic across connections); set TOBIRA_WORKERS=1 or use MongoDB`,
      );
    const status = demo
      ? await ensureDemo(tobira, { redirectUri: demoRedirectUri(config.demoRpPort) })
      : null;
    return { tobira: 'prepared', store: tobira.store.kind, caPem: tobira.ca.certificatePem, demo: status };
  } finally {
    await tobira.close();
  }
}
