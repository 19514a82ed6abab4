/**
 * Backups: the store's data plus the key material without which it is useless (the data key opens
 * sealed secrets; the CA key signs CRLs and new certificates). The embedded store is copied with
 * SQLite's online backup while Tobira runs; MongoDB is backed up with `mongodump` (its data is
 * shared by all nodes and not ours to copy here), so for it the backup holds the keys and CA only.
 */
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class BackupError extends Error {
  readonly code = 'backup_refused';
}

export interface BackupManifest {
  createdAt: string;
  store: string;
  /** Paths relative to the backup folder, with their size and SHA-256, to check a copy before restoring. */
  files: { path: string; bytes: number; sha256: string }[];
  restore: string;
  /** Secrets the operator keeps elsewhere (environment, own CA files): not in this backup. */
  notIncluded: string[];
}

export interface BackupSource {
  storeKind: string;
  /** Copies the database to the given file; absent when the store is backed up by its own tools. */
  snapshot?: (destination: string) => Promise<void>;
  keysDir: string;
  caDir: string;
  notIncluded?: string[];
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(root, path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

export async function createBackup(source: BackupSource, out: string, now: Date): Promise<BackupManifest> {
  const existing = await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) throw new BackupError(`${out} is not empty; a backup never overwrites files`);
  // Secrets inside: only the owner may read the folder.
  await mkdir(out, { recursive: true, mode: 0o700 });
  await chmod(out, 0o700);
  if (source.snapshot) await source.snapshot(path.join(out, 'tobira.db'));
  await cp(source.keysDir, path.join(out, 'keys'), { recursive: true, preserveTimestamps: true });
  await cp(source.caDir, path.join(out, 'ca'), { recursive: true, preserveTimestamps: true });

  const files = [];
  for (const file of (await listFiles(out)).sort()) {
    await chmod(file, 0o600);
    const content = await readFile(file);
    files.push({
      path: path.relative(out, file),
      bytes: (await stat(file)).size,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
  }
  const manifest: BackupManifest = {
    createdAt: now.toISOString(),
    store: source.storeKind,
    files,
    restore: source.snapshot
      ? 'Stop Tobira; copy tobira.db to the SQLite path (TOBIRA_SQLITE_PATH, by default <data dir>/tobira.db) and keys/ and ca/ into the data directory (TOBIRA_DATA_DIR); start it.'
      : 'Restore the database with mongorestore; copy keys/ and ca/ into every node’s data directory; start the nodes.',
    notIncluded: source.notIncluded ?? [],
  };
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}
