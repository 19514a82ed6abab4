#!/usr/bin/env node
// The `tobira` command. One rule: where the TypeScript sources are (a checkout) they run through tsx,
// so what runs is what you edit — the tests and the bench spawn this file, and a forgotten dist/ must
// never run stale code; where they are not (the container image, a copy with only `npm run build`'s
// output) the compiled JavaScript in dist/ runs and tsx is never loaded.
// Before anything else loads, the runtime is checked (src/runtime-support.ts): an unsupported Node.js
// stops here with one line; an end-of-life one gets one line of notice when the server starts.
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const fromSource = existsSync(source);
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
}
const tree = (file) =>
  new URL(fromSource ? `../src/${file}.ts` : `../dist/src/${file}.js`, import.meta.url).href;

// The serving process's thread pool, sized before libuv starts it (src/cluster/worker-env.ts); a
// cluster worker has its size from the primary.
if (process.argv[2] === 'start' && cluster.isPrimary)
  (await import(tree('cluster/worker-env'))).sizeOwnThreadPool();

const { runtimeVerdict } = await import(tree('runtime-support'));
const verdict = runtimeVerdict(process.versions.node);
if (verdict.kind === 'unsupported') {
  console.error(verdict.message);
  process.exit(1);
}
// Said once, where it matters (the server, not each of its workers); other commands stay quiet.
if (verdict.kind === 'end_of_life' && process.argv[2] === 'start' && cluster.isPrimary)
  console.error(verdict.message);

await import(tree('cli/main'));
