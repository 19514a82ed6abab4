/** Consent for third-party clients (first-party ones get their grant in loadExistingGrant). */
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import { newToken } from '../src/random.js';
import type { ClientStore, TenantStore } from '../src/store.js';
import type { LoginStateRepository } from './login-state.js';
import { csrfValid, localeOf, render, renderMessage, useClientTenant, useUiLocales } from './page.js';
import type { Views } from './views.js';

export function consentRoutes(deps: {
  provider: Provider;
  views: Views;
  states: LoginStateRepository;
  /** Only for the page's tenant: the relying party's. */
  store: Pick<ClientStore, 'getClient'> & Pick<TenantStore, 'getTenant'>;
}): Router {
  const { provider, views } = deps;
  const router = new Router();
  // The consent CSRF token lives in the same expiring state store, under its own key.
  const csrfKey = (uid: string) => `consent:${uid}`;

  router.get('/interaction/:uid/consent', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    useUiLocales(ctx, details.params);
    if (details.prompt.name !== 'consent') return void ctx.redirect(`/interaction/${details.uid}`);
    const client = await provider.Client.find(String(details.params.client_id));
    await useClientTenant(ctx, deps.store, String(details.params.client_id));
    const csrf = newToken(24);
    await deps.states.save(csrfKey(details.uid), { csrf } as never);
    render(ctx, views, 'consent', {
      title: 'consent.title',
      uid: details.uid,
      csrf,
      clientName: client?.clientName ?? String(details.params.client_id),
      scopes: String(details.params.scope ?? '')
        .split(' ')
        .filter(Boolean),
    });
  });

  router.post(
    '/interaction/:uid/consent',
    bodyParser({ enableTypes: ['form'], formLimit: '4kb' }),
    async (ctx) => {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      useUiLocales(ctx, details.params);
      const saved = await deps.states.get(csrfKey(details.uid));
      if (!saved || !csrfValid(ctx, saved.csrf) || details.prompt.name !== 'consent') {
        renderMessage(ctx, views, { title: 'error.title', paragraphs: ['error.csrf'] }, 403);
        return;
      }
      await deps.states.delete(csrfKey(details.uid));
      const body = ctx.request.body as Record<string, unknown>;
      let result: Parameters<Provider['interactionResult']>[2];
      if (body.decision === 'allow') {
        const { accountId } = details.session!;
        const grant = details.grantId
          ? (await provider.Grant.find(details.grantId))!
          : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
        const missing = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
        };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        result = { consent: { grantId: await grant.save() } };
      } else {
        result = { error: 'access_denied', error_description: 'the end-user denied the request' };
      }
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: true,
      });
      localeOf(ctx);
      ctx.status = 303;
      ctx.redirect(returnTo);
    },
  );

  return router;
}
