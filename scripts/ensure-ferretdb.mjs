// FerretDB, the MongoDB-compatible server the MongoDB store's tests run against (test/helpers/ferretdb.ts),
// built from source with Go into var/tools/ferretdb-<version>/ferretdb (git-ignored), once per version.
// Never fatal: without Go or the module proxy, the MongoDB tests are skipped under names that say why.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { module: MODULE, version: VERSION } = JSON.parse(
  readFileSync(path.join(ROOT, 'scripts/ferretdb.json'), 'utf8'),
);
const DIR = path.join(ROOT, 'var/tools', `ferretdb-${VERSION}`);
export const FERRETDB_BINARY = path.join(DIR, 'ferretdb');

const run = (command, args, options = {}) => spawnSync(command, args, { encoding: 'utf8', ...options });
const say = (text) => console.log(`ensure-ferretdb: ${text}`);

function present() {
  if (!existsSync(FERRETDB_BINARY)) return false;
  return run(FERRETDB_BINARY, ['--version']).stdout?.includes(`version: ${VERSION}`) ?? false;
}

function makeWritable(dir) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

/**
 * `go install MODULE/cmd/ferretdb@VERSION` builds a binary that panics at start: FerretDB reads its
 * version from build/version/version.txt, which its release process generates and the module zip
 * lacks. So: fetch the module through the proxy (`go mod download`), copy it, add that file, build.
 */
function build() {
  const started = Date.now();
  const download = run('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`]);
  if (download.status !== 0) return `go mod download failed: ${(download.stderr || download.stdout).trim()}`;
  const source = path.join(DIR, 'src');
  rmSync(source, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  cpSync(JSON.parse(download.stdout).Dir, source, { recursive: true });
  makeWritable(source); // the module cache is read-only, and so is its copy
  writeFileSync(path.join(source, 'build/version/version.txt'), `${VERSION}\n`);
  const result = run('go', ['build', '-trimpath', '-o', FERRETDB_BINARY, './cmd/ferretdb'], {
    cwd: source,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  rmSync(source, { recursive: true, force: true });
  if (result.status !== 0) return `go build failed (${result.error?.message ?? `exit ${result.status}`})`;
  say(`built FerretDB ${VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
  return present() ? null : 'the built binary does not report its version';
}

export function ensureFerretDb() {
  if (process.env.TOBIRA_SKIP_FERRETDB === '1') return say('skipped (TOBIRA_SKIP_FERRETDB=1)');
  if (present()) return say(`FerretDB ${VERSION} is present in ${path.relative(ROOT, DIR)}`);
  if (run('go', ['version']).status !== 0)
    return say('Go is not installed; the MongoDB store tests on FerretDB will be skipped');
  say(`building FerretDB ${VERSION} from ${MODULE} (about a minute)`);
  const failure = build();
  if (failure) say(`${failure}; the MongoDB store tests on FerretDB will be skipped`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureFerretDb();
