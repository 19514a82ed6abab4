/** parseOnce: a stored text parsed once, each caller given its own copy, failures not remembered. */
import { expect } from 'chai';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';
import { isPlainData, parseOnce } from '../../src/store/parse-memo.js';

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

  it('copies deeply, arrays and nested objects too, and what is not plain data by structuredClone', function () {
    const plainOf = parseOnce((text) => ({ list: [{ a: text }], nested: { b: [1, 2] }, none: undefined }));
    const first = plainOf('x');
    first.list[0]!.a = 'changed';
    first.list.push({ a: 'more' });
    first.nested.b.push(3);
    expect(plainOf('x')).to.deep.equal({ list: [{ a: 'x' }], nested: { b: [1, 2] }, none: undefined });
    const datedOf = parseOnce((text) => ({ at: new Date(Number(text)), tags: new Set(['a']) }));
    const dated = datedOf('0');
    dated.at.setTime(1);
    dated.tags.add('b');
    const again = datedOf('0');
    expect(again.at).to.be.instanceOf(Date);
    expect(again.at.getTime()).to.equal(0);
    expect([...again.tags]).to.deep.equal(['a']);
  });

  it('takes only JSON-like values for plain data', function () {
    const policy = parseTenantPolicy({ lockout: { maxPasswordFailures: 3 } });
    expect(isPlainData(policy), 'a parsed tenant policy').to.equal(true);
    for (const value of [
      new Date(0),
      new Map(),
      { at: new Date(0) },
      [new Set()],
      Object.create({ a: 1 }),
      () => 1,
    ])
      expect(isPlainData(value), String(value)).to.equal(false);
    const getter = Object.defineProperty({}, 'x', { get: () => 1, enumerable: true });
    expect(isPlainData(getter), 'a getter').to.equal(false);
    expect(isPlainData({ [Symbol('s')]: 1 }), 'a symbol key').to.equal(false);
  });
});
