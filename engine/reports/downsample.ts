/**
 * Indices of the points to keep when a curve is too long to store or draw in full: the curve is cut
 * into equal buckets and each bucket keeps its lowest, highest and last point (plus the very first
 * point of the curve), so peaks and troughs — and thus drawdowns — stay visible. Ascending, unique.
 * Returns all indices when `n <= maxPoints`.
 */
export function downsampleIndices(values: ArrayLike<number>, maxPoints: number): Uint32Array {
  const n = values.length;
  if (n <= maxPoints) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const buckets = Math.max(1, Math.floor((maxPoints - 1) / 3));
  const size = Math.ceil(n / buckets);
  const out: number[] = [0];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let lo = start, hi = start;
    for (let i = start + 1; i < end; i++) {
      const v = values[i]!;
      if (v < values[lo]!) lo = i;
      if (v > values[hi]!) hi = i;
    }
    const a = Math.min(lo, hi), b = Math.max(lo, hi), last = end - 1;
    for (const i of [a, b, last]) if (i > out[out.length - 1]!) out.push(i);
  }
  return Uint32Array.from(out);
}

/** The bucket size used by downsampleIndices for `n` points (1 when not downsampled). */
export function downsampleBucketSize(n: number, maxPoints: number): number {
  if (n <= maxPoints) return 1;
  return Math.ceil(n / Math.max(1, Math.floor((maxPoints - 1) / 3)));
}
