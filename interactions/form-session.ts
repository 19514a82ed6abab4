/**
 * Server-side state of a multi-step form outside an OIDC interaction (enrollment, download, recovery):
 * the CSRF token and progress, in a SameSite=Strict server session.
 */
import type { Context } from 'koa';
import type { Clock } from '../src/clock.js';
import { newToken } from '../src/random.js';
import type { EphemeralStore } from '../src/store.js';
import { ServerSessions } from './server-sessions.js';

export interface FormSession {
  id: string;
  /** What this session is for, e.g. `enroll:<ticket id>`; a session of another scope is ignored. */
  scope: string;
  csrf: string;
  data: Record<string, unknown>;
}

export class FormSessions {
  readonly #sessions: ServerSessions<FormSession>;

  constructor(deps: { store: EphemeralStore; clock: Clock; ttlSeconds: number }) {
    this.#sessions = new ServerSessions<FormSession>({
      ...deps,
      kind: 'TobiraFormSession',
      cookie: { name: 'tobira_form', path: '/', sameSite: 'strict' },
    });
  }

  async start(ctx: Context, scope: string, data: Record<string, unknown> = {}): Promise<FormSession> {
    const session: FormSession = { id: this.#sessions.newId(), scope, csrf: newToken(24), data };
    await this.#sessions.write(session, ctx);
    return session;
  }

  async load(ctx: Context, scope: string): Promise<FormSession | null> {
    const found = await this.#sessions.read(ctx);
    return found && found.scope === scope ? found : null;
  }

  /** The existing session of this scope, or a fresh one. */
  async resume(ctx: Context, scope: string): Promise<FormSession> {
    return (await this.load(ctx, scope)) ?? this.start(ctx, scope);
  }

  /** The same progress under a fresh id and CSRF token (after a step that proves something). */
  async rotate(ctx: Context, session: FormSession, data: Record<string, unknown>): Promise<FormSession> {
    await this.#sessions.destroy(ctx, session);
    return this.start(ctx, session.scope, data);
  }

  save(session: FormSession): Promise<void> {
    return this.#sessions.write(session);
  }

  end(ctx: Context, session: FormSession): Promise<void> {
    return this.#sessions.destroy(ctx, session);
  }
}
