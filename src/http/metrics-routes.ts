/**
 * GET /metrics in Prometheus' text format. With `TOBIRA_METRICS_TOKEN` set, a scraper sends it as a
 * bearer token; without one, only a scraper on this host may read, and a request relayed by a
 * trusted proxy never counts as local (behind nginx every client would otherwise look local).
 */
import { Router } from '@koa/router';
import type { MetricsExposition } from '../metrics.js';
import { safeEqual } from '../random.js';
import { isFromTrustedProxy, type ProxyTrust } from './client-context.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Who may scrape: 'ok', or the status that refuses (401 asks for the token, 403 has no way in). */
export function scrapeAccess(r: {
  token: string | undefined;
  authorization: string;
  peer: string;
  viaTrustedProxy: boolean;
}): 'ok' | 401 | 403 {
  if (r.token) return safeEqual(r.authorization, `Bearer ${r.token}`) ? 'ok' : 401;
  return LOOPBACK.test(r.peer) && !r.viaTrustedProxy ? 'ok' : 403;
}

export function metricsRoutes(deps: {
  /** This process's metrics, or every worker's summed (src/cluster/worker-services.ts). */
  metrics: MetricsExposition;
  token: string | undefined;
  trust: ProxyTrust;
}): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const access = scrapeAccess({
      token: deps.token,
      authorization: ctx.get('authorization'),
      peer: ctx.req.socket.remoteAddress ?? '',
      viaTrustedProxy: isFromTrustedProxy(ctx.req, deps.trust),
    });
    if (access !== 'ok') {
      ctx.status = access;
      if (access === 401) ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = {
        error: 'metrics_forbidden',
        message: 'metrics need the bearer token, or a scraper on this host',
      };
      return;
    }
    const { contentType, body } = await deps.metrics.exposition();
    ctx.type = contentType;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });
  return router;
}
