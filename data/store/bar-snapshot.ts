import fs from 'node:fs';
import path from 'node:path';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';

/**
 * Whole-series columnar copies of stored bars, one file per series version: a read cache beside the
 * market database (`<home>/cache/bars/`). Derived data only: named after the series' content hash (which
 * every write to the series resets), so a file can never stand for other bars than the ones it was made
 * from; a missing, stale, short or foreign file is simply not used, and the folder may be deleted at any time.
 *
 * Why: a SQLite read of 1M bars copies every chunk blob twice (SQLite → a Buffer → the columns) and touches
 * ~90 MB of fresh memory; reading this file is one copy into one Buffer whose six column views are the result
 * (about half the time on this project's VM, where each page fault is expensive).
 *
 * Layout: 16-byte header (8 bytes magic `CKBARS01`, bar count as a little-endian float64), then openTime[n],
 * open[n], high[n], low[n], close[n], volume[n] as little-endian float64 (allocBarColumns' layout).
 */
const MAGIC = Buffer.from('CKBARS01', 'latin1');
const HEADER = 16;

/** Series shorter than this are read from SQLite directly (cheap enough; no file clutter). */
export const SNAPSHOT_MIN_BARS = 100_000;

/** The cache folder's size bound: beyond it the least recently used files are removed (a read marks a file used). */
export const SNAPSHOT_MAX_TOTAL_BYTES = 4 * 2 ** 30;

export type SnapshotKey = { readonly instrument: string; readonly timeframe: string; readonly hash: string };

/** File-name prefix of a series (its versions differ in the hash part); percent-encoded, so distinct series never share one. */
function seriesPrefix(k: SnapshotKey): string {
  return `${encodeURIComponent(k.instrument)}__${encodeURIComponent(k.timeframe)}__`;
}

/** The read-cache folder beside a market database file (`<home>/cache/bars`). */
export function snapshotDirOf(marketDbFile: string): string {
  return path.join(path.dirname(marketDbFile), 'cache', 'bars');
}

/**
 * Snapshot reads started ahead of time, by file. A read on libuv's thread pool fills the buffer on the other
 * core while this thread goes on (loading modules, the strategy, opening the store): for 1M bars that hides a
 * 48 MB read (30–80 ms here, mostly page faults) behind start-up work. One read call per file: a chunked read
 * would need this thread between chunks.
 */
type Prefetch = { buf: Buffer | undefined; readonly done: Promise<void> };
const prefetched = new Map<string, Prefetch>();

/**
 * Starts reading the cached snapshot of a series of the market database `marketDbFile`, if there is one,
 * without waiting for it. Which version is on file is not known yet (the store knows the content hash): there
 * is at most one per series, since writing a version removes the others. readSnapshot uses the bytes only
 * when it asks for this very file, and only after prefetchesSettled(); any failure just leaves it to read the
 * file itself.
 */
export function prefetchSnapshot(marketDbFile: string, k: { readonly instrument: string; readonly timeframe: string }): void {
  const dir = snapshotDirOf(marketDbFile);
  let name: string | undefined;
  try {
    name = seriesFiles(fs.readdirSync(dir), k)[0];
  } catch {
    return;
  }
  if (name === undefined) return;
  const file = path.join(dir, name);
  if (prefetched.has(file)) return;
  const entry: Prefetch = {
    buf: undefined,
    done: new Promise<void>((resolve) => {
      fs.open(file, 'r', (err, fd) => {
        if (err) return resolve();
        const finish = (buf?: Buffer): void => fs.close(fd, () => {
          entry.buf = buf;
          resolve();
        });
        fs.fstat(fd, (e, st) => {
          if (e || st.size < HEADER || st.size > 2 ** 31 - 1) return finish();
          const buf = Buffer.allocUnsafe(st.size);
          fs.read(fd, buf, 0, st.size, 0, (e2, n) => finish(!e2 && n === st.size ? buf : undefined));
        });
      });
    }),
  };
  prefetched.set(file, entry);
}

/** Resolves once every started prefetch has finished (successfully or not). */
export async function prefetchesSettled(): Promise<void> {
  await Promise.all([...prefetched.values()].map((p) => p.done));
}

/** Forgets prefetched bytes nobody used (a stale version), so they can be freed. */
export function dropPrefetches(): void {
  prefetched.clear();
}

/** The prefetched bytes of `file` if its read has finished (taken: a second call reads the file again). */
function takePrefetched(file: string): Buffer | undefined {
  const p = prefetched.get(file);
  if (!p?.buf) return undefined;
  prefetched.delete(file);
  return p.buf;
}

/** The snapshot files (any version) of a series among a folder's file names. */
function seriesFiles(names: readonly string[], k: { readonly instrument: string; readonly timeframe: string }): string[] {
  const prefix = seriesPrefix({ ...k, hash: '' });
  return names.filter((name) => name.startsWith(prefix) && name.endsWith('.bin'));
}

export function snapshotFile(dir: string, k: SnapshotKey): string {
  return path.join(dir, `${seriesPrefix(k)}${k.hash.replace(/[^0-9a-f]/gi, '').slice(0, 40)}.bin`);
}

/** The snapshot's columns (views into one Buffer), or undefined when there is no valid file for exactly `count` bars. */
export function readSnapshot(dir: string, k: SnapshotKey, count: number): BarColumns | undefined {
  const file = snapshotFile(dir, k);
  let buf: Buffer | undefined = takePrefetched(file);
  try {
    buf ??= fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length !== HEADER + count * 48 || !buf.subarray(0, 8).equals(MAGIC) || buf.readDoubleLE(8) !== count || buf.byteOffset % 8 !== 0) {
    return undefined;
  }
  try {
    const now = new Date();
    fs.utimesSync(file, now, now); // used now: the size bound evicts the least recently used first
  } catch {
    // a read-only cache still serves
  }
  const f = new Float64Array(buf.buffer, buf.byteOffset + HEADER, count * 6);
  const n = count;
  return {
    length: n,
    openTime: f.subarray(0, n), open: f.subarray(n, 2 * n), high: f.subarray(2 * n, 3 * n),
    low: f.subarray(3 * n, 4 * n), close: f.subarray(4 * n, 5 * n), volume: f.subarray(5 * n, 6 * n),
  };
}

/**
 * Writes the snapshot of a series version (temporary file renamed into place: readers see all of it or
 * nothing) and removes the series' older versions. Best effort: a cache that cannot be written is skipped.
 */
export function writeSnapshot(dir: string, k: SnapshotKey, c: BarColumns, maxTotalBytes = SNAPSHOT_MAX_TOTAL_BYTES): void {
  const file = snapshotFile(dir, k);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const n = c.length;
    const buf = Buffer.allocUnsafe(HEADER + n * 48);
    MAGIC.copy(buf, 0);
    buf.writeDoubleLE(n, 8);
    const f = new Float64Array(buf.buffer, buf.byteOffset + HEADER, n * 6);
    [c.openTime, c.open, c.high, c.low, c.close, c.volume].forEach((col, j) => f.set(col, j * n));
    fs.writeFileSync(tmp, buf);
    fs.renameSync(tmp, file);
    const keep = path.basename(file);
    for (const name of seriesFiles(fs.readdirSync(dir), k)) if (name !== keep) fs.rmSync(path.join(dir, name), { force: true });
    evict(dir, maxTotalBytes, keep);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Removes the least recently used files until the folder is within `maxTotalBytes` (never `keep`, the newest). */
function evict(dir: string, maxTotalBytes: number, keep: string): void {
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.bin'))
    .map((name) => {
      const st = fs.statSync(path.join(dir, name));
      return { name, size: st.size, used: st.mtimeMs };
    })
    .sort((a, b) => a.used - b.used);
  let total = files.reduce((s, f) => s + f.size, 0);
  for (const f of files) {
    if (total <= maxTotalBytes) break;
    if (f.name === keep) continue;
    fs.rmSync(path.join(dir, f.name), { force: true });
    total -= f.size;
  }
}

/** Removes every cached version of a series (its bars changed or were deleted). Best effort. */
export function dropSnapshots(dir: string, k: { readonly instrument: string; readonly timeframe: string }): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const prefix = seriesPrefix({ ...k, hash: '' });
  for (const name of names) if (name.startsWith(prefix)) fs.rmSync(path.join(dir, name), { force: true });
}

/** `c` copied into one SharedArrayBuffer (for worker threads). */
export function toShared(c: BarColumns): BarColumns {
  const out = allocBarColumns(c.length, { shared: true });
  for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) out[k].set(c[k]);
  return out;
}
