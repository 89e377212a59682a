import path from 'node:path';

/** The folder holding the databases, keys and results: --home, else CANDLEKEEP_HOME, else ./.candlekeep. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.CANDLEKEEP_HOME ?? '.candlekeep');
}

/** Well-known files under the home folder. */
export function homePaths(home: string) {
  return {
    home,
    /** Bars, backtest run index, optimisation results. */
    marketDb: path.join(home, 'market.db'),
    /** Order journal, sessions (synchronous=FULL). */
    tradingDb: path.join(home, 'trading.db'),
    /** API keys, nonces, audit log (synchronous=FULL). */
    securityDb: path.join(home, 'security.db'),
    /** 0600 master key file, created on first use when CANDLEKEEP_MASTER_KEY is not set. */
    masterKeyFile: path.join(home, 'master.key'),
    configFile: path.join(home, 'config.json'),
    logs: path.join(home, 'logs'),
  } as const;
}
