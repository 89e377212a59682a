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
  const out = new Uint32Array(3 * Math.ceil(n / size) + 1);
  let k = 1; // out[0] = 0
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let lo = start, hi = start;
    let vlo = values[start]!, vhi = vlo;
    for (let i = start + 1; i < end; i++) {
      const v = values[i]!;
      if (v < vlo) { lo = i; vlo = v; }
      if (v > vhi) { hi = i; vhi = v; }
    }
    const a = lo < hi ? lo : hi, b = lo < hi ? hi : lo, last = end - 1;
    if (a > out[k - 1]!) out[k++] = a;
    if (b > out[k - 1]!) out[k++] = b;
    if (last > out[k - 1]!) out[k++] = last;
  }
  return out.slice(0, k);
}

/** The bucket size used by downsampleIndices for `n` points (1 when not downsampled). */
export function downsampleBucketSize(n: number, maxPoints: number): number {
  if (n <= maxPoints) return 1;
  return Math.ceil(n / Math.max(1, Math.floor((maxPoints - 1) / 3)));
}
