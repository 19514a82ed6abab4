/**
 * One issuer for the server and the CLI. Both read the same configuration (`loadConfig`: TOBIRA_*
 * environment and `TOBIRA_CONFIG_FILE`), and `tobira start` also records the issuer it serves in
 * `<dataDir>/issuer`. A command run in another terminal — whose environment may lack the server's
 * `TOBIRA_PORT` or `TOBIRA_ISSUER` — uses that recorded issuer unless its own configuration names
 * the issuer, host or port, so the links it prints (enrollment URLs) point at the running server.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { configuredKeys, loadConfig, resolveDataPath, type Config } from '../config.js';

const ISSUER_FILE = 'issuer';

/** At start: what the server serves, for the CLI. */
export async function recordIssuer(config: Config): Promise<void> {
  await writeFile(resolveDataPath(config, ISSUER_FILE), `${config.issuer}\n`, { mode: 0o644 });
}

/** The configuration a one-shot command runs with: the server's, with the issuer it recorded. */
export async function loadCommandConfig(env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const config = loadConfig(env);
  const configured = configuredKeys(env);
  if (['issuer', 'host', 'port'].some((key) => configured.has(key))) return config;
  const recorded = await readFile(resolveDataPath(config, ISSUER_FILE), 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  // A bad recorded value fails like a bad TOBIRA_ISSUER would, naming the key.
  return recorded ? loadConfig(env, { issuer: recorded }) : config;
}
