/**
 * The conformance world, shared by every plan in test/conformance/: one real Tobira over HTTPS, the
 * "test suite" as a relying party (its redirect URIs under SUITE_BASE, clients registered as an
 * operator registers them for the official suite) and one real user with a real client certificate.
 */
import type { JSONWebKeySet } from 'jose';
import { createHttpsFetch, type HttpsFetch } from '../../src/http/https-fetch.js';
import { createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';
import { Run, SuiteSkipped } from './kit.js';

/** The suite's base_url for this test alias (the official suite: https://www.certification.openid.net/test/a/<alias>). */
export const SUITE_BASE = 'https://suite.example.test/test/a/tobira';
/** CreateRedirectUri: base_url + "/callback". */
export const REDIRECT_URI = `${SUITE_BASE}/callback`;
/** CreatePostLogoutRedirectUri: base_url + "/post_logout_redirect". */
export const POST_LOGOUT_REDIRECT_URI = `${SUITE_BASE}/post_logout_redirect`;
export const TENANT = 'oidf';
export const PASSWORD = 'Conformance-Pass-1';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface SuiteClient {
  clientId: string;
  clientSecret: string;
  authMethod: AuthMethod;
}

export interface SuiteWorld {
  t: TestTobira;
  issuer: string;
  /** The discovery document (GetDynamicServerConfiguration) and the server JWKS (FetchServerKeys). */
  server: Record<string, unknown> & { issuer: string };
  jwks: JSONWebKeySet;
  /** `client`, `client2` (modules that need a second client) and `client_secret_post` of the suite's configuration. */
  clients: { client: SuiteClient; client2: SuiteClient; post: SuiteClient };
  user: TestUser;
  /** fetch trusting Tobira's CA: the suite's back-channel calls (token, userinfo, discovery). */
  fetch: HttpsFetch;
}

/**
 * Registers a client as an operator registers one for the official suite (the admin API's
 * tokenEndpointAuthMethod / postLogoutRedirectUris / pkceRequired: false / firstParty: false): the
 * suite's redirect and post-logout redirect URIs, third-party, the plan's client authentication, and
 * PKCE off — the suite sends PKCE only in the module that tests it.
 */
async function registerSuiteClient(
  t: TestTobira,
  clientId: string,
  authMethod: AuthMethod,
): Promise<SuiteClient> {
  const { clientSecret } = await t.tobira.clients.register({
    tenantId: TENANT,
    clientId,
    name: `OpenID conformance suite (${clientId})`,
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_REDIRECT_URI],
    auth: { method: authMethod },
    pkceRequired: false,
    firstParty: false,
    actor: 'conformance-test',
  });
  return { clientId, clientSecret, authMethod };
}

async function startWorld(): Promise<SuiteWorld> {
  const t = await startTestTobira({
    // Every module signs in from 127.0.0.1: the per-IP and per-account login limits would end the run.
    config: { loginRatePerIpPerMinute: 1_000_000, loginRatePerAccountPerMinute: 1_000_000 },
  });
  await createTenant(t.tobira, TENANT);
  const fetch = createHttpsFetch({ ca: t.tobira.ca.certificatePem });
  const server = (await (
    await fetch(`${t.url}/.well-known/openid-configuration`)
  ).json()) as SuiteWorld['server'];
  const jwks = (await (await fetch(String(server.jwks_uri))).json()) as JSONWebKeySet;
  return {
    t,
    issuer: t.url,
    server,
    jwks,
    fetch,
    clients: {
      client: await registerSuiteClient(t, `${TENANT}-suite`, 'client_secret_basic'),
      client2: await registerSuiteClient(t, `${TENANT}-suite2`, 'client_secret_basic'),
      post: await registerSuiteClient(t, `${TENANT}-suite-post`, 'client_secret_post'),
    },
    user: await createUser(t.tobira, { tenantId: TENANT, userId: `${TENANT}-buffy`, password: PASSWORD }),
  };
}

let started: Promise<SuiteWorld> | undefined;

/** The one world of this directory, started by the first plan that asks. */
export function suiteWorld(): Promise<SuiteWorld> {
  started ??= startWorld();
  return started;
}

// Root hook: closes the world after every file of the run (registered when the first plan imports this).
after(async function () {
  if (!started) return;
  const w = await started;
  w.fetch.close();
  await w.t.close();
});

export interface ModuleDef {
  /** The module's `testName` in the suite. */
  name: string;
  run(w: SuiteWorld, run: Run): Promise<void>;
  /** The suite does not run it for this configuration (VariantNotApplicable…): its reason. */
  notApplicable?: string;
  /** Shown after the name: what a human reviews in the suite (screenshots) and what is asserted instead. */
  note?: string;
  /** Starts when the plan starts and is awaited by its `it` (a module that mostly waits, e.g. 30 seconds). */
  early?: boolean;
}

/** Modules that start with the first plan and are awaited by their own `it` (each mostly waits). */
const early: { def: ModuleDef; promise?: Promise<Run> }[] = [];

async function execute(def: ModuleDef): Promise<Run> {
  const run = new Run();
  await def.run(await suiteWorld(), run);
  return run;
}

/** Starts every early module of every plan once (the first plan's `before`). */
function startEarly(): void {
  for (const e of early)
    if (!e.promise) {
      e.promise = execute(e.def);
      e.promise.catch(() => undefined); // awaited, and reported, by the module's own `it`
    }
}

/** One `it` per module, named by its testName; skipped ones say why in their name. */
export function definePlan(plan: string, modules: ModuleDef[], pending: Record<string, string> = {}): void {
  describe(`OpenID conformance: ${plan}`, function () {
    this.timeout(90_000);
    before(async function () {
      await suiteWorld();
      startEarly();
    });
    for (const def of modules) {
      const title = def.note ? `${def.name} (${def.note})` : def.name;
      if (def.notApplicable)
        it.skip(`${def.name} — not run by the suite for this configuration: ${def.notApplicable}`);
      else if (pending[def.name]) it.skip(`pending provider work: ${def.name} — ${pending[def.name]}`);
      else {
        const started: (typeof early)[number] | undefined = def.early ? { def } : undefined;
        if (started) early.push(started);
        it(title, async function () {
          let run: Run;
          try {
            run = await (started?.promise ?? execute(def));
          } catch (error) {
            if (error instanceof SuiteSkipped) {
              console.log(`      ↷ skipped by the suite's own rule: ${error.message}`);
              this.skip();
            }
            throw error;
          }
          for (const w of run.warnings) console.log(`      ⚠ warning (as the suite reports it): ${w}`);
        });
      }
    }
  });
}
