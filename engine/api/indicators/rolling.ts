/**
 * Fixed-size window primitives shared by the kernels. No allocation after construction.
 *
 * Drift: a running sum that adds the newest value and subtracts the oldest accumulates rounding
 * error over a long series, and keeps the residue of a huge value for ever after it left the window.
 * `RollingWindow` therefore (1) keeps a Neumaier-compensated sum, so a spike leaves no residue, and
 * (2) recomputes the sum exactly (compensated, oldest to newest) every max(size, 1024) updates, so
 * whatever error remains is bounded by that span, at an amortised cost of about one addition per
 * update. When every value in the window is exactly zero the sum is exactly zero, which matters for
 * ratios such as MFI.
 */

/** Neumaier-compensated running sum: `value` is exact to about one rounding, whatever the order of magnitudes. */
export class CompensatedSum {
  /** The running sum and the compensation (the low-order bits the sum could not hold): value = s + c. */
  s = 0;
  c = 0;
  add(x: number): void {
    const s = this.s;
    const t = s + x;
    if (Math.abs(s) >= Math.abs(x)) this.c += s - t + x;
    else this.c += x - t + s;
    this.s = t;
  }
  set(x: number): void {
    this.s = x;
    this.c = 0;
  }
  get value(): number {
    return this.s + this.c;
  }
}
export class RollingWindow {
  readonly buf: Float64Array;
  readonly size: number;
  private readonly recomputeEvery: number;
  /** Slot the next value goes to; once full, also the oldest value's slot. */
  pos = 0;
  count = 0;
  /** The sum of the values in the window. */
  sum = 0;
  /** The compensated sum behind `sum` (for kernels that must subtract the window sum exactly). */
  readonly acc = new CompensatedSum();
  private nonzero = 0;
  private sinceExact = 0;

  constructor(size: number) {
    this.size = size;
    this.buf = new Float64Array(size);
    this.recomputeEvery = Math.max(size, 1024);
  }

  get full(): boolean {
    return this.count === this.size;
  }

  /** The value that the next push will evict (only meaningful when full). */
  get oldest(): number {
    return this.buf[this.pos]!;
  }

  push(x: number): void {
    const buf = this.buf;
    const n = this.size;
    let pos = this.pos;
    const acc = this.acc;
    if (this.count === n) {
      const old = buf[pos]!;
      acc.add(-old);
      if (old !== 0) this.nonzero--;
    } else {
      this.count++;
    }
    buf[pos] = x;
    acc.add(x);
    if (x !== 0) this.nonzero++;
    pos++;
    this.pos = pos === n ? 0 : pos;
    if (this.nonzero === 0) {
      acc.set(0);
      this.sum = 0;
    } else if (++this.sinceExact >= this.recomputeEvery) this.recompute();
    else this.sum = acc.value;
  }

  /** Exact (compensated) sum, oldest to newest. */
  recompute(): void {
    const buf = this.buf;
    const n = this.size;
    const acc = this.acc;
    acc.set(0);
    if (this.count === n) {
      for (let i = this.pos; i < n; i++) acc.add(buf[i]!);
      for (let i = 0; i < this.pos; i++) acc.add(buf[i]!);
    } else {
      for (let i = 0; i < this.count; i++) acc.add(buf[i]!);
    }
    this.sum = acc.value;
    this.sinceExact = 0;
  }

  reset(): void {
    this.buf.fill(0);
    this.pos = 0;
    this.count = 0;
    this.sum = 0;
    this.acc.set(0);
    this.nonzero = 0;
    this.sinceExact = 0;
  }
}

/** Highest value of the last `size` pushes (monotonic deque, O(1) amortised). */
export class WindowMax {
  private readonly vals: Float64Array;
  private readonly ids: Float64Array;
  private head = 0;
  private len = 0;
  private t = 0;
  constructor(readonly size: number) {
    this.vals = new Float64Array(size);
    this.ids = new Float64Array(size);
  }
  push(x: number): number {
    const n = this.size;
    if (this.len > 0 && this.ids[this.head]! <= this.t - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.len--;
    }
    while (this.len > 0) {
      let back = this.head + this.len - 1;
      if (back >= n) back -= n;
      if (this.vals[back]! <= x) this.len--;
      else break;
    }
    let at = this.head + this.len;
    if (at >= n) at -= n;
    this.vals[at] = x;
    this.ids[at] = this.t++;
    this.len++;
    return this.vals[this.head]!;
  }
  get value(): number {
    return this.len > 0 ? this.vals[this.head]! : NaN;
  }
  reset(): void {
    this.head = 0;
    this.len = 0;
    this.t = 0;
  }
}

/** Lowest value of the last `size` pushes: the highest of the negated values (exact; the sign of zero is kept). */
export class WindowMin {
  private readonly max: WindowMax;
  constructor(readonly size: number) {
    this.max = new WindowMax(size);
  }
  push(x: number): number {
    return -this.max.push(-x);
  }
  get value(): number {
    return -this.max.value;
  }
  reset(): void {
    this.max.reset();
  }
}

/**
 * Exponential moving average of a stream, TA-Lib style: k = 2 / (period + 1), seeded with the
 * simple average of the first `period` values (summed in order), then ema += (x − ema)·k.
 * `push` returns NaN until the seed is complete.
 */
export class EmaKernel {
  readonly k: number;
  value = NaN;
  private count = 0;
  private seedSum = 0;
  constructor(readonly period: number) {
    this.k = 2 / (period + 1);
  }
  push(x: number): number {
    if (this.count >= this.period) {
      this.value = (x - this.value) * this.k + this.value;
      return this.value;
    }
    this.seedSum += x;
    if (++this.count === this.period) this.value = this.seedSum / this.period;
    return this.value;
  }
  /** Starts the average at `seed` as if `period` values had been consumed. */
  seed(seed: number): void {
    this.count = this.period;
    this.value = seed;
  }
  reset(): void {
    this.value = NaN;
    this.count = 0;
    this.seedSum = 0;
  }
}
