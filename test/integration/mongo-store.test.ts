/**
 * The login and enrollment suites again, with Tobira on the MongoDB store (TOBIRA_STORE=mongodb):
 * FerretDB started here (or TOBIRA_TEST_MONGODB_URI), the suites run in a child mocha with
 * TOBIRA_TEST_STORE=mongodb, which test/helpers/tobira.ts turns into a fresh database per Tobira.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { testMongoServer } from '../helpers/ferretdb.js';

const SUITES = ['test/integration/login.test.ts', 'test/integration/enrollment.test.ts'];
const ROOT = path.resolve(import.meta.dirname, '../..');
const server = testMongoServer();

function runMocha(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/mocha/bin/mocha.js'), ...SUITES], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

if ('skip' in server) {
  describe(`login and enrollment on the MongoDB store (skipped: ${server.skip})`, function () {
    it('skipped: needs FerretDB (Go) or TOBIRA_TEST_MONGODB_URI', function () {
      this.skip();
    });
  });
} else {
  describe(`login and enrollment on the MongoDB store (${server.name})`, function () {
    this.timeout(300_000);
    let running: Awaited<ReturnType<typeof server.start>>;
    before(async () => (running = await server.start()));
    after(async () => running?.stop());

    it('passes the login and enrollment integration suites with TOBIRA_STORE=mongodb', async function () {
      const { code, output } = await runMocha({
        TOBIRA_TEST_STORE: 'mongodb',
        TOBIRA_TEST_MONGODB_URI: running.uri,
      });
      const summary = output.match(/\d+ passing[\s\S]*/)?.[0] ?? output.slice(-3000);
      expect(code, summary).to.equal(0);
      expect(output).to.match(/[1-9]\d* passing/);
    });
  });
}
