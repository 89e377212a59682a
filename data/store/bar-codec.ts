import crypto from 'node:crypto';
import os from 'node:os';
import type { BarColumns } from '../../engine/domain/index.js';

/**
 * On-disk chunk layout: `n` bars as little-endian float64 columns, one after the other:
 * openTime[n], open[n], high[n], low[n], close[n], volume[n] — 48 bytes per bar.
 * A *regular* chunk (bars at first, first+step, first+2·step, … with no gap) omits the openTime column
 * (40 bytes per bar); its open times are rebuilt from the chunk's first open time and the timeframe.
 */
export const BYTES_PER_BAR = 48;

if (os.endianness() !== 'LE') {
  // The chunk format and the content hash are defined little-endian; typed arrays use the host order.
  throw new Error('Candlekeep bar store needs a little-endian host');
}

const COLS = ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const;

export type EncodedChunk = { readonly blob: Buffer; readonly regular: boolean };

/** Packs bars [from, to) of `c` into one chunk blob. */
export function encodeChunk(c: BarColumns, from: number, to: number, stepMs: number): EncodedChunk {
  const n = to - from;
  const t = c.openTime;
  const t0 = t[from]!;
  let regular = true;
  for (let i = from + 1; i < to; i++) {
    if (t[i] !== t0 + (i - from) * stepMs) {
      regular = false;
      break;
    }
  }
  const skip = regular ? 1 : 0;
  const ab = new ArrayBuffer(n * 8 * (6 - skip));
  const f = new Float64Array(ab);
  for (let k = skip; k < 6; k++) f.set(c[COLS[k]!].subarray(from, to), (k - skip) * n);
  return { blob: Buffer.from(ab), regular };
}

/** The blob as `ncol` float64 columns of `n` (a view when 8-byte aligned, else a copy). */
export function chunkView(blob: Uint8Array, n: number, ncol: number): Float64Array {
  if (blob.byteLength !== n * 8 * ncol) throw new Error(`bar chunk has ${blob.byteLength} bytes, expected ${n * 8 * ncol}`);
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, n * ncol);
  const f = new Float64Array(n * ncol);
  new Uint8Array(f.buffer).set(blob);
  return f;
}

/** Decodes a chunk into BarColumns (views into the blob when it is 8-byte aligned). */
export function decodeChunk(blob: Uint8Array, n: number, regular: boolean, firstT: number, stepMs: number): BarColumns {
  const f = chunkView(blob, n, regular ? 5 : 6);
  let openTime: Float64Array;
  let at = 0;
  if (regular) {
    openTime = new Float64Array(n);
    for (let i = 0; i < n; i++) openTime[i] = firstT + i * stepMs;
  } else {
    openTime = f.subarray(0, n);
    at = n;
  }
  return {
    length: n,
    openTime,
    open: f.subarray(at, at + n),
    high: f.subarray(at + n, at + 2 * n),
    low: f.subarray(at + 2 * n, at + 3 * n),
    close: f.subarray(at + 3 * n, at + 4 * n),
    volume: f.subarray(at + 4 * n, at + 5 * n),
  };
}

/**
 * Incremental content hash: sha256 over, per bar in order, 6 little-endian float64
 * (openTime, open, high, low, close, volume). Equal to hashing the row-major bytes of the series.
 */
export class BarHasher {
  private readonly h = crypto.createHash('sha256');
  private readonly scratch = new Float64Array(8192 * 6);
  private readonly bytes = new Uint8Array(this.scratch.buffer);

  update(c: BarColumns, from = 0, to = c.length): this {
    const s = this.scratch;
    const step = s.length / 6;
    for (let i = from; i < to; i += step) {
      const end = Math.min(to, i + step);
      let j = 0;
      for (let k = i; k < end; k++) {
        s[j] = c.openTime[k]!;
        s[j + 1] = c.open[k]!;
        s[j + 2] = c.high[k]!;
        s[j + 3] = c.low[k]!;
        s[j + 4] = c.close[k]!;
        s[j + 5] = c.volume[k]!;
        j += 6;
      }
      this.h.update(this.bytes.subarray(0, j * 8));
    }
    return this;
  }

  digest(): string {
    return this.h.digest('hex');
  }
}

/** The content hash of some bars (see BarStore.contentHash). */
export function hashBars(c: BarColumns): string {
  return new BarHasher().update(c).digest();
}
