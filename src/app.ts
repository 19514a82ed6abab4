/**
 * Composition root: config → keys → store → CA → services → oidc-provider with Tobira's routes.
 * The only module that knows every concrete class. `server.ts` puts the result on a TLS listener.
 */
import { mkdir } from 'node:fs/promises';
import { randomInt as cryptoRandomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type Provider from 'oidc-provider';
import { CertificateAuthority, MintPool } from '../certs/index.js';
import { consentRoutes } from '../interactions/consent-routes.js';
import { adminRoutes } from './admin/router.js';
import { CookieSigner } from './http/cookie-signer.js';
import { enrollRoutes } from '../interactions/enroll-routes.js';
import { recoveryRoutes } from '../interactions/recovery-routes.js';
import { accountRoutes } from '../interactions/account/routes.js';
import { AccountSessions } from '../interactions/account-session.js';
import { FormSessions } from '../interactions/form-session.js';
import { LoginStateRepository } from '../interactions/login-state.js';
import { loginRoutes } from '../interactions/login-routes.js';
import { providerPages } from '../interactions/provider-pages.js';
import { sameOriginForms } from '../interactions/same-origin.js';
import { Views } from '../interactions/views.js';
import { systemClock, type Clock } from './clock.js';
import { resolveDataPath, serverHostnames, type Config } from './config.js';
import { PasswordHasher } from './crypto/password-hasher.js';
import { SecretBox } from './crypto/secret-box.js';
import { forwardingStripper, type ProxyTrust } from './http/client-context.js';
import { platformRoutes } from './http/platform-routes.js';
import { loadRpTrustBundle } from './http/mtls.js';
import { offeredAuthMethods } from './policy/client-auth.js';
import { errorPages, scriptHashesAlone, securityHeaderSetter, staticAssets } from './http/middleware.js';
import { brandRoutes } from './http/brand-routes.js';
import { metricsRoutes } from './http/metrics-routes.js';
import { requestLogger } from './http/request-log.js';
import { requestFront } from './http/request-front.js';
import { RequestIds } from './http/request-id.js';
import { BackgroundTasks } from './background.js';
import { localBus, type ClusterBus } from './cluster/bus.js';
import { logCheckpointFailure } from './cluster/checkpoints.js';
import { shareCrl, shareMetrics } from './cluster/worker-services.js';
import { ClientRegistry } from './services/clients.js';
import { Metrics } from './metrics.js';
import { loadKeyMaterial, type KeyMaterial } from './keys.js';
import { createLogger, type Logger } from './log.js';
import {
  BINDING_TTL_SECONDS,
  backChannelPaths,
  composePages,
  createProvider,
  resumeBinding,
} from './provider.js';
import { BindingGuard } from './services/binding-guard.js';
import { SessionBindings } from './services/session-bindings.js';
import { AuditLog } from './services/audit.js';
import { CertificateService } from './services/certificates.js';
import { CrlCache } from './services/crl-cache.js';
import { Semaphore } from './services/semaphore.js';
import { LoginService } from './services/login.js';
import { LoginFlow } from './services/login-flow.js';
import { EnrollmentService } from './services/enrollment.js';
import { DownloadService } from './services/downloads.js';
import { RecoveryService } from './services/recovery.js';
import { AccountSettings } from './services/account-settings.js';
import { RateLimiter } from './services/rate-limiter.js';
import { TotpService } from './services/totp.js';
import { loginRateRules } from './policy/rate-limit.js';
import { RetentionJob } from './services/retention.js';
import { ExpiryReminderJob } from './services/expiry-reminders.js';
import {
  MailRenderer,
  Mailer,
  OutboxWorker,
  sealStoredMail,
  createFileTransport,
  createSmtpTransport,
} from './mail/index.js';
import { openStore } from './store-factory.js';
import type { Store } from './store.js';
import { countedCalls, storeCallMetric } from './store/instrumented.js';
import { RequestCache } from './store/request-cache.js';
import { providerContexts } from './provider-context.js';

export interface Tobira {
  config: Config;
  clock: Clock;
  log: Logger;
  keys: KeyMaterial;
  store: Store;
  ca: CertificateAuthority;
  box: SecretBox;
  hasher: PasswordHasher;
  audit: AuditLog;
  certificates: CertificateService;
  login: LoginService;
  enrollment: EnrollmentService;
  downloads: DownloadService;
  recovery: RecoveryService;
  clients: ClientRegistry;
  retention: RetentionJob;
  /** Certificate expiry reminder mails; `start()` with the other background jobs. */
  expiryReminders: ExpiryReminderJob;
  mailer: Mailer;
  outbox: OutboxWorker;
  metrics: Metrics;
  provider: Provider;
  /** Node request handler of the whole application. */
  callback: ReturnType<Provider['callback']>;
  randomInt: (max: number) => number;
  close(): Promise<void>;
}

export interface BuildOptions {
  clock?: Clock;
  log?: Logger;
  /** Use this store instead of opening one from config (tests share one). */
  store?: Store;
  /** The sibling workers under `tobira start` with TOBIRA_WORKERS > 1 (default: a single process). */
  bus?: ClusterBus;
}

export async function buildTobira(config: Config, options: BuildOptions = {}): Promise<Tobira> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel);
  const bus = options.bus ?? localBus();
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const keys = await loadKeyMaterial({
    dir: resolveDataPath(config, 'keys'),
    ...(config.dataKey ? { dataKey: config.dataKey } : {}),
    ...(config.cookieKeys ? { cookieKeys: config.cookieKeys } : {}),
    ...(config.caKeyPassphrase ? { caKeyPassphrase: config.caKeyPassphrase } : {}),
  });
  // SQLite's checkpoints off the event loop: a cluster's primary runs them (cli/start.ts), else a thread.
  const checkpoints = bus.workers > 1 ? 'elsewhere' : 'thread';
  const onCheckpointError = logCheckpointFailure(log);
  const opened = options.store ?? (await openStore(config, { checkpoints, onCheckpointError }));
  await opened.init();
  const ca = await CertificateAuthority.loadOrCreate({
    dir: resolveDataPath(config, 'ca'),
    keyPassphrase: keys.caKeyPassphrase,
    organization: config.serviceName,
    serverHostnames: serverHostnames(config),
    operator: {
      ...(config.caCertFile ? { caCertFile: config.caCertFile } : {}),
      ...(config.caKeyFile ? { caKeyFile: config.caKeyFile } : {}),
      ...(config.caKeyPassphrase ? { caKeyPassphrase: config.caKeyPassphrase } : {}),
      ...(config.tlsCertFile ? { tlsCertFile: config.tlsCertFile } : {}),
      ...(config.tlsKeyFile ? { tlsKeyFile: config.tlsKeyFile } : {}),
    },
    now: () => clock.now(),
  });

  const box = new SecretBox(keys.dataKey);
  const rpCas = loadRpTrustBundle(config.mtlsClientCaFile, ca.certificatePem);
  const hasher = new PasswordHasher({
    memoryCost: config.argon2MemoryKib,
    timeCost: config.argon2TimeCost,
    parallelism: config.argon2Parallelism,
  });
  const metrics = new Metrics({ store: opened });
  // Every store call counted (tobira_store_calls_total); within a request each record read once.
  const requestCache = new RequestCache({
    count: (outcome) => metrics.keptRecord(outcome),
    contexts: providerContexts,
  });
  const store = requestCache.wrap(opened, countedCalls(storeCallMetric(metrics.registry)));
  // The request being served, for the audit events it causes (set by the request log middleware),
  // carried in the request cache's context: one AsyncLocalStorage context per request.
  const requestIds = new RequestIds(requestCache);
  const audit = new AuditLog({ store, clock, log, metrics, requestId: () => requestIds.current() });
  // Kept signed; a revocation in any worker marks it stale in every worker before it is answered.
  const crl: CrlCache = new CrlCache({
    store,
    sign: (input) => ca.createCrl(input),
    clock,
    log,
    peers: shareCrl(bus, log, () => crl.refresh()),
  });
  // Keys and PKCS#12 files on one low-priority minting thread per core, an issuance per thread: minting
  // uses idle cores, the event loop and argon2id (libuv pool) go first on busy ones. The bound is the
  // machine's, so several workers share it out (at least one each).
  const mintThreads = Math.max(1, Math.floor(availableParallelism() / bus.workers));
  const certificates = new CertificateService({
    store,
    ca,
    box,
    clock,
    audit,
    crl,
    minting: new MintPool({ threads: mintThreads }),
    issuing: new Semaphore(mintThreads),
  });
  const login = new LoginService({ store, hasher, box, clock, audit, metrics });
  const retention = new RetentionJob({ store, clock, log, mailRetentionDays: config.mailRetentionDays });
  const renderer = await MailRenderer.load({
    serviceName: config.serviceName,
    supportContact: config.mailFrom,
  });
  await sealStoredMail({ store, box, log });
  const mailer = new Mailer({ store, renderer, clock, box });
  const outbox = new OutboxWorker({
    store,
    clock,
    box,
    log,
    from: config.mailFrom,
    metrics,
    transport: config.smtpUrl
      ? createSmtpTransport(config.smtpUrl)
      : createFileTransport(resolveDataPath(config, 'mail'), (line) =>
          log.info('mail written', { detail: line }),
        ),
    onPermanentFailure: (mail, error) =>
      audit.record({
        actor: 'system',
        action: 'mail.failed',
        details: { mailId: mail.id, template: mail.template, to: mail.to, error },
      }),
  });
  mailer.onEnqueued = () => outbox.wake();
  const expiryReminders = new ExpiryReminderJob({
    store,
    mailer,
    audit,
    clock,
    log,
    thresholdDays: config.certificateReminderDays,
    intervalMs: config.certificateReminderIntervalHours * 3600_000,
  });
  const randomInt = (max: number) => cryptoRandomInt(max);
  const enrollment = new EnrollmentService({
    store,
    hasher,
    certificates,
    mailer,
    clock,
    audit,
    randomInt,
    publicUrl: config.issuer,
  });
  const downloads = new DownloadService({ store, box, clock, audit, certificates });
  const recovery = new RecoveryService({
    store,
    hasher,
    mailer,
    enrollment,
    clock,
    audit,
    randomInt,
    publicUrl: config.issuer,
  });
  const rateLimiter = new RateLimiter({ store, clock });
  const background = new BackgroundTasks(log);
  const totp = new TotpService({ store, box, clock, audit, issuerName: config.serviceName });
  const forms = new FormSessions({ store, clock, ttlSeconds: 3600 });
  const trust: ProxyTrust = { trustedProxies: config.trustedProxies, certHeader: config.proxyCertHeader };

  const views = await Views.load();
  const states = new LoginStateRepository({ store, clock, ttlSeconds: 30 * 60 });
  const bindings = new SessionBindings({ store, clock, ttlSeconds: BINDING_TTL_SECONDS });
  const guard = new BindingGuard({ certificates, bindings, store });
  const provider = createProvider({
    issuer: config.issuer,
    store,
    clock,
    jwks: keys.jwks,
    cookieKeys: keys.cookieKeys,
    trust,
    pages: providerPages(views),
    box,
    guard,
    rpCas,
  });
  // Koa's documented Keygrip slot: keygrip's signatures, with the keys imported once (cookie-signer.ts).
  provider.keys = new CookieSigner(keys.cookieKeys);
  const clients = new ClientRegistry({
    store,
    box,
    clock,
    audit,
    authMethods: offeredAuthMethods({ tlsClientAuth: rpCas.length > 0 }),
    validateMetadata: (metadata) => provider.Client.validate(metadata as { client_id: string }),
  });
  await clients.sealStoredSecrets();
  // Behind a TLS-terminating proxy, trust its X-Forwarded-Proto/Host (and only then).
  provider.proxy = config.trustedProxies.length > 0;

  provider.on('server_error', (_ctx, err) =>
    // The stack cut to its top frames: a log line stays under the pipe's atomic write size (log.ts).
    log.error('oidc server error', { err, stack: (err as Error).stack?.slice(0, 2048) }),
  );
  provider.on('authorization.error', (_ctx, err) => log.warn('authorization error', { err }));
  // Token, introspection, revocation, userinfo and JWKS requests skip what only pages need.
  const pages = [
    // Binds a session to its certificate once a login resumed its authorization (a page request).
    resumeBinding(provider, bindings),
    scriptHashesAlone(),
    errorPages({ views, log }),
    staticAssets(new URL('../interactions/public/', import.meta.url)),
    sameOriginForms({ issuer: config.issuer, views }),
  ];
  const routers = [
    platformRoutes({ store, certificates }),
    brandRoutes({ store }),
    metricsRoutes({ metrics: shareMetrics(bus, metrics), token: config.metricsToken, trust }),
    loginRoutes({
      provider,
      store,
      views,
      guard,
      login,
      flow: new LoginFlow({ login, totp }),
      states,
      trust,
      rateLimiter,
      rateRules: loginRateRules(config.loginRatePerIpPerMinute, config.loginRatePerAccountPerMinute),
      totp,
    }),
    consentRoutes({ provider, views, states, store }),
    adminRoutes({ store, clock, audit, enrollment, certificates, recovery, clients }, trust, rateLimiter),
    enrollRoutes({ views, enrollment, downloads, forms, box }),
    recoveryRoutes({ views, recovery, forms, rateLimiter, trust, background }),
    accountRoutes({
      views,
      sessions: new AccountSessions({
        provider,
        store,
        clock,
        trust,
        issuer: config.issuer,
        guard,
        ttlSeconds: 15 * 60,
        maxAgeSeconds: 2 * 3600,
      }),
      settings: new AccountSettings({
        store,
        hasher,
        login,
        enrollment,
        certificates,
        mailer,
        clock,
        audit,
        randomInt,
      }),
      certificates,
      login,
      trust,
      store,
      clock,
      totp,
      recovery,
      rateLimiter,
    }),
  ];
  // Every request in one step: store scope, forwarding headers, request id and log, security headers,
  // then the pages or (back-channel) straight to oidc-provider (http/request-front.ts).
  provider.use(
    requestFront({
      scope: requestCache,
      strip: forwardingStripper(trust),
      log: requestLogger({
        log: config.accessLog ? log : createLogger('silent'),
        metrics,
        trust,
        requestIds,
      }),
      headers: securityHeaderSetter(),
      backChannel: backChannelPaths(provider),
      pages: composePages([...pages, ...routers.map((router) => router.routes())]),
    }),
  );

  return {
    config,
    clock,
    log,
    keys,
    store,
    ca,
    box,
    hasher,
    audit,
    certificates,
    login,
    enrollment,
    downloads,
    recovery,
    clients,
    retention,
    expiryReminders,
    mailer,
    outbox,
    provider,
    metrics,
    callback: provider.callback(),
    randomInt,
    async close() {
      await background.drain();
      retention.stop();
      expiryReminders.stop();
      await outbox.stop();
      await certificates.close();
      if (!options.store) await store.close();
    },
  };
}
