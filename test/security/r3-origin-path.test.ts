/**
 * The `Origin` check behind the CSRF tokens (same-origin.ts) must guard a form route however its path
 * is spelled: the router matches paths case-insensitively, so `/INTERACTION/…/login` reaches the login
 * handler as `/interaction/…/login` does — and a check keyed on the literal prefix let it through.
 */
import { expect } from 'chai';
import { guardedPath } from '../../interactions/same-origin.js';
import { formOf } from '../helpers/browser.js';
import { loginResults, mainOf, startWorld, type World } from '../helpers/attacker.js';

describe('security: Origin check on any spelling of a form path (r3)', function () {
  let w: World;

  before(async function () {
    w = await startWorld({ tenants: { 'p-r3o': {} } });
  });
  after(async function () {
    await w?.close();
  });

  it('treats every spelling of a form path as that form’s, and leaves the provider’s own endpoints alone', function () {
    for (const path of [
      '/account/logout',
      '/ACCOUNT/logout',
      '/%61ccount/logout',
      '/Recovery/password',
      '/%E0%A4%A',
    ])
      expect(guardedPath(path), path).to.equal(true);
    for (const path of ['/token', '/auth', '/session/end/confirm'])
      expect(guardedPath(path), path).to.equal(false);
  });

  it('refuses a cross-origin login post to an upper-case spelling of the path before it counts', async function () {
    const { rp } = await w.relyingParty('p-r3o');
    const user = await w.user('p-r3o');
    const b = w.browser(user);
    const { page } = await w.openLogin(b, rp);
    const { action, csrf } = formOf(mainOf(page));
    const spellings = [
      action.replace('/interaction/', '/INTERACTION/'),
      action.replace('/interaction/', '/Interaction/'),
    ];
    for (const spelled of spellings) {
      const refused = await b.request(new URL(spelled, w.t.url).href, {
        form: { csrf, userId: user.account.userId, password: 'wrong-password-1' },
        headers: { origin: 'https://evil.example' },
      });
      expect(refused.status, spelled).to.equal(403);
      expect(mainOf(refused)).to.include('不正な送信');
    }
    expect(await loginResults(w.t, user.account.id)).to.not.include('bad_password');
    // The same spelling from Tobira's own origin is routed to the login (so the refusal above is the
    // Origin check's doing, not a 404).
    const honest = await b.request(new URL(spellings[0]!, w.t.url).href, {
      form: { csrf, userId: user.account.userId, password: 'wrong-password-1' },
      headers: { origin: new URL(w.t.url).origin },
    });
    expect(honest.status).to.not.equal(404);
    expect(await loginResults(w.t, user.account.id)).to.include('bad_password');
  });
});
