/**
 * The signed CRL, kept: signed on first request, then re-signed on the first request after this node
 * revokes or supersedes a certificate (the revocation only marks the kept one stale) and every
 * `resignEveryMs` (5 minutes, the endpoint's `max-age=300`), so serving it costs no signing and an
 * issuance none either: ten revocations before the next request cost one signing. Workers of one node
 * tell each other (`peers`: through the cluster's primary) and the revocation is answered only once
 * every worker has marked its CRL stale, so whatever CRL any of them serves afterwards lists it.
 * Behind several nodes each keeps its own: another node's revocation reaches this node's CRL at the
 * latest at its next scheduled re-sign. nextUpdate is a day ahead, so proxies that fetch it
 * keep working through a store outage; a CRL older than two intervals (the timer missed) is re-signed
 * on request.
 */
import { AsyncResource } from 'node:async_hooks';
import type { CrlInput } from '../../certs/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { CertificateStore } from '../store.js';

export const CRL_RESIGN_MS = 5 * 60_000;
const CRL_VALIDITY_MS = 24 * 3600_000;
/**
 * The schedule starts on the first request for the CRL, but must not live in that request's
 * AsyncLocalStorage context: a timer keeps the context it was created in (oidc-provider's holds the
 * whole Koa context), so every re-sign would run as that long-gone request — its id in the logs, its
 * context kept alive for the process's life. Entered at module load, where no request is.
 */
const outsideRequests = new AsyncResource('TobiraCrlSchedule');

export interface SignedCrl {
  der: Buffer;
  pem: string;
  thisUpdate: Date;
  crlNumber: bigint;
}

/** Tells the other workers of this node their CRL is stale; resolves once they marked it (or were given up on). */
export interface CrlPeers {
  revoked(): Promise<void>;
}

interface Signing {
  promise: Promise<SignedCrl>;
  signed: SignedCrl | null;
}

export class CrlCache {
  readonly #store: Pick<CertificateStore, 'listRevokedCertificates'>;
  readonly #sign: (input: CrlInput) => Promise<{ der: Buffer; pem: string }>;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #everyMs: number;
  readonly #peers: CrlPeers | undefined;
  #current: Signing | null = null;
  /** The signing under way, and the one queued behind it (it has not read the store yet). */
  #running: Promise<SignedCrl> | null = null;
  #next: Signing | null = null;
  #lastNumber = 0n;
  /** A revocation since the last signing started: the kept CRL may not list it. */
  #revokedSince = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: {
    store: Pick<CertificateStore, 'listRevokedCertificates'>;
    /** The CA's CRL signer (CertificateAuthority.createCrl). */
    sign: (input: CrlInput) => Promise<{ der: Buffer; pem: string }>;
    clock: Clock;
    log?: Logger;
    resignEveryMs?: number;
    /** The other workers of this node, told of a revocation (unset: a single process). */
    peers?: CrlPeers;
  }) {
    this.#store = deps.store;
    this.#sign = deps.sign;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#everyMs = deps.resignEveryMs ?? CRL_RESIGN_MS;
    this.#peers = deps.peers;
  }

  /** The current CRL; signs only the first time, after a revocation, or when the schedule fell behind. */
  get(): Promise<SignedCrl> {
    const current = this.#current;
    if (current && !this.#revokedSince && !(current.signed && this.#stale(current.signed)))
      return current.promise;
    this.#timer ??= outsideRequests.runInAsyncScope(() =>
      setInterval(() => void this.#resign(), this.#everyMs).unref(),
    );
    return this.#start().promise;
  }

  /**
   * A certificate was revoked or superseded (the store has it): the kept CRL is stale, here and in every
   * other worker of this node, so the next request waits for one signed after this call, never the old
   * one. Nothing is signed here: an issuance that supersedes pays no CRL.
   */
  async revoked(): Promise<void> {
    this.#revokedSince = true;
    await this.#peers?.revoked();
  }

  /** Another worker revoked: this worker's CRL is stale (the next request re-signs), told to no one. */
  async refresh(): Promise<void> {
    this.#revokedSince = true;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#current?.promise.catch(() => undefined);
  }

  #stale(signed: SignedCrl): boolean {
    const age = this.#clock.now().getTime() - signed.thisUpdate.getTime();
    return age < 0 || age >= 2 * this.#everyMs;
  }

  async #resign(): Promise<void> {
    try {
      await this.#start().promise;
    } catch (error) {
      // The next request tries again (and answers 503 if the store is still down).
      this.#log?.error('crl signing failed', { error: String(error) });
    }
  }

  /**
   * A signing that reads the store after this call. While one is under way (it may have read the
   * store before the caller's change), the next one starts when it ends, and every call in between
   * shares that next one, not one each (a store read of every revoked certificate, its DER and an RSA
   * signature).
   */
  #start(): Signing {
    // Whatever is returned reads the store after this moment, so it lists every revocation so far.
    this.#revokedSince = false;
    if (this.#next) return this.#next;
    const running = this.#running;
    const signing: Signing = {
      promise: running
        ? running.then(
            () => this.#begin(signing),
            () => this.#begin(signing),
          )
        : this.#begin(null),
      signed: null,
    };
    if (running) this.#next = signing;
    this.#current = signing;
    signing.promise.then(
      (signed) => (signing.signed = signed),
      () => {
        if (this.#current === signing) this.#current = null;
      },
    );
    return signing;
  }

  #begin(queued: Signing | null): Promise<SignedCrl> {
    if (queued && this.#next === queued) this.#next = null;
    // Time and number are taken before the store read, so a later start always carries a higher number.
    const thisUpdate = this.#clock.now();
    const byTime = BigInt(thisUpdate.getTime());
    const crlNumber = (this.#lastNumber = byTime > this.#lastNumber ? byTime : this.#lastNumber + 1n);
    const running = this.#build(thisUpdate, crlNumber);
    this.#running = running;
    const done = () => {
      if (this.#running === running) this.#running = null;
    };
    running.then(done, done);
    return running;
  }

  async #build(thisUpdate: Date, crlNumber: bigint): Promise<SignedCrl> {
    const revoked = await this.#store.listRevokedCertificates(thisUpdate);
    // The read (SQLite: synchronous) and the list's DER are two long steps for thousands of entries
    // (~5 ms each at 5,000): let waiting requests run between them.
    await new Promise((resolve) => setImmediate(resolve));
    const crl = await this.#sign({
      revoked: revoked.map((c) => ({
        serial: c.serial,
        revokedAt: c.revokedAt ?? thisUpdate,
        reason: c.revocationReason ?? undefined,
      })),
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
      crlNumber,
    });
    // The PEM stays unwritten until someone asks for it (crl.ts).
    return {
      der: crl.der,
      get pem() {
        return crl.pem;
      },
      thisUpdate,
      crlNumber,
    };
  }
}
