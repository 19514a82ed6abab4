/** How many libuv threads (each keeping argon2id's 19 MiB warm) a serving process gets (src/cluster/worker-env.ts). */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  OLD_SPACE_MIB,
  SEMI_SPACE_MIB,
  helperPoolSize,
  threadPoolSize,
  workerExecArgv,
} from '../../src/cluster/worker-env.js';

describe('thread pool size per serving process', function () {
  it('is the worker’s share of the cores', function () {
    expect(threadPoolSize(6, 2)).to.equal(3);
    expect(threadPoolSize(3, 1)).to.equal(3);
  });

  it('is one thread when a worker’s share is one core or less (more verifying threads than cores only take turns)', function () {
    expect(threadPoolSize(2, 2)).to.equal(1);
    expect(threadPoolSize(8, 8)).to.equal(1);
    expect(threadPoolSize(1, 1)).to.equal(1);
    expect(threadPoolSize(2, 8)).to.equal(1);
  });

  it('gives V8’s helpers the same share but never fewer than 2', function () {
    expect(helperPoolSize(6, 2)).to.equal(3);
    expect(helperPoolSize(2, 2)).to.equal(2);
    expect(helperPoolSize(1, 1)).to.equal(2);
    expect(helperPoolSize(32, 1)).to.equal(4);
  });

  it('never rises above libuv’s default of 4', function () {
    expect(threadPoolSize(32, 1)).to.equal(4);
    expect(threadPoolSize(32, 4)).to.equal(4);
  });
});

describe('Node.js options of a forked worker', function () {
  it('keeps the primary’s options and gives V8 the same share of helper threads, a smaller young generation and an old one sized to what it holds', function () {
    expect(workerExecArgv(2, 2, ['--import', 'tsx'], '')).to.deep.equal([
      '--import',
      'tsx',
      '--v8-pool-size=2',
      `--max-semi-space-size=${SEMI_SPACE_MIB}`,
      `--max-old-space-size=${OLD_SPACE_MIB}`,
    ]);
    expect(workerExecArgv(1, 16, [], '--enable-source-maps')).to.deep.equal([
      '--v8-pool-size=4',
      `--max-semi-space-size=${SEMI_SPACE_MIB}`,
      `--max-old-space-size=${OLD_SPACE_MIB}`,
    ]);
  });

  it('leaves an operator’s --v8-pool-size alone, on the command line or in NODE_OPTIONS', function () {
    expect(workerExecArgv(2, 2, ['--v8-pool-size=8'], '')).to.deep.equal([
      '--v8-pool-size=8',
      `--max-semi-space-size=${SEMI_SPACE_MIB}`,
      `--max-old-space-size=${OLD_SPACE_MIB}`,
    ]);
    expect(workerExecArgv(2, 2, [], '--v8-pool-size=1 --enable-source-maps')).to.deep.equal([
      `--max-semi-space-size=${SEMI_SPACE_MIB}`,
      `--max-old-space-size=${OLD_SPACE_MIB}`,
    ]);
  });

  it('leaves an operator’s heap sizes alone, on the command line or in NODE_OPTIONS, in either spelling', function () {
    expect(workerExecArgv(2, 2, ['--max-semi-space-size=32'], '')).to.deep.equal([
      '--max-semi-space-size=32',
      '--v8-pool-size=2',
      `--max-old-space-size=${OLD_SPACE_MIB}`,
    ]);
    expect(workerExecArgv(2, 2, [], '--max_semi_space_size=4 --max-old-space-size=2048')).to.deep.equal([
      '--v8-pool-size=2',
    ]);
    expect(workerExecArgv(2, 2, ['--max_old_space_size=1024'], '')).to.deep.equal([
      '--max_old_space_size=1024',
      '--v8-pool-size=2',
      `--max-semi-space-size=${SEMI_SPACE_MIB}`,
    ]);
  });
});

describe('V8 heap sizes of a single process', function () {
  const heap = [`--max-semi-space-size=${SEMI_SPACE_MIB}`, `--max-old-space-size=${OLD_SPACE_MIB}`];
  const file = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

  it('are the image’s NODE_OPTIONS, as a forked worker gets them (a process gets them only when it starts)', function () {
    const options = /^\s*NODE_OPTIONS="([^"]*)"/m.exec(file('Dockerfile'))?.[1];
    expect(options?.split(' ')).to.deep.equal(heap);
    expect(workerExecArgv(2, 2, [], options)).to.deep.equal(['--v8-pool-size=2']);
  });

  it('are on npm start’s command line', function () {
    const start = (JSON.parse(file('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).to.equal(`node ${heap.join(' ')} bin/tobira.js start --demo`);
    expect(workerExecArgv(2, 2, heap, '')).to.deep.equal([...heap, '--v8-pool-size=2']);
  });
});
