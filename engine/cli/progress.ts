/**
 * A progress bar with ETA on stderr (cli-progress), only when stderr is a terminal and output is not JSON;
 * otherwise silent. Loaded lazily.
 */
export type Progress = { start(total: number, done: number): void; update(done: number): void; stop(): void };

export async function progressBar(label: string, enabled: boolean): Promise<Progress> {
  if (!enabled || !process.stderr.isTTY) return { start() {}, update() {}, stop() {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {duration_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, done) => bar.start(total, done),
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}

/** An AbortSignal that fires on the first Ctrl-C/SIGTERM (a second Ctrl-C exits at once). */
export function interruptSignal(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) process.exit(130);
    onFirst();
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: ac.signal, dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); } };
}
