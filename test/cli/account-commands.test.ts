/**
 * The account and certificate commands in-process, on a real Tobira: what the admin API can do to an
 * account, the CLI does through the same operations (and refuses what would do nothing).
 */
import { expect } from 'chai';
import {
  accountDelete,
  accountEnrollment,
  accountUnlock,
  certificateReissue,
  certificateRevoke,
  terminalNonAscii,
  terminalSetEmail,
} from '../../src/cli/account-commands.js';
import { UsageError, isRefusal, type Command } from '../../src/cli/usage.js';
import { OperationError } from '../../src/operations/index.js';
import { TerminalEmailError } from '../../src/services/terminal-email.js';
import { createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('tobira account and certificate commands', function () {
  let t: TestTobira;
  let user: TestUser;

  const run = async (command: Command, ...argv: string[]) => {
    const lines: string[] = [];
    await command(t.tobira, argv, (line) => lines.push(line));
    return lines.join('\n');
  };
  const refusal = async (command: Command, ...argv: string[]) => {
    try {
      await run(command, ...argv);
    } catch (error) {
      return error as Error;
    }
    throw new Error('the command succeeded');
  };
  const lastAudit = async (action: string) =>
    (await t.tobira.store.listAuditEvents({ action, limit: 1 })).items[0];

  before(async function () {
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-60');
    user = await createUser(t.tobira, { tenantId: 'p-60', userId: 'p-60-usr001', password: 'Cli-Pass-60' });
  });
  after(async () => t?.close());

  it('account unlock: refuses an account that is not locked, and says so', async function () {
    const error = await refusal(accountUnlock, '--user', 'p-60-usr001');
    expect(error).to.be.instanceOf(OperationError).with.property('code', 'account.not_locked');
    expect(error.message).to.equal('the account p-60-usr001 is not locked (active)');
    expect(await lastAudit('account.unlocked'), 'nothing audited').to.equal(undefined);
  });

  it('account unlock: unlocks a locked account, audited as the CLI', async function () {
    await t.tobira.store.lockAccount(user.account.id, 'password', new Date());
    expect(await run(accountUnlock, '--user', 'p-60-usr001')).to.equal('p-60-usr001: locked → active');
    expect(await lastAudit('account.unlocked')).to.include({ actor: 'cli', accountId: user.account.id });
    expect(await refusal(accountUnlock, '--user', 'p-60-nobody')).to.have.property('code', 'not_found');
  });

  it('certificate reissue: mails a single-use link to the terminal', async function () {
    const printed = await run(certificateReissue, '--user', 'p-60-usr001', '--terminal', '1', '--lang', 'en');
    expect(printed).to.include(`terminal 1 mailed to ${user.terminal.email}`);
    const mail = (await t.tobira.store.listMail({ to: user.terminal.email })).items;
    expect(mail.map((m) => m.template)).to.include('certificate_reissue');
    expect(await lastAudit('certificate.reissue_started')).to.include({ actor: 'cli' });
    expect(await refusal(certificateReissue, '--user', 'p-60-usr001', '--terminal', 'x')).to.be.instanceOf(
      UsageError,
    );
    expect(await refusal(certificateReissue, '--user', 'p-60-usr001', '--terminal', '9')).to.have.property(
      'message',
      'no terminal 9 of p-60-usr001',
    );
  });

  it('certificate revoke: revokes with a reason; an unknown serial or reason is refused', async function () {
    const serial = user.certificate.serial;
    expect(
      await run(certificateRevoke, '--serial', serial.toUpperCase(), '--reason', 'keyCompromise'),
    ).to.equal(`revoked ${serial} (keyCompromise); it is in the next CRL`);
    expect((await t.tobira.store.getCertificate(serial))!.status).to.equal('revoked');
    expect(await refusal(certificateRevoke, '--serial', '00ff')).to.have.property('code', 'not_found');
    expect(await refusal(certificateRevoke, '--serial', serial, '--reason', 'bored')).to.be.instanceOf(
      UsageError,
    );
  });

  it('account enrollment: a new link for a pending account only', async function () {
    await t.tobira.enrollment.createAccount({
      tenantId: 'p-60',
      userId: 'p-60-usr002',
      terminals: [{ email: 'two@example.jp', type: 'pc' }],
      actor: 'test',
    });
    const json = JSON.parse(await run(accountEnrollment, '--user', 'p-60-usr002', '--json')) as {
      userId: string;
      enrollmentUrl: string;
      oneTimePassword: string;
    };
    expect(json.userId).to.equal('p-60-usr002');
    expect(json.enrollmentUrl).to.match(/\/enroll\/[A-Za-z0-9_-]{43}$/);
    expect(json.oneTimePassword).to.have.length(10);
    expect(await refusal(accountEnrollment, '--user', 'p-60-usr001')).to.have.property(
      'message',
      'only a pending account can be sent a new enrollment link',
    );
  });

  it('account delete: deletes the account, audited; then it is not found', async function () {
    expect(await run(accountDelete, '--user', 'p-60-usr002')).to.equal(
      'deleted p-60-usr002 (its certificates are revoked)',
    );
    expect(await t.tobira.store.getAccountByUserId('p-60-usr002')).to.equal(null);
    expect(await lastAudit('account.deleted')).to.include({ actor: 'cli' });
    expect(await refusal(accountDelete, '--user', 'p-60-usr002')).to.have.property('code', 'not_found');
  });

  it('certificate reissue of a terminal with a non-ASCII address (old data): one line, nothing mailed', async function () {
    const other = await createUser(t.tobira, {
      tenantId: 'p-60',
      userId: 'p-60-usr077',
      password: 'Cli-Pass-77',
    });
    await t.tobira.store.updateTerminal(other.terminal.id, { email: 'taro@例え.jp' }, new Date());
    expect(await run(terminalNonAscii, '--tenant', 'p-60')).to.equal(
      'p-60\tp-60-usr077\tterminal 1\ttaro@例え.jp\t(ASCII form: taro@xn--r8jz45g.jp)',
    );
    const error = await refusal(certificateReissue, '--user', 'p-60-usr077', '--terminal', '1');
    expect(error).to.be.instanceOf(TerminalEmailError).with.property('code', 'terminal_email_not_ascii');
    expect(isRefusal(error), 'printed as one line, exit 1').to.equal(true);
    expect(error.message).to.include('taro@xn--r8jz45g.jp');
    expect(error.message).to.not.include('\n');
    const started = await t.tobira.store.listAuditEvents({
      accountId: other.account.id,
      action: 'certificate.reissue_started',
    });
    expect(started.items, 'nothing started').to.have.length(0);
    expect(
      await refusal(
        terminalSetEmail,
        '--user',
        'p-60-usr077',
        '--terminal',
        '1',
        '--email',
        '山田@example.jp',
      ),
    ).to.have.property('code', 'terminal.invalid_email');
    expect(
      await run(
        terminalSetEmail,
        '--user',
        'p-60-usr077',
        '--terminal',
        '1',
        '--email',
        'taro@xn--r8jz45g.jp',
      ),
    ).to.equal(
      'p-60-usr077 terminal 1: e-mail address is now taro@xn--r8jz45g.jp (certificates keep theirs until re-issued)',
    );
    expect(await run(terminalNonAscii)).to.equal('no terminal has a non-ASCII e-mail address');
  });
});
