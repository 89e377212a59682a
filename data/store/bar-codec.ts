import crypto from 'node:crypto';
import os from 'node:os';
import type { BarColumns } from '../../engine/domain/index.js';

/**
 * On-disk chunk layout: `n` bars as six little-endian float64 columns, one after the other
 * (openTime[n], open[n], high[n], low[n], close[n], volume[n]) — 48 bytes per bar.
 */
export const BYTES_PER_BAR = 48;

if (os.endianness() !== 'LE') {
  // The chunk format and the content hash are defined little-endian; typed arrays use the host order.
  throw new Error('Candlekeep bar store needs a little-endian host');
}

const COLS = ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Packs bars [from, to) of `c` into one chunk blob. */
export function encodeChunk(c: BarColumns, from: number, to: number): Buffer {
  const n = to - from;
  const ab = new ArrayBuffer(n * BYTES_PER_BAR);
  const f = new Float64Array(ab);
  for (let k = 0; k < 6; k++) f.set(c[COLS[k]!].subarray(from, to), k * n);
  return Buffer.from(ab);
}

/** A float64 view of a blob (copying only when SQLite handed us an unaligned buffer). */
export function chunkView(blob: Uint8Array, n: number): Float64Array {
  if (blob.byteLength !== n * BYTES_PER_BAR) throw new Error(`bar chunk has ${blob.byteLength} bytes, expected ${n * BYTES_PER_BAR}`);
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, n * 6);
  const copy = new Float64Array(n * 6);
  new Uint8Array(copy.buffer).set(blob);
  return copy;
}

/** Decodes a whole chunk into BarColumns views (no copy when aligned). */
export function decodeChunk(blob: Uint8Array, n: number): BarColumns {
  const f = chunkView(blob, n);
  return {
    length: n,
    openTime: f.subarray(0, n),
    open: f.subarray(n, 2 * n),
    high: f.subarray(2 * n, 3 * n),
    low: f.subarray(3 * n, 4 * n),
    close: f.subarray(4 * n, 5 * n),
    volume: f.subarray(5 * n, 6 * n),
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
