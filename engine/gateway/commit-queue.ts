import type { SecurityStore } from '../ports/index.js';

export type CommitItem<T> = {
  /** Runs inside the batch's write transaction, in its own savepoint. */
  readonly run: () => T;
  /** Called after the batch committed (result) or failed (error). */
  readonly done: (r: { ok: true; value: T } | { ok: false; error: unknown }) => void;
};

/**
 * Group commit: work items arriving within one event-loop turn share one SQLite transaction, so one
 * fsync (synchronous=FULL) covers many requests. No reply is sent before its transaction committed,
 * so replay safety is unchanged; each item runs in its own savepoint, so one failing item does not undo another.
 */
export class CommitQueue {
  #items: CommitItem<unknown>[] = [];
  #scheduled = false;
  #closed = false;
  constructor(private readonly store: SecurityStore, private readonly maxBatch = 512) {}

  push<T>(item: CommitItem<T>): void {
    if (this.#closed) {
      item.done({ ok: false, error: new Error('the gateway is shutting down') });
      return;
    }
    this.#items.push(item as CommitItem<unknown>);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    while (this.#items.length > 0) {
      const batch = this.#items.splice(0, this.maxBatch);
      const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        this.store.transaction(() => {
          results.length = 0;
          for (const it of batch) {
            try {
              results.push({ ok: true, value: this.store.transaction(() => it.run()) });
            } catch (error) {
              results.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        for (const it of batch) it.done({ ok: false, error });
        continue;
      }
      batch.forEach((it, i) => it.done(results[i]!));
    }
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }
}
