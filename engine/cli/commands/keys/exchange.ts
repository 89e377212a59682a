import fs from 'node:fs';
import readline from 'node:readline';
import { homePaths, resolveHome } from '../../../../config/index.js';
import { UserError, isoUtc, parseDurationMs } from '../../../domain/index.js';
import { defineCommand, defineGroup } from '../../command.js';
import { printJson, printLine, renderTable, warn } from '../../output.js';

type AddArgs = { exchange: string; account: string; overlap: string };

/**
 * Reads the API key and secret: from stdin when it is not a terminal (two lines: key, secret, optional third:
 * passphrase), else from a prompt with the secret not echoed. Never from a flag (shell history, ps).
 */
async function readCredentials(): Promise<{ apiKey: string; secret: string; password?: string }> {
  if (!process.stdin.isTTY) {
    const text = fs.readFileSync(0, 'utf8');
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
    if (lines.length < 2) throw new UserError('keys exchange add: give the API key and the secret on stdin, one per line (a third line: the passphrase, for exchanges that have one)');
    return lines[2] ? { apiKey: lines[0]!, secret: lines[1]!, password: lines[2] } : { apiKey: lines[0]!, secret: lines[1]! };
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const ask = (q: string, hidden: boolean) =>
    new Promise<string>((resolve) => {
      const out = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WritableStream };
      if (hidden) out._writeToOutput = (s: string) => { if (s.includes(q)) out.output.write(s); };
      rl.question(q, (a) => {
        if (hidden) process.stderr.write('\n');
        out._writeToOutput = undefined;
        resolve(a.trim());
      });
    });
  try {
    const apiKey = await ask('API key: ', false);
    const secret = await ask('API secret (not shown): ', true);
    return { apiKey, secret };
  } finally {
    rl.close();
  }
}

const add = defineCommand<AddArgs>({
  command: 'add',
  describe: 'store an exchange API key encrypted (AES-256-GCM, master key from CANDLEKEEP_MASTER_KEY or <home>/master.key); key and secret are read from stdin or a prompt',
  builder: (y) =>
    y
      .option('exchange', { type: 'string', demandOption: true, describe: 'ccxt exchange id, e.g. binance' })
      .option('account', { type: 'string', demandOption: true, describe: 'account name the key belongs to (live.account in the config; default "main")' })
      .option('overlap', { type: 'string', default: '24h', describe: 'when replacing a key: how long the previous one stays stored (a running bot switches to the new one at its next request)' }),
  handler: async (args) => {
    if (!/^[a-z0-9_-]{2,40}$/.test(args.exchange)) throw new UserError(`--exchange: "${args.exchange}" is not a ccxt exchange id (lowercase, e.g. binance)`);
    if (!/^[a-z0-9_:-]{1,64}$/.test(args.account)) throw new UserError(`--account: "${args.account}" may only contain a-z, 0-9, _, : and - (max 64)`);
    const overlapMs = parseDurationMs(args.overlap, '--overlap');
    const creds = await readCredentials();
    if (!/^[\x21-\x7e]{8,256}$/.test(creds.apiKey)) throw new UserError('the API key must be 8–256 printable characters without spaces');
    if (!/^[\x21-\x7e]{8,512}$/.test(creds.secret)) throw new UserError('the API secret must be 8–512 printable characters without spaces');
    const home = resolveHome(args.home);
    const paths = homePaths(home);
    const { loadMasterKey } = await import('../../../signing/secret-box.js');
    const { openTradingDb } = await import('../../../../data/store/order-journal.js');
    const { ExchangeKeyStore } = await import('../../../../data/store/exchange-keys.js');
    const box = loadMasterKey({ env: process.env, keyFile: paths.masterKeyFile, create: true, onCreate: (f) => warn(`created a new master key in "${f}" (mode 0600); back it up — stored keys cannot be decrypted without it`) });
    const db = openTradingDb(paths.tradingDb);
    try {
      const store = new ExchangeKeyStore(db, box);
      const prev = store.info(args.account);
      if (prev && prev.exchange !== args.exchange) throw new UserError(`account "${args.account}" holds a ${prev.exchange} key; use another --account for ${args.exchange}`);
      const info = store.add(args.account, args.exchange, creds, overlapMs);
      store.purgeRetired();
      if (args.json) printJson({ account: info.accountId, exchange: info.exchange, version: info.version, apiKeyHint: info.apiKeyHint, replaced: prev ? prev.version : null });
      else printLine(`stored ${info.exchange} key ${info.apiKeyHint}… for account "${info.accountId}" (version ${info.version}${prev ? `, replaces version ${prev.version}; a running bot uses the new key from its next request` : ''})`);
    } finally {
      db.close();
    }
  },
});

const list = defineCommand<object>({
  command: 'list',
  describe: 'list stored exchange keys (account, exchange, version, first 4 characters of the key — never the secret)',
  handler: async (args) => {
    const paths = homePaths(resolveHome(args.home));
    if (!fs.existsSync(paths.tradingDb)) {
      if (args.json) printJson([]);
      else printLine('no exchange keys (add one: candlekeep keys exchange add --exchange binance --account main)');
      return;
    }
    const { openTradingDb } = await import('../../../../data/store/order-journal.js');
    const { ExchangeKeyStore } = await import('../../../../data/store/exchange-keys.js');
    const db = openTradingDb(paths.tradingDb);
    try {
      const rows = new ExchangeKeyStore(db, { seal: () => { throw new Error('read only'); }, open: () => '', fingerprint: '' }).list();
      if (args.json) printJson(rows);
      else printLine(renderTable(rows.map((r) => ({ account: r.accountId, exchange: r.exchange, version: r.version, key: `${r.apiKeyHint}…`, added: isoUtc(r.createdAt), retires: r.retiresAt ? isoUtc(r.retiresAt) : '' }))));
    } finally {
      db.close();
    }
  },
});

export default defineGroup('exchange', 'exchange API keys for live trading (add, list), stored encrypted', [add, list]);
