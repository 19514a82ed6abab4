/**
 * The floor of a password login: one argon2id verify at Tobira's parameters. Measured one at a time
 * (its latency and CPU) and with every core busy (the ceiling: no login rate can pass it).
 */
import os from 'node:os';
import { DEFAULT_ARGON2, PasswordHasher } from '../src/crypto/password-hasher.js';
import { PASSWORD } from './provision.js';
import { cpuSince, ms, quantiles, type Quantiles } from './stats.js';

export interface Argon2Result {
  params: string;
  sequential: Quantiles;
  /** CPU per verify (ms) with all cores busy: what a login's verify costs the server under load. */
  cpuPerVerifyMs: number;
  /** Verifies per second with every core busy. */
  ceiling: number;
  concurrency: number;
}

export async function benchArgon2(options: { seconds: number; sequential: number }): Promise<Argon2Result> {
  const hasher = new PasswordHasher();
  const hash = await hasher.hash(PASSWORD);
  await hasher.verify(hash, PASSWORD); // warm-up
  const times: number[] = [];
  for (let i = 0; i < options.sequential; i += 1) {
    const start = process.hrtime.bigint();
    await hasher.verify(hash, PASSWORD);
    times.push(ms(start));
  }
  // Twice the cores in flight keeps every core busy (the libuv pool has 4 threads by default).
  const concurrency = os.availableParallelism() * 2;
  const deadline = Date.now() + options.seconds * 1000;
  let verifies = 0;
  const cpu = process.cpuUsage();
  const began = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await hasher.verify(hash, PASSWORD);
        verifies += 1;
      }
    }),
  );
  const seconds = ms(began) / 1000;
  const { memoryCost, timeCost, parallelism } = DEFAULT_ARGON2;
  return {
    params: `m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}`,
    sequential: quantiles(times),
    cpuPerVerifyMs: (cpuSince(cpu) / verifies) * 1000,
    ceiling: verifies / seconds,
    concurrency,
  };
}
