/**
 * The demo relying party `tobira start --demo` runs beside the server: in the single process, or in the
 * cluster's primary (once). openid-client and the RP's routes load only then.
 */
import type { Config } from '../config.js';
import type { DemoStatus } from '../services/demo.js';
import { printDemo } from './demo-banner.js';

export type Closer = () => Promise<void>;

export const demoRedirectUri = (port: number): string => `http://localhost:${port}/callback`;

export async function startDemoRp(config: Config, demo: DemoStatus, caPem: string): Promise<Closer> {
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
