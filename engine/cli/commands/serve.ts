import { defineCommand } from '../command.js';
import { resolveHome, loadConfig, homePaths } from '../../../config/index.js';
import { UserError, isoUtc } from '../../domain/index.js';
import { printJson, printLine, warn } from '../output.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export default defineCommand({
  command: 'serve',
  describe: 'run the signed order gateway (HTTP; loopback by default) with the paper order book, or live with --exchange',
  builder: (y) =>
    y
      .option('port', { type: 'number', describe: 'TCP port (default 8787, or gateway.port in config; 0 picks a free one)' })
      .option('host', { type: 'string', describe: 'address to bind (default 127.0.0.1; 0.0.0.0 exposes it: terminate TLS in front)' })
      .option('exchange', { type: 'string', describe: 'send gateway orders to this exchange (ccxt id, e.g. binance) with the stored key of --account, instead of the paper book' })
      .option('account', { type: 'string', describe: 'exchange account whose stored key signs live orders (default live.account from the config, "main"); needs --exchange' })
      .option('exchange-url', { type: 'string', describe: 'base URL of a Binance-compatible exchange to use instead of the real one (e.g. `candlekeep exchange serve`); needs --exchange' })
      .option('confirm-live', { type: 'boolean', describe: 'required with --exchange: gateway orders become real exchange orders (or set live.confirmLive in the config)' }),
  handler: async (args) => {
    const home = resolveHome(args.home);
    const config = loadConfig({ home, file: args.config });
    // Loaded on use: every other command starts without the gateway, the security store or SQLite.
    const { parseGatewayConfig } = await import('../../gateway/config.js');
    const { startGateway } = await import('../../gateway/run-gateway.js');
    const { keyStatusLabel } = await import('../../signing/keyring.js');
    const { openSecurityStore } = await import('../../../data/store/security-store.js');
    const gw = parseGatewayConfig((config as Record<string, unknown>).gateway, args.config ?? homePaths(home).configFile);
    const host = args.host ?? gw.host;
    const port = args.port ?? gw.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: ${port} must be an integer from 0 to 65535`);
    const exchange = args.exchange;
    if (exchange === undefined && (args.account !== undefined || args['exchange-url'] !== undefined)) {
      throw new UserError(`--${args.account !== undefined ? 'account' : 'exchange-url'} needs --exchange <id> (without it the gateway uses the paper order book)`);
    }
    if (exchange !== undefined && !/^[a-z0-9]{2,32}$/.test(exchange)) throw new UserError(`--exchange: "${exchange}" is not a ccxt exchange id like binance`);
    if (args.account !== undefined && !/^[a-z0-9_:-]{1,64}$/.test(args.account)) throw new UserError(`--account: "${args.account}" must be 1-64 chars of a-z 0-9 _ : -`);
    if (args['exchange-url'] !== undefined && !/^https?:\/\/[^\s]+$/.test(args['exchange-url'])) throw new UserError(`--exchange-url: "${args['exchange-url']}" is not an http(s) URL`);
    if (exchange !== undefined && !(args['confirm-live'] || config.live.confirmLive)) {
      throw new UserError('live trading places real orders: add --confirm-live (or set live.confirmLive in the config)');
    }
    const live = exchange === undefined ? undefined : {
      exchangeId: exchange, account: args.account ?? config.live.account, live: config.live, logLevel: config.log.level,
      ...(args['exchange-url'] !== undefined ? { exchangeUrl: args['exchange-url'] } : {}),
    };
    if (!LOOPBACK.has(host)) {
      warn(`WARNING: the gateway listens on ${host}, not loopback. It speaks plain HTTP: terminate TLS in front of it (a reverse proxy) and firewall the port.`);
    }
    // Keys that expire within 14 days get a warning at start-up.
    const store = openSecurityStore(homePaths(home).securityDb);
    try {
      const now = Date.now();
      for (const k of store.keys.list()) {
        if (keyStatusLabel(k, now) === 'expiring') warn(`warning: key ${k.keyId} (${k.principal}) expires ${isoUtc(k.expiresAt!)}: candlekeep keys rotate --key ${k.keyId}`);
      }
    } finally {
      store.close();
    }
    let running;
    try {
      running = await startGateway({ home, config: gw, env: process.env, host, port, log: (m) => warn(m), ...(live ? { live } : {}) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UserError(`port ${port} on ${host} is already in use; choose another with --port`);
      if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new UserError(`cannot listen on ${host}:${port} (${code})`);
      throw e;
    }
    if (args.json) printJson({ url: running.url, host: running.host, port: running.port, orders: live ? 'live' : 'paper' });
    else printLine(`candlekeep gateway listening on ${running.url} (${live ? `LIVE orders to ${live.exchangeId} account "${live.account}"` : 'paper order book'}; Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        running.close().then(resolve, (e: unknown) => {
          warn(`error while stopping: ${(e as Error).message}`);
          resolve();
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
});
