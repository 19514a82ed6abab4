#!/usr/bin/env node
// `npm run build`: compiles the runtime code (tsconfig.build.json) to ESM JavaScript and copies the
// files it loads by path next to it — handlebars views, public files, mail templates: the code finds
// them relative to `import.meta.url`, so dist/ must hold the same tree as the sources.
// `--out DIR` builds elsewhere (the build test); DIR must lie inside the package, so that Node finds
// node_modules and package.json's "type": "module" from the emitted files.
import { execFileSync } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The source trees tsconfig.build.json compiles; everything in them that is not TypeScript is an asset. */
const TREES = ['src', 'interactions', 'adapters', 'certs'];

const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
const out = path.resolve(ROOT, values.out);

// A clean tree: a module deleted from the sources must not live on in dist/.
await rm(out, { recursive: true, force: true });
const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out], {
  stdio: 'inherit',
});
for (const tree of TREES) {
  await cp(path.join(ROOT, tree), path.join(out, tree), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
}
console.log(
  `build: ${path.relative(ROOT, out) || '.'} (run: node ${path.relative(ROOT, out)}/src/cli/main.js start)`,
);
