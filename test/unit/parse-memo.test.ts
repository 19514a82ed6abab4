/** parseOnce: a stored text parsed once, each caller given its own copy, failures not remembered. */
import { expect } from 'chai';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';
import { parseOnce } from '../../src/store/parse-memo.js';

describe('parseOnce', function () {
  it('parses a text once and hands every caller its own copy', function () {
    let parses = 0;
    const policyOf = parseOnce((text) => {
      parses += 1;
      return parseTenantPolicy(JSON.parse(text));
    });
    const text = JSON.stringify({ lockout: { maxPasswordFailures: 3 } });
    const first = policyOf(text);
    first.lockout.maxPasswordFailures = 99;
    const second = policyOf(text);
    expect(second.lockout.maxPasswordFailures).to.equal(3);
    expect(second).to.deep.equal(parseTenantPolicy({ lockout: { maxPasswordFailures: 3 } }));
    expect(parses).to.equal(1);
    expect(policyOf('{}').lockout.maxPasswordFailures, 'another text, parsed on its own').to.not.equal(3);
    expect(parses).to.equal(2);
  });

  it('does not remember a text that fails to parse, and starts over past its bound', function () {
    let parses = 0;
    const numberOf = parseOnce((text) => {
      parses += 1;
      const n = Number(text);
      if (Number.isNaN(n)) throw new Error(`not a number: ${text}`);
      return { n };
    }, 2);
    expect(() => numberOf('x')).to.throw(/not a number/);
    expect(() => numberOf('x')).to.throw(/not a number/);
    expect(parses).to.equal(2);
    numberOf('1');
    numberOf('2');
    numberOf('3');
    expect(numberOf('3')).to.deep.equal({ n: 3 });
    expect(parses).to.equal(5);
  });
});
