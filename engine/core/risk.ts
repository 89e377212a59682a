import type { EpochMs, InstrumentId } from '../domain/index.js';

/** Risk limits from config `live.risk` (all optional; absent = no limit). Amounts in quote currency. */
export type RiskLimits = {
  readonly maxPositionNotional?: number;
  readonly maxTotalExposure?: number;
  readonly maxOpenOrders?: number;
  readonly maxDailyLoss?: number;
  /** Fraction (0.2 = 20 %) of peak equity; breaching it flattens and stops the session. */
  readonly maxDrawdownPct?: number;
  readonly cooldownAfterLosses?: number;
  readonly cooldownMs?: number;
};

/** What the account looks like when an order is about to leave. */
export type RiskSnapshot = {
  /** Signed position size (units) and mark price per instrument. */
  readonly positions: ReadonlyMap<InstrumentId, { readonly size: number; readonly price: number }>;
  readonly openOrders: number;
};

export type RiskOrder = {
  readonly instrument: InstrumentId;
  readonly side: 'buy' | 'sell';
  readonly amount: number;
  readonly price: number;
};

export type RiskVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Pre-trade risk controls, enforced before any order leaves (paper and live alike). Orders that only reduce a
 * position are always allowed, so flatten and exits work while new risk is blocked.
 * Equity updates drive the daily-loss and drawdown kill switches; closed trades drive the loss cooldown.
 */
export class RiskGuard {
  #dayStart: { day: number; equity: number } | undefined;
  #peak = -Infinity;
  #losses = 0;
  #cooldownUntil = 0;
  #killed: string | undefined;

  constructor(readonly limits: RiskLimits) {}

  /** Set once a kill switch fired: no new risk until the session restarts. */
  get killed(): string | undefined {
    return this.#killed;
  }

  get cooldownUntil(): EpochMs {
    return this.#cooldownUntil;
  }

  check(o: RiskOrder, s: RiskSnapshot, now: EpochMs): RiskVerdict {
    const pos = s.positions.get(o.instrument)?.size ?? 0;
    const delta = o.side === 'buy' ? o.amount : -o.amount;
    const after = pos + delta;
    const reducing = Math.abs(after) <= Math.abs(pos) + 1e-12 && Math.sign(after) * Math.sign(pos) >= 0;
    if (reducing) return { ok: true };
    if (this.#killed) return { ok: false, reason: `kill switch: ${this.#killed}` };
    if (now < this.#cooldownUntil) {
      return { ok: false, reason: `cooldown after ${this.limits.cooldownAfterLosses} consecutive losses until ${new Date(this.#cooldownUntil).toISOString()}` };
    }
    const l = this.limits;
    if (l.maxOpenOrders !== undefined && s.openOrders + 1 > l.maxOpenOrders) {
      return { ok: false, reason: `max open orders ${l.maxOpenOrders} reached` };
    }
    const notional = Math.abs(after) * o.price;
    if (l.maxPositionNotional !== undefined && notional > l.maxPositionNotional + 1e-9) {
      return { ok: false, reason: `position notional ${notional.toFixed(2)} on ${o.instrument} would exceed max ${l.maxPositionNotional}` };
    }
    if (l.maxTotalExposure !== undefined) {
      let total = notional;
      for (const [id, p] of s.positions) if (id !== o.instrument) total += Math.abs(p.size) * p.price;
      if (total > l.maxTotalExposure + 1e-9) return { ok: false, reason: `total exposure ${total.toFixed(2)} would exceed max ${l.maxTotalExposure}` };
    }
    return { ok: true };
  }

  /** Feed the marked equity; returns the reason when a kill switch fires (the caller flattens and stops). */
  onEquity(equity: number, now: EpochMs): string | undefined {
    const day = Math.floor(now / 86_400_000);
    if (!this.#dayStart || this.#dayStart.day !== day) this.#dayStart = { day, equity };
    if (equity > this.#peak) this.#peak = equity;
    if (this.#killed) return undefined;
    const l = this.limits;
    const dailyLoss = this.#dayStart.equity - equity;
    if (l.maxDailyLoss !== undefined && dailyLoss >= l.maxDailyLoss) {
      this.#killed = `daily loss ${dailyLoss.toFixed(2)} reached max ${l.maxDailyLoss}`;
      return this.#killed;
    }
    const dd = this.#peak > 0 ? (this.#peak - equity) / this.#peak : 0;
    if (l.maxDrawdownPct !== undefined && dd >= l.maxDrawdownPct) {
      this.#killed = `drawdown ${(dd * 100).toFixed(2)}% reached max ${(l.maxDrawdownPct * 100).toFixed(2)}%`;
      return this.#killed;
    }
    return undefined;
  }

  /** Feed each closed trade's net pnl; N losses in a row start the cooldown. */
  onTradeClosed(pnl: number, now: EpochMs): void {
    if (pnl < 0) this.#losses++;
    else this.#losses = 0;
    const n = this.limits.cooldownAfterLosses;
    if (n !== undefined && this.#losses >= n) {
      this.#cooldownUntil = now + (this.limits.cooldownMs ?? 3_600_000);
      this.#losses = 0;
    }
  }
}
