// Child process of test/integration/build.test.ts: is the MongoDB driver in the module graph of a SQLite
// Tobira? Builds one (config from the environment), counts the loaded mongoose/mongodb files, then opens
// the MongoDB store on a closed port — the control: the count must rise once the adapter loads — and
// checks the failure is the app's own StoreUnavailableError (one module instance, no second copy).
// Plain JavaScript so it runs the build output under bare Node and the sources under --import tsx.
// argv: the directory URL holding src/ (ending in /) and the modules' extension (.js or .ts).
import { createRequire } from 'node:module';

const [root, ext] = process.argv.slice(2);
const load = (name) => import(new URL(`${name}${ext}`, root).href);
// mongoose is CommonJS: imported from ES modules or required, its files enter the CommonJS cache.
const cache = createRequire(import.meta.url).cache;
const driverFiles = () =>
  Object.keys(cache).filter((file) => /[\\/]node_modules[\\/](mongoose|mongodb)[\\/]/.test(file)).length;

const { buildTobira } = await load('src/app');
const { loadConfig } = await load('src/config');
const { openStore } = await load('src/store-factory');
const { StoreUnavailableError } = await load('src/store');

const tobira = await buildTobira(loadConfig(process.env));
const sqlite = driverFiles();
await tobira.close();
const mongo = { ...process.env, TOBIRA_STORE: 'mongodb', TOBIRA_MONGODB_URI: 'mongodb://127.0.0.1:1/probe' };
const failure = await openStore(loadConfig({ ...mongo, TOBIRA_MONGODB_TIMEOUT_MS: '500' })).then(
  () => null,
  (error) => error,
);
console.log(
  JSON.stringify({ sqlite, mongodb: driverFiles(), unavailable: failure instanceof StoreUnavailableError }),
);
