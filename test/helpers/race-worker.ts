/**
 * One contender of a store race, run as its own process (`fork` with tsx) so that it has its own
 * connection: SQLite through its own file handle, MongoDB through its own client. The parent
 * (test/helpers/racers.ts) sends the target store, then rounds of `arm` (what to call) and `go`; the
 * worker answers `ready`, `armed` and the results of every call, in call order per target.
 */
import { randomUUID } from 'node:crypto';
import { connectMongo, MongoStore } from '../../adapters/mongo/index.js';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import type { Store } from '../../src/store.js';
import type { RaceOp, RaceTarget, WorkerMessage } from './racers.js';

async function open(target: RaceTarget): Promise<Store> {
  if (target.kind === 'sqlite') return openSqliteStore({ path: target.path });
  const store = new MongoStore(await connectMongo({ uri: target.uri, dbName: target.dbName }));
  await store.init();
  return store;
}

/** `calls` concurrent calls per id (truly concurrent on MongoDB; one after another on SQLite). */
const each = <T>(ids: string[], calls: number, call: (id: string) => Promise<T>) =>
  Promise.all(ids.map((id) => Promise.all(Array.from({ length: calls }, () => call(id)))));

function run(store: Store, op: RaceOp): Promise<unknown> {
  const now = new Date(op.now);
  switch (op.name) {
    case 'reserveAttempt':
      return each(op.ids, op.calls, (id) => store.reserveAttempt(id, 'password', op.max, now));
    case 'reserveTicketAttempt':
      return each(op.ids, op.calls, (id) => store.reserveTicketAttempt(id, op.max));
    case 'consumeTicket':
      return each(op.ids, op.calls, (id) => store.consumeTicket(id, now));
    case 'advanceTotpStep':
      return each(op.ids, op.calls, (id) => store.advanceTotpStep(id, op.step, now));
    case 'hitRateLimit':
      return each(op.ids, op.calls, (key) => store.hitRateLimit(key, new Date(op.now + 60_000), now));
    case 'claimMail':
      return (async () => {
        const claimed: string[] = [];
        const worker = randomUUID();
        for (let batch; (batch = await store.claimMail(worker, now, 60_000, op.batch)).length;)
          claimed.push(...batch.map((m) => m.id));
        return claimed;
      })();
  }
}

const send = (message: WorkerMessage) => process.send!(message);

let store: Store | undefined;
let armed: RaceOp | undefined;
process.on('message', (message: { target?: RaceTarget; arm?: RaceOp; go?: true; close?: true }) => {
  void (async () => {
    try {
      if (message.target) {
        store = await open(message.target);
        send({ ready: true });
      } else if (message.arm) {
        armed = message.arm;
        send({ armed: true });
      } else if (message.go) {
        send({ results: await run(store!, armed!) });
      } else if (message.close) {
        await store?.close();
        process.exit(0);
      }
    } catch (error) {
      send({ error: String((error as Error)?.stack ?? error) });
    }
  })();
});
