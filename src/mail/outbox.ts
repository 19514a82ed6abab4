/**
 * The persistent outbox: `Mailer` renders and stores a mail; `OutboxWorker` sends what is due, with
 * retries and back-off, so an SMTP outage delays mail and loses none. Delivery is at-least-once: a
 * worker that dies mid-send leaves the mail `sending` until its lease ends, then it is sent again.
 * Bodies are stored sealed and opened only to send (./sealing.ts); settling a mail drops its body.
 */
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { OutboxMail } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { noMetrics, type MailMetrics } from '../metrics.js';
import { newId } from '../random.js';
import type { NewMail, OutboxStore } from '../store.js';
import type { MailRenderer, MailTemplateName } from './render.js';
import { MailBodyError, openMailBody, sealMailBody } from './sealing.js';
import { MailSendError, classifySendError, type MailTransport } from './transport.js';

export interface MailInput {
  to: string;
  template: MailTemplateName;
  locale: Locale;
  data: Record<string, unknown>;
}

export class Mailer {
  readonly #store: OutboxStore;
  readonly #renderer: MailRenderer;
  readonly #clock: Clock;
  readonly #box: SecretBox;
  /** Called after a mail is stored, so the worker sends it now rather than at its next tick. */
  onEnqueued: () => void = () => undefined;

  constructor(deps: { store: OutboxStore; renderer: MailRenderer; clock: Clock; box: SecretBox }) {
    this.#store = deps.store;
    this.#renderer = deps.renderer;
    this.#clock = deps.clock;
    this.#box = deps.box;
  }

  async enqueue(input: MailInput): Promise<OutboxMail> {
    const mail = await this.#store.enqueueMail(this.prepare(input), this.#clock.now());
    this.onEnqueued();
    return mail;
  }

  /** Rendered and sealed, for a Store.commitWork unit to enqueue; call `onEnqueued` once committed. */
  prepare(input: MailInput): NewMail {
    const { subject, ...body } = this.#renderer.render(input.template, input.locale, input.data);
    const id = newId();
    return { id, to: input.to, template: input.template, subject, ...sealMailBody(this.#box, id, body) };
  }
}

export interface OutboxWorkerOptions {
  store: OutboxStore;
  transport: MailTransport;
  clock: Clock;
  /** Opens the sealed bodies, only to send them. */
  box: SecretBox;
  from: string;
  log: Logger;
  workerId?: string;
  leaseMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  /** Delay before attempt n+1 after n failures. */
  backoff?: (attempts: number) => number;
  onPermanentFailure?: (mail: OutboxMail, error: string) => Promise<void>;
  metrics?: MailMetrics;
}

/** 5 s, 10 s, 20 s … capped at an hour, ±20 % jitter so many nodes do not retry in step. */
export const defaultBackoff = (attempts: number, random: () => number = Math.random): number =>
  Math.round(Math.min(3600_000, 5000 * 2 ** Math.max(0, attempts - 1)) * (0.8 + 0.4 * random()));

/** A body that does not open will never open: a permanent failure, like a refused recipient. */
const sendFailure = (error: unknown): MailSendError =>
  error instanceof MailSendError
    ? error
    : error instanceof MailBodyError
      ? new MailSendError(`${error.code} ${error.message}`, true, { cause: error })
      : classifySendError(error);

export class OutboxWorker {
  readonly #o: Required<Omit<OutboxWorkerOptions, 'onPermanentFailure'>> &
    Pick<OutboxWorkerOptions, 'onPermanentFailure'>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #again = false;

  constructor(options: OutboxWorkerOptions) {
    this.#o = {
      workerId: `worker-${newId()}`,
      leaseMs: 60_000,
      batchSize: 10,
      maxAttempts: 10,
      backoff: (n) => defaultBackoff(n),
      metrics: noMetrics,
      ...options,
    };
  }

  async runOnce(): Promise<{ sent: number; retried: number; failed: number }> {
    const { store, transport, clock, log } = this.#o;
    const result = { sent: 0, retried: 0, failed: 0 };
    const batch = await store.claimMail(this.#o.workerId, clock.now(), this.#o.leaseMs, this.#o.batchSize);
    for (const mail of batch) {
      try {
        await transport.send({
          from: this.#o.from,
          to: mail.to,
          subject: mail.subject,
          ...openMailBody(this.#o.box, mail),
          messageId: `<${mail.id}@tobira>`,
        });
        await store.markMailSent(mail.id, this.#o.workerId, clock.now());
        result.sent += 1;
        this.#o.metrics.mailDelivery('sent');
      } catch (error) {
        const failure = sendFailure(error);
        const message = failure.message;
        const giveUp = failure.permanent || mail.attempts >= this.#o.maxAttempts;
        const retryAt = giveUp ? null : new Date(clock.now().getTime() + this.#o.backoff(mail.attempts));
        await store.markMailFailed(mail.id, this.#o.workerId, message, retryAt, clock.now());
        if (giveUp) {
          result.failed += 1;
          this.#o.metrics.mailDelivery('failed');
          log.error('mail failed for good', {
            mailId: mail.id,
            template: mail.template,
            attempts: mail.attempts,
            error: message,
          });
          await this.#o.onPermanentFailure?.(mail, message);
        } else {
          result.retried += 1;
          this.#o.metrics.mailDelivery('retried');
          log.warn('mail send failed, will retry', {
            mailId: mail.id,
            attempts: mail.attempts,
            retryAt: retryAt!.toISOString(),
            error: message,
          });
        }
      }
    }
    return result;
  }

  /** Poll every `intervalMs`; `wake()` runs a round at once. */
  start(intervalMs = 2000): void {
    this.#timer = setInterval(() => this.wake(), intervalMs);
    this.#timer.unref();
  }

  wake(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.runOnce()
      .catch((err: unknown) => this.#o.log.warn('outbox round failed', { err }))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#again = false;
    await this.#running;
  }
}
