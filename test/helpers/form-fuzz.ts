/**
 * Property-based fuzzing of Tobira's page forms with fast-check: arbitrary field values (any unicode,
 * control characters, NUL, lone surrogates, very long strings), fields missing or repeated (arrays),
 * and bodies in the wrong content type or malformed — always with the page's valid CSRF token and the
 * browser's certificate. Every answer must be a clear page (2xx/3xx/4xx, never 5xx); the caller's
 * invariant then checks nothing was half-written. The seed is fixed (TOBIRA_FUZZ_SEED to change it)
 * and fast-check prints it with the counterexample on failure.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { TestBrowser } from './browser.js';
import type { RawResponse, World } from './attacker.js';

export const FUZZ_SEED = Number(process.env.TOBIRA_FUZZ_SEED ?? 20_260_413);
export const FUZZ_RUNS = Number(process.env.TOBIRA_FUZZ_RUNS ?? 30);

const awkward = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\r\n\r\n',
  '\t',
  '%00',
  '%',
  '&=&',
  '<script>alert(1)</script>',
  '{{csrf}}',
  'ｐａｓｓｗｏｒｄ１２３',
  '\u202eevil',
  '\ud800',
  '😀'.repeat(12),
  "' OR 1=1 --",
  '../../etc/passwd',
  '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
);

/** One field value. */
export const anyValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: awkward },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 300, max: 12_000 }), fc.constantFrom('A', '漢', '\u0000', '%'))
      .map(([n, c]) => c.repeat(n)),
  },
);

/** Mostly `usual` (so the form's deeper checks are reached), otherwise anything. */
export const mostly = (...usual: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: anyValue });

type Pairs = [string, string][];

/** Each field missing, once, or repeated, with its own values (anyValue when null). */
function fieldsArbitrary(fields: Record<string, fc.Arbitrary<string> | null>): fc.Arbitrary<Pairs> {
  return fc
    .tuple(
      ...Object.entries(fields).map(([name, value]) =>
        fc
          .oneof(
            { weight: 1, arbitrary: fc.constant([] as string[]) },
            { weight: 5, arbitrary: fc.array(value ?? anyValue, { minLength: 1, maxLength: 1 }) },
            { weight: 1, arbitrary: fc.array(value ?? anyValue, { minLength: 2, maxLength: 3 }) },
          )
          .map((values) => values.map((v): [string, string] => [name, v])),
      ),
    )
    .map((lists) => lists.flat());
}

const ENCODINGS = [
  'form',
  'form',
  'form',
  'form',
  'form',
  'json',
  'text',
  'multipart',
  'none',
  'malformed',
] as const;
type Encoding = (typeof ENCODINGS)[number];

export interface FuzzCase {
  pairs: Pairs;
  encoding: Encoding;
  /** A fuzzed path segment, for forms whose URL names something (a terminal number). */
  segment: string;
}

function encode(pairs: Pairs, encoding: Encoding): { body: string; contentType: string | null } {
  const form = new URLSearchParams(pairs).toString();
  switch (encoding) {
    case 'json':
      return { body: JSON.stringify(Object.fromEntries(pairs)), contentType: 'application/json' };
    case 'text':
      return { body: form, contentType: 'text/plain' };
    case 'none':
      return { body: form, contentType: null };
    case 'malformed':
      return { body: `${form}&%E0%A4%A&%ZZ=%&=`, contentType: 'application/x-www-form-urlencoded' };
    case 'multipart': {
      const parts = pairs.map(
        ([k, v]) => `--fz\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
      );
      return { body: `${parts.join('')}--fz--\r\n`, contentType: 'multipart/form-data; boundary=fz' };
    }
    default:
      return { body: form, contentType: 'application/x-www-form-urlencoded' };
  }
}

/** A short, printable description of a response for assertion messages. */
const describeResponse = (r: RawResponse) =>
  `${r.status} ${r.location ?? ''} ${r.text.replace(/\s+/g, ' ').slice(0, 300)}`;

/**
 * Post arbitrary bodies (with `csrf()` as the token) to `url()` and assert a clear answer for every one,
 * then `invariant`. Returns how many runs were made.
 */
export async function fuzzForm(
  w: World,
  b: TestBrowser,
  input: {
    url: (segment: string) => string;
    segments?: fc.Arbitrary<string>;
    csrf: () => string;
    fields: Record<string, fc.Arbitrary<string> | null>;
    invariant: (response: RawResponse, fuzz: FuzzCase) => Promise<void>;
    before?: () => Promise<void>;
    runs?: number;
  },
): Promise<void> {
  const cases = fc.record({
    pairs: fieldsArbitrary(input.fields),
    encoding: fc.constantFrom(...ENCODINGS),
    segment: input.segments ?? fc.constant(''),
  });
  await fc.assert(
    fc.asyncProperty(cases, async (fuzz) => {
      await input.before?.();
      const { body, contentType } = encode([['csrf', input.csrf()], ...fuzz.pairs], fuzz.encoding);
      const response = await w.raw(b, input.url(fuzz.segment), { body, contentType });
      expect(response.status, describeResponse(response)).to.be.within(200, 499);
      if (response.status >= 300 && response.status < 400) expect(response.location).to.be.a('string');
      else expect(response.text, 'a page, not an empty answer').to.have.length.above(0);
      await input.invariant(response, fuzz);
    }),
    { numRuns: input.runs ?? FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
  );
}
