#!/usr/bin/env node
// pretest: make sure the system packages the tests use are present — Debian's Chromium for the browser
// tests, openssl for certificate checks, nginx for the proxy-mode tests, CJK fonts so Japanese pages
// render in screenshots. Installs what is missing with apt-get when running as root (CI, fresh
// machines); never downloads a browser of its own. TOBIRA_SKIP_SYSTEM_DEPS=1 skips the check.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const PACKAGES = ['chromium', 'openssl', 'nginx', 'fonts-noto-cjk'];
const CJK_FONT_FILE = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

if (process.env.TOBIRA_SKIP_SYSTEM_DEPS === '1') {
  console.log('ensure-system-deps: skipped (TOBIRA_SKIP_SYSTEM_DEPS=1)');
  process.exit(0);
}

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
