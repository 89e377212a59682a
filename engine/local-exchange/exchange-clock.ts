import type { EpochMs } from '../domain/index.js';

/**
 * The local exchange's two clocks.
 *
 * - Server time = wall clock + skew. It is what `/api/v3/time` answers and what the `timestamp`/
 *   `recvWindow` rule is checked against, exactly like Binance's matching engine clock. Tests skew it
 *   (−3000 ms, +3000 ms) or step it (a 2 s jump) to exercise clock sync.
 * - Replay time = the position in the replayed price path (a bar open time plus a fraction of the bar).
 *   Manual mode: it moves only through advance calls. Real-time mode (speed > 0): it runs with the wall
 *   clock at `speed`× from where it was when the speed was set.
 */
export class ExchangeClock {
  private skew: number;
  private replay: EpochMs;
  private speedFactor = 0;
  private anchorWall = 0;
  private anchorReplay = 0;

  constructor(private readonly wall: () => EpochMs, replayStart: EpochMs, skewMs = 0, speed = 0) {
    this.skew = skewMs;
    this.replay = replayStart;
    this.setSpeed(speed);
  }

  /** Binance server time (ms). */
  serverTime(): EpochMs {
    return Math.floor(this.wall()) + this.skew;
  }

  get skewMs(): number {
    return this.skew;
  }

  /** Server time = wall clock + `ms` (negative: the server is behind the client). */
  setSkew(ms: number): void {
    this.skew = ms;
  }

  /** A clock step: the server time jumps by `deltaMs` from now on. */
  step(deltaMs: number): void {
    this.skew += deltaMs;
  }

  /** Sets the server time to `t` now (it keeps running with the wall clock). */
  setServerTime(t: EpochMs): void {
    this.skew = t - Math.floor(this.wall());
  }

  get speed(): number {
    return this.speedFactor;
  }

  /** 0 = manual replay; > 0 = replay runs with the wall clock at this factor. */
  setSpeed(speed: number): void {
    if (!(speed >= 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a finite number >= 0, got ${speed}`);
    this.replay = this.replayTime();
    this.speedFactor = speed;
    this.anchorWall = this.wall();
    this.anchorReplay = this.replay;
  }

  /** The current replay time. */
  replayTime(): EpochMs {
    if (this.speedFactor === 0) return this.replay;
    return this.anchorReplay + Math.floor((this.wall() - this.anchorWall) * this.speedFactor);
  }

  /** Moves the replay time (manual mode, or re-anchors real-time mode). Never moves backwards. */
  setReplayTime(t: EpochMs): void {
    const cur = this.replayTime();
    if (t < cur) throw new RangeError(`replay time cannot move backwards (${t} < ${cur})`);
    this.replay = t;
    this.anchorWall = this.wall();
    this.anchorReplay = t;
  }
}
