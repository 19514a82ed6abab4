// Child process of test/cluster/primary-modules.test.ts: which server packages does the cluster's primary
// load? Imports what `tobira start` loads before it forks (cli/start.ts), counts the loaded files of
// packages only the server uses, then imports the serving module (cli/serve.ts) — the control: the
// count must rise. Those packages are CommonJS, so their files enter the CommonJS cache however imported.
import { createRequire } from 'node:module';

const cache = createRequire(import.meta.url).cache;
const SERVER = /[\\/]node_modules[\\/](koa|better-sqlite3|handlebars|node-forge|argon2)[\\/]/;
const serverFiles = () => Object.keys(cache).filter((file) => SERVER.test(file)).length;

await import('../../src/cli/start.ts');
const primary = serverFiles();
await import('../../src/cli/serve.ts');
console.log(JSON.stringify({ primary, serve: serverFiles() }));
