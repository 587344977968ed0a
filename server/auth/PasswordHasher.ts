/**
 * Password hashing off the paths that serve media. scrypt runs in dedicated
 * worker threads (never on libuv's pool, which reads every file Skyclass
 * serves), each lowered to the weakest CPU priority (nice 19, per thread on
 * Linux), at most PASSWORD_HASH_CONCURRENCY at once behind HashGate's short
 * queue. Under a login flood the hashes take whatever CPU is left over;
 * segment and playlist requests do not wait for them.
 */
import { Worker } from 'node:worker_threads';
import { hashPassword, verifyPassword, type Derive } from './passwords.ts';
import { HashGate } from './HashGate.ts';

// CommonJS evaluated in each worker: only node: built-ins, so no loader is needed.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
try {
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (tid > 0) os.setPriority(tid, 19);
} catch {
  // Not Linux (no /proc/thread-self): the thread keeps normal priority; the bounded queue still applies.
}
parentPort.on('message', (m) => {
  try {
    const key = crypto.scryptSync(m.password, Buffer.from(m.salt, 'base64'), m.keylen, m.opts);
    parentPort.postMessage({ id: m.id, key: key.toString('base64') });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

interface Pending {
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

export class PasswordHasher {
  readonly #gate: HashGate;
  readonly #cost: number;
  readonly #workers: { worker: Worker; busy: boolean }[] = [];
  readonly #pending = new Map<number, Pending>();
  #seq = 0;

  constructor(o: { concurrency: number; cost: number }) {
    this.#gate = new HashGate(o.concurrency);
    this.#cost = o.cost;
  }

  /** scrypt on a free worker thread (the gate guarantees one is free). */
  readonly #derive: Derive = (password, salt, keylen, opts) => {
    let w = this.#workers.find((x) => !x.busy);
    if (!w) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (m: { id: number; key?: string; error?: string }) => {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        if (m.key !== undefined) p.resolve(Buffer.from(m.key, 'base64'));
        else p.reject(new Error(m.error ?? 'scrypt failed'));
      });
      worker.on('error', (err) => {
        for (const [id, p] of this.#pending) {
          this.#pending.delete(id);
          p.reject(err);
        }
      });
      w = { worker, busy: false };
      this.#workers.push(w);
    }
    const slot = w;
    slot.busy = true;
    const id = ++this.#seq;
    return new Promise<Buffer>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (b) => {
          slot.busy = false;
          resolve(b);
        },
        reject: (e) => {
          slot.busy = false;
          reject(e);
        },
      });
      slot.worker.postMessage({
        id,
        password: typeof password === 'string' ? password : Buffer.from(password as Uint8Array).toString(),
        salt: Buffer.from(salt as Uint8Array).toString('base64'),
        keylen,
        opts,
      });
    });
  };

  /** A new password's hash (staff work: waits its turn instead of being refused). */
  hash(password: string): Promise<string> {
    return this.#gate.run(() => hashPassword(password, this.#cost, this.#derive), { wait: true });
  }

  /** Checks a sign-in; with no stored hash, runs one anyway so timing does not tell which usernames exist. */
  verify(password: string, stored: string | undefined): Promise<boolean> {
    return this.#gate.run(async () =>
      stored
        ? verifyPassword(password, stored, this.#derive)
        : !(await hashPassword(password, this.#cost, this.#derive)),
    );
  }

  get peak(): number {
    return this.#gate.peak;
  }
  get running(): number {
    return this.#gate.running;
  }
  get waiting(): number {
    return this.#gate.waiting;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    this.#workers.length = 0;
  }
}
