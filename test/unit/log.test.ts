/** The pino logger: level labels and filtering, child fields, errors without stacks, secret fields censored. */
import { expect } from 'chai';
import { createLogger } from '../../src/log.js';

type Line = Record<string, unknown>;
const capture = (level: Parameters<typeof createLogger>[0] = 'debug') => {
  const lines: Line[] = [];
  return { lines, log: createLogger(level, (line) => lines.push(JSON.parse(line) as Line)) };
};

describe('log', function () {
  it('writes one JSON object a line with a level label and ISO time, from the configured level up', function () {
    const { lines, log } = capture('warn');
    log.info('dropped');
    log.warn('kept', { n: 1 });
    log.child({ component: 'outbox' }).error('child');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.include({ level: 'warn', msg: 'kept', n: 1 });
    expect(new Date(String(lines[0]!.time)).toISOString()).to.equal(lines[0]!.time);
    expect(lines[1]).to.include({ level: 'error', msg: 'child', component: 'outbox' });
    const silent = capture('silent');
    silent.log.error('nothing');
    expect(silent.lines).to.deep.equal([]);
  });

  it('logs an error as name, message and code (no stack)', function () {
    const { lines, log } = capture();
    log.error('failed', { err: Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }) });
    expect(lines[0]!.err).to.deep.equal({ name: 'Error', message: 'connect refused', code: 'ECONNREFUSED' });
  });

  it('censors secret fields at the top level and inside the usual parents, keeps the rest', function () {
    const { lines, log } = capture();
    const secret = 'S3cret-value-never-logged';
    log.info('everything', {
      password: secret,
      downloadPassword: secret,
      otp: secret,
      code: secret,
      secretAnswer: secret,
      token: secret,
      clientSecret: secret,
      csrf: secret,
      text: secret,
      html: secret,
      details: { newPassword: secret, answer: secret, terminal: 2 },
      headers: {
        authorization: `Bearer ${secret}`,
        cookie: `_session=${secret}`,
        'set-cookie': secret,
        host: 'h',
      },
      body: { grant_type: 'authorization_code', code: secret },
      form: { client_secret: secret, code: secret, grant_type: 'authorization_code' },
      query: { code: secret, state: 's' },
      mail: { body: secret, html: secret, to: 'a@example.jp' },
      userId: 'p-00-demo',
    });
    const line = lines[0]!;
    expect(JSON.stringify(line)).to.not.include(secret);
    expect(line).to.include({ password: '[redacted]', userId: 'p-00-demo' });
    expect(line.details).to.deep.equal({ newPassword: '[redacted]', answer: '[redacted]', terminal: 2 });
    expect(line.headers).to.include({ host: 'h', 'set-cookie': '[redacted]' });
    expect(line.body, 'a request or mail body, whole').to.equal('[redacted]');
    expect(line.form).to.deep.equal({
      client_secret: '[redacted]',
      code: '[redacted]',
      grant_type: 'authorization_code',
    });
    expect(line.mail).to.include({ to: 'a@example.jp' });
  });
});
