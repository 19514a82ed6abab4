#!/usr/bin/env node
// pretest: make sure the system packages the tests use are present — Debian's Chromium for the browser
// tests, openssl for certificate checks, nginx for the proxy-mode tests, CJK fonts so Japanese pages
// render in screenshots. Installs what is missing with apt-get when running as root (CI, fresh
// machines); never downloads a browser of its own. Also makes the venv with the pinned schemathesis the
// admin API fuzz test runs (PyPI), and builds FerretDB for the MongoDB store tests (ensure-ferretdb.mjs).
// TOBIRA_SKIP_SYSTEM_DEPS=1 skips the check.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureFerretDb } from './ensure-ferretdb.mjs';

const PACKAGES = ['chromium', 'openssl', 'nginx', 'fonts-noto-cjk'];
/** schemathesis fuzzes the admin API (test/security/admin-api-fuzz.test.ts); pinned, in a git-ignored venv. */
const SCHEMATHESIS = 'schemathesis==4.32.5';
const VENV = path.resolve('var/tools/venv');
const CJK_FONT_FILE = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

if (process.env.TOBIRA_SKIP_SYSTEM_DEPS === '1') {
  console.log('ensure-system-deps: skipped (TOBIRA_SKIP_SYSTEM_DEPS=1)');
  process.exit(0);
}

/**
 * The venv with the pinned schemathesis, made when missing or pinned differently. Never fatal: without
 * it the fuzz test is skipped under a name that says why.
 */
function ensureSchemathesis() {
  const st = path.join(VENV, 'bin', 'st');
  const pinned = path.join(VENV, 'tobira-pinned.txt');
  if (existsSync(st) && existsSync(pinned) && readFileSync(pinned, 'utf8').trim() === SCHEMATHESIS) {
    console.log(`ensure-system-deps: ${SCHEMATHESIS} is present in ${VENV}`);
    return;
  }
  console.log(`ensure-system-deps: installing ${SCHEMATHESIS} into ${VENV}`);
  const steps = [
    ['python3', ['-m', 'venv', VENV]],
    [path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) {
      console.warn(
        `ensure-system-deps: ${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}); ` +
          'the admin API fuzz test will be skipped',
      );
      return;
    }
  }
  writeFileSync(pinned, `${SCHEMATHESIS}\n`);
}

ensureSchemathesis();
ensureFerretDb();

/** `which`: a command on PATH, or in the sbin directories a non-root PATH often leaves out. */
function onPath(command) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => dir && existsSync(path.join(dir, command)));
}

function hasCjkFont() {
  if (existsSync(CJK_FONT_FILE)) return true;
  try {
    return execFileSync('fc-list', [':lang=ja'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false; // no fontconfig: no fonts either
  }
}

/** Debian package → is it usable here? */
const checks = {
  chromium: () => existsSync('/usr/bin/chromium'),
  openssl: () => onPath('openssl'),
  nginx: () => onPath('nginx'),
  'fonts-noto-cjk': hasCjkFont,
};
const missingPackages = () => PACKAGES.filter((name) => !checks[name]());

const missing = missingPackages();
if (missing.length === 0) {
  console.log('ensure-system-deps: chromium, openssl, nginx and CJK fonts are present');
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  const why = isRoot ? 'apt-get is not available' : 'not running as root';
  console.error(
    `ensure-system-deps: missing ${missing.join(', ')} (${why}). Install them, e.g.\n` +
      `  sudo apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}\n` +
      'or set TOBIRA_SKIP_SYSTEM_DEPS=1 to skip this check (the browser and proxy tests will fail).',
  );
  process.exit(1);
}

console.log(`ensure-system-deps: missing ${missing.join(', ')}; installing with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
function aptGet(args) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(
      `ensure-system-deps: apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`,
    );
    process.exit(1);
  }
}
aptGet(['update', '-qq']);
// Only what is missing: naming a present package would upgrade it as a side effect of `npm test`.
aptGet(['install', '-y', '-qq', '--no-install-recommends', ...missing]);

const stillMissing = missingPackages();
if (stillMissing.length > 0) {
  console.error(`ensure-system-deps: still missing after apt-get install: ${stillMissing.join(', ')}`);
  process.exit(1);
}
console.log('ensure-system-deps: installed');
