/**
 * Server-side state of a multi-step form outside an OIDC interaction (enrollment, download): a random
 * id in a Secure, HttpOnly, SameSite=Strict cookie; the CSRF token and progress in the store.
 */
import type { Context } from 'koa';
import type { Clock } from '../src/clock.js';
import { newToken } from '../src/random.js';
import type { Store } from '../src/store.js';

const COOKIE = 'tobira_form';
const MODEL = 'TobiraFormSession';

export interface FormSession {
  id: string;
  /** What this session is for, e.g. `enroll:<ticket id>`; a session of another scope is ignored. */
  scope: string;
  csrf: string;
  data: Record<string, unknown>;
}

export class FormSessions {
  constructor(private readonly deps: { store: Store; clock: Clock; ttlSeconds: number }) {}

  async start(ctx: Context, scope: string, data: Record<string, unknown> = {}): Promise<FormSession> {
    const session: FormSession = { id: newToken(24), scope, csrf: newToken(24), data };
    await this.save(session);
    ctx.cookies.set(COOKIE, session.id, {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      signed: false,
      path: '/',
      maxAge: this.deps.ttlSeconds * 1000,
    });
    return session;
  }

  async load(ctx: Context, scope: string): Promise<FormSession | null> {
    const id = ctx.cookies.get(COOKIE, { signed: false });
    if (!id || !/^[A-Za-z0-9_-]{20,64}$/.test(id)) return null;
    const found = (await this.deps.store.oidcFind(
      MODEL,
      id,
      this.deps.clock.now(),
    )) as unknown as FormSession | null;
    return found && found.scope === scope ? found : null;
  }

  /** The existing session of this scope, or a fresh one. */
  async resume(ctx: Context, scope: string): Promise<FormSession> {
    return (await this.load(ctx, scope)) ?? this.start(ctx, scope);
  }

  async save(session: FormSession): Promise<void> {
    await this.deps.store.oidcUpsert(
      MODEL,
      session.id,
      { ...session },
      this.deps.ttlSeconds,
      this.deps.clock.now(),
    );
  }

  async end(ctx: Context, session: FormSession): Promise<void> {
    await this.deps.store.oidcDestroy(MODEL, session.id);
    ctx.cookies.set(COOKIE, null, { path: '/' });
  }
}
