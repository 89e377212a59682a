import { loadConfig, resolveHome } from '../../../../config/index.js';
import { UserError, isoUtc, parseInstrument, parseTime, parseTimeframe } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderKeyValue, warn } from '../../output.js';

type FetchArgs = {
  instrument: string;
  timeframe: string;
  since?: string;
  until?: string;
  force?: boolean;
  'fill-gaps'?: boolean;
  'exchange-url'?: string;
  'max-attempts': number;
  'retry-delay-ms': number;
};

export default defineCommand<FetchArgs>({
  command: 'fetch',
  describe: 'download OHLCV bars from an exchange with ccxt into the store (resumable, Ctrl-C safe)',
  builder: (y) =>
    y
      .option('instrument', { type: 'string', demandOption: true, describe: 'instrument id: <ccxt exchange id>:<ccxt symbol>, e.g. binance:BTC/USDT' })
      .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe as a ccxt string: 1m 5m 15m 1h 4h 1d …' })
      .option('since', { type: 'string', describe: 'first bar open time (ISO-8601 UTC like 2024-01-01, or epoch ms); optional when the series is stored (resumes after its last bar)' })
      .option('until', { type: 'string', describe: 'end, exclusive, on bar open times (default: up to the last closed bar)' })
      .option('fill-gaps', { type: 'boolean', default: false, describe: 'also ask the exchange for the holes between stored bars (without --since: from the first stored bar); by default only before the first and after the last' })
      .option('force', { type: 'boolean', default: false, describe: 'download the whole range again, also where bars are stored (changed bars are updated and counted)' })
      .option('exchange-url', { type: 'string', describe: 'send every exchange API call to this base URL instead (a local or test exchange), e.g. http://127.0.0.1:8080; config: data.exchangeUrl' })
      .option('max-attempts', { type: 'number', default: 5, describe: 'attempts per request on network errors and rate limits before giving up' })
      .option('retry-delay-ms', { type: 'number', default: 1000, describe: 'first retry delay in ms, doubled per attempt (a server Retry-After wins)' }),
  handler: async (args) => {
    const inst = parseInstrument(args.instrument);
    const timeframe = parseTimeframe(args.timeframe);
    const maxAttempts = args['max-attempts'];
    const retryDelayMs = args['retry-delay-ms'];
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) throw new UserError(`--max-attempts: "${maxAttempts}" must be a whole number from 1 to 100`);
    if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0 || retryDelayMs > 600_000) throw new UserError(`--retry-delay-ms: "${retryDelayMs}" must be a number of ms from 0 to 600000`);
    const until = args.until === undefined ? undefined : parseTime(args.until, '--until');
    const home = resolveHome(args.home);
    const config = loadConfig({ home, file: args.config });
    const apiBaseUrl = args['exchange-url'] ?? configExchangeUrl(config);

    const { openBarStore } = await import('../../../../data/index.js');
    const { fetchBars } = await import('../../../../data/fetch/index.js');
    const store = openBarStore(home);
    const ac = new AbortController();
    let sigints = 0;
    const onSigint = () => {
      sigints++;
      // A second Ctrl-C stops at once: every committed page is already durable.
      if (sigints > 1) process.exit(130);
      warn('stopping after the current page (Ctrl-C again to stop now)…');
      ac.abort();
    };
    process.on('SIGINT', onSigint);
    const bar = !args.json && process.stderr.isTTY ? await progressBar() : undefined;
    try {
      let since: number;
      if (args.since !== undefined) since = parseTime(args.since, '--since');
      else {
        const info = store.info({ instrument: inst.id, timeframe });
        if (!info) throw new UserError(`--since is required: ${inst.id} ${timeframe} is not stored yet`);
        // Resume after the last stored bar; with --fill-gaps, from the first so the holes in between are asked for too.
        since = args['fill-gaps'] === true ? info.first : info.last;
      }
      const summary = await fetchBars(
        store,
        { instrument: inst.id, timeframe, since, until, force: args.force, fillGaps: args['fill-gaps'] === true },
        {
          apiBaseUrl,
          signal: ac.signal,
          retry: { maxAttempts, baseDelayMs: retryDelayMs },
          onStart: ({ totalBars }) => bar?.start(Math.max(1, totalBars), 0, { stored: 0 }),
          onProgress: (p) => bar?.update(p.doneBars, { stored: p.stored }),
          onRetry: ({ attempt, delayMs, error }) => {
            warn(`${bar ? '\n' : ''}retry ${attempt}/${maxAttempts - 1} in ${(delayMs / 1000).toFixed(1)}s: ${error}`);
          },
        },
      );
      bar?.stop();
      if (args.json) {
        printJson({
          ...summary,
          fromIso: isoUtc(summary.from),
          toIso: isoUtc(summary.to),
          serverTimeIso: isoUtc(summary.serverTime),
        });
      } else {
        printLine(
          renderKeyValue([
            ['instrument', summary.instrument],
            ['timeframe', summary.timeframe],
            ['source', summary.source],
            ['range', `${isoUtc(summary.from)} … ${isoUtc(summary.to)} (exclusive; bars close before ${isoUtc(summary.serverTime)})`],
            [
              'downloaded',
              summary.ranges.length
                ? summary.ranges.map((r) => `${isoUtc(r.from)} … ${isoUtc(r.to)}`).join(', ')
                : summary.from >= summary.to
                  ? 'nothing: no bar of the range has closed yet'
                  : 'nothing new (already stored)',
            ],
            ...(summary.gapsAsked > 0 ? ([['holes asked for', summary.gapsAsked]] as [string, number][]) : []),
            ['pages', summary.pages],
            ['bars stored', summary.stored],
            ['inserted', summary.inserted],
            ['updated', summary.updated],
            ['unchanged', summary.unchanged],
            ['retries', summary.retries],
            ...(summary.lastStored !== undefined ? ([['last bar', isoUtc(summary.lastStored)]] as [string, string][]) : []),
          ]),
        );
      }
      if (summary.interrupted) {
        warn(`interrupted: ${summary.stored} bars of ${summary.pages} pages were committed; run the same command again to resume`);
        process.exitCode = 130;
      }
    } finally {
      bar?.stop();
      process.off('SIGINT', onSigint);
      store.close();
    }
  },
});

/** `data.exchangeUrl` from the config file, when the config schema carries it. */
function configExchangeUrl(config: unknown): string | undefined {
  const data = (config as { data?: { exchangeUrl?: unknown } }).data;
  const v = data?.exchangeUrl;
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UserError(`config: data.exchangeUrl must be a URL string, got ${JSON.stringify(v)}`);
  return v;
}

type Bar = {
  start(total: number, value: number, payload: Record<string, unknown>): void;
  update(value: number, payload: Record<string, unknown>): void;
  stop(): void;
};

async function progressBar(): Promise<Bar> {
  const cp = await import('cli-progress');
  const SingleBar = cp.default.SingleBar;
  const b = new SingleBar(
    {
      stream: process.stderr,
      format: 'fetch [{bar}] {percentage}% | {value}/{total} bars | {stored} stored | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
      clearOnComplete: false,
    },
    cp.default.Presets.shades_classic,
  );
  return b as unknown as Bar;
}
