import type { EpochMs } from '../domain/index.js';

/**
 * SIGNING.md 6.4 clock caveat: a backward wall-clock step reopens the window for purged nonces,
 * so a detected step back of more than 1 s refuses authenticated requests for PAST_WINDOW_MS.
 */
export class ClockGuard {
  #last: EpochMs;
  #until: EpochMs = -Infinity;
  constructor(private readonly pastWindowMs: number, start: EpochMs) {
    this.#last = start;
  }

  /** Feeds a clock reading; returns the step size (ms) when a backward step > 1 s is detected now. */
  observe(now: EpochMs): number | undefined {
    const step = this.#last - now;
    if (step > 1000) {
      this.#until = now + this.pastWindowMs;
      this.#last = now;
      return step;
    }
    if (now > this.#last) this.#last = now;
    return undefined;
  }

  /** Starts an incident explicitly (a step detected across a restart). */
  trip(now: EpochMs): void {
    this.#until = now + this.pastWindowMs;
    this.#last = now;
  }

  /** Milliseconds of refusal left (0 when requests are accepted). */
  refusingFor(now: EpochMs): number {
    return now < this.#until ? this.#until - now : 0;
  }
}
