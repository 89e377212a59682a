import type { IntakeOrder, OrderIntake, SecurityStore } from '../ports/index.js';
import type { CommitQueue } from './commit-queue.js';
import { orderFromStored } from './order-body.js';

/**
 * Hands accepted intents to the order intake after their transaction committed (outbox pattern).
 * The intent row with its gateway_outbox row is the durable record; the intake's submit is idempotent
 * by client order id, so intents not marked as handed off are re-submitted after a restart and on a timer.
 */
export class Outbox {
  readonly #inFlight = new Set<string>();
  constructor(
    private readonly store: SecurityStore,
    private readonly intake: OrderIntake,
    private readonly queue: CommitQueue,
    private readonly log: (msg: string) => void,
  ) {}

  handoff(order: IntakeOrder): void {
    const k = `${order.principal}\u0000${order.intentId}`;
    if (this.#inFlight.has(k)) return;
    this.#inFlight.add(k);
    let p: Promise<void>;
    try {
      p = this.intake.submit(order);
    } catch (e) {
      p = Promise.reject(e);
    }
    // The mark needs no commit of its own: if it is lost in a crash, the intent is re-submitted (idempotent).
    p.then(
      () =>
        this.queue.pushLazy({
          run: () => this.store.intents.markHandedOff(order.principal, order.intentId),
          done: () => this.#inFlight.delete(k),
        }),
      (e: unknown) => {
        this.#inFlight.delete(k);
        this.log(`order intake refused or failed intent "${order.intentId}" of "${order.principal}": ${(e as Error).message ?? e}; will retry`);
      },
    );
  }

  /** Re-submits intents that were committed but not acknowledged by the intake (start-up and every few seconds). */
  resubmitPending(limit = 500): number {
    const pending = this.store.intents.pendingHandoff(limit);
    for (const s of pending) this.handoff(orderFromStored(s));
    return pending.length;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }
}
