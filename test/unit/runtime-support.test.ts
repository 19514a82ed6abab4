import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runtimeVerdict, SHIPPED_NODE_MAJOR, SUPPORTED_NODE_RANGE } from '../../src/runtime-support.js';

describe('runtime support', function () {
  it('is the range package.json declares in engines, and .nvmrc names the shipped major', function () {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).to.equal(SUPPORTED_NODE_RANGE);
    expect(readFileSync('.nvmrc', 'utf8').trim()).to.equal(String(SHIPPED_NODE_MAJOR));
    expect(readFileSync('Dockerfile', 'utf8')).to.match(new RegExp(`FROM node:${SHIPPED_NODE_MAJOR}-`));
  });

  it('runs quietly on 24 LTS and later, and on 22.12+', function () {
    for (const version of ['24.0.0', '24.22.3', '26.1.0', '22.12.0', '22.20.1'])
      expect(runtimeVerdict(version), version).to.deep.equal({ kind: 'supported' });
  });

  it('runs on 20.19+ with one line saying it is past its end of life', function () {
    const verdict = runtimeVerdict('20.20.2');
    expect(verdict.kind).to.equal('end_of_life');
    expect(verdict.kind !== 'supported' && verdict.message).to.match(
      /^tobira: Node\.js 20\.20\.2 is past its end of life/,
    );
  });

  it('refuses older runtimes with one line naming what to use', function () {
    for (const version of ['18.20.4', '20.18.3', '21.7.3', '22.11.0', '23.11.0']) {
      const verdict = runtimeVerdict(version);
      expect(verdict.kind, version).to.equal('unsupported');
      expect(verdict.kind !== 'supported' && verdict.message).to.equal(
        `tobira: Node.js ${version} is not supported; use Node.js 24 LTS (supported: ${SUPPORTED_NODE_RANGE})`,
      );
    }
  });
});
