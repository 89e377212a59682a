import crypto from 'node:crypto';
import { defineCommand } from '../../command.js';
import { UserError, parseInstrument } from '../../../domain/index.js';
import { SYMBOL_RE, INTENT_ID_RE } from '../../../gateway/order-body.js';
import { printJson, printLine, renderKeyValue } from '../../output.js';
import { connect, connectFlags, failOnError } from './connect.js';

export default defineCommand({
  command: 'submit',
  describe: 'send a signed order to a running gateway (the secret from CANDLEKEEP_API_SECRET or stdin)',
  builder: (y) =>
    y
      .options(connectFlags)
      .option('side', { type: 'string', demandOption: true, choices: ['buy', 'sell'], describe: 'buy or sell' })
      .option('instrument', { type: 'string', demandOption: true, describe: 'binance:BTC/USDT or a bare ccxt symbol BTC/USDT' })
      .option('amount', { type: 'string', demandOption: true, describe: 'amount in the base currency, e.g. 0.001' })
      .option('price', { type: 'string', describe: 'limit price (makes it a limit order unless --type market)' })
      .option('type', { type: 'string', choices: ['market', 'limit'], describe: 'order type (default: limit with --price, else market)' })
      .option('intent-id', { type: 'string', describe: 'idempotency id; resending the same id and order never places it twice (default: a new random id)' }),
  handler: async (args) => {
    const symbol = args.instrument.includes(':') ? parseInstrument(args.instrument, '--instrument').symbol : args.instrument;
    if (!SYMBOL_RE.test(symbol)) throw new UserError(`--instrument: "${args.instrument}" is not an instrument like binance:BTC/USDT`);
    if (!/^\d+(\.\d+)?$/.test(args.amount) || Number(args.amount) <= 0) throw new UserError(`--amount: "${args.amount}" must be a positive decimal like 0.001`);
    if (args.price !== undefined && (!/^\d+(\.\d+)?$/.test(args.price) || Number(args.price) <= 0)) throw new UserError(`--price: "${args.price}" must be a positive decimal`);
    const type = args.type ?? (args.price !== undefined ? 'limit' : 'market');
    if (type === 'limit' && args.price === undefined) throw new UserError('--price is required for a limit order');
    const intentId = args.intentId ?? `cli-${crypto.randomUUID()}`;
    if (!INTENT_ID_RE.test(intentId)) throw new UserError(`--intent-id: "${intentId}" must be 1-128 printable characters without "|"`);
    const client = await connect(args);
    try {
      const body: Record<string, string> = { intentId, symbol, side: args.side, type, amount: args.amount };
      if (args.price !== undefined) body.price = args.price;
      const r = await client.request('POST', '/v1/orders', body);
      failOnError(r);
      const b = r.body as { intentId: string; clientOrderId: string; status: string; idempotent: boolean };
      if (args.json) return printJson(b);
      printLine(renderKeyValue([['intent id', b.intentId], ['client order id', b.clientOrderId], ['status', b.status], ['idempotent replay', b.idempotent]]));
    } finally {
      client.close();
    }
  },
});
