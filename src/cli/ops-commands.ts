/** Operator commands for running Tobira: backups and key rotation. */
import { parseArgs } from 'node:util';
import { SqliteStore } from '../../adapters/sqlite/index.js';
import type { Tobira } from '../app.js';
import { resolveDataPath } from '../config.js';
import { rotateKeys } from '../keys.js';
import { createBackup } from '../ops/backup.js';
import { UsageError, type Print } from './usage.js';

/** `backup --out DIR`: the SQLite database (online copy) plus keys and CA, with a manifest of hashes. */
export async function backup(tobira: Tobira, argv: string[], print: Print): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  if (!values.out) throw new UsageError('--out is required (a new or empty folder)');
  const { config, store } = tobira;
  const notIncluded = [
    ...(config.dataKey ? ['TOBIRA_DATA_KEY (set in the environment)'] : []),
    ...(config.cookieKeys ? ['TOBIRA_COOKIE_KEYS (set in the environment)'] : []),
    ...(config.caKeyPassphrase ? ['TOBIRA_CA_KEY_PASSPHRASE (set in the environment)'] : []),
    ...(config.caCertFile || config.caKeyFile ? ['the operator-supplied CA files'] : []),
    ...(config.tlsCertFile || config.tlsKeyFile ? ['the operator-supplied TLS files'] : []),
  ];
  const manifest = await createBackup(
    {
      storeKind: store.kind,
      ...(store instanceof SqliteStore ? { snapshot: (file: string) => store.backup(file) } : {}),
      keysDir: resolveDataPath(config, 'keys'),
      caDir: resolveDataPath(config, 'ca'),
      notIncluded,
    },
    values.out,
    tobira.clock.now(),
  );
  await tobira.audit.record({
    actor: 'cli',
    action: 'backup.created',
    details: { files: manifest.files.length },
  });
  print(
    `backup written to ${values.out} (${manifest.files.length} files, manifest.json lists their SHA-256)`,
  );
  if (!(store instanceof SqliteStore))
    print('the MongoDB data itself is not in it: back it up with mongodump');
  for (const item of notIncluded) print(`not included, keep it safe yourself: ${item}`);
  print(`restore: ${manifest.restore}`);
}

/** `keys rotate`: new signing and cookie keys; the previous ones stay for verification. */
export async function keysRotate(tobira: Tobira, _argv: string[], print: Print): Promise<void> {
  const rotation = await rotateKeys(resolveDataPath(tobira.config, 'keys'));
  await tobira.audit.record({ actor: 'cli', action: 'keys.rotated', details: { ...rotation.signing } });
  print(`signing keys now: ${rotation.signing.active.join(', ')}`);
  print(`kept for verification: ${rotation.signing.retired.join(', ') || '—'}`);
  if (rotation.signing.dropped.length) print(`removed: ${rotation.signing.dropped.join(', ')}`);
  if (tobira.config.cookieKeys)
    print('TOBIRA_COOKIE_KEYS is set in the environment: put a new key first there yourself');
  print('restart every Tobira node so they all sign with the new keys');
}
