import { randomBytes } from 'node:crypto';
import { resolveHome } from '../../../../config/index.js';
import { UserError, isoUtc, parseInstrument, parseTime, parseTimeframe } from '../../../domain/index.js';
import type { Timeframe } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, warn } from '../../output.js';

type ServeArgs = {
  port: number;
  data: string[];
  speed: number;
  start?: string;
  'api-key': string;
  balance: string[];
  'fee-rate': number;
  rebase: boolean;
};

/** `binance:BTC/USDT:1h` → instrument + timeframe (the timeframe follows the last colon). */
function parseDataSpec(s: string): { instrument: string; symbol: string; timeframe: Timeframe } {
  const i = s.lastIndexOf(':');
  if (i <= 0) throw new UserError(`--data: "${s}" is not <instrument>:<timeframe>, e.g. binance:BTC/USDT:1h`);
  const inst = parseInstrument(s.slice(0, i), '--data');
  const timeframe = parseTimeframe(s.slice(i + 1), '--data timeframe');
  if (inst.symbol.includes(':')) throw new UserError(`--data: "${s}": the local exchange serves spot symbols only (like BTC/USDT), not ${inst.symbol}`);
  return { instrument: inst.id, symbol: inst.symbol, timeframe };
}

function parseBalance(s: string): [string, number] {
  const m = /^([A-Z0-9]+)=(\d+(?:\.\d+)?)$/.exec(s);
  if (!m) throw new UserError(`--balance: "${s}" is not <ASSET>=<amount>, e.g. USDT=10000`);
  return [m[1]!, Number(m[2])];
}

export default defineCommand<ServeArgs>({
  command: 'serve',
  describe: 'serve stored bars as a local Binance spot REST API (ccxt binance works against it) until Ctrl-C',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 0, describe: 'TCP port on 127.0.0.1 (0 = pick a free one; the URL is printed)' })
      .option('data', { type: 'string', array: true, demandOption: true, describe: 'series to replay from the bar store, <instrument>:<timeframe>, e.g. binance:BTC/USDT:1h (repeatable, one per symbol)' })
      .option('speed', { type: 'number', default: 1, describe: 'replay speed: 1 = real time, 60 = a minute of bars per second, 0 = manual (advance with POST /__admin/advance)' })
      .option('start', { type: 'string', describe: 'replay start (ISO-8601 UTC or epoch ms); default the first stored bar. Bars before it are history served by klines' })
      .option('rebase', { type: 'boolean', default: false, describe: 'shift bar times so the replay starts now: with --speed 1 bars close in real time, as for a live feed (practice with paper/live sessions)' })
      .option('api-key', { type: 'string', default: 'candlekeep-local', describe: 'API key accepted in X-MBX-APIKEY; its secret comes from CANDLEKEEP_EXCHANGE_SECRET, else a random one is printed' })
      .option('balance', { type: 'string', array: true, default: ['USDT=10000'], describe: 'starting balance <ASSET>=<amount> (repeatable)' })
      .option('fee-rate', { type: 'number', default: 0.001, describe: 'commission per fill as a fraction of the quote amount, charged in the quote asset' }),
  handler: async (args) => {
    const port = args.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: "${port}" must be a whole number from 0 to 65535`);
    const speed = args.speed;
    if (!Number.isFinite(speed) || speed < 0 || speed > 1_000_000) throw new UserError(`--speed: "${speed}" must be a number from 0 to 1000000`);
    const feeRate = args['fee-rate'];
    if (!Number.isFinite(feeRate) || feeRate < 0 || feeRate >= 0.1) throw new UserError(`--fee-rate: "${feeRate}" must be a fraction from 0 to 0.1 (0.001 = 0.1%)`);
    const apiKey = args['api-key'];
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(apiKey)) throw new UserError(`--api-key: "${apiKey}" may only contain letters, digits, _ and -`);
    const specs = args.data.map(parseDataSpec);
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.symbol)) throw new UserError(`--data: ${s.symbol} is given twice; serve one timeframe per symbol (coarser klines are aggregated from it)`);
      seen.add(s.symbol);
    }
    const balances = Object.fromEntries(args.balance.map(parseBalance));
    const start = args.start === undefined ? undefined : parseTime(args.start, '--start');
    const envSecret = process.env['CANDLEKEEP_EXCHANGE_SECRET'];
    const secret = envSecret !== undefined && envSecret !== '' ? envSecret : randomBytes(24).toString('base64url');

    const home = resolveHome(args.home);
    const { openBarStore } = await import('../../../../data/index.js');
    const store = openBarStore(home, { readonly: true });
    let series;
    try {
      series = specs.map((s) => {
        const bars = store.read({ instrument: s.instrument, timeframe: s.timeframe });
        if (bars.length === 0) {
          throw new UserError(`--data: no bars stored for ${s.instrument} ${s.timeframe} in ${home}; fetch or import them first (candlekeep data fetch --instrument ${s.instrument} --timeframe ${s.timeframe} --since …)`);
        }
        return { symbol: s.symbol, timeframe: s.timeframe, bars };
      });
    } finally {
      store.close();
    }
    const first = series[0]!.bars;
    if (start !== undefined && (start < first.openTime[0]! || start > first.openTime[first.length - 1]!)) {
      throw new UserError(`--start: ${isoUtc(start)} is outside the stored bars of ${specs[0]!.instrument} ${specs[0]!.timeframe} (${isoUtc(first.openTime[0]!)} … ${isoUtc(first.openTime[first.length - 1]!)})`);
    }

    const { startLocalExchange } = await import('../../../local-exchange/index.js');
    let ex;
    try {
      ex = await startLocalExchange({ port, series, apiKeys: [{ key: apiKey, secret }], balances, feeRate, speed, rebaseToNow: args.rebase, ...(start !== undefined ? { startTime: start } : {}) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') throw new UserError(`--port: cannot listen on 127.0.0.1:${port} (${code})`);
      throw e;
    }
    const info = {
      url: ex.url,
      port: ex.port,
      apiKey,
      // The secret of a practice account with play money; printed so a client can be configured.
      apiSecret: envSecret !== undefined && envSecret !== '' ? '(from CANDLEKEEP_EXCHANGE_SECRET)' : secret,
      speed,
      series: specs.map((s, i) => ({ instrument: s.instrument, timeframe: s.timeframe, bars: series[i]!.bars.length })),
      replayStart: ex.clock.replayTime(),
      rebased: args.rebase,
    };
    if (args.json) printJson(info);
    else {
      printLine(`local exchange listening on ${ex.url} (Binance spot REST API; admin routes under /__admin)`);
      printLine(`api key ${apiKey}, secret ${info.apiSecret}`);
      for (const s of info.series) printLine(`replaying ${s.instrument} ${s.timeframe} (${s.bars} bars) from ${isoUtc(info.replayStart)} at speed ${speed === 0 ? 'manual' : `${speed}x`}`);
      printLine('press Ctrl-C to stop');
    }
    const exchange = ex;
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        if (!args.json) warn(`${sig}: stopping the local exchange`);
        exchange.close().then(resolve, resolve);
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
  },
});
