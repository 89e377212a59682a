import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { Db } from './db.js';
import type { WalSync } from './security-wal-sync.js';

/**
 * The worker's code (CommonJS, evaluated): its own connection per file, a PASSIVE checkpoint of each every
 * `intervalMs`, and one more on request. A PASSIVE checkpoint never blocks writers and never loses data: it copies
 * committed WAL frames into the database file (syncing the WAL first and the file after, as SQLite always does).
 * When a WAL has grown past `barrierFrames` frames (a writer committing without pause never lets a pass finish
 * with nothing new behind it, so SQLite cannot restart the WAL), the worker asks for a barrier (see WalSync).
 */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const dbs = workerData.files.map((f) => new Database(f, { fileMustExist: true, timeout: 5000 }));
const pass = (i) => {
  try {
    const r = dbs[i].pragma('wal_checkpoint(PASSIVE)')[0];
    return { busy: r.busy, log: r.log, checkpointed: r.checkpointed };
  } catch (e) {
    return { error: String((e && e.message) || e) };
  }
};
const wanted = dbs.map(() => false);
const tick = () => {
  for (let i = 0; i < dbs.length; i++) {
    const r = pass(i);
    if (r.error) parentPort.postMessage({ error: r.error });
    else if (r.log >= workerData.barrierFrames && !wanted[i]) {
      wanted[i] = true;
      parentPort.postMessage({ want: i });
    }
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.cmd === 'checkpoint') {
    wanted[m.i] = false;
    parentPort.postMessage({ id: m.id, ...pass(m.i) });
    return;
  }
  if (m.cmd !== 'close') return;
  clearInterval(timer);
  for (const d of dbs) d.close();
  parentPort.postMessage({ closed: true });
});
`;

export type WalCheckpointer = { close(): Promise<void> };

type Reply = { id?: number; want?: number; error?: string; closed?: boolean };

/**
 * Moves WAL checkpoints of the given connections off the calling thread: their automatic checkpoint (which would
 * run inside some request's COMMIT, copying ~1000 pages and syncing the file while the event loop waits) is
 * switched off and a worker thread checkpoints the same files every `intervalMs` instead. Durability is unchanged:
 * commits are synced as before (their `synchronous` setting, or their WalSync); only where the copy into the main
 * file happens moves. A connection with a WalSync gets barrier passes, which keep its WAL bounded under constant load.
 * `close()` stops the worker and gives the connections their automatic checkpoint back.
 */
export function startWalCheckpointer(
  entries: readonly { db: Db; sync?: WalSync }[],
  o: { intervalMs?: number; barrierFrames?: number; log?: (msg: string) => void } = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: { driver, files: entries.map((e) => e.db.name), intervalMs: o.intervalMs ?? 50, barrierFrames: o.barrierFrames ?? 8000 },
  });
  worker.unref();
  let exited = false;
  worker.on('exit', () => (exited = true));
  let failed = false;
  let nextId = 1;
  const waiting = new Map<number, () => void>();
  const fallBack = (why: string) => {
    if (failed) return;
    failed = true;
    o.log?.(`background WAL checkpoints stopped (${why}); checkpointing in the writer again`);
    for (const e of entries) {
      e.sync?.setBarrier(undefined);
      if (e.db.open) e.db.pragma('wal_autocheckpoint = 1000');
    }
    for (const w of waiting.values()) w();
    waiting.clear();
  };
  worker.on('message', (m: Reply) => {
    if (m.error) return fallBack(m.error);
    if (m.want !== undefined) return entries[m.want]?.sync?.wantBarrier();
    if (m.id !== undefined) {
      waiting.get(m.id)?.();
      waiting.delete(m.id);
    }
  });
  worker.on('error', (e) => fallBack(e.message));
  entries.forEach((e, i) => {
    e.db.pragma('wal_autocheckpoint = 0');
    e.sync?.setBarrier(
      () =>
        new Promise<void>((resolve) => {
          if (failed) return resolve();
          const id = nextId++;
          waiting.set(id, resolve);
          worker.postMessage({ cmd: 'checkpoint', i, id });
        }),
    );
  });
  return {
    close: async () => {
      if (!failed) {
        failed = true;
        for (const e of entries) {
          e.sync?.setBarrier(undefined);
          if (e.db.open) e.db.pragma('wal_autocheckpoint = 1000');
        }
      }
      for (const w of waiting.values()) w();
      waiting.clear();
      if (exited) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
        worker.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        worker.on('message', (m: Reply) => {
          if (m.closed) void worker.terminate();
        });
        worker.postMessage({ cmd: 'close' });
      });
    },
  };
}
