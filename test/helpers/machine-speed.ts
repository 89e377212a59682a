/**
 * A fixed amount of plain integer work, timed (ms): this VM's CPU speed at that moment. The VM's speed
 * changes in streaks of a second or two (every benchmark slows down together with this loop), so benchmarks
 * time it between rounds and print its range next to their figures.
 */
export function spinMs(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 30_000_000; i++) x = (x + (i & 7)) | 0;
  const ms = performance.now() - t0;
  if (x === -1) console.log(x); // keeps the loop from being optimised away
  return ms;
}

/** "a–b ms" over the spin timings of a benchmark's rounds. */
export function spinRange(ms: readonly number[]): string {
  return `${Math.min(...ms).toFixed(1)}–${Math.max(...ms).toFixed(1)} ms`;
}
