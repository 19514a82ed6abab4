/** Public platform endpoints: CA certificate and CRL (for proxies verifying client certificates), health. */
import { Router } from '@koa/router';
import type { CertificateService } from '../services/certificates.js';
import type { StoreLifecycle } from '../store.js';

export function platformRoutes(deps: { store: StoreLifecycle; certificates: CertificateService }): Router {
  const router = new Router();

  router.get('/ca/ca.pem', (ctx) => {
    ctx.type = 'application/x-pem-file';
    ctx.set('Content-Disposition', 'attachment; filename="tobira-ca.pem"');
    ctx.body = deps.certificates.caCertificatePem;
  });

  router.get('/ca/ca.crt', (ctx) => {
    // DER, which iOS, Android and Windows open directly.
    ctx.type = 'application/x-x509-ca-cert';
    ctx.set('Content-Disposition', 'attachment; filename="tobira-ca.crt"');
    const base64 = deps.certificates.caCertificatePem.replace(/-----[^-]+-----|\s/g, '');
    ctx.body = Buffer.from(base64, 'base64');
  });

  router.get('/ca/crl.der', async (ctx) => {
    ctx.type = 'application/pkix-crl';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = (await deps.certificates.crl()).der;
  });

  router.get('/ca/crl.pem', async (ctx) => {
    ctx.type = 'application/x-pem-file';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = (await deps.certificates.crl()).pem;
  });

  /** Liveness: the process answers. */
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  /** Readiness: the store answers too. */
  router.get('/readyz', async (ctx) => {
    try {
      await deps.store.ping();
      ctx.body = { status: 'ready', store: deps.store.kind };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', store: deps.store.kind };
    }
  });

  return router;
}
