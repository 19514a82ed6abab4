/** The SQLite database (password hashes, sealed secrets) and its WAL files are readable by the owner only. */
import { expect } from 'chai';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestTobira } from '../helpers/tobira.js';

describe('security: SQLite file modes', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-modes-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const sqliteFiles = async (dataDir: string) =>
    (await readdir(dataDir, { recursive: true }))
      .filter((f) => /\.(db|sqlite3?)(-wal|-shm)?$/.test(f))
      .map((f) => path.join(dataDir, f));

  it('creates the database, -wal and -shm files 0600 whatever the umask', async function () {
    const previous = process.umask(0o022);
    try {
      const t = await startTestTobira({ dataDir: dir });
      try {
        await t.tobira.store.listTenants();
        const files = await sqliteFiles(dir);
        expect(files.map((f) => path.basename(f)).join(' '))
          .to.match(/-wal/)
          .and.match(/-shm/);
        for (const file of files) expect((statSync(file).mode & 0o777).toString(8), file).to.equal('600');
      } finally {
        await t.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it('tightens a database file made readable to others before', async function () {
    const sqlitePath = path.join(dir, 'old.db');
    writeFileSync(sqlitePath, '');
    chmodSync(sqlitePath, 0o644);
    const t = await startTestTobira({ dataDir: dir, config: { sqlitePath } });
    try {
      expect((statSync(sqlitePath).mode & 0o777).toString(8)).to.equal('600');
    } finally {
      await t.close();
    }
  });
});
