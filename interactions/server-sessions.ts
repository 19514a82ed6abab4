/**
 * Server-side sessions keyed by a random id in a cookie: the record lives in the store as an expiring
 * artifact, the browser holds only the id (HttpOnly, Secure, SameSite). Shared by the form sessions and
 * the account pages.
 */
import type { Context } from 'koa';
import type { Clock } from '../src/clock.js';
import { newToken } from '../src/random.js';
import { EphemeralRecords } from '../src/services/ephemeral-records.js';
import type { EphemeralStore } from '../src/store.js';

export interface ServerSessionOptions {
  store: EphemeralStore;
  clock: Clock;
  /** The kind of state these sessions are stored under. */
  kind: string;
  cookie: { name: string; path: string; sameSite: 'strict' | 'lax' };
  ttlSeconds: number;
}

const ID = /^[A-Za-z0-9_-]{20,64}$/;

export class ServerSessions<T extends { id: string }> {
  readonly #records: EphemeralRecords<T>;

  constructor(private readonly o: ServerSessionOptions) {
    this.#records = new EphemeralRecords<T>(o);
  }

  newId(): string {
    return newToken(24);
  }

  /** The record named by this request's cookie, or null. */
  async read(ctx: Context): Promise<T | null> {
    const id = ctx.cookies.get(this.o.cookie.name, { signed: false });
    if (!id || !ID.test(id)) return null;
    return this.#records.get(id);
  }

  /** Store the record (restarting its lifetime); with `ctx`, also hand the browser its id. */
  async write(record: T, ctx?: Context): Promise<void> {
    await this.#records.put(record.id, record);
    if (ctx) this.#cookie(ctx, record.id, this.o.ttlSeconds * 1000);
  }

  async destroy(ctx: Context, record: T): Promise<void> {
    await this.#records.delete(record.id);
    this.#cookie(ctx, null, 0);
  }

  #cookie(ctx: Context, value: string | null, maxAge: number): void {
    ctx.cookies.set(this.o.cookie.name, value, {
      httpOnly: true,
      secure: true,
      sameSite: this.o.cookie.sameSite,
      signed: false,
      path: this.o.cookie.path,
      maxAge,
    });
  }
}
