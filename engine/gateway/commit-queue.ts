import type { SecurityStore } from '../ports/index.js';

export type CommitItem<T> = {
  /** Runs inside the batch's write transaction. Must only touch the store (it may run a second time, see flush). */
  readonly run: () => T;
  /** Called after the batch committed (result) or failed (error). */
  readonly done: (r: { ok: true; value: T } | { ok: false; error: unknown }) => void;
};

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Calls every `done`; one that throws does not keep the others from their result (the error is rethrown after). */
function deliver(batch: readonly CommitItem<unknown>[], results: readonly Result[]): void {
  let thrown: { e: unknown } | undefined;
  for (let i = 0; i < batch.length; i++) {
    try {
      batch[i]!.done(results[i]!);
    } catch (e) {
      thrown ??= { e };
    }
  }
  if (thrown) {
    const { e } = thrown;
    setImmediate(() => {
      throw e;
    });
  }
}

/** Thrown inside a batch transaction to roll it back when one item failed (the batch is then re-run item by item). */
class ItemFailed extends Error {}

/**
 * Group commit: work items arriving within one batch window (an event-loop turn, or longer under load, see the
 * constructor) share one SQLite transaction, so one sync of the disk covers many requests. No result is delivered (no reply sent) before its transaction is committed
 * and on disk, so replay safety is unchanged.
 *
 * One failing item never undoes another: a batch first runs without per-item savepoints (the common case,
 * where nothing fails); if an item throws, the whole transaction is rolled back and the batch is run again
 * with each item in its own savepoint. Either way every item sees the writes of the items before it.
 *
 * Lazy items (`pushLazy`) are writes whose loss in a crash is harmless (the outbox's hand-off mark: an intent
 * not marked is re-submitted, and submit is idempotent). They never cost a commit of their own: they ride
 * along with the next batch, or are flushed shortly after if no batch comes.
 */
export class CommitQueue {
  #items: CommitItem<unknown>[] = [];
  #lazy: CommitItem<unknown>[] = [];
  #scheduled = false;
  #lazyTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #durable: (() => Promise<void>) | undefined;
  readonly #hold: (() => Promise<void> | undefined) | undefined;
  readonly #minIntervalMs: number;
  readonly #maxBatch: number;
  readonly #lazyDelayMs: number;
  #lastBatchAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #holding: Promise<void> | undefined;
  /** Deliveries run in batch order, each once its own `durable` has resolved. */
  #delivered: Promise<void> = Promise.resolve();

  /**
   * - `durable`: when the store's COMMIT does not itself wait for the disk (see data/store/security-wal-sync.ts),
   *   resolves once everything committed before the call is on disk; results are delivered only after that (and
   *   after the previous batch's). The next batch does not wait for it: syncs of consecutive batches overlap.
   * - `hold`: a promise while writers must not commit (a WAL checkpoint barrier); batches wait for it.
   * - `minIntervalMs`: under load, batches start at most this often (a busy gateway then writes each shared page
   *   once per batch instead of once per request; an idle one commits at once).
   */
  constructor(
    private readonly store: SecurityStore,
    o: { durable?: () => Promise<void>; hold?: () => Promise<void> | undefined; minIntervalMs?: number; maxBatch?: number; lazyDelayMs?: number } = {},
  ) {
    this.#durable = o.durable;
    this.#hold = o.hold;
    this.#minIntervalMs = o.minIntervalMs ?? 0;
    this.#maxBatch = o.maxBatch ?? 1024;
    this.#lazyDelayMs = o.lazyDelayMs ?? 50;
  }

  /** Runs the owed flush now (next turn) or once `minIntervalMs` has passed since the last batch; not while held. */
  #arm(): void {
    if (this.#timer || this.#holding) return;
    const held = this.#hold?.();
    if (held) {
      this.#holding = held.then(() => {
        this.#holding = undefined;
        if (this.#scheduled) this.#arm();
      });
      return;
    }
    const wait = this.#lastBatchAt + this.#minIntervalMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, wait);
  }

  push<T>(item: CommitItem<T>): void {
    if (this.#closed) {
      item.done({ ok: false, error: new Error('the gateway is shutting down') });
      return;
    }
    this.#items.push(item as CommitItem<unknown>);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#arm();
    }
  }

  /** Queues a write that may wait for the next batch (at most `lazyDelayMs`); see the class comment. */
  pushLazy<T>(item: CommitItem<T>): void {
    if (this.#closed) {
      item.done({ ok: false, error: new Error('the gateway is shutting down') });
      return;
    }
    this.#lazy.push(item as CommitItem<unknown>);
    this.#lazyTimer ??= setTimeout(() => {
      this.#lazyTimer = undefined;
      this.flush();
    }, this.#lazyDelayMs).unref();
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#items.length === 0 && this.#lazy.length === 0) return;
    this.#lastBatchAt = performance.now();
    while (this.#items.length > 0 || this.#lazy.length > 0) {
      const batch = this.#lazy.length ? this.#lazy.concat(this.#items.splice(0, this.#maxBatch)) : this.#items.splice(0, this.#maxBatch);
      this.#lazy = [];
      if (this.#lazyTimer) {
        clearTimeout(this.#lazyTimer);
        this.#lazyTimer = undefined;
      }
      let results: Result[];
      try {
        results = this.#runFast(batch);
      } catch (error) {
        if (!(error instanceof ItemFailed)) {
          for (const it of batch) it.done({ ok: false, error });
          continue;
        }
        try {
          results = this.#runIsolated(batch);
        } catch (error2) {
          for (const it of batch) it.done({ ok: false, error: error2 });
          continue;
        }
      }
      if (this.#durable) {
        const committed = results;
        const onDisk = this.#durable().then(
          () => committed,
          (error: unknown): Result[] => batch.map(() => ({ ok: false, error })),
        );
        this.#delivered = this.#delivered.then(() => onDisk).then((r) => deliver(batch, r));
      } else deliver(batch, results);
    }
  }

  /** The whole batch in one transaction, no savepoints; any item error rolls everything back (ItemFailed). */
  #runFast(batch: readonly CommitItem<unknown>[]): Result[] {
    return this.store.transaction(() => {
      const out: Result[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        try {
          out[i] = { ok: true, value: batch[i]!.run() };
        } catch {
          throw new ItemFailed();
        }
      }
      return out;
    });
  }

  /** The batch again, each item in its own savepoint, so a failing item is undone alone. */
  #runIsolated(batch: readonly CommitItem<unknown>[]): Result[] {
    return this.store.transaction(() => {
      const out: Result[] = [];
      for (const it of batch) {
        try {
          out.push({ ok: true, value: this.store.transaction(() => it.run()) });
        } catch (error) {
          out.push({ ok: false, error });
        }
      }
      return out;
    });
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }
}
