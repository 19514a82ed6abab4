#!/usr/bin/env node
// pretest: make sure the system packages the tests use are present (Debian's Chromium for the browser
// tests, openssl for certificate checks, nginx for proxy-mode tests, CJK fonts for screenshots).
// Installs the missing ones with apt-get when running as root (CI, fresh machines); never downloads a browser.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

if (process.env.TOBIRA_SKIP_SYSTEM_DEPS === '1') {
  console.log('ensure-system-deps: skipped (TOBIRA_SKIP_SYSTEM_DEPS=1)');
  process.exit(0);
}

const onPath = (cmd) =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, cmd))) ||
  existsSync(`/usr/sbin/${cmd}`);
const hasCjkFont = () => {
  try {
    return execFileSync('fc-list', [':lang=ja'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
};

const wanted = [
  ['chromium', () => existsSync('/usr/bin/chromium')],
  ['openssl', () => onPath('openssl')],
  ['nginx', () => onPath('nginx')],
  ['fonts-noto-cjk', hasCjkFont],
];
const missing = wanted.filter(([, present]) => !present()).map(([name]) => name);
if (missing.length === 0) {
  console.log('ensure-system-deps: chromium, openssl, nginx and CJK fonts are present');
  process.exit(0);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  console.error(
    `ensure-system-deps: missing ${missing.join(', ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`,
  );
  process.exit(1);
}
console.log(`ensure-system-deps: installing ${missing.join(', ')} from Debian's apt`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`ensure-system-deps: apt-get ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(1);
  }
};
run(['update', '-qq']);
run(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
