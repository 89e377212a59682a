import fs from 'node:fs';
import type { Db } from './db.js';

/**
 * Durable commits without blocking the event loop.
 *
 * With `synchronous=FULL` in WAL mode, SQLite's only extra work at COMMIT is one fsync of the WAL file, done on
 * the calling thread: the event loop stops for the disk on every group commit. `WalSync` moves exactly that fsync
 * to libuv's thread pool: the connection runs with `synchronous=NORMAL` (COMMIT writes the WAL frames, no fsync;
 * checkpoints still sync the WAL before copying it), and `sync()` resolves once a sync of the WAL file that
 * STARTED after the caller's COMMIT has completed, i.e. once that commit is on disk, exactly what FULL guarantees
 * when COMMIT returns. Callers acknowledge nothing before `sync()` resolves, so every answered request is as
 * durable as under FULL. A crash between COMMIT and the fsync can lose only transactions nobody was told about.
 *
 * With `commitSyncs` the connection keeps `synchronous=FULL` instead (SIGNING.md 6.4 as written, the gateway's
 * default): COMMIT syncs the WAL on the calling thread and `sync()` only adds the checkpoint barrier below.
 *
 * Callers batch their commits (group commit) and call `sync()` once per batch. Syncs are coalesced: at most one
 * fdatasync runs at a time, and every `sync()` made while it runs shares the single next one, which starts when the
 * running one ends (so it started after each of those callers' COMMITs). Under load this is one sync per disk
 * round trip instead of one per batch, with no weaker guarantee.
 */
export class WalSync {
  readonly #walFile: string;
  #fd: number | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** The fdatasync running now, and the one queued behind it (shared by every caller since it started). */
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #holding: Promise<void> | undefined;
  #closed = false;
  #barrier: (() => Promise<void>) | undefined;
  #barrierWanted = false;

  /** `commitSyncs`: the connection keeps `synchronous=FULL` (COMMIT itself syncs the WAL), so `sync()` has nothing left to wait for. */
  readonly #commitSyncs: boolean;

  constructor(readonly db: Db, opts: { readonly commitSyncs?: boolean } = {}) {
    this.#walFile = db.name + '-wal';
    this.#commitSyncs = opts.commitSyncs === true;
    db.pragma(this.#commitSyncs ? 'synchronous = FULL' : 'synchronous = NORMAL');
  }

  /**
   * Resolves once every transaction committed on `db` before this call is on disk: a sync of the WAL file that
   * starts now. Calls do not wait for each other (a sync already running may have started before the caller's
   * COMMIT); the kernel and the disk merge what overlaps.
   */
  sync(): Promise<void> {
    const p = this.#coalesced();
    if (!this.#barrierWanted || !this.#barrier || this.#holding) return p;
    this.#barrierWanted = false;
    const hold = this.#barrier().catch(() => {});
    this.#holding = hold;
    void hold.then(() => {
      if (this.#holding === hold) this.#holding = undefined;
    });
    this.#inFlight.add(hold);
    void hold.then(() => this.#inFlight.delete(hold));
    return Promise.all([p, hold]).then(() => {});
  }

  /**
   * Keeping the WAL bounded: a checkpoint elsewhere (security-checkpointer.ts) can only restart the WAL once it has
   * copied every frame while no new one was written. When it asks (`wantBarrier`), the next `sync()` also starts one
   * checkpoint pass and `holding()` returns it until it is done: writers wait for that before committing again (the
   * gateway's group commit, the paper book), so the pass completes and the next commit restarts the WAL.
   */
  setBarrier(checkpoint: (() => Promise<void>) | undefined): void {
    this.#barrier = checkpoint;
  }
  wantBarrier(): void {
    this.#barrierWanted = true;
  }
  /** The barrier pass in progress, if any. */
  holding(): Promise<void> | undefined {
    return this.#holding;
  }

  /** A sync that starts now if none is running, else the one queued to start when the running one ends. */
  #coalesced(): Promise<void> {
    if (this.#commitSyncs) return Promise.resolve();
    if (this.#running === undefined) return this.#start();
    if (this.#queued === undefined) {
      const after = () => {
        this.#queued = undefined;
        return this.#start();
      };
      this.#queued = this.#running.then(after, after);
    }
    return this.#queued;
  }

  #start(): Promise<void> {
    const p = this.#fsync();
    this.#running = p;
    const done = () => {
      if (this.#running === p) this.#running = undefined;
    };
    p.then(done, done);
    return p;
  }

  #fsync(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      if (this.#closed) return reject(new Error(`the database "${this.db.name}" is closed`));
      try {
        // The WAL file exists once anything was committed; it stays the same file while this connection is open.
        this.#fd ??= fs.openSync(this.#walFile, 'r+');
      } catch (e) {
        return reject(e);
      }
      // fdatasync, as SQLite itself syncs the WAL on Linux: the data and the file size, not the modification time.
      fs.fdatasync(this.#fd, (e) => (e ? reject(e) : resolve()));
    });
    this.#inFlight.add(p);
    const done = () => this.#inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Syncs what is left, gives the connection `synchronous=FULL` back and closes the WAL handle. */
  async close(): Promise<void> {
    if (this.#closed) return;
    // Nothing is closed under a sync still running on the thread pool.
    while (this.#inFlight.size || this.#queued) await Promise.allSettled([...this.#inFlight, ...(this.#queued ? [this.#queued] : [])]);
    this.#closed = true;
    if (this.#fd !== undefined) {
      try {
        fs.fdatasyncSync(this.#fd);
      } finally {
        fs.closeSync(this.#fd);
        this.#fd = undefined;
      }
    }
    if (this.db.open) this.db.pragma('synchronous = FULL');
  }
}
