/** One real Tobira per suite: temp data dir, real store, CA and HTTPS listener on a free port. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildTobira, type Tobira } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Store } from '../../src/store.js';
import { withDatabase } from './mongo-uri.js';

// Every `tobira start` a test spawns inherits this: one process, not one per core (the suite would
// multiply its processes). A test that wants workers sets TOBIRA_WORKERS in the child's environment.
process.env.TOBIRA_WORKERS ??= '1';

export interface TestTobira {
  tobira: Tobira;
  server: RunningServer;
  /** The issuer, e.g. https://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startTestTobira(
  options: { config?: Partial<Config>; clock?: Clock; dataDir?: string; store?: Store; log?: Logger } = {},
): Promise<TestTobira> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tobira-test-')));
  const port = await freePort();
  // test/integration/mongo-store.test.ts re-runs suites with TOBIRA_TEST_STORE=mongodb: a fresh database each.
  const mongoBase =
    process.env.TOBIRA_TEST_STORE === 'mongodb' ? process.env.TOBIRA_TEST_MONGODB_URI : undefined;
  const storeConfig = mongoBase
    ? {
        store: 'mongodb' as const,
        mongodbUri: withDatabase(mongoBase, `tobira_it_${randomBytes(6).toString('hex')}`),
      }
    : {};
  const config = loadConfig(
    {},
    {
      dataDir,
      issuer: `https://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      logLevel: 'silent',
      ...storeConfig,
      ...options.config,
    },
  );
  const tobira = await buildTobira(config, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.store ? { store: options.store } : {}),
    log: options.log ?? createLogger((process.env.TOBIRA_TEST_LOG as 'debug' | undefined) ?? 'silent'),
  });
  const server = await startServer(tobira, { host: '127.0.0.1', port });
  return {
    tobira,
    server,
    url: config.issuer,
    dataDir,
    async close() {
      await server.close();
      await tobira.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
