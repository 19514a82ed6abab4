#!/usr/bin/env node
// The `tobira` command. One rule: where the TypeScript sources are (a checkout) they run through tsx,
// so what runs is what you edit — the tests and the bench spawn this file, and a forgotten dist/ must
// never run stale code; where they are not (the container image, a copy with only `npm run build`'s
// output) the compiled JavaScript in dist/ runs and tsx is never loaded.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
